"""Summing what the five APIs serve (faults off) gives the ground truth of a tiny-preset month.

Everything here is computed from HTTP responses and the dbt reference seeds, following
docs/source-contracts.md ("Indicator inputs"), not from the simulators' generators.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sim_clients as clients

from dti_simulators.truth import ground_truth

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MERGER = datetime(2025, 7, 1, tzinfo=VN)
MONTH = "2025-07"
START, END = datetime(2025, 7, 1, tzinfo=VN), datetime(2025, 8, 1, tzinfo=VN)
EVERYTHING = (datetime(2024, 1, 1, tzinfo=VN), datetime(2026, 1, 1, tzinfo=VN))
SEEDS = Path(__file__).parents[2] / "dbt_project" / "seeds" / "reference"


def _seed(name: str) -> list[dict]:
    with (SEEDS / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


SUCCESSOR = {
    r["legacy_commune_code"]: r["commune_code"]
    for r in _seed("ref_admin_unit_conversion_2025.csv")
    if r["is_default_successor"] == "true"
}
NEW_COMMUNES = {r["commune_code"]: r for r in _seed("ref_admin_units.csv")}
POPULATION = {r["commune_code"]: r for r in _seed("ref_commune_population.csv")}


def commune_of(code: str, created: datetime) -> str:
    """Codes of the two generations overlap: the record's creation time says which one it is."""
    return SUCCESSOR[code] if created < MERGER else code


