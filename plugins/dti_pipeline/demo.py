"""`dti demo`: the whole pipeline end to end on the embedded warehouse.

Start the warehouse and the simulators, run the extract DAGs for every day of the preset's
months and the refresh DAG for each month (all in-process with dag.test()), write the
report and print the ranking.
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


def extract_months(sources: list[str], months: list[date], echo=click.echo) -> None:
    from dti_pipeline.orchestration.inprocess import run_dag

    for source in sources:
        for month in months:
            started = time.monotonic()
            for day in days_of(month):
                # A manual run's data interval is the one that ends at its logical date.
                run_dag(f"extract_{source}", logical_date=day + timedelta(days=1))
            echo(
                f"  extract_{source} {format_month(month)}: {len(days_of(month))} daily runs "
                f"in {time.monotonic() - started:.0f} s"
            )


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
