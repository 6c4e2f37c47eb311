"""`dti demo`: the whole pipeline end to end on the embedded warehouse.

Start the warehouse and the simulators, run the extract DAGs for every scheduled interval
of the preset's months and the refresh DAG for each month (all in-process with dag.test()),
write the report and print the ranking. Run again with the same preset and seed, it keeps
the loads it already has.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import click

from dti_pipeline.months import LOCAL_TZ, format_month, next_month


def days_of(month: date) -> list[datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)
    end_month = next_month(month)
    end = datetime(end_month.year, end_month.month, 1, tzinfo=LOCAL_TZ)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def extract_months(
    sources: list[str],
    months: list[date],
    *,
    with_airflow: bool = True,
    skip_current: bool = False,
    echo=click.echo,
) -> None:
    """Every scheduled interval of the sources' months: through the extract DAGs (one
    dag.test() run each) or through their task function (`dti extract`). With skip_current,
    an interval whose every entity already has a current load is left as it is."""
    from dti_pipeline.backfill import intervals, load_with_airflow, load_with_task
    from dti_pipeline.sources.spec import load_sources

    specs = load_sources()
    for source in sources:
        spec = specs[source]
        for month in months:
            started = time.monotonic()
            todo = intervals(spec, [month])
            done = _current_intervals(spec) if skip_current else set()
            for interval in todo:
                if interval in done:
                    continue
                if with_airflow:
                    load_with_airflow(spec, interval)
                else:
                    load_with_task(spec, interval, run_id="dti-extract")
            ran = sum(1 for i in todo if i not in done)
            kept = f", {len(todo) - ran} already loaded" if len(todo) != ran else ""
            how = ("DAG run" if with_airflow else "load") + ("" if ran == 1 else "s")
            echo(
                f"  extract_{source} {format_month(month)}: {ran} {how}{kept} "
                f"in {time.monotonic() - started:.0f} s"
            )


def _current_intervals(spec) -> set[tuple[datetime, datetime]]:
    """Intervals of the source whose every entity has a current load."""
    from dti_pipeline.warehouse.connection import connect

    with connect() as conn:
        if conn.execute("select to_regclass('raw.load_ledger')").fetchone()[0] is None:
            return set()
        rows = conn.execute(
            """select interval_start, interval_end from raw.load_ledger
                where source = %s and status = 'current'
                group by interval_start, interval_end having count(distinct entity) = %s""",
            (spec.name, len(spec.entities)),
        ).fetchall()
    return {(a.astimezone(LOCAL_TZ), b.astimezone(LOCAL_TZ)) for a, b in rows}


def refresh_months(months: list[date], echo=click.echo) -> None:
    from dti_pipeline.orchestration.inprocess import run_dag

    for month in months:
        started = time.monotonic()
        run_dag("dti_monthly_refresh", conf={"month": format_month(month)})
        echo(
            f"  dti_monthly_refresh {format_month(month)}: built and published in "
            f"{time.monotonic() - started:.0f} s"
        )


def ranking_table(conn, month: date, limit: int = 10) -> str:
    rows = conn.execute(
        """select f.dti_rank, u.unit_name, f.dti_score, f.digital_government_score,
                  f.dti_rank_change, f.completeness
             from dti_mart.fct_dti_monthly f join dti_mart.dim_admin_unit u using (unit_key)
            where f.month = %s and f.unit_level = 'province' and f.dti_score is not null
            order by f.dti_rank limit %s""",
        (month, limit),
    ).fetchall()
    header = f"{'rank':>4}  {'province':<22} {'DTI':>6} {'gov':>6} {'Δrank':>6} {'data':>6}"
    lines = [header, "-" * len(header)]
    for rank, name, score, gov, change, completeness in rows:
        gov_text = f"{gov:.3f}" if gov is not None else "—"
        change_text = f"{change:+d}" if change is not None else "—"
        lines.append(
            f"{rank:>4}  {name:<22} {score:>6.3f} {gov_text:>6} {change_text:>6} {completeness:>6.0%}"
        )
    return "\n".join(lines)
