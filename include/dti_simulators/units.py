"""Which unit a record names: legacy units before 1 July 2025, post-merger ones after."""

from __future__ import annotations

import random
from datetime import datetime

from dti_simulators.geography import Commune, LegacyCommune, load_geography
from dti_simulators.presets import MERGER_AT


def legacy_of(commune: Commune) -> tuple[str, ...]:
    """Legacy communes the conversion maps into this commune (split ones by default successor)."""
    return load_geography().legacy_members.get(commune.code) or (commune.code,)


def pick_legacy(commune: Commune, rng: random.Random) -> LegacyCommune | None:
    geo = load_geography()
    code = rng.choice(legacy_of(commune))
    return geo.legacy_communes.get(code)


def commune_code_at(commune: Commune, moment: datetime, rng: random.Random) -> str:
    """The commune code a record created at `moment` carries (draws from rng either way)."""
    legacy = rng.choice(legacy_of(commune))
    return legacy if moment < MERGER_AT else commune.code


def province_code_at(commune: Commune, commune_code: str, moment: datetime) -> str:
    if moment < MERGER_AT:
        legacy = load_geography().legacy_communes.get(commune_code)
        return legacy.province_code if legacy else commune.province_code
    return commune.province_code
