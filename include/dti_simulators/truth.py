"""Ground truth: what a correct pipeline must reproduce for a month, from the generators.

Computed from the same generators the servers page through, before any fault is added
(bad records and schema drift never count), per post-merger commune and province. It is
reachable from Python and `dti sources truth`, never through the simulators' HTTP APIs.
"End of M" is the instant month M+1 starts (local time): a thing exists at the end of M
when it was created before that instant and not ended before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from dti_simulators.dvc import generate_applications, generate_ratings, procedure_records
from dti_simulators.ecommerce import market
from dti_simulators.eoffice import accounts_of, generate_documents
from dti_simulators.geography import Commune
from dti_simulators.handbook import export_rows
from dti_simulators.presets import Preset, get_preset
from dti_simulators.reference import commune_population
from dti_simulators.timefmt import month_end, month_start, parse_dvc_time, previous_month

INDICATORS = (
    "gov_docs_electronic_share",
    "gov_docs_signed_share",
    "gov_docs_on_time_share",
    "gov_officials_active_share",
    "gov_officials_signing_share",
    "gov_procedures_full_online_share",
    "gov_applications_online_share",
    "gov_applications_on_time_share",
    "gov_fees_paid_online_share",
    "gov_results_digitised_share",
    "gov_satisfaction_share",
    "econ_shops_per_1000_households",
    "econ_products_per_shop",
    "econ_active_shops_share",
    "econ_orders_per_1000_people",
    "econ_sales_per_capita_vnd",
    "econ_payment_accounts_share",
    "soc_buyer_accounts_share",
    "soc_cells_on_platform_share",
    "soc_members_with_account_share",
    "soc_members_active_share",
)

# Counts name entities as the APIs serve them: Postmart's households are Voso's users.
ACCOUNT_ENTITIES = {"postmart": "households", "voso": "users"}


@dataclass(frozen=True)
class IndicatorInput:
    indicator: str
    level: str  # commune | province
    unit_code: str
    month: str
    numerator: int
    denominator: int


@dataclass(frozen=True)
class Count:
    source: str
    entity: str
    unit_code: str  # post-merger commune code
    month: str
    measure: str
    value: int


@dataclass
class GroundTruth:
    preset: str
    seed: int
    month: str
    indicators: list[IndicatorInput] = field(default_factory=list)
    counts: list[Count] = field(default_factory=list)

    def inputs(self, indicator: str, unit_code: str, level: str = "commune") -> tuple[int, int]:
        for row in self.indicators:
            if (row.indicator, row.unit_code, row.level) == (indicator, unit_code, level):
                return row.numerator, row.denominator
        raise KeyError(f"no ground truth for {indicator} of {level} {unit_code} in {self.month}")

    def as_dict(self) -> dict:
        return {
            "preset": self.preset,
            "seed": self.seed,
            "month": self.month,
            "indicators": [asdict(r) for r in self.indicators],
            "counts": [asdict(c) for c in self.counts],
        }


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _alive(created: datetime, ended: datetime | None, end: datetime) -> bool:
    return created < end and (ended is None or ended >= end)


def _months_back(preset: Preset, month: date, count: int) -> list[date]:
    """month and the `count` months before it that the preset serves."""
    months, current = [], month
    for _ in range(count + 1):
        if current in preset.months():
            months.append(current)
        current = previous_month(current)
    return months


def _commune_truth(seed: int, preset: Preset, commune: Commune, month: date) -> tuple[dict, dict]:
    """(indicator -> [numerator, denominator], (source, entity, measure) -> value) of one commune."""
    start, end = month_start(month), month_end(month)
    inputs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    counts: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(indicator: str, numerator: int, denominator: int) -> None:
        inputs[indicator][0] += numerator
        inputs[indicator][1] += denominator

    # e-office
    created = generate_documents(seed, preset, commune, month)
    out = [d.record for d in created if d.record["direction"] == "out"]
    add(
        "gov_docs_electronic_share",
        sum(d.record["transmission"] == "electronic" for d in created),
        len(created),
    )
    add(
        "gov_docs_signed_share",
        sum(d["transmission"] == "electronic" and d["digitallySigned"] for d in out),
        len(out),
    )
    due = [
        d.record
        for m in _months_back(preset, month, 1)
        for d in generate_documents(seed, preset, commune, m)
        if start <= datetime.fromisoformat(d.record["dueAt"]) < end
    ]
    on_time = sum(d["completedAt"] is not None and d["completedAt"] <= d["dueAt"] for d in due)
    add("gov_docs_on_time_share", on_time, len(due))
    accounts = [a for a in accounts_of(seed, preset, commune) if _alive(a.created_at, a.deactivated_at, end)]
    handlers = {d.record["handlerAccountId"] for d in created}
    add("gov_officials_active_share", len(handlers), len(accounts))
    add(
        "gov_officials_signing_share",
        sum(a.certificate_at is not None and a.certificate_at < end for a in accounts),
        len(accounts),
    )
    counts[("eoffice", "documents", "created")] = len(created)
    counts[("eoffice", "accounts", "existing_at_end")] = len(accounts)

    # public-service portal
    received = [a.record for a in generate_applications(seed, preset, commune, month)]
    add("gov_applications_online_share", sum(a["KenhNop"] == "1" for a in received), len(received))
    with_fee = [a for a in received if a["LePhi"] > 0]
    add("gov_fees_paid_online_share", sum(a["ThanhToanTrucTuyen"] for a in with_fee), len(with_fee))
    recent = _months_back(preset, month, 2)
    results = [
        a.record
        for m in recent
        for a in generate_applications(seed, preset, commune, m)
        if a.record["NgayCoKetQua"] and start <= parse_dvc_time(a.record["NgayCoKetQua"]) < end
    ]
    add(
        "gov_applications_on_time_share",
        sum(parse_dvc_time(a["NgayCoKetQua"]) <= parse_dvc_time(a["HanXuLy"]) for a in results),
        len(results),
    )
    add("gov_results_digitised_share", sum(a["KetQuaDienTu"] for a in results), len(results))
    ratings = [
        r.record
        for m in recent
        for r in generate_ratings(seed, preset, commune, m)
        if start <= r.created_at < end
    ]
    add("gov_satisfaction_share", sum(r["DiemHaiLong"] >= 4 for r in ratings), len(ratings))
    counts[("dvc", "applications", "received")] = len(received)
    counts[("dvc", "applications", "fees_vnd")] = sum(a["LePhi"] for a in received)
    counts[("dvc", "applications", "with_result")] = len(results)
    counts[("dvc", "ratings", "given")] = len(ratings)

    # e-commerce, both platforms
    people = commune_population()[commune.code]
    shop_market = market(seed, preset, commune)
    active = [s for s in shop_market.shops if _alive(s.created_at, s.suspended_at, end)]
    listed = [p for p in shop_market.products if _alive(p.created_at, p.delisted_at, end)]
    completed = [
        o
        for m in _months_back(preset, month, 1)
        for o in shop_market.orders(m)
        if _within(o.completed_at, start, end)
    ]
    selling = {o.shop.shop_no for o in completed}
    add("econ_shops_per_1000_households", 1000 * len(active), people.households)
    add("econ_products_per_shop", len(listed), len(active))
    add("econ_active_shops_share", sum(s.shop_no in selling for s in active), len(active))
    add("econ_orders_per_1000_people", 1000 * len(completed), people.population)
    add("econ_sales_per_capita_vnd", sum(o.amount_vnd for o in completed), people.population)
    buyers = {a.household_code for a in shop_market.accounts if a.buyer_since < end}
    wallets = {
        a.household_code for a in shop_market.accounts if a.wallet_since is not None and a.wallet_since < end
    }
    add("econ_payment_accounts_share", len(wallets), people.households)
    add("soc_buyer_accounts_share", len(buyers), people.households)
    for platform in ("postmart", "voso"):
        counts[(platform, "shops", "active_at_end")] = sum(s.platform == platform for s in active)
        counts[(platform, "products", "listed_at_end")] = sum(p.shop.platform == platform for p in listed)
        mine = [o for o in completed if o.shop.platform == platform]
        counts[(platform, "orders", "completed")] = len(mine)
        counts[(platform, "orders", "completed_value_vnd")] = sum(o.amount_vnd for o in mine)
        counts[(platform, ACCOUNT_ENTITIES[platform], "buyer_accounts_at_end")] = sum(
            a.platform == platform and a.buyer_since < end for a in shop_market.accounts
        )

    # party-member handbook
    export = {k: [r.record for r in v] for k, v in export_rows(seed, preset, commune, month).items()}
    add(
        "soc_cells_on_platform_share",
        sum(bool(c["ngay_tham_gia"]) for c in export["cells"]),
        len(export["cells"]),
    )
    add(
        "soc_members_with_account_share",
        sum(bool(m["ngay_kich_hoat"]) for m in export["members"]),
        len(export["members"]),
    )
    add(
        "soc_members_active_share",
        sum(a["so_lan_dang_nhap"] >= 1 for a in export["activity"]),
        len(export["members"]),
    )
    for entity in ("cells", "members", "activity"):
        counts[("handbook", entity, "rows")] = len(export[entity])
    return inputs, counts


def ground_truth(preset: str | Preset, seed: int, month: date | str) -> GroundTruth:
    """Numerators and denominators of every indicator input, and per-entity counts, for a month."""
    chosen = get_preset(preset) if isinstance(preset, str) else preset
    if isinstance(month, str):
        month = date(int(month[:4]), int(month[5:7]), 1)
    if month not in chosen.months():
        raise ValueError(f"{month:%Y-%m} is not a month of preset {chosen.name!r}")
    label = f"{month:%Y-%m}"
    truth = GroundTruth(chosen.name, seed, label)
    provinces: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for commune in chosen.communes():
        inputs, counts = _commune_truth(seed, chosen, commune, month)
        for indicator in INDICATORS:
            if indicator in inputs:
                numerator, denominator = inputs[indicator]
                truth.indicators.append(
                    IndicatorInput(indicator, "commune", commune.code, label, numerator, denominator)
                )
                provinces[commune.province_code][indicator][0] += numerator
                provinces[commune.province_code][indicator][1] += denominator
        truth.counts.extend(Count(s, e, commune.code, label, m, v) for (s, e, m), v in sorted(counts.items()))
    end = month_end(month)
    for province_code, inputs in sorted(provinces.items()):
        procedures = [p.record for p in procedure_records(seed, chosen, province_code)]
        full = sum(
            p["MucDo"] == "toan_trinh"
            and (p["NgayNangCap"] is None or parse_dvc_time(p["NgayNangCap"]) < end)
            for p in procedures
        )
        inputs["gov_procedures_full_online_share"] = [full, len(procedures)]
        for indicator in INDICATORS:
            numerator, denominator = inputs[indicator]
            truth.indicators.append(
                IndicatorInput(indicator, "province", province_code, label, numerator, denominator)
            )
    return truth
