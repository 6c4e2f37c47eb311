"""Build one `extract_<source>` DAG from a source spec: one task per entity."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, task

from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.orchestration.policies import DEFAULT_ARGS, retry_transient_only
from dti_pipeline.schedules import cron_of
from dti_pipeline.sources.spec import EntitySpec, SourceSpec


def raw_asset(spec: SourceSpec, entity: EntitySpec) -> Asset:
    """The Asset of the raw table an entity lands in (consumers schedule on it)."""
    schema, table = spec.raw_table(entity).split(".")
    return Asset(name=f"{schema}.{table}", uri=f"postgres://warehouse:5432/dti/{schema}/{table}")


def _doc_md(spec: SourceSpec) -> str:
    entities = "\n".join(
        f"| `{e.name}` | `{e.path}` | {e.mode} | `{spec.raw_table(e)}` | {e.description} |"
        for e in spec.entities
    )
    return f"""### {spec.title}

{spec.description}

Each run loads one data interval ({spec.schedule}, in Asia/Ho_Chi_Minh) of every entity
below into its raw table. A load becomes current only when it commits, and rerunning an
interval replaces its earlier load: **clearing a task or a run is always safe**.

| entity | endpoint | mode | raw table | contents |
|---|---|---|---|---|
{entities}

- **Connection**: `{spec.connection_id}` (HTTP: host, port, credentials).
- **Pool**: `{spec.pool}` ({spec.pool_slots} slots) keeps the source within its rate limit.
- **Rerun a day**: clear the run of that day in the grid. **Backfill**:
  `airflow backfill create --dag-id extract_{spec.name} --from-date 2025-01-01 --to-date 2025-12-31`
  or `dti extract --source {spec.name} --from 2025-01 --to 2025-12`.
- **Why did it stop?** The task log's last lines name the source, entity and interval,
  and what to do: wrong credentials, an unreachable host, a changed contract, too many
  quarantined records (`raw.quarantine`), or counts that do not reconcile
  (`raw.load_ledger`). See docs/operations.md.
"""


def build_extract_dag(spec: SourceSpec) -> DAG:
    cron = cron_of(spec.schedule)
    with DAG(
        dag_id=f"extract_{spec.name}",
        description=f"Land {spec.title} in raw.{spec.name}__*",
        schedule=CronDataIntervalTimetable(cron, timezone=str(LOCAL_TZ)),
        start_date=datetime(
            spec.start_date.year, spec.start_date.month, spec.start_date.day, tzinfo=LOCAL_TZ
        ),
        catchup=True,
        max_active_runs=4,
        tags=["extract", "raw", spec.name],
        default_args={**DEFAULT_ARGS, "owner": spec.owner, "pool": spec.pool},
        doc_md=_doc_md(spec),
    ) as dag:
        for entity in spec.entities:
            _entity_task(spec, entity)
    return dag


def _entity_task(spec: SourceSpec, entity: EntitySpec):
    @task(
        task_id=f"load_{entity.name}",
        outlets=[raw_asset(spec, entity)],
        retry_policy=retry_transient_only,
        doc_md=f"Load `{spec.name}.{entity.name}` ({entity.mode}) for the run's data interval "
        f"into `{spec.raw_table(entity)}`; figures go to `raw.load_ledger`.",
    )
    def load(data_interval_start=None, data_interval_end=None, run_id=None) -> dict:
        from dti_pipeline.extract.run import extract_entity

        return extract_entity(spec.name, entity.name, data_interval_start, data_interval_end, run_id=run_id)

    return load()