def _key(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower().replace("-", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^(thanh pho|thi tran|dac khu|phuong|tinh|xa) ", "", text)


def _name_index(rows: list[dict], code_of) -> dict[tuple[str, str], set[str]]:
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        for commune in (r["commune_name"], r["commune_short_name"]):
            index[(_key(r["province_short_name"]), _key(commune))].add(code_of(r))
    return index


NEW_NAMES = _name_index(_seed("ref_admin_units.csv"), lambda r: r["commune_code"])
LEGACY_NAMES = _name_index(
    _seed("ref_admin_units_legacy.csv"), lambda r: SUCCESSOR.get(r["commune_code"], "?")
)


def commune_by_name(province: str, commune: str, created: datetime) -> str:
    key = (_key(province), _key(commune))
    order = (NEW_NAMES, LEGACY_NAMES) if created >= MERGER else (LEGACY_NAMES, NEW_NAMES)
    for index in order:
        if len(index.get(key, ())) == 1:
            return next(iter(index[key]))
    raise AssertionError(f"Voso place {province!r}/{commune!r} does not resolve to one commune")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def dvc(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M:%S").replace(tzinfo=VN)


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def in_month(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


def alive(created: datetime, ended: datetime | None) -> bool:
    return created < END and (ended is None or ended >= END)


@pytest.fixture(scope="module")
def from_apis(simulators) -> dict[tuple[str, str], list[int]]:
    """(indicator, commune) -> [numerator, denominator] computed from the APIs' records."""
    sims = simulators.simulators
    result: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(indicator: str, commune: str, numerator: int, denominator: int) -> None:
        result[(indicator, commune)][0] += numerator
        result[(indicator, commune)][1] += denominator

    # e-office
    window = {"updated_from": EVERYTHING[0].isoformat(), "updated_to": EVERYTHING[1].isoformat()}
    for d in clients.eoffice_all(sims["eoffice"], "/api/v1/documents", window):
        created, commune = local(d["createdAt"]), commune_of(d["orgCode"], local(d["createdAt"]))
        if in_month(created):
            add("gov_docs_electronic_share", commune, d["transmission"] == "electronic", 1)
            if d["direction"] == "out":
                add(
                    "gov_docs_signed_share",
                    commune,
                    d["transmission"] == "electronic" and d["digitallySigned"],
                    1,
                )
        if in_month(local(d["dueAt"])):
            done = d["completedAt"] is not None and local(d["completedAt"]) <= local(d["dueAt"])
            add("gov_docs_on_time_share", commune, done, 1)
    handlers = defaultdict(set)
    for d in clients.eoffice_all(sims["eoffice"], "/api/v1/documents", window):
        if in_month(local(d["createdAt"])):
            handlers[commune_of(d["orgCode"], local(d["createdAt"]))].add(d["handlerAccountId"])
    for a in clients.eoffice_all(sims["eoffice"], "/api/v1/accounts"):
        deactivated = local(a["deactivatedAt"]) if a["deactivatedAt"] else None
        if alive(local(a["createdAt"]), deactivated):
            signing = a["certificateIssuedAt"] is not None and local(a["certificateIssuedAt"]) < END
            add("gov_officials_active_share", a["orgCode"], a["accountId"] in handlers[a["orgCode"]], 1)
            add("gov_officials_signing_share", a["orgCode"], signing, 1)

    # public-service portal
    dvc_window = {"tu_ngay": "01/01/2024 00:00:00", "den_ngay": "01/01/2026 00:00:00"}
    applications, total = clients.dvc_all(sims["dvc"], "/api/dvc/hoso", dvc_window)
    assert total == len(applications)
    for a in applications:
        received = dvc(a["NgayTiepNhan"])
        commune = commune_of(a["MaDonVi"], received)
        if in_month(received):
            add("gov_applications_online_share", commune, a["KenhNop"] == "1", 1)
            if a["LePhi"] > 0:
                add("gov_fees_paid_online_share", commune, a["ThanhToanTrucTuyen"], 1)
        if a["NgayCoKetQua"] and in_month(dvc(a["NgayCoKetQua"])):
            add("gov_applications_on_time_share", commune, dvc(a["NgayCoKetQua"]) <= dvc(a["HanXuLy"]), 1)
            add("gov_results_digitised_share", commune, a["KetQuaDienTu"], 1)
    ratings, _ = clients.dvc_all(sims["dvc"], "/api/dvc/danhgia", dvc_window)
    for r in ratings:
        if in_month(dvc(r["NgayDanhGia"])):
            add(
                "gov_satisfaction_share",
                commune_of(r["MaDonVi"], dvc(r["NgayDanhGia"])),
                r["DiemHaiLong"] >= 4,
                1,
            )
    procedures, _ = clients.dvc_all(sims["dvc"], "/api/dvc/thutuc")
    for p in procedures:
        upgraded = dvc(p["NgayNangCap"]) if p["NgayNangCap"] else None
        full = p["MucDo"] == "toan_trinh" and (upgraded is None or upgraded < END)
        add("gov_procedures_full_online_share", f"province:{p['MaTinh']}", full, 1)

    # e-commerce: both platforms conformed (state at the end of M from the records' own dates)
    pm = {"tu_ngay": clients.utc_z(EVERYTHING[0]), "den_ngay": clients.utc_z(EVERYTHING[1])}
    vs = {"updated_after": clients.epoch_ms(EVERYTHING[0]), "updated_before": clients.epoch_ms(EVERYTHING[1])}
    shops = {}  # shop id -> (commune, created, suspended)
    for s in clients.postmart_all(sims["postmart"], "/api/v1/gian-hang", pm):
        suspended = local(s["ngay_tam_dung"]) if s["ngay_tam_dung"] else None
        shops[s["ma_gian_hang"]] = (
            commune_of(s["ma_xa"], local(s["ngay_tao"])),
            local(s["ngay_tao"]),
            suspended,
        )
    for s in clients.voso_all(sims["voso"], "/v2/shops", vs):
        created = ms(s["created_at"])
        suspended = ms(s["suspended_at"]) if s["suspended_at"] else None
        shops[s["shop_id"]] = (commune_by_name(s["province"], s["commune"], created), created, suspended)
    active = {sid: c for sid, (c, created, suspended) in shops.items() if alive(created, suspended)}
    listed = [
        (p["ma_gian_hang"], local(p["ngay_tao"]), local(p["ngay_ngung_ban"]) if p["ngay_ngung_ban"] else None)
        for p in clients.postmart_all(sims["postmart"], "/api/v1/san-pham", pm)
    ] + [
        (p["shop_id"], ms(p["created_at"]), ms(p["delisted_at"]) if p["delisted_at"] else None)
        for p in clients.voso_all(sims["voso"], "/v2/products", vs)
    ]
    completed = [
        (o["ma_gian_hang"], local(o["ngay_hoan_thanh"]), o["tong_tien"])
        for o in clients.postmart_all(sims["postmart"], "/api/v1/don-hang", pm)
        if o["trang_thai"] == "hoan_thanh"
    ] + [
        (o["shop_id"], ms(o["delivered_at"]), int(float(o["amount"])))
        for o in clients.voso_all(sims["voso"], "/v2/orders", vs)
        if o["state"] == "delivered"
    ]
    completed = [(sid, amount) for sid, at, amount in completed if in_month(at)]
    selling = {sid for sid, _ in completed}
    communes = {c for i, c in result if not c.startswith("province:")}  # every commune has documents
    for commune in sorted(communes):
        row = POPULATION[commune]
        households, people = int(row["households"]), int(row["population"])
        mine = [sid for sid, c in active.items() if c == commune]
        add("econ_shops_per_1000_households", commune, 1000 * len(mine), households)
        add(
            "econ_products_per_shop",
            commune,
            sum(shops[sid][0] == commune and alive(c, e) for sid, c, e in listed),
            len(mine),
        )
        add("econ_active_shops_share", commune, sum(sid in selling for sid in mine), len(mine))
        orders = [amount for sid, amount in completed if shops[sid][0] == commune]
        add("econ_orders_per_1000_people", commune, 1000 * len(orders), people)
        add("econ_sales_per_capita_vnd", commune, sum(orders), people)
    buyers, wallets = defaultdict(set), defaultdict(set)
    for h in clients.postmart_all(sims["postmart"], "/api/v1/ho-gia-dinh", pm):
        commune = commune_of(h["ma_xa"], local(h["ngay_mo_tai_khoan_mua"]))
        assert h["ma_ho"][3:8] == commune, "ma_ho embeds the household's post-merger commune"
        if local(h["ngay_mo_tai_khoan_mua"]) < END:
            buyers[commune].add(h["ma_ho"])
        if h["ngay_mo_thanh_toan"] and local(h["ngay_mo_thanh_toan"]) < END:
            wallets[commune].add(h["ma_ho"])
    for u in clients.voso_all(sims["voso"], "/v2/users", vs):
        commune = commune_by_name(u["province"], u["commune"], ms(u["buyer_since"]))
        assert u["household_ref"][3:8] == commune
        if ms(u["buyer_since"]) < END:
            buyers[commune].add(u["household_ref"])
        if u["wallet_since"] is not None and ms(u["wallet_since"]) < END:
            wallets[commune].add(u["household_ref"])
    for commune in sorted(communes):
        households = int(POPULATION[commune]["households"])
        add("econ_payment_accounts_share", commune, len(wallets[commune]), households)
        add("soc_buyer_accounts_share", commune, len(buyers[commune]), households)

    # handbook: July's export
    files = {
        f["entity"]: f
        for m in clients.handbook_listing(sims["handbook"])
        if m["month"] == MONTH
        for f in m["files"]
    }
    cells = {c["ma_chi_bo"]: c for c in clients.handbook_rows(sims["handbook"], files["cells"]["url"])}
    members = clients.handbook_rows(sims["handbook"], files["members"]["url"])
    assert len(members) == files["members"]["rows"]
    member_commune = {m["ma_dang_vien"]: cells[m["ma_chi_bo"]]["ma_xa"] for m in members}
    for c in cells.values():
        add("soc_cells_on_platform_share", c["ma_xa"], bool(c["ngay_tham_gia"]), 1)
    for m in members:
        add("soc_members_with_account_share", member_commune[m["ma_dang_vien"]], bool(m["ngay_kich_hoat"]), 1)
        add("soc_members_active_share", member_commune[m["ma_dang_vien"]], 0, 1)
    for a in clients.handbook_rows(sims["handbook"], files["activity"]["url"]):
        add("soc_members_active_share", member_commune[a["ma_dang_vien"]], int(a["so_lan_dang_nhap"]) >= 1, 0)
    return result


def test_every_indicator_input_of_every_commune_and_province_matches(simulators, from_apis):
    truth = ground_truth(simulators.preset, simulators.seed, MONTH)
    checked = 0
    province_sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (indicator, unit), (numerator, denominator) in from_apis.items():
        if unit.startswith("province:"):
            assert truth.inputs(indicator, unit[9:], "province") == (numerator, denominator), (
                indicator,
                unit,
            )
            checked += 1
            continue
        assert truth.inputs(indicator, unit) == (numerator, denominator), (indicator, unit)
        province = NEW_COMMUNES[unit]["province_code"]
        province_sums[(indicator, province)][0] += numerator
        province_sums[(indicator, province)][1] += denominator
        checked += 1
    for (indicator, province), (numerator, denominator) in province_sums.items():
        assert truth.inputs(indicator, province, "province") == (numerator, denominator), (
            indicator,
            province,
        )
    indicators_seen = {i for i, _ in from_apis}
    assert len(indicators_seen) == 21, (
        f"every indicator of the contract is checked, got {sorted(indicators_seen)}"
    )
    assert checked > 150
    assert all(d > 0 for (i, _), (_, d) in from_apis.items() if not i.startswith("econ_products"))


def test_truth_counts_only_genuine_records_and_is_stable():
    first = ground_truth("tiny", 7, MONTH)
    assert first.as_dict() == ground_truth("tiny", 7, MONTH).as_dict()
    assert first.as_dict() != ground_truth("tiny", 8, MONTH).as_dict()


def test_every_count_is_documented_under_the_name_its_api_serves():
    """docs/simulators.md's measures table lists exactly the (source, entity, measure) of counts."""
    text = (Path(__file__).parents[2] / "docs" / "simulators.md").read_text(encoding="utf-8")
    table = text[text.index("| source | entity | measure |") :].split("\n\n")[0].splitlines()[2:]
    documented = set()
    for row in table:
        sources, entities, measure = (cell.strip() for cell in row.strip("|").split("|")[:3])
        for source in sources.split(", "):
            for entity in entities.split(", "):
                documented.add((source, entity, measure.strip("`")))
    truth = ground_truth("tiny", 7, MONTH)
    assert {(c.source, c.entity, c.measure) for c in truth.counts} == documented
