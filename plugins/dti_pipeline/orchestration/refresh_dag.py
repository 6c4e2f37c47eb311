"""Build the `dti_monthly_refresh` DAG: month -> completeness gate -> one dbt build (Cosmos's
watcher mode: a task per model reports it) -> quality gate -> publish -> report, with
notifications and retries that fit the failure."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG, Asset, CronTriggerTimetable, Param, task
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import (
    PRODUCER_WATCHER_DONE_TASK_ID,
    PRODUCER_WATCHER_TASK_ID,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)
from cosmos.profiles import PostgresUserPasswordProfileMapping

from dti_pipeline.errors import PermanentError
from dti_pipeline.gates.dbt_results import explain_dbt_results
from dti_pipeline.months import LOCAL_TZ, MONTH_PATTERN
from dti_pipeline.notify import RefreshNotifier
from dti_pipeline.orchestration.failures import on_task_failure
from dti_pipeline.orchestration.policies import DEFAULT_ARGS, retry_transient_only
from dti_pipeline.paths import DBT_MANIFEST, DBT_PROJECT_DIR, PROJECT_DIR
from dti_pipeline.report.operator import MonthlyReportOperator
from dti_pipeline.warehouse.connection import WAREHOUSE_CONN_ID
from dti_pipeline.warehouse.schemas import BUILD_SCHEMA, MART_SCHEMA

DOC_MD = """### Monthly DTI refresh

Builds one month of the DTI mart from the raw extracts, checks it, publishes it to BI
readers and writes its report. Owner: data engineering. Runbook: docs/operations.md.

1. **resolve_month**: the `month` you gave (YYYY-MM), or the previous month on schedule.
   Stops on a malformed or unfinished month, or one before the sources' first day.
2. **completeness_gate**: every source and entity of `include/config/sources.yml` has a
   current, reconciled load for every scheduled interval of the month (a snapshot: one taken
   at or after its end). Stops, before dbt, naming what to rerun, e.g.
   `voso.orders: 2026-10-14..2026-10-16 missing; rerun extract_voso for those days`.
