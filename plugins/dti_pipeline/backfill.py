"""Load a range of months of a source, interval by interval, as its DAG would.

Two ways, one code path: through the `extract_<source>` DAG with dag.test() (the demo and
a person who wants the runs in Airflow's history), or by calling the task's own function
for each interval (`dti extract`, a backfill without Airflow's per-run overhead). Both
record every load in raw.load_ledger, and both can be rerun: a rerun replaces.
"""

from __future__ import annotations

from datetime import date

from dti_pipeline.months import month_bounds
from dti_pipeline.schedules import Interval, scheduled_intervals
from dti_pipeline.sources.spec import SourceSpec


def intervals(spec: SourceSpec, months: list[date]) -> list[Interval]:
    """The data intervals of the source's schedule that make up the months (local time)."""
    first, _ = month_bounds(months[0])
    _, last = month_bounds(months[-1])
    return scheduled_intervals(spec.schedule, first, last)


def load_with_task(spec: SourceSpec, interval: Interval, run_id: str) -> list[dict]:
    """Every entity of one interval, with the extract task's own function."""
    from dti_pipeline.extract.run import extract_entity

    return [extract_entity(spec.name, e.name, *interval, run_id=run_id) for e in spec.entities]


def load_with_airflow(spec: SourceSpec, interval: Interval):
    """One dag.test() run of extract_<source> for the interval."""
    from dti_pipeline.orchestration.inprocess import run_dag

    # a manual run's data interval is the one that ends at its logical date
    return run_dag(f"extract_{spec.name}", logical_date=interval[1])


def backfill_direct(spec: SourceSpec, months: list[date], run_id: str) -> None:
    """Every interval of the months, with the extract task's own function."""
    for interval in intervals(spec, months):
        load_with_task(spec, interval, run_id)
