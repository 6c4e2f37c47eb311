"""Place names as Voso's sellers type them, and which spellings stay unambiguous.

Voso identifies places by names only. Sellers type them with or without diacritics, in
any case, with or without the type word (Xã, Phường), and keep using the legacy names
after the 2025 merger. The simulator only serves a spelling that a careful resolver can
map back to one commune: a variant whose normalised form collides with another commune
of the same province (in either generation) is replaced by a safer spelling.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from datetime import datetime
from functools import cache

from dti_pipeline.units import unit_type_words
from dti_simulators.geography import Commune, load_geography
from dti_simulators.presets import MERGER_AT
from dti_simulators.units import legacy_of


def normalise(name: str) -> str:
    """Lower case, no diacritics, no type word: the key a resolver compares. The type words
    are the pipeline's own list (the reference seed ref_unit_type_words.csv), longest first."""
    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    text = re.sub(r"\s+", " ", text.replace("-", " ")).strip()
    for word in unit_type_words():
        if text.startswith(word + " "):
            return text[len(word) + 1 :].strip()
    return text


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


@cache
def _successors_by_key() -> dict[tuple[str, str], set[str]]:
    """(province key, commune key) -> the post-merger communes it may mean, both generations."""
    geo = load_geography()
    successor = {legacy: new for new, members in geo.legacy_members.items() for legacy in members}
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for c in geo.communes.values():
        found[(normalise(c.province_short_name), normalise(c.name))].add(c.code)
    for legacy in geo.legacy_communes.values():
        key = (normalise(legacy.province_short_name), normalise(legacy.name))
        found[key].add(successor.get(legacy.code, f"legacy:{legacy.code}"))
    return found


def _unique(province: str, commune: str) -> bool:
    return len(_successors_by_key()[(normalise(province), normalise(commune))]) == 1


def _spell(
    province_full: str, province_short: str, commune_full: str, commune_short: str, rng: random.Random
):
    province = rng.choice((province_full, province_short, province_short))
    commune = commune_full if rng.random() < 0.5 else commune_short
    if rng.random() < 0.35:
        province, commune = strip_accents(province), strip_accents(commune)
    case = rng.random()
    if case < 0.2:
        province, commune = province.lower(), commune.lower()
    elif case < 0.25:
        province, commune = province.upper(), commune.upper()
    return province, commune


def voso_place(commune: Commune, moment: datetime, rng: random.Random) -> tuple[str, str]:
    """(province, commune) as a seller typed them for a record created at `moment`."""
    geo = load_geography()
    legacy_codes = legacy_of(commune)
    legacy = geo.legacy_communes.get(rng.choice(legacy_codes))
    use_legacy = legacy is not None and (moment < MERGER_AT or rng.random() < 0.2)
    if use_legacy and _unique(legacy.province_short_name, legacy.name):
        return _spell(legacy.province_name, legacy.province_short_name, legacy.name, legacy.short_name, rng)
    if _unique(commune.province_short_name, commune.name):
        return _spell(
            commune.province_name, commune.province_short_name, commune.name, commune.short_name, rng
        )
    return commune.province_name, commune.name  # official spelling as a last resort
