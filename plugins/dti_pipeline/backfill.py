"""Extract a range of months of a source, one run per month, as its DAG does.

Two ways, one code path: through the `extract_<source>` DAG with dag.test() (the demo and
a person who wants the runs in Airflow's history), or by calling the tasks' own function
for each entity (`dti extract`, without Airflow's per-run overhead). Both load exactly
what each month needs that is not loaded yet (dti_pipeline.needs), record every load in
raw.load_ledger, and can be rerun: a rerun replaces.
"""

from __future__ import annotations

from datetime import date

from dti_pipeline.months import month_bounds
from dti_pipeline.sources.spec import SourceSpec


def load_month_with_task(spec: SourceSpec, month: date, run_id: str, *, reload: bool = False) -> list[dict]:
    """Every entity of the month, with the extract tasks' own function."""
    from dti_pipeline.extract.run import extract_month

    return [extract_month(spec.name, e.name, month, run_id=run_id, reload=reload) for e in spec.entities]


def load_month_with_airflow(spec: SourceSpec, month: date, *, reload: bool = False):
    """One dag.test() run of extract_<source> for the month."""
    from dti_pipeline.orchestration.inprocess import run_dag

    # a manual run's data interval is the one that ends at its logical date
    _, end = month_bounds(month)
    return run_dag(f"extract_{spec.name}", logical_date=end, conf={"reload": reload})


def backfill_direct(spec: SourceSpec, months: list[date], run_id: str, *, reload: bool = False) -> None:
    """Every month, with the extract tasks' own function."""
    for month in months:
        load_month_with_task(spec, month, run_id, reload=reload)
