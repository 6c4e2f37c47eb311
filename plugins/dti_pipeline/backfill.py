"""Extract a range of months of a source, one run per month, as its DAG does.

Two ways, one code path: through the `extract_<source>` DAG with dag.test() (the demo and
a person who wants the runs in Airflow's history), or by calling the tasks' own function
for each entity (`dti extract`, without Airflow's per-run overhead). Both load exactly
what each month needs that is not loaded yet (dti_pipeline.needs), record every load in
raw.load_ledger, and can be rerun: a rerun replaces.
"""

from __future__ import annotations

from datetime import date

from dti_pipeline.months import format_month, month_bounds
from dti_pipeline.sources.spec import SourceSpec


def load_month_with_task(spec: SourceSpec, month: date, run_id: str, *, reload: bool = False) -> list[dict]:
    """Every entity of the month, with the extract tasks' own function."""
    from dti_pipeline.extract.run import extract_month

    return [extract_month(spec.name, e.name, month, run_id=run_id, reload=reload) for e in spec.entities]


def load_month_with_airflow(spec: SourceSpec, month: date, *, reload: bool = False):
    """One dag.test() run of extract_<source> for the month."""
    from dti_pipeline.orchestration.inprocess import DagRunFailed, run_dag

    # a manual run's data interval is the one that ends at its logical date
    _, end = month_bounds(month)
    run = run_dag(f"extract_{spec.name}", logical_date=end, conf={"reload": reload})
    if not [ti for ti in run.get_task_instances() if ti.state is not None]:
        raise DagRunFailed(
            f"the run of extract_{spec.name} for {format_month(month)} ran no task: the month is outside "
            f"the DAG's dates ({spec.start_date}..{spec.end_date or 'today'}, from sources.yml or "
            "DTI_SOURCES_START_DATE / DTI_SOURCES_END_DATE)"
        )
    return run


def backfill_direct(spec: SourceSpec, months: list[date], run_id: str, *, reload: bool = False) -> None:
    """Every month, with the extract tasks' own function."""
    for month in months:
        load_month_with_task(spec, month, run_id, reload=reload)
