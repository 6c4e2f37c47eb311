"""Scale presets: which units and months the simulators serve, and at what volume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dti_simulators.geography import Commune, load_geography

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MERGER_DATE = date(2025, 7, 1)
# Records created before this moment carry legacy unit codes and names.
MERGER_AT = datetime(2025, 7, 1, tzinfo=VN)


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    first_month: date
    last_month: date
    # province code -> commune codes (None: every commune of the province); None: all provinces
    units: dict[str, tuple[str, ...] | None] | None
    volume_scale: float  # 1.0 = volumes of a real province

    @property
    def as_of(self) -> datetime:
        """The simulated 'now': the end of the last month. Nothing happens after it."""
        nxt = date(self.last_month.year + self.last_month.month // 12, self.last_month.month % 12 + 1, 1)
        return datetime(nxt.year, nxt.month, 1, tzinfo=VN)

    def months(self) -> list[date]:
        months, current = [], self.first_month
        while current <= self.last_month:
            months.append(current)
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        return months

    def communes(self) -> list[Commune]:
        geo = load_geography()
        if self.units is None:
            return sorted(geo.communes.values(), key=lambda c: c.code)
        chosen = []
        for province, codes in sorted(self.units.items()):
            if codes is None:
                chosen.extend(geo.communes_of(province))
            else:
                chosen.extend(geo.communes[c] for c in codes)
        return sorted(chosen, key=lambda c: c.code)


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        name="tiny",
        description="9 communes of Lào Cai (with Yên Bái's Tú Lệ), Thái Nguyên and Hà Tĩnh; "
        "June to August 2025, across the 1 July 2025 merger",
        first_month=date(2025, 6, 1),
        last_month=date(2025, 8, 1),
        units={
            "15": ("02683", "03006", "04630"),  # Lào Cai: Bát Xát, Sa Pa, Tú Lệ
            "19": ("01843", "02020", "05443"),  # Thái Nguyên: Bắc Kạn, Chợ Đồn, Phan Đình Phùng
            "42": ("18073", "18133", "18229"),  # Hà Tĩnh: Thành Sen, Hương Sơn, Đức Thọ
        },
        volume_scale=0.1,
    ),
    "province": Preset(
        name="province",
        description="every commune of Lào Cai (the merged Lào Cai and Yên Bái), 24 months",
        first_month=date(2024, 11, 1),
        last_month=date(2026, 10, 1),
        units={"15": None},
        volume_scale=1.0,
    ),
    "national": Preset(
        name="national",
        description="all 34 provinces and 3,321 communes, 24 months",
        first_month=date(2024, 11, 1),
        last_month=date(2026, 10, 1),
        units=None,
        volume_scale=1.0,
    ),
}


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
