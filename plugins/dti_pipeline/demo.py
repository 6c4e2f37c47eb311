"""`dti demo`: the whole pipeline end to end on the embedded warehouse.

Start the warehouse and the simulators, run the extract DAGs once per month of the preset
and the refresh DAG for each month (all in-process with dag.test()), write the report and
print the ranking. Run again with the same preset and seed, it keeps the loads it already
has (each run loads only what its month needs and is not loaded yet).
"""

from __future__ import annotations

import time
from datetime import date

import click

from dti_pipeline.months import format_month
from dti_pipeline.warehouse.schemas import MART_SCHEMA


def extract_months(
    sources: list[str],
    months: list[date],
    *,
    with_airflow: bool = True,
    reload: bool = False,
    echo=click.echo,
) -> None:
    """One run per source and month: through the extract DAG (dag.test()) or through its
    tasks' function (`dti extract`). Each loads what its month needs and is not loaded yet."""
    from dti_pipeline.backfill import load_month_with_airflow, load_month_with_task
    from dti_pipeline.sources.spec import load_sources

    specs = load_sources()
    for source in sources:
        spec = specs[source]
        for month in months:
            started = time.monotonic()
            if with_airflow:
                load_month_with_airflow(spec, month, reload=reload)
            else:
                load_month_with_task(spec, month, run_id="dti-extract", reload=reload)
            echo(f"  extract_{source} {format_month(month)}: {time.monotonic() - started:.0f} s")


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
        f"""select f.dti_rank, u.unit_name, f.dti_score, f.digital_government_score,
                  f.dti_rank_change, f.completeness
             from {MART_SCHEMA}.fct_dti_monthly f join {MART_SCHEMA}.dim_admin_unit u using (unit_key)
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
