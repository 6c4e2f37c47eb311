"""Real administrative units from the `vietnamadminunits` package, before and after 2025.

On 1 July 2025 Vietnam went from 63 provinces (with districts) to 34 provinces and 3,321
communes. The simulators generate data per post-2025 commune; before that date, records
carry the code of one of the legacy communes that the official conversion maps into it.
A legacy commune that was split goes with the new commune the conversion marks as its
default (the simulators' rule; the pipeline documents the same one).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    short_name: str
    province_code: str
    province_name: str
    province_short_name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class LegacyCommune:
    code: str
    name: str
    short_name: str
    district_code: str
    district_name: str
    province_code: str
    province_name: str
    province_short_name: str


@dataclass(frozen=True)
class Geography:
    communes: dict[str, Commune]
    legacy_communes: dict[str, LegacyCommune]
    legacy_members: dict[str, tuple[str, ...]]  # new commune code -> legacy commune codes

    def province_codes(self) -> list[str]:
        return sorted({c.province_code for c in self.communes.values()})

    def communes_of(self, province_code: str) -> list[Commune]:
        return sorted(
            (c for c in self.communes.values() if c.province_code == province_code),
            key=lambda c: c.code,
        )


def _rows(sql: str) -> list[sqlite3.Row]:
    path = files("vietnamadminunits").joinpath("data/dataset.db")
    with sqlite3.connect(str(path)) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()


@cache
def load_geography() -> Geography:
    new_by_key, communes = {}, {}
    for r in _rows("select * from admin_units"):
        commune = Commune(
            code=r["wardCode"],
            name=r["ward"],
            short_name=r["wardShort"],
            province_code=r["provinceCode"],
            province_name=r["province"],
            province_short_name=r["provinceShort"],
            lat=r["wardLat"],
            lon=r["wardLon"],
        )
        communes[commune.code] = commune
        new_by_key[(r["provinceKey"], r["wardKey"])] = commune.code
    legacy_by_key, legacy = {}, {}
    for r in _rows("select * from admin_units_legacy where wardCode is not null"):
        unit = LegacyCommune(
            code=r["wardCode"],
            name=r["ward"],
            short_name=r["wardShort"],
            district_code=r["districtCode"],
            district_name=r["district"],
            province_code=r["provinceCode"],
            province_name=r["province"],
            province_short_name=r["provinceShort"],
        )
        legacy[unit.code] = unit
        legacy_by_key[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}"] = unit.code
    conversion = json.loads(
        files("vietnamadminunits").joinpath("data/converter_2025.json").read_text("utf-8")
    )
    members: dict[str, list[str]] = {code: [] for code in communes}
    for province_key, wards in conversion["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            target = new_by_key[(province_key, ward_key)]
            members[target].extend(legacy_by_key[k] for k in old_keys if k in legacy_by_key)
    for province_key, old_units in conversion["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, options in old_units.items():
            default = next(o for o in options if o["isDefaultNewWard"])
            target = new_by_key[(province_key, default["newWardKey"])]
            members[target].append(legacy_by_key[old_key])
    return Geography(
        communes=communes,
        legacy_communes=legacy,
        legacy_members={code: tuple(sorted(set(m))) for code, m in members.items()},
    )
