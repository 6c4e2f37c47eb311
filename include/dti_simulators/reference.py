"""Reference figures the simulators size their data on: DTI 2022 scores and population.

The DTI 2022 scores calibrate the simulated adoption (`data/dti_2022_provincial.csv`, with
its sources). Population and households are the pipeline's own reference data
(dti_pipeline.reference, the dbt seeds ref_province_population.csv and
ref_commune_population.csv): the simulators read them, so that the pipeline divides by
exactly the numbers the simulated households and people were generated from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from dti_pipeline.reference import Population, commune_population, province_population

__all__ = ["Population", "ProvinceDti", "commune_population", "dti_2022", "province_population"]


@dataclass(frozen=True)
class ProvinceDti:
    legacy_province_code: str
    rank: int
    dti: float
    pillars: tuple[float, float, float]  # government, economy, society (relative levels)
    published: bool


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
