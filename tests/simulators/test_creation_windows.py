"""Creation-time windows: every incremental list endpoint also filters by when a record was made.

A record's creation time never changes, so a window on it returns the same records however
they changed later. Served pages are read through the contract clients (sim_clients.py) and
compared with what the generators make (each (commune, month) generated afresh, faults off).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sim_clients as clients

from dti_simulators import dvc, eoffice, postmart, start_simulators, voso
from dti_simulators.faults import BAD_RECORD_KINDS
from dti_simulators.presets import get_preset
from dti_simulators.store import Entity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PRESET = get_preset("tiny")
MONTHS = PRESET.months()


def month_window(month: date) -> tuple[datetime, datetime]:
    after = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return datetime(month.year, month.month, 1, tzinfo=VN), datetime(after.year, after.month, 1, tzinfo=VN)


def _eoffice_fetch(sim, path: str, params: dict, size: int) -> list[dict]:
    return clients.eoffice_all(sim, path, params, limit=size)


def _dvc_fetch(sim, path: str, params: dict, size: int) -> list[dict]:
    items, total = clients.dvc_all(sim, path, params, page_size=size)
    assert total == len(items), "X-Total-Count counts the filtered records"
    return items


def _dvc_time(moment: datetime) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")


@dataclass(frozen=True)
class Listing:
    """One incremental list endpoint as a client sees it, and the generator behind it."""

    simulator: str
    path: str
    key: str
    created_field: str
    changed_field: str
    created_params: tuple[str, str]
    changed_params: tuple[str, str]
    to_param: Callable[[datetime], Any]  # a moment in the endpoint's filter format
    parse: Callable[[Any], datetime]  # a served time back to a moment
    fetch: Callable[[Any, str, dict, int], list[dict]]  # every page of a query
    entity: Callable[[int], Entity]  # a fresh, fault-free entity of a seed, on the same preset
    small_page: int
    # the same moment in another accepted format (another UTC offset), if the contract has one
    other_format: Callable[[datetime], Any] | None = None

    def __str__(self) -> str:
        return f"{self.simulator}{self.path}"

    def created(self, start: datetime | None, end: datetime | None, fmt=None) -> dict:
        return self._params(self.created_params, start, end, fmt)

    def changed(self, start: datetime | None, end: datetime | None) -> dict:
        return self._params(self.changed_params, start, end)

    def _params(self, names: tuple[str, str], start: datetime | None, end: datetime | None, fmt=None) -> dict:
        bounds = zip(names, (start, end), strict=True)
        return {name: (fmt or self.to_param)(moment) for name, moment in bounds if moment is not None}


def _postmart(path: str, kind: str, key: str, created_field: str, small_page: int) -> Listing:
    return Listing(
        "postmart",
        f"/api/v1/{path}",
        key,
        created_field,
        "ngay_cap_nhat",
        ("tao_tu_ngay", "tao_den_ngay"),
        ("tu_ngay", "den_ngay"),
        clients.utc_z,
        lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")),
        clients.postmart_all,
        lambda seed: postmart.PostmartData(seed, PRESET).entities[kind],
        small_page,
        lambda moment: moment.astimezone(VN).isoformat(),
    )


def _voso(path: str, kind: str, key: str, created_field: str, small_page: int) -> Listing:
    return Listing(
        "voso",
        f"/v2/{path}",
        key,
        created_field,
        "updated_at",
        ("created_after", "created_before"),
        ("updated_after", "updated_before"),
        clients.epoch_ms,
        lambda value: datetime.fromtimestamp(value / 1000, tz=UTC),
        clients.voso_all,
        lambda seed: voso.VosoData(seed, PRESET).entities[kind],
        small_page,
    )


LISTINGS = [
    Listing(
        "eoffice",
        "/api/v1/documents",
        "id",
        "createdAt",
        "updatedAt",
        ("created_from", "created_to"),
        ("updated_from", "updated_to"),
        lambda moment: moment.isoformat(),
        datetime.fromisoformat,
        _eoffice_fetch,
        lambda seed: eoffice.DocumentStore(seed, PRESET).entity,
        151,
        lambda moment: moment.astimezone(UTC).isoformat(),
    ),
    Listing(
        "dvc",
        "/api/dvc/hoso",
        "MaHoSo",
        "NgayTiepNhan",
        "NgayCapNhat",
        ("tiep_nhan_tu", "tiep_nhan_den"),
        ("tu_ngay", "den_ngay"),
        _dvc_time,
        lambda text: datetime.strptime(text, "%d/%m/%Y %H:%M:%S").replace(tzinfo=VN),
        _dvc_fetch,
        lambda seed: dvc.DvcData(seed, PRESET).applications,
        97,
    ),
    _postmart("gian-hang", "shops", "ma_gian_hang", "ngay_tao", 5),
    _postmart("san-pham", "products", "ma_san_pham", "ngay_tao", 5),
    _postmart("don-hang", "orders", "ma_don_hang", "ngay_dat", 23),
    _postmart("ho-gia-dinh", "households", "ma_ho", "ngay_mo_tai_khoan_mua", 97),
    _voso("shops", "shops", "shop_id", "created_at", 5),
    _voso("products", "products", "product_id", "created_at", 5),
    _voso("orders", "orders", "order_id", "placed_at", 23),
    _voso("users", "households", "user_id", "buyer_since", 53),
]


@pytest.fixture(scope="module")
def generated(simulators) -> dict[str, list[dict]]:
    """Every genuine record of each listing, straight from its generator, for all months."""
    result = {}
    for listing in LISTINGS:
        entity = listing.entity(simulators.seed)
        result[str(listing)] = [
            r.record for m in MONTHS for c in PRESET.communes() for r in entity.generate(c, m)
        ]
    return result


def serve(simulators, listing: Listing, params: dict, size: int = 200) -> list[dict]:
    return listing.fetch(simulators.simulators[listing.simulator], listing.path, params, size)


def by_key(listing: Listing, records: list[dict]) -> dict[str, dict]:
    keys = Counter(r[listing.key] for r in records)
    assert not [k for k, n in keys.items() if n > 1], "every record is served once"
    return {r[listing.key]: r for r in records}


def created_in(listing: Listing, records: list[dict], start: datetime | None, end: datetime | None):
    return [
        r
        for r in records
        if (start is None or start <= listing.parse(r[listing.created_field]))
        and (end is None or listing.parse(r[listing.created_field]) < end)
    ]


pytestmark = pytest.mark.parametrize("listing", LISTINGS, ids=str)


def test_a_creation_window_of_each_month_serves_exactly_the_records_created_in_it(
    simulators, generated, listing
):
    served_any = 0
    for month in MONTHS:
        start, end = month_window(month)
        served = serve(simulators, listing, listing.created(start, end), listing.small_page)
        expected = created_in(listing, generated[str(listing)], start, end)
        assert by_key(listing, served) == by_key(listing, expected), month
        order = [(listing.parse(r[listing.created_field]), r[listing.key]) for r in served]
        assert order == sorted(order), "ordered by creation time, then key"
        served_any += len(served)
    assert served_any == len(generated[str(listing)]) > 0


def test_the_monthly_creation_windows_together_are_the_monthly_change_windows_together(
    simulators, generated, listing
):
    by_creation, by_change = [], []
    for month in MONTHS:
        by_creation += serve(simulators, listing, listing.created(*month_window(month)))
        by_change += serve(simulators, listing, listing.changed(*month_window(month)))
    assert by_key(listing, by_creation) == by_key(listing, by_change)
    everything = serve(simulators, listing, {})
    assert by_key(listing, everything) == by_key(listing, by_change), "no window: every record"
    order = [(listing.parse(r[listing.changed_field]), r[listing.key]) for r in everything]
    assert order == sorted(order), "without a creation window the order is by change time, then key"


def test_open_and_out_of_range_creation_windows(simulators, generated, listing):
    first, _ = month_window(MONTHS[0])
    assert serve(simulators, listing, listing.created(datetime(2020, 1, 1, tzinfo=VN), first)) == []
    assert serve(simulators, listing, listing.created(None, first)) == []
    assert serve(simulators, listing, listing.created(*month_window(date(2030, 1, 1)))) == []
    records = generated[str(listing)]
    for month in MONTHS:
        start, end = month_window(month)
        before = serve(simulators, listing, listing.created(None, end))
        assert by_key(listing, before) == by_key(listing, created_in(listing, records, None, end))
        since = serve(simulators, listing, listing.created(start, None))
        assert by_key(listing, since) == by_key(listing, created_in(listing, records, start, None))
    from_1970 = serve(simulators, listing, listing.created(datetime(1970, 1, 1, tzinfo=UTC), None))
    assert by_key(listing, from_1970) == by_key(listing, records)


def test_creation_and_change_windows_combine_with_and(simulators, generated, listing):
    june, july = month_window(MONTHS[0]), month_window(MONTHS[1])
    served = serve(simulators, listing, {**listing.created(*june), **listing.changed(*july)})
    created_in_june = by_key(listing, created_in(listing, generated[str(listing)], *june))
    changed_in_july = by_key(listing, serve(simulators, listing, listing.changed(*july)))
    assert by_key(listing, served) == {k: r for k, r in created_in_june.items() if k in changed_in_july}


def test_paging_a_creation_window_is_stable(simulators, listing):
    window = listing.created(datetime(1970, 1, 1, tzinfo=UTC), month_window(MONTHS[-1])[1])
    small = serve(simulators, listing, window, size=listing.small_page)
    assert len(small) > 2 * listing.small_page, "the query spans several small pages"
    assert [r[listing.key] for r in small] == [r[listing.key] for r in serve(simulators, listing, window)]
    assert small == serve(simulators, listing, window, size=listing.small_page), "same pages again"


def test_creation_bounds_are_half_open_to_the_second_in_any_accepted_format(simulators, listing):
    served = serve(simulators, listing, {})
    record = served[len(served) // 2]
    created, second = listing.parse(record[listing.created_field]), timedelta(seconds=1)
    for fmt in filter(None, (listing.to_param, listing.other_format)):
        that_second = serve(simulators, listing, listing.created(created, created + second, fmt))
        assert record in that_second, "the start is inclusive"
        assert {listing.parse(r[listing.created_field]) for r in that_second} == {created}
        just_before = serve(simulators, listing, listing.created(created - second, created, fmt))
        assert record not in just_before, "the end is exclusive"


@pytest.fixture(scope="module")
def with_bad_records(simulators):
    """The same four simulators with every kind of bad record injected."""
    kinds = ",".join(f"{kind}=0.05" for kind in BAD_RECORD_KINDS)
    with start_simulators(
        "tiny",
        simulators.seed,
        only=("eoffice", "dvc", "postmart", "voso"),
        faults=f"*:{kinds}",
        postmart_rate_limit=0,
        warm_up=False,
    ) as sims:
        yield sims


def test_a_creation_window_serves_the_genuine_records_plus_the_bad_copies_of_them(
    simulators, with_bad_records, listing
):
    bad_keys = set()
    for month in MONTHS:
        window = listing.created(*month_window(month))
        genuine = by_key(listing, serve(simulators, listing, window))
        served = by_key(listing, serve(with_bad_records, listing, window))
        assert {k: r for k, r in served.items() if not k.startswith("BAD-")} == genuine, month
        bad = {k for k in served if k.startswith("BAD-")}
        # BAD-<kind>-<genuine key>: a bad copy comes in the window of its genuine record's creation
        assert {k.split("-", 2)[2] for k in bad} <= set(genuine), month
        bad_keys |= bad
    entity = listing.entity(simulators.seed).shape
    listed = {
        e.key for e in with_bad_records.manifest() if (e.source, e.entity) == (entity.source, entity.entity)
    }
    assert bad_keys == listed and bad_keys, "exactly the listed bad records, over all months"
