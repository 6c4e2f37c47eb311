"""Export the administrative-unit reference data of `vietnamadminunits` as dbt seeds.

The seeds are committed so that every number of the mart traces back to a reviewed file;
`dti reference export` rewrites them from the installed package, and a test checks that
the committed files still match it.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from importlib.resources import files
from pathlib import Path

from dti_pipeline.paths import DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds" / "reference"


def _query(sql: str) -> list[sqlite3.Row]:
    path = files("vietnamadminunits").joinpath("data/dataset.db")
    with sqlite3.connect(str(path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def admin_units() -> list[dict]:
    rows = _query("select * from admin_units order by provinceCode, wardCode")
    return [
        {
            "province_code": r["provinceCode"],
            "province_name": r["province"],
            "province_short_name": r["provinceShort"],
            "province_latitude": _coordinate(r["provinceLat"]),
            "province_longitude": _coordinate(r["provinceLon"]),
            "commune_code": r["wardCode"],
            "commune_name": r["ward"],
            "commune_short_name": r["wardShort"],
            "commune_type": r["wardType"],
            "commune_latitude": _coordinate(r["wardLat"]),
            "commune_longitude": _coordinate(r["wardLon"]),
            "area_km2": _coordinate(r["wardAreaKm2"]),
        }
        for r in rows
    ]


def admin_units_legacy() -> list[dict]:
    rows = _query(
        "select * from admin_units_legacy where wardCode is not null "
        "order by provinceCode, districtCode, wardCode"
    )
    return [
        {
            "province_code": r["provinceCode"],
            "province_name": r["province"],
            "province_short_name": r["provinceShort"],
            "district_code": r["districtCode"],
            "district_name": r["district"],
            "district_type": r["districtType"],
            "commune_code": r["wardCode"],
            "commune_name": r["ward"],
            "commune_short_name": r["wardShort"],
            "commune_type": r["wardType"],
            "commune_latitude": _coordinate(r["wardLat"]),
            "commune_longitude": _coordinate(r["wardLon"]),
        }
        for r in rows
    ]


def conversion_2025() -> list[dict]:
    """One row per (legacy commune, post-2025 commune) pair of the official conversion."""
    new_code = {
        (r["provinceKey"], r["wardKey"]): r["wardCode"]
        for r in _query("select provinceKey, wardKey, wardCode from admin_units")
    }
    legacy_code = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}": r["wardCode"]
        for r in _query(
            "select provinceKey, districtKey, wardKey, wardCode from admin_units_legacy "
            "where wardCode is not null"
        )
    }
    data = json.loads(files("vietnamadminunits").joinpath("data/converter_2025.json").read_text("utf-8"))
    pairs = []
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old in old_keys:
                if old in legacy_code:
                    pairs.append((legacy_code[old], new_code[(province_key, ward_key)], True, 1))
    for province_key, old_units in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, options in old_units.items():
            for option in options:
                pairs.append(
                    (
                        legacy_code[old],
                        new_code[(province_key, option["newWardKey"])],
                        bool(option["isDefaultNewWard"]),
                        len(options),
                    )
                )
    pairs.sort()
    return [
        {
            "legacy_commune_code": legacy,
            "commune_code": new,
            "is_default_successor": str(default).lower(),
            "successor_count": count,
        }
        for legacy, new, default, count in pairs
    ]


SEEDS = {
    "ref_admin_units.csv": admin_units,
    "ref_admin_units_legacy.csv": admin_units_legacy,
    "ref_admin_unit_conversion_2025.csv": conversion_2025,
}


def render_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def export_seeds(target: Path = SEEDS_DIR) -> dict[str, int]:
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, build in SEEDS.items():
        rows = build()
        (target / name).write_text(render_csv(rows), encoding="utf-8")
        counts[name] = len(rows)
    return counts