3. **sync_reference_seeds**, then **dbt_build**: the seeds whose files changed are loaded
   (none, most months); then **dbt_producer_watcher** runs one `dbt build` of the month into
   `dti_build` (Cosmos's watcher mode, from the dbt manifest), and a task per model
   (`<model>.run`) and per model's tests (`<model>.test`) reports what the build did to it, with
   dbt's log line. A failing test stops the run **without retry** (a retry cannot fix data),
   naming the test, its model and column, and a sample of the failing rows, in the build's task
   and in the failed `<model>.test`. Clearing a model's task reruns that model alone.
4. **quality_gate**: the mart reconciled against `raw`, and plausibility: units whose score
   moved more than `dti_plausibility_max_change` from last month, with the indicators that
   moved most. Blocks or warns by configuration (`include/config/quality.yml`, Variables
   `dti_plausibility_mode`, `dti_reconciliation_mode`).
5. **publish**: makes the month visible in `dti_mart` in one transaction: readers see the
   previous publication or the new one, never a mixture. Records publish time, run,
   methodology version, content hash and the gates' findings (`dti_mart.publication`);
   earlier versions stay in `dti_mart.<fact>_versions`.
6. **report**: the month's HTML report; the **Monthly report** link on this task opens it,
   and its path is the task's XCom.

Retries: lost connections, lock timeouts and serialization failures are retried with
backoff (in dbt_build, by the model tasks, each rerunning its model alone); incomplete data,
failing tests and blocking checks fail at once. A notification
(log; email or chat when `dti_notify_email` / `dti_notify_chat_conn_id` are set) says how the
run ended.

**Rerun a month**: Trigger DAG w/ config, `month` = `2026-10`, or `dti refresh --month 2026-10`.
**Backfill**: `airflow backfill create --dag-id dti_monthly_refresh --from-date ... --to-date ...`
or `dti refresh --from 2026-01 --to 2026-10`. The same inputs publish the same content: a
rerun with unchanged data publishes nothing new (same content hash).
"""

MART_ASSETS = [
    Asset(name=f"{MART_SCHEMA}.{fact}", uri=f"postgres://warehouse:5432/dti/{MART_SCHEMA}/{fact}")
    for fact in ("fct_dti_monthly", "fct_indicator_monthly")
]


def _refresh_schedule() -> CronTriggerTimetable:
    # The previous month is refreshed on this day of each month, once its extracts are in.
    day = int(os.environ.get("DTI_REFRESH_DAY_OF_MONTH", "5"))
    return CronTriggerTimetable(f"0 6 {day} * *", timezone=str(LOCAL_TZ))


class ManifestMissing(PermanentError, FileNotFoundError):
    """The dbt manifest the refresh DAG is rendered from was not built on this host."""


class _WarehouseProfile(PostgresUserPasswordProfileMapping):
    """Cosmos's mapping keeps the first Connection it read for the life of the DAG object; a
    process that runs the DAG more than once (the CLI, tests) must see the current one."""

    @property
    def conn(self):
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(self.conn_id)


def _dbt_task_group() -> DbtTaskGroup:
    if not DBT_MANIFEST.exists():
        raise ManifestMissing(
            f"the dbt manifest {DBT_MANIFEST} is missing on this host, so dti_monthly_refresh "
            "cannot be rendered (DAG parsing never runs dbt). Every dag-processor and worker needs "
            f"it: run `dti dbt parse` in {PROJECT_DIR} (no warehouse needed; `make` does it), or "
            "deploy the project's image, which builds it (docker/Dockerfile)."
        )
    group = DbtTaskGroup(
        group_id="dbt_build",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=DBT_MANIFEST,
            project_name="dti",
        ),
        profile_config=ProfileConfig(
            profile_name="dti",
            target_name="airflow",
            profile_mapping=_WarehouseProfile(
                conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": BUILD_SCHEMA}
            ),
        ),
        execution_config=ExecutionConfig(
            # one `dbt build` of the whole month (the producer task); one task per model and one
            # per model's tests report what dbt did to it, and rerun it alone when retried
            execution_mode=ExecutionMode.WATCHER,
            invocation_mode=InvocationMode.DBT_RUNNER,
            # a test with several parents runs once, after all of them
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # <model>.run and <model>.test tasks; the producer's `dbt build` runs both
            test_behavior=TestBehavior.AFTER_EACH,
            # a test with several parents is reported by each parent's test task (the producer
            # reports only tests it can attach to a model)
            should_detach_multiple_parents_tests=False,
            # seeds are loaded by sync_reference_seeds, and only when their files change
            exclude=["resource_type:seed"],
        ),
        operator_args={
            "vars": {
                "month": "{{ ti.xcom_pull(task_ids='resolve_month') }}",
                # the sources whose history is partial this month: the mart flags their values
                "partial_sources": "{{ ti.xcom_pull(task_ids='completeness_gate')['partial_sources'] }}",
            },
            "install_deps": False,
            "emit_datasets": False,  # publish declares the Assets readers care about
            # dbt's unit tests check the SQL on fixed rows: CI runs them (`dti dbt build`); a
            # monthly run checks the data (dbt docs advise excluding them in production)
            "dbt_cmd_flags": ["--exclude-resource-type", "unit_test"],
            # reads run_results.json before Cosmos raises: names the failing test and its rows
            "callback": explain_dbt_results,
        },
        default_args={"retries": 2, "retry_policy": retry_transient_only},
    )
    _consumers_after_producer(group)
    return group


def _consumers_after_producer(group: DbtTaskGroup) -> None:
    """The model tasks with no model upstream start once the producer's `dbt build` is done.

    Cosmos starts them alongside the producer, to show each model's progress live; but a model
    task that starts first waits on the producer, and under `dag.test()` (the CLI, the tests),
    which runs one task at a time, that wait never ends. After the producer they read its
    results at once. They run whether the build succeeded or failed (a failed model or test
    fails its own task, naming it), and after a retry of the producer, which Cosmos skips
    (`_done` succeeds), so that each model task reruns its model alone; not when the producer
    never ran (an earlier gate failed).
    """
    from airflow.sdk import TriggerRule

    producer = group.children[f"{group.group_id}.{PRODUCER_WATCHER_TASK_ID}"]
    done = group.children[f"{group.group_id}.{PRODUCER_WATCHER_DONE_TASK_ID}"]
    tasks = list(group.iter_tasks())
    in_group = {t.task_id for t in tasks}
    for model_task in tasks:
        if model_task in (producer, done) or model_task.upstream_task_ids & in_group:
            continue
        model_task.trigger_rule = TriggerRule.ONE_DONE
        model_task.set_upstream([producer, done])


def build_refresh_dag() -> DAG:
    with DAG(
        dag_id="dti_monthly_refresh",
        description="Check, build, publish and report one month of the DTI mart",
        schedule=_refresh_schedule(),
        start_date=datetime(2025, 1, 1, tzinfo=LOCAL_TZ),
        catchup=False,
        max_active_runs=1,
        tags=["dti", "mart", "monthly", "publish", "report"],
        default_args={
            **DEFAULT_ARGS,
            "owner": "data-engineering",
            "on_failure_callback": [on_task_failure, RefreshNotifier("failure")],
        },
        doc_md=DOC_MD,
        params={
            "month": Param(
                None,
                type=["null", "string"],
                pattern=MONTH_PATTERN,
                title="Month (YYYY-MM)",
                description="The month to build and publish, e.g. 2026-10. Empty: the previous month.",
            )
        },
        render_template_as_native_obj=False,
    ) as dag:

        @task(
            doc_md="The month this run builds: the `month` given, or the month before the scheduled "
            "run. A scheduled run for a month no source has data for is skipped (an unpaused DAG "
            "in a deployment whose sources stopped, e.g. the simulators' preset)."
        )
        def resolve_month(params=None, logical_date=None) -> str:
            from airflow.sdk.exceptions import AirflowSkipException

            from dti_pipeline.months import MonthError, format_month, previous_month, validate_month
            from dti_pipeline.needs import covers
            from dti_pipeline.sources.spec import load_sources

            given = (params or {}).get("month")
            if given:
                month = validate_month(given)
            else:
                local = logical_date.astimezone(LOCAL_TZ).date()
                month = previous_month(local.replace(day=1))
            sources = load_sources().values()
            first = min((s.start_date for s in sources), default=None)
            if first and month < first.replace(day=1):
                raise MonthError(
                    f"month {format_month(month)} is before the data's range: the sources are "
                    f"extracted from {first:%Y-%m-%d} (start_date in include/config/sources.yml)"
                )
            if not any(covers(s, month) for s in sources):
                last = max(s.end_date for s in sources if s.end_date)
                message = f"no source has data for {format_month(month)}: the sources' data ends on {last}"
                if given:
                    raise MonthError(message)
                raise AirflowSkipException(f"{message}; nothing to refresh")
            return format_month(month)

        @task(
            doc_md="Every configured source and entity has current, reconciled loads for the whole "
            "month; otherwise the run stops here, before dbt, naming what to rerun."
        )
        def completeness_gate(month: str) -> dict:
            from dti_pipeline.gates.completeness import completeness_gate as check
            from dti_pipeline.months import parse_month
            from dti_pipeline.warehouse.connection import connect

            with connect() as conn:
                return check(conn, parse_month(month))

        @task(
            doc_md="Load the dbt seeds (reference units, methodology) whose files changed since "
            "their last load, with their tests; a month whose seeds are current loads none."
        )
        def sync_reference_seeds() -> list[str]:
            from dti_pipeline.transform.seeds import sync_seeds
            from dti_pipeline.warehouse.connection import warehouse_url

            return sync_seeds(warehouse_url())

        @task(
            doc_md="Reconciliation of the built month against raw, and plausibility of the "
            "changes from last month (include/config/quality.yml)."
        )
        def quality_gate(month: str) -> dict:
            from dti_pipeline.gates.quality import quality_gate as check
            from dti_pipeline.months import parse_month
            from dti_pipeline.warehouse.connection import connect

            with connect() as conn:
                return check(conn, parse_month(month))

        @task(
            outlets=MART_ASSETS,
            doc_md="Make the built month visible to BI readers in one transaction; keep every "
            "earlier version. Returns the publication (id, time, run, methodology, hash).",
        )
        def publish(month: str, completeness: dict, quality: dict, run_id=None) -> dict:
            from dti_pipeline.months import parse_month
            from dti_pipeline.publish.publication import publish_month
            from dti_pipeline.warehouse.connection import connect

            checks = {"completeness": completeness, "quality": quality}
            with connect() as conn:
                return publish_month(conn, parse_month(month), run_id=run_id, checks=checks).as_dict()

        month = resolve_month()
        completeness = completeness_gate(month)
        quality = quality_gate(month)
        published = publish(month, completeness, quality)
        report = MonthlyReportOperator(
            task_id="report",
            month=month,
            on_success_callback=RefreshNotifier("success"),
            doc_md="Write the month's HTML report (the **Monthly report** link opens it).",
        )
        dbt_build = _dbt_task_group()
        producer = dbt_build.children[f"{dbt_build.group_id}.{PRODUCER_WATCHER_TASK_ID}"]
        completeness >> sync_reference_seeds() >> producer
        dbt_build >> quality
        published >> report
    return dag
