"""Reference figures the simulators size their data on: DTI 2022 scores and population.

Both ship as CSV files in `data/` with their sources. The per-commune population is
apportioned from the province figure by a documented rule (docs/simulators.md) and is
written to the dbt seed `ref_commune_population.csv`, so that the pipeline divides by
exactly the numbers the simulators generated their households and people from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from dti_simulators.geography import Commune, load_geography

# Weight of a commune's population by its type: wards (phường) are urban and denser.
TYPE_WEIGHTS = {"Phường": 2.5, "Xã": 1.0, "Đặc khu": 1.0}
SEED_COLUMNS = ("commune_code", "province_code", "population", "households", "method")
METHOD = "province population apportioned by commune type (phường 2.5, xã 1, đặc khu 1)"


@dataclass(frozen=True)
class ProvinceDti:
    legacy_province_code: str
    rank: int
    dti: float
    pillars: tuple[float, float, float]  # government, economy, society (relative levels)
    published: bool


@dataclass(frozen=True)
class Population:
    population: int
    households: int


def _data(name: str) -> list[dict[str, str]]:
    text = files("dti_simulators").joinpath(f"data/{name}").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def dti_2022() -> dict[str, ProvinceDti]:
    """Legacy province code -> its DTI 2022 score and relative pillar strengths."""
    result = {}
    for row in _data("dti_2022_provincial.csv"):
        dti = float(row["dti"])
        if row["pillar_gov"]:
            raw = (float(row["pillar_gov"]), float(row["pillar_econ"]), float(row["pillar_soc"]))
        elif row["gov_activity"]:
            raw = (float(row["gov_activity"]), float(row["econ_activity"]), float(row["soc_activity"]))
        else:
            raw = (dti, dti, dti)
        mean = sum(raw) / 3
        # Pillars keep the province's overall level and carry only its relative strengths.
        pillars = tuple(dti * p / mean for p in raw)
        result[row["legacy_province_code"]] = ProvinceDti(
            row["legacy_province_code"], int(row["rank"]), dti, pillars, row["status"] == "published"
        )
    return result


@cache
def province_population() -> dict[str, Population]:
    return {
        row["province_code"]: Population(int(row["population"]), int(row["households"]))
        for row in _data("province_population.csv")
    }


def commune_type(commune: Commune) -> str:
    return next(t for t in TYPE_WEIGHTS if commune.name.startswith(t))


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
    """Post-merger commune code -> population and households (sums equal the province's)."""
    geo = load_geography()
    result = {}
    for province_code, figures in province_population().items():
        communes = geo.communes_of(province_code)
        weights = [TYPE_WEIGHTS[commune_type(c)] for c in communes]
        people = _apportion(figures.population, weights)
        households = _apportion(figures.households, weights)
        for commune, p, h in zip(communes, people, households, strict=True):
            result[commune.code] = Population(p, h)
    return result


def commune_population_rows() -> list[dict[str, str]]:
    geo = load_geography()
    return [
        {
            "commune_code": code,
            "province_code": geo.communes[code].province_code,
            "population": str(p.population),
            "households": str(p.households),
            "method": METHOD,
        }
        for code, p in sorted(commune_population().items())
    ]


def write_commune_population_seed(path: Path) -> int:
    """Write the per-commune table the dbt seed holds; returns the number of rows."""
    rows = commune_population_rows()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, SEED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
