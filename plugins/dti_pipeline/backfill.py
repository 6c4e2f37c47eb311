"""Load a range of months of a source, interval by interval, as its DAG would.

Two ways, one code path: through the `extract_<source>` DAG with dag.test() (the demo and
a person who wants the runs in Airflow's history), or by calling the task's own function
for each interval (`dti extract`, a backfill without Airflow's per-run overhead). Both
record every load in raw.load_ledger, and both can be rerun: a rerun replaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

from dti_pipeline.months import LOCAL_TZ, month_bounds, next_month
from dti_pipeline.sources.spec import SourceSpec

Interval = tuple[datetime, datetime]


def intervals(spec: SourceSpec, months: list[date]) -> Iterator[Interval]:
    """The data intervals of the source's schedule that make up the months (local time)."""
    for month in months:
        start, end = month_bounds(month)
        if spec.schedule == "@monthly":
            yield start, end
        elif spec.schedule == "@daily":
            day = start
            while day < end:
                # add a day of local time (Vietnam has no daylight saving, but be exact)
                following = (day + timedelta(days=1)).astimezone(LOCAL_TZ)
                yield day, following
                day = following
        else:
            raise ValueError(
                f"{spec.name}: backfill knows the schedules @daily and @monthly, not {spec.schedule!r}"
            )


def backfill_direct(
    spec: SourceSpec, months: list[date], run_id: str, on_interval: Callable[[Interval, list[dict]], None]
) -> None:
    """Every entity of every interval, with the extract task's own function."""
    from dti_pipeline.extract.run import extract_entity

    for interval in intervals(spec, months):
        figures = [extract_entity(spec.name, e.name, *interval, run_id=run_id) for e in spec.entities]
        on_interval(interval, figures)


def backfill_with_airflow(
    spec: SourceSpec, months: list[date], on_interval: Callable[[Interval, list], None]
) -> None:
    """One dag.test() run of extract_<source> per interval."""
    from dti_pipeline.orchestration.inprocess import run_dag

    for interval in intervals(spec, months):
        # a manual run's data interval is the one that ends at its logical date
        run = run_dag(f"extract_{spec.name}", logical_date=interval[1])
        on_interval(interval, [run])


def month_span(months: list[date]) -> str:
    from dti_pipeline.months import format_month

    return f"{format_month(months[0])}..{format_month(months[-1])}" if months else "-"


__all__ = ["backfill_direct", "backfill_with_airflow", "intervals", "month_span", "next_month"]
