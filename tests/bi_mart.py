"""The synthetic mart completed with what the BI views read beyond it, and published.

tests/synthetic_mart.py stays minimal for the publication tests; the dashboards also need the
catalogue's direction, target and source and the provinces' rank intervals, which the real
mart has (dim_indicator, fct_dti_rank_uncertainty).
"""

from __future__ import annotations

from datetime import date

import psycopg
from synthetic_mart import build_month

from dti_pipeline.publish.publication import Publication, publish_month

MONTHS = ((date(2025, 6, 1), 3), (date(2025, 7, 1), 1), (date(2025, 8, 1), 2))

CATALOGUE = """
alter table dti_build.dim_indicator add column if not exists direction text;
alter table dti_build.dim_indicator add column if not exists target double precision;
alter table dti_build.dim_indicator add column if not exists source text;
update dti_build.dim_indicator set direction = 'higher_is_better', target = 1.0,
       source = split_part(indicator_id, '_', 1);
create table if not exists dti_build.fct_dti_rank_uncertainty (
    month date, unit_key text, province_code text, province_name text, dti_rank integer,
    rank_median numeric(6, 1), rank_p05 integer, rank_p95 integer, rank_best integer,
    rank_worst integer, draws integer, methodology_version text);
"""


def build_bi_month(conn: psycopg.Connection, month: date, seed: int) -> None:
    """A synthetic month in dti_build with the columns and facts the BI views read."""
    build_month(conn, month, seed=seed)
    conn.execute(CATALOGUE)
    conn.execute("delete from dti_build.fct_dti_rank_uncertainty where month = %s", (month,))
    conn.execute(
        """insert into dti_build.fct_dti_rank_uncertainty
           select f.month, f.unit_key, f.province_code, f.unit_name, f.dti_rank, f.dti_rank,
                  greatest(1, f.dti_rank - 2), least(f.units_ranked, f.dti_rank + 3),
                  greatest(1, f.dti_rank - 4), least(f.units_ranked, f.dti_rank + 6), 200,
                  f.methodology_version
             from dti_build.fct_dti_monthly f
            where f.month = %s and f.unit_level = 'province' and f.dti_rank is not null""",
        (month,),
    )
    conn.commit()


def publish_bi_months(conn: psycopg.Connection, months=MONTHS) -> list[Publication]:
    """Build and publish the months in order (each month's change is against the one before)."""
    published = []
    for month, seed in months:
        build_bi_month(conn, month, seed)
        published.append(publish_month(conn, month, run_id=f"synthetic-{seed}"))
    return published
