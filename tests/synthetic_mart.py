"""A synthetic built month in dti_build, shaped like dbt's marts, for tests of what follows dbt.

Publication, roles and the report are tested on it in seconds, without extracting or running
dbt: every post-merger province and commune of the reference seeds, three indicators in
three pillars, deterministic pseudo-random scores from a seed.
"""

from __future__ import annotations

import csv
import random
from datetime import date

import psycopg

from dti_pipeline.reference import SEEDS_DIR

PILLARS = (
    ("digital_government", "Chính quyền số", "Digital government"),
    ("digital_economy", "Kinh tế số", "Digital economy"),
    ("digital_society", "Xã hội số", "Digital society"),
)
INDICATORS = (
    ("gov_docs_electronic_share", "digital_government", "Tỷ lệ văn bản điện tử", "Electronic documents"),
    ("econ_active_shops_share", "digital_economy", "Tỷ lệ gian hàng hoạt động", "Active shops"),
    ("soc_members_active_share", "digital_society", "Tỷ lệ đảng viên đăng nhập", "Members active"),
)

DDL = """
create schema if not exists dti_build;
create table if not exists dti_build.dim_admin_unit (
    unit_key text, unit_level text, unit_code text, unit_name text, province_code text,
    province_name text, is_current boolean, latitude double precision, longitude double precision);
create table if not exists dti_build.dim_indicator (
    indicator_id text, pillar_id text, pillar_name_vi text, pillar_name_en text, name_vi text,
    name_en text, unit text, weight double precision, methodology_version text);
create table if not exists dti_build.fct_indicator_monthly (
    month date, unit_key text, unit_level text, unit_code text, province_code text,
    indicator_id text, pillar_id text, numerator numeric(20, 2), denominator numeric(20, 2),
    indicator_value numeric(20, 6), score numeric(9, 6), is_missing boolean, is_partial boolean,
    communes_reporting integer, communes_total integer, coverage numeric(9, 6),
    weight double precision, methodology_version text);
create table if not exists dti_build.fct_dti_monthly (
    month date, unit_key text, unit_level text, unit_code text, unit_name text, province_code text,
    digital_government_score numeric(9, 6), digital_economy_score numeric(9, 6),
    digital_society_score numeric(9, 6), dti_score numeric(9, 6), dti_rank integer,
    units_ranked integer, previous_dti_score numeric(9, 6), dti_score_change numeric(9, 6),
    previous_dti_rank integer, dti_rank_change integer, completeness numeric(9, 6),
    coverage numeric(9, 6), is_partial boolean, partial_sources text, methodology_version text);
comment on table dti_build.fct_dti_monthly is 'One row per unit and month: the DTI and its pillars.';
comment on column dti_build.fct_dti_monthly.dti_score is 'The DTI score, 0 to 1.';
"""


