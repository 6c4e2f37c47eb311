"""The latent state of digital transformation that every simulator draws from.

Each commune has a starting adoption level and a monthly growth, so that month-over-month
change and ranks mean something: pilot communes start ahead, laggards behind.
"""

from __future__ import annotations

import math
from datetime import date

from dti_simulators.geography import Commune
from dti_simulators.randomness import unit_interval

EPOCH = date(2024, 11, 1)


def months_since_epoch(month: date) -> int:
    return (month.year - EPOCH.year) * 12 + month.month - EPOCH.month


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def adoption(seed: int, commune: Commune, month: date) -> float:
    """How far a commune's offices have moved to digital work in a month, in (0, 1)."""
    province_effect = unit_interval(seed, "province", commune.province_code) - 0.5
    commune_effect = unit_interval(seed, "commune", commune.code) - 0.5
    growth = 0.04 + 0.08 * unit_interval(seed, "growth", commune.code)
    x = 0.6 + 1.2 * province_effect + 1.6 * commune_effect + growth * months_since_epoch(month)
    return _logistic(x)
