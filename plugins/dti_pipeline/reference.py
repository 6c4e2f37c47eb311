"""The pipeline's reference data, as dbt seeds: administrative units and population.

The seeds are committed so that every number of the mart traces back to a reviewed file.
`dti reference export` rewrites the unit seeds from the installed `vietnamadminunits`
package and the per-commune population from the provincial figures
(ref_province_population.csv, with their sources), and a test checks that the committed
files still match. The simulators size their data on the same figures (they read them from
here), so the pipeline divides by exactly the numbers the sources were generated from.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
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


# Weight of a commune's population by its type: wards (phường) are urban and denser.
TYPE_WEIGHTS = {"Phường": 2.5, "Xã": 1.0, "Đặc khu": 1.0}
POPULATION_METHOD = "province population apportioned by commune type (phường 2.5, xã 1, đặc khu 1)"


@dataclass(frozen=True)
class Population:
    population: int
    households: int


def _seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def province_population() -> dict[str, Population]:
    """Post-merger province code -> its population and households (ref_province_population.csv)."""
    return {
        row["province_code"]: Population(int(row["population"]), int(row["households"]))
        for row in _seed_rows("ref_province_population.csv")
    }


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights that add up to total exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    result = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - result[i]), i))
    for i in by_remainder[: total - sum(result)]:
        result[i] += 1
    return result


@cache
def commune_population() -> dict[str, Population]:
    """Post-merger commune code -> population and households: each province's figures
    apportioned to its communes by type, so that the communes add up to the province."""
    communes = defaultdict(list)
    for row in _seed_rows("ref_admin_units.csv"):
        # the type its official name begins with (the package's commune_type disagrees with
        # the name for a few communes; the name is what the rule was published on)
        kind = next(t for t in TYPE_WEIGHTS if row["commune_name"].startswith(t))
        communes[row["province_code"]].append((row["commune_code"], kind))
    result = {}
    for province_code, figures in province_population().items():
        members = sorted(communes[province_code])
        weights = [TYPE_WEIGHTS[kind] for _, kind in members]
        people = _apportion(figures.population, weights)
        households = _apportion(figures.households, weights)
        for (code, _), p, h in zip(members, people, households, strict=True):
            result[code] = Population(p, h)
    return result


def commune_population_rows() -> list[dict]:
    province_of = {row["commune_code"]: row["province_code"] for row in _seed_rows("ref_admin_units.csv")}
    return [
        {
            "commune_code": code,
            "province_code": province_of[code],
            "population": str(p.population),
            "households": str(p.households),
            "method": POPULATION_METHOD,
        }
        for code, p in sorted(commune_population().items())
    ]


SEEDS = {
    "ref_admin_units.csv": admin_units,
    "ref_admin_units_legacy.csv": admin_units_legacy,
    "ref_admin_unit_conversion_2025.csv": conversion_2025,
    # after the units: the communes' population is apportioned over them
    "ref_commune_population.csv": commune_population_rows,
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
        commune_population.cache_clear()  # it reads the unit seeds just written
        (target / name).write_text(render_csv(rows), encoding="utf-8")
        counts[name] = len(rows)
    return counts
