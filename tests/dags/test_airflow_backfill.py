"""Airflow's own backfill (`airflow backfill create`) plans exactly the runs the pipeline
expects: one extract run per month of the sources' data range (none outside it), one refresh
run per month.

The runs themselves execute the same tasks the end-to-end tests run with dag.test() (and the
deployment test under the real scheduler); what this checks is that the DAGs accept backfill
runs and that the data intervals Airflow gives them are the local calendar months that
`dti extract` and the completeness gate use.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from dti_pipeline.months import LOCAL_TZ, format_month, month_bounds, month_range, next_month

MONTHS = month_range(date(2024, 11, 1), date(2026, 10, 1))


@pytest.fixture(scope="module")
def serialized_dags(airflow_db):
    """Write the dags/ folder to the metadata DB, as the dag-processor does, for sources whose
    data runs from November 2024 to October 2026 (the province and national presets)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DTI_SOURCES_START_DATE", "2024-11-01")
        mp.setenv("DTI_SOURCES_END_DATE", "2026-10-31")
        _serialize()
        yield


def _serialize() -> None:
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db

    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    for bundle in manager.get_all_dag_bundles():
        if not bundle.is_initialized:
            bundle.initialize()
        bag = BundleDagBag(dag_folder=bundle.path, bundle_path=bundle.path, bundle_name=bundle.name)
        sync_bag_to_db(bag, bundle.name, bundle.version)


def _backfill(dag_id: str, first: date, last: date) -> list[tuple]:
    """`airflow backfill create` as an operator types it; the planned runs' data intervals.
    The runs are deleted afterwards: no scheduler runs here, and later tests run these DAGs."""
    from airflow.models import DagRun
    from airflow.models.backfill import Backfill, BackfillDagRun
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    command = [sys.executable, "-m", "airflow", "backfill", "create", "--dag-id", dag_id]
    command += ["--from-date", first.isoformat(), "--to-date", last.isoformat()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with create_session() as session:
        backfill = session.query(Backfill).filter(Backfill.dag_id == dag_id).one()
        runs = session.query(DagRun).filter(DagRun.backfill_id == backfill.id).all()
        planned = sorted((r.data_interval_start, r.data_interval_end, str(r.run_type)) for r in runs)
        session.execute(delete(BackfillDagRun).where(BackfillDagRun.backfill_id == backfill.id))
        session.execute(delete(DagRun).where(DagRun.backfill_id == backfill.id))
        session.execute(delete(Backfill).where(Backfill.id == backfill.id))
    return planned


def test_a_two_year_extract_backfill_plans_one_run_per_month(serialized_dags):
    first, _ = month_bounds(MONTHS[0])
    _, end = month_bounds(MONTHS[-1])
    last_day = end.astimezone(LOCAL_TZ).date() - date.resolution
    planned = _backfill("extract_eoffice", first.astimezone(LOCAL_TZ).date(), last_day)
    assert len(planned) == 24
    assert [(start, end) for start, end, _ in planned] == [month_bounds(m) for m in MONTHS]
    assert {kind for *_, kind in planned} == {"backfill"}


def test_a_backfill_past_the_sources_data_runs_nothing_there(serialized_dags):
    """Airflow's backfills do not stop at a DAG's start and end dates: asked for 2024-09 ..
    2026-12, it plans every month; the runs outside the data get no task to run (the DAG's
    dates), and a task asked for such a month anyway skips, saying why."""
    from dti_pipeline.extract.run import MonthOutsideData, plan_month
    from dti_pipeline.orchestration.inprocess import get_dag

    planned = _backfill("extract_voso", date(2024, 9, 1), date(2026, 12, 31))
    months = [start.astimezone(LOCAL_TZ).date() for start, _, _ in planned]
    assert months[0] == date(2024, 9, 1) and months[-1] > date(2026, 10, 1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DTI_SOURCES_START_DATE", "2024-11-01")
        mp.setenv("DTI_SOURCES_END_DATE", "2026-10-31")
        dag = get_dag("extract_voso")
        for month in (date(2024, 9, 1), date(2026, 11, 1)):
            run = dag.test(logical_date=month_bounds(month)[1])
            assert [ti.task_id for ti in run.get_task_instances() if ti.state is not None] == [], month
        with pytest.raises(MonthOutsideData, match=r"voso has no data for 2026-11: its data runs from"):
            plan_month("voso", "orders", date(2026, 11, 1))


def test_a_refresh_backfill_plans_one_run_per_month_in_order(serialized_dags):
    # a scheduled run (06:00 on day 5) refreshes the month before its date: the runs of
    # February 2025 .. January 2026 rebuild 2025-01 .. 2025-12
    planned = _backfill("dti_monthly_refresh", date(2025, 2, 1), date(2026, 1, 31))
    local = [start.astimezone(LOCAL_TZ) for start, _, _ in planned]
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local] == [
        f"{format_month(next_month(m))}-05 06:00" for m in MONTHS[2:14]
    ]