def units() -> list[dict]:
    with (SEEDS_DIR / "ref_admin_units.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    provinces = {}
    communes = []
    for r in rows:
        provinces[r["province_code"]] = {
            "unit_key": f"province:{r['province_code']}",
            "unit_level": "province",
            "unit_code": r["province_code"],
            "unit_name": r["province_name"],
            "province_code": r["province_code"],
            "province_name": r["province_name"],
            "latitude": float(r["province_latitude"]),
            "longitude": float(r["province_longitude"]),
        }
        communes.append(
            {
                "unit_key": f"commune:{r['commune_code']}",
                "unit_level": "commune",
                "unit_code": r["commune_code"],
                "unit_name": r["commune_name"],
                "province_code": r["province_code"],
                "province_name": r["province_name"],
                "latitude": float(r["commune_latitude"]),
                "longitude": float(r["commune_longitude"]),
            }
        )
    return sorted(provinces.values(), key=lambda u: u["unit_code"]) + communes


def build_month(conn: psycopg.Connection, month: date, seed: int = 1, methodology: str = "test-1") -> None:
    """(Re)write `month` of the synthetic build tables; dims are rewritten too."""
    conn.execute(DDL)
    everything = units()
    with conn.cursor() as cur:
        cur.execute("delete from dti_build.dim_admin_unit")
        with cur.copy("copy dti_build.dim_admin_unit from stdin") as copy:
            for u in everything:
                copy.write_row(
                    (
                        u["unit_key"],
                        u["unit_level"],
                        u["unit_code"],
                        u["unit_name"],
                        u["province_code"],
                        u["province_name"],
                        True,
                        u["latitude"],
                        u["longitude"],
                    )
                )
        cur.execute("delete from dti_build.dim_indicator")
        names = {p: (vi, en) for p, vi, en in PILLARS}
        for indicator_id, pillar, vi, en in INDICATORS:
            cur.execute(
                "insert into dti_build.dim_indicator values (%s, %s, %s, %s, %s, %s, 'share', 1, %s)",
                (indicator_id, pillar, *names[pillar], vi, en, methodology),
            )
        cur.execute("delete from dti_build.fct_indicator_monthly where month = %s", (month,))
        cur.execute("delete from dti_build.fct_dti_monthly where month = %s", (month,))
        rng = random.Random(f"{seed}:{month}")
        scores: dict[str, dict[str, float | None]] = {}
        with cur.copy("copy dti_build.fct_indicator_monthly from stdin") as copy:
            for u in everything:
                for indicator_id, pillar, _, _ in INDICATORS:
                    missing = u["unit_level"] == "commune" and rng.random() < 0.7
                    denominator = None if missing else rng.randint(20, 400)
                    numerator = None if missing else rng.randint(0, denominator)
                    value = None if missing else round(numerator / denominator, 6)
                    scores.setdefault(u["unit_key"], {})[pillar] = value
                    copy.write_row(
                        (
                            month,
                            u["unit_key"],
                            u["unit_level"],
                            u["unit_code"],
                            u["province_code"],
                            indicator_id,
                            pillar,
                            numerator,
                            denominator,
                            value,
                            value,
                            missing,
                            False,
                            None if u["unit_level"] == "province" else int(not missing),
                            None if u["unit_level"] == "province" else 1,
                            None if u["unit_level"] == "province" else float(not missing),
                            1.0,
                            methodology,
                        )
                    )
        rows = []
        for u in everything:
            pillar_scores = scores[u["unit_key"]]
            present = [v for v in pillar_scores.values() if v is not None]
            dti = round(sum(present) / len(present), 6) if present else None
            rows.append((u, pillar_scores, dti, len(present) / len(PILLARS)))
        for level in ("province", "commune"):
            ranked = sorted(
                (r for r in rows if r[0]["unit_level"] == level and r[2] is not None),
                key=lambda r: (-r[2], r[0]["unit_code"]),
            )
            for rank, r in enumerate(ranked, 1):
                r[0]["rank"], r[0]["ranked"] = rank, len(ranked)
        scored = {}  # province -> [communes with a score, communes]
        for u, _, dti, _ in rows:
            if u["unit_level"] == "commune":
                counts = scored.setdefault(u["province_code"], [0, 0])
                counts[0] += dti is not None
                counts[1] += 1
        with cur.copy("copy dti_build.fct_dti_monthly from stdin") as copy:
            for u, pillar_scores, dti, completeness in rows:
                if u["unit_level"] == "province":
                    reporting, total = scored.get(u["unit_code"], [0, 0])
                    coverage = round(reporting / total, 6) if total else None
                else:
                    coverage = 1.0 if dti is not None else None
                copy.write_row(
                    (
                        month,
                        u["unit_key"],
                        u["unit_level"],
                        u["unit_code"],
                        u["unit_name"],
                        u["province_code"],
                        pillar_scores["digital_government"],
                        pillar_scores["digital_economy"],
                        pillar_scores["digital_society"],
                        dti,
                        u.get("rank") if dti is not None else None,
                        u.get("ranked"),
                        None,
                        None,
                        None,
                        None,
                        completeness,
                        coverage,
                        False,
                        None,
                        methodology,
                    )
                )
                u.pop("rank", None)
        cur.execute(
            """update dti_build.fct_dti_monthly cur
                  set previous_dti_score = prev.dti_score, dti_score_change = cur.dti_score - prev.dti_score,
                      previous_dti_rank = prev.dti_rank, dti_rank_change = prev.dti_rank - cur.dti_rank
                 from dti_build.fct_dti_monthly prev
                where prev.unit_key = cur.unit_key and cur.month = %s
                  and prev.month = (cur.month - interval '1 month')::date""",
            (month,),
        )
    conn.commit()


def expected_rows(conn: psycopg.Connection, month: date) -> dict[str, int]:
    return {
        fact: conn.execute(f"select count(*) from dti_build.{fact} where month = %s", (month,)).fetchone()[0]
        for fact in ("fct_dti_monthly", "fct_indicator_monthly")
    }
