"""Build the `dti_monthly_refresh` DAG: month -> dbt build (Cosmos) -> publish -> report."""

from __future__ import annotations

import os
from datetime import datetime

from airflow.sdk import DAG, CronTriggerTimetable, Param, task
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from cosmos.profiles import PostgresUserPasswordProfileMapping

from dti_pipeline.months import LOCAL_TZ, MONTH_PATTERN
from dti_pipeline.orchestration.policies import DEFAULT_ARGS, retry_transient_only
from dti_pipeline.paths import DBT_MANIFEST, DBT_PROJECT_DIR
from dti_pipeline.warehouse.connection import WAREHOUSE_CONN_ID

DOC_MD = """### Monthly DTI refresh

Builds one month of the DTI mart from the raw extracts and publishes it to BI readers.

1. **resolve_month**: the `month` you gave (YYYY-MM), or the previous month on schedule.
   A malformed or unfinished month stops the run here, before any work.
2. **dbt_build**: one task per dbt model and its tests (rendered by Cosmos from the dbt
   manifest), building the month into the `dti_build` schema.
3. **publish**: makes the month visible in `dti_mart` in one transaction: BI tools see the
   previous publication or the new one, never a mixture. Each publication keeps its time,
   run and methodology version; earlier versions stay in `dti_publish`.
4. **report**: writes the month's HTML report (path in the task's return value).

**Rerun a month**: Trigger DAG w/ config, `month` = `2026-10`, or `dti refresh --month 2026-10`.
Rerunning gives the same published content for the same inputs. See docs/operations.md.
"""


def _refresh_schedule() -> CronTriggerTimetable:
    # The previous month is refreshed on this day of each month, once its extracts are in.
    day = int(os.environ.get("DTI_REFRESH_DAY_OF_MONTH", "5"))
    return CronTriggerTimetable(f"0 6 {day} * *", timezone=str(LOCAL_TZ))


def _dbt_task_group() -> DbtTaskGroup:
    if not DBT_MANIFEST.exists():
        raise FileNotFoundError(
            f"the dbt manifest {DBT_MANIFEST} is missing: run `dti dbt parse` (make does it) "
            "so that this DAG can be rendered without running dbt at parse time"
        )
    return DbtTaskGroup(
        group_id="dbt_build",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=DBT_MANIFEST,
            project_name="dti",
        ),
        profile_config=ProfileConfig(
            profile_name="dti",
            target_name="airflow",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "dti_build"}
            ),
        ),
        execution_config=ExecutionConfig(
            invocation_mode=InvocationMode.DBT_RUNNER,
            # a test with several parents runs once, after all of them, in its own task
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            should_detach_multiple_parents_tests=True,
        ),
        operator_args={
            "vars": {"month": "{{ ti.xcom_pull(task_ids='resolve_month') }}"},
            "install_deps": False,
        },
        default_args={"retries": 2},
    )


def build_refresh_dag() -> DAG:
    with DAG(
        dag_id="dti_monthly_refresh",
        description="Build, publish and report one month of the DTI mart",
        schedule=_refresh_schedule(),
        start_date=datetime(2025, 1, 1, tzinfo=LOCAL_TZ),
        catchup=False,
        max_active_runs=1,
        tags=["dti", "mart", "monthly"],
        default_args={**DEFAULT_ARGS, "owner": "data-engineering"},
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

        @task(retry_policy=retry_transient_only)
        def resolve_month(params=None, logical_date=None) -> str:
            """The month to build: the one given, or the month before the scheduled run."""
            from dti_pipeline.months import format_month, previous_month, validate_month

            given = (params or {}).get("month")
            if given:
                return format_month(validate_month(given))
            local = logical_date.astimezone(LOCAL_TZ).date()
            return format_month(previous_month(local.replace(day=1)))

        @task(retry_policy=retry_transient_only)
        def publish(month: str, run_id=None) -> dict:
            """Make the built month visible to BI readers, atomically."""
            from dti_pipeline.months import parse_month
            from dti_pipeline.publish.publication import publish_month
            from dti_pipeline.warehouse.connection import connect

            with connect() as conn:
                return publish_month(conn, parse_month(month), run_id=run_id).as_dict()

        @task(retry_policy=retry_transient_only)
        def report(month: str) -> str:
            """Write the month's HTML report; returns its path."""
            from dti_pipeline.months import parse_month
            from dti_pipeline.report.monthly import write_report
            from dti_pipeline.warehouse.connection import connect

            with connect() as conn:
                return str(write_report(conn, parse_month(month)))

        month = resolve_month()
        published = publish(month)
        month >> _dbt_task_group() >> published
        published >> report(month)
    return dag
