"""Build one `extract_<source>` DAG from a source spec: one run per month, one task per entity.

The run of month M loads everything M needs of the source (dti_pipeline.needs), so runs can
go in any order: a backfill of one month is one run per source. Catch-up is off and the
DAG's dates are the source's data range (start_date / end_date in sources.yml, or the
deployment's DTI_SOURCES_START_DATE / DTI_SOURCES_END_DATE), so an unpaused DAG runs only the
latest ended month and never a month the source does not have; `airflow backfill create`
loads the history, at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, task

from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.orchestration.policies import DEFAULT_ARGS, retry_transient_only
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

MONTHLY = "0 0 1 * *"  # the data interval is the local calendar month; the run starts at its end


def raw_asset(spec: SourceSpec, entity: EntitySpec) -> Asset:
    """The Asset of the raw table an entity lands in (consumers schedule on it)."""
    schema, table = spec.raw_table(entity).split(".")
    return Asset(name=f"{schema}.{table}", uri=f"postgres://warehouse:5432/dti/{schema}/{table}")


def _doc_md(spec: SourceSpec) -> str:
    entities = "\n".join(
        f"| `{e.name}` | `{e.path or e.export_entity}` | {_history(e)} | `{spec.raw_table(e)}` | "
        f"{e.description} |"
        for e in spec.entities
    )
    return f"""### {spec.title}

{spec.description}

Each run is one month (Asia/Ho_Chi_Minh) and loads **everything that month needs** of every
entity below into its raw table: the windows of creation time the month reads (a stock's
since the source's first day, a flow's month and its look-back months), a snapshot, or the
month's export; windows already loaded after the month ended are kept. A load becomes
current only when it commits and a rerun replaces it: **clearing a task or a run is always
safe**, and a cleared run resumes where it stopped (trigger with `reload` to load every
window again). The source's data runs from {spec.start_date} to {spec.end_date or "today"}.

| entity | endpoint | history | raw table | contents |
|---|---|---|---|---|
{entities}

- **Connection**: `{spec.connection_id}` (HTTP: host, port, credentials).
- **Pool**: `{spec.pool}` ({spec.pool_slots} slots) keeps the source within its rate limit.
- **Rerun a month**: clear its run in the grid. **Backfill** (any order):
  `airflow backfill create --dag-id extract_{spec.name} --from-date 2025-01-01 --to-date 2025-12-31`
  or `dti extract --source {spec.name} --from 2025-01 --to 2025-12`.
- **Why did it stop?** The task log's last lines name the source, entity and interval,
  and what to do: wrong credentials, an unreachable host, a changed contract, too many
  quarantined records (`raw.quarantine`), or counts that do not reconcile
  (`raw.load_ledger`). See docs/operations.md.
"""


def _history(entity: EntitySpec) -> str:
    if entity.history == "flow" and entity.lookback_months:
        return f"flow, {entity.lookback_months} month(s) back"
    return entity.history


def _local(day) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)


def build_extract_dag(spec: SourceSpec) -> DAG:
    with DAG(
        dag_id=f"extract_{spec.name}",
        description=f"Land {spec.title} in raw.{spec.name}__*, a month at a time",
        schedule=CronDataIntervalTimetable(MONTHLY, timezone=str(LOCAL_TZ)),
        start_date=_local(spec.start_date.replace(day=1)),
        # the instant the last month ends: a scheduled run's logical date is its month's first
        # day and a manual run's its month's end, so both reach the last month and no later one
        end_date=_local(spec.end_date + timedelta(days=1)) if spec.end_date else None,
        catchup=False,
        # the runs of one source share its stocks' windows: one month at a time
        max_active_runs=1,
        tags=["extract", "raw", spec.name],
        default_args={**DEFAULT_ARGS, "owner": spec.owner, "pool": spec.pool},
        doc_md=_doc_md(spec),
        params={
            "reload": Param(
                False,
                type="boolean",
                title="Reload",
                description="Load every window the month needs again, even those already loaded.",
            )
        },
    ) as dag:
        for entity in spec.entities:
            _entity_task(spec, entity)
    return dag


def _entity_task(spec: SourceSpec, entity: EntitySpec):
    @task(
        task_id=f"load_{entity.name}",
        outlets=[raw_asset(spec, entity)],
        retry_policy=retry_transient_only,
        doc_md=f"Load what the run's month needs of `{spec.name}.{entity.name}` ({_history(entity)}) "
        f"into `{spec.raw_table(entity)}`; one load per window, each in `raw.load_ledger`.",
    )
    def load(data_interval_start=None, run_id=None, params=None) -> dict:
        from airflow.sdk.exceptions import AirflowSkipException

        from dti_pipeline.extract.run import MonthOutsideData, extract_month
        from dti_pipeline.months import month_of

        try:
            return extract_month(
                spec.name,
                entity.name,
                month_of(data_interval_start),
                run_id=run_id,
                reload=bool((params or {}).get("reload")),
            )
        except MonthOutsideData as exc:
            # a backfill asked for more months than the source has (Airflow's backfills do not
            # stop at the DAG's start and end dates): nothing to do, and nothing wrong
            raise AirflowSkipException(str(exc)) from None

    return load()
