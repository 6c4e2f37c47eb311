"""The monthly report's data: what readers see of one month, read from the published mart
(dti_mart) only, as a BI tool reads it. The marts' dbt contracts guarantee their columns; the
pillars are read from dim_indicator and the `<pillar_id>_score` columns of fct_dti_monthly,
so a new pillar or indicator appears without a change here. The rank-uncertainty fact is
read when the mart has it (a warehouse published before it existed does not), and so is
the audit (fct_index_audit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
from psycopg.rows import dict_row

from dti_pipeline.errors import PermanentError
from dti_pipeline.months import format_month
from dti_pipeline.warehouse.schemas import MART_SCHEMA


class ReportUnavailable(PermanentError, RuntimeError):
    pass


def _num(value):
    return float(value) if isinstance(value, Decimal) else value


def _rows(conn: psycopg.Connection, query: str, params=()) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return [{k: _num(v) for k, v in r.items()} for r in cur.execute(query, params).fetchall()]


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        """select column_name from information_schema.columns
            where table_schema = %s and table_name = %s order by ordinal_position""",
        (MART_SCHEMA, table),
    ).fetchall()
    return [r[0] for r in rows]


def _pillars(conn: psycopg.Connection, fct_columns: list[str]) -> list[tuple[str, str]]:
    """(score column, label) of each pillar, the heaviest first (digital government, 400 of
    1,000 points)."""
    rows = conn.execute(
        f"""select pillar_id, pillar_name_vi, pillar_name_en, sum(weight) from {MART_SCHEMA}.dim_indicator
             group by 1, 2, 3 order by 4 desc, 1"""
    ).fetchall()
    return [
        (f"{pillar_id}_score", f"{vi} / {en}")
        for pillar_id, vi, en, _ in rows
        if f"{pillar_id}_score" in fct_columns
    ]


def load_month(conn: psycopg.Connection, month: date) -> dict:
    fct = _columns(conn, "fct_dti_monthly")
    if not fct:
        raise ReportUnavailable(f"{MART_SCHEMA}.fct_dti_monthly does not exist: publish a month first")
    publication = _rows(
        conn, f"select * from {MART_SCHEMA}.publication where month = %s and status = 'current'", (month,)
    )
    if not publication:
        raise ReportUnavailable(
            f"{format_month(month)} has not been published: run `dti refresh --month {format_month(month)}`"
        )
    earlier = _rows(
        conn,
        f"""select publication_id, published_at, methodology_version, content_hash
              from {MART_SCHEMA}.publication where month = %s and publication_id < %s
             order by publication_id desc""",
        (month, publication[0]["publication_id"]),
    )
    provinces = _rows(
        conn,
        f"""select f.*, f.unit_name as display_name from {MART_SCHEMA}.fct_dti_monthly f
              join {MART_SCHEMA}.dim_admin_unit u using (unit_key)
             where f.month = %s and f.unit_level = 'province'
             order by f.dti_rank nulls last, f.unit_code""",
        (month,),
    )
    communes = _rows(
        conn,
        f"""select f.unit_name as display_name, u.province_name, f.dti_score, f.completeness,
                   u.latitude, u.longitude
              from {MART_SCHEMA}.fct_dti_monthly f join {MART_SCHEMA}.dim_admin_unit u using (unit_key)
             where f.month = %s and f.unit_level = 'commune' and u.latitude is not null""",
        (month,),
    )
    indicators = _rows(
        conn,
        f"select d.*, d.unit as unit_label from {MART_SCHEMA}.dim_indicator d"
        " order by d.pillar_id, d.indicator_id",
    )
    trend = _rows(
        conn,
        f"""select i.month, i.indicator_id, i.unit_key, i.indicator_value, i.score
              from {MART_SCHEMA}.fct_indicator_monthly i
             where i.unit_level = 'province' and i.month <= %s and not i.is_missing
             order by i.month""",
        (month,),
    )
    coverage = _rows(
        conn,
        f"""select i.indicator_id, i.unit_level, count(*) as units,
                   count(*) filter (where not i.is_missing) as with_value
              from {MART_SCHEMA}.fct_indicator_monthly i where i.month = %s
             group by 1, 2 order by 1, 2""",
        (month,),
    )
    levels = _rows(
        conn,
        f"""select f.unit_level, count(*) as units, count(f.dti_score) as units_with_score,
                   avg(f.completeness) as mean_completeness
              from {MART_SCHEMA}.fct_dti_monthly f where f.month = %s group by f.unit_level
             order by f.unit_level desc""",
        (month,),
    )
    uncertainty = []
    if "rank_p05" in _columns(conn, "fct_dti_rank_uncertainty"):
        uncertainty = _rows(
            conn,
            f"select * from {MART_SCHEMA}.fct_dti_rank_uncertainty where month = %s",
            (month,),
        )
    audit = []
    if "effective_importance" in _columns(conn, "fct_index_audit"):  # absent from marts published before it
        audit = _rows(
            conn,
            f"""select * from {MART_SCHEMA}.fct_index_audit where month = %s
                 order by unit_level desc, audit_kind, subject_id, paired_indicator_id""",
            (month,),
        )
    return {
        "fct_columns": fct,
        "publication": publication[0],
        "earlier_publications": earlier,
        "provinces": provinces,
        "communes": communes,
        "indicators": indicators,
        "trend": trend,
        "coverage": coverage,
        "levels": levels,
        "uncertainty": {u.get("unit_key"): u for u in uncertainty},
        "pillars": _pillars(conn, fct),
        "audit": audit,
    }
