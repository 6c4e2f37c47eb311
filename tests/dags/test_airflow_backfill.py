"""Airflow's own backfill (`airflow backfill create`) plans exactly the intervals the pipeline
loads: one extract run per scheduled day of 24 months, one refresh run per month.

The runs themselves execute the same tasks the end-to-end tests run with dag.test(); what
this checks is that the DAGs accept backfill runs and that the data intervals Airflow gives
them are those `dti extract` and the completeness gate use.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from dti_pipeline.backfill import intervals
from dti_pipeline.months import LOCAL_TZ, format_month, month_bounds, month_range, next_month
from dti_pipeline.sources.spec import load_sources

MONTHS = month_range(date(2024, 11, 1), date(2026, 10, 1))


@pytest.fixture(scope="module")
def serialized_dags(airflow_db):
    """Write the dags/ folder to the metadata DB, as the dag-processor does."""
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


def test_a_two_year_extract_backfill_plans_every_scheduled_day_once(serialized_dags):
    spec = load_sources()["eoffice"]
    first, _ = month_bounds(MONTHS[0])
    _, end = month_bounds(MONTHS[-1])
    last_day = end.astimezone(LOCAL_TZ).date() - date.resolution
    planned = _backfill("extract_eoffice", first.astimezone(LOCAL_TZ).date(), last_day)
    expected = intervals(spec, MONTHS)
    assert len(expected) == 730
    assert [(start, end) for start, end, _ in planned] == expected
    assert {kind for *_, kind in planned} == {"backfill"}


def test_a_refresh_backfill_plans_one_run_per_month_in_order(serialized_dags):
    # a scheduled run (06:00 on day 5) refreshes the month before its date: the runs of
    # February 2025 .. January 2026 rebuild 2025-01 .. 2025-12
    planned = _backfill("dti_monthly_refresh", date(2025, 2, 1), date(2026, 1, 31))
    local = [start.astimezone(LOCAL_TZ) for start, _, _ in planned]
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local] == [
        f"{format_month(next_month(m))}-05 06:00" for m in MONTHS[2:14]
    ]
