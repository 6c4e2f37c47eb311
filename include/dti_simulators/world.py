"""The latent state of digital transformation that every simulator draws from.

Each commune has an adoption level per pillar (government, economy, society) that grows
month by month. Its province's level is calibrated on the legacy province's published
DTI 2022 score and pillar strengths (data/dti_2022_provincial.csv), so that the national
picture resembles the real one; pilot communes start ahead, laggards behind.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from functools import cache

from dti_simulators.geography import Commune, load_geography
from dti_simulators.randomness import unit_interval
from dti_simulators.reference import dti_2022

EPOCH = date(2024, 11, 1)
PILLARS = ("gov", "econ", "soc")
MEAN_DTI_2022 = 0.62  # about the national mean of the 2022 scores: the neutral level
PILOT_SHARE = 0.10
LAGGARD_SHARE = 0.15


def months_since_epoch(month: date) -> int:
    return (month.year - EPOCH.year) * 12 + month.month - EPOCH.month


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@cache
def legacy_province_of(commune_code: str) -> str:
    """The legacy province most of a post-merger commune's legacy communes belonged to."""
    geo = load_geography()
    members = geo.legacy_members.get(commune_code) or ()
    provinces = Counter(geo.legacy_communes[m].province_code for m in members)
    if provinces:
        return sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return geo.communes[commune_code].province_code


def commune_role(seed: int, commune: Commune) -> str:
    """'pilot', 'laggard' or 'regular': pilots run ahead of their province, laggards behind."""
    draw = unit_interval(seed, "role", commune.code)
    if draw < PILOT_SHARE:
        return "pilot"
    if draw > 1 - LAGGARD_SHARE:
        return "laggard"
    return "regular"


def adoption(seed: int, commune: Commune, month: date, pillar: str = "gov") -> float:
    """How far a commune has moved to digital work in a pillar and month, in (0, 1)."""
    calibration = dti_2022().get(legacy_province_of(commune.code))
    level = calibration.pillars[PILLARS.index(pillar)] if calibration else MEAN_DTI_2022
    province_effect = 7.0 * (level - MEAN_DTI_2022)
    commune_effect = 1.2 * (unit_interval(seed, "commune", pillar, commune.code) - 0.5)
    role = {"pilot": 1.0, "laggard": -1.0, "regular": 0.0}[commune_role(seed, commune)]
    growth = 0.03 + 0.06 * unit_interval(seed, "growth", pillar, commune.code)
    x = 0.2 + province_effect + commune_effect + role + growth * months_since_epoch(month)
    return _logistic(x)
