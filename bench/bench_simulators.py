"""How fast each simulator serves, and how big each preset is. Prints figures; never a timed test.

Serving rate: one month of each source's largest entity at the `province` preset, paged
with the contract's largest page through a client that reads and discards the bodies
(faults off, Postmart's rate limit off). The first pass generates the data (cold); the
second serves it from the simulator's caches (warm).

Window cost: (commune, month) pairs a window query generates, and its time relative to a
change window of the same month, for e-office documents at the `province` preset.

Preset size: records a month per source (changed in the month for incremental entities,
rows of the month's export for the handbook), for `tiny` and `province`; `national` is
estimated from `province` by population, since generating it takes long.

    .venv/bin/python bench/bench_simulators.py
"""

from __future__ import annotations

import time
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import requests

from dti_simulators import get_preset, start_simulators
from dti_simulators.reference import province_population
from dti_simulators.voso import sign

VN = ZoneInfo("Asia/Ho_Chi_Minh")
START, END = datetime(2025, 9, 1, tzinfo=VN), datetime(2025, 10, 1, tzinfo=VN)


def _drain_eoffice(sim) -> int:
    session, count, offset = requests.Session(), 0, 0
    session.headers["X-API-Key"] = sim.credentials["password"]
    while True:
        params = {
            "updated_from": START.isoformat(),
            "updated_to": END.isoformat(),
            "offset": offset,
            "limit": 1000,
        }
        body = session.get(sim.base_url + "/api/v1/documents", params=params).json()
        count += len(body["items"])
        offset += 1000
        if offset >= body["total"]:
            return count


def _drain_dvc(sim) -> int:
    session = requests.Session()
    form = {"grant_type": "client_credentials", "client_id": sim.credentials["login"]}
    token = session.post(
        sim.base_url + "/oauth/token", data={**form, "client_secret": sim.credentials["password"]}
    )
    session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    count, cursor = 0, None
    while True:
        params = {"tu_ngay": "01/09/2025 00:00:00", "den_ngay": "01/10/2025 00:00:00", "page_size": 500}
        body = session.get(
            sim.base_url + "/api/dvc/hoso", params=params | ({"cursor": cursor} if cursor else {})
        ).json()
        count += len(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return count


def _drain_postmart(sim) -> int:
    session, count, page = requests.Session(), 0, 1
    session.headers["Authorization"] = f"Bearer {sim.credentials['password']}"
    while True:
        params = {"tu_ngay": START.isoformat(), "den_ngay": END.isoformat(), "trang": page, "so_ban_ghi": 200}
        body = session.get(sim.base_url + "/api/v1/ho-gia-dinh", params=params).json()
        count += len(body["du_lieu"])
        if page >= body["tong_so_trang"]:
            return count
        page += 1


def _drain_voso(sim) -> int:
    session, count = requests.Session(), 0
    query = {"updated_after": int(START.timestamp() * 1000), "updated_before": int(END.timestamp() * 1000)}
    target = f"/v2/users?{urlencode({**query, 'limit': 250})}"
    while target:
        stamp = str(int(time.time() * 1000))
        headers = {
            "X-Voso-Key": sim.credentials["login"],
            "X-Voso-Timestamp": stamp,
            "X-Voso-Signature": sign(sim.credentials["password"], "GET", target, stamp),
        }
        body = session.get(sim.base_url + target, headers=headers).json()
        count += len(body["items"])
        target = body["next"]
    return count


def _drain_handbook(sim) -> int:
    session = requests.Session()
    session.auth = (sim.credentials["login"], sim.credentials["password"])
    listing = session.get(sim.base_url + "/exports", timeout=600).json()
    files = next(m["files"] for m in listing if m["month"] == "2025-09")
    for f in files:
        session.get(sim.base_url + f["url"]).content  # noqa: B018 - read and discard
    return sum(f["rows"] for f in files)


DRAIN = {
    "eoffice": ("documents", _drain_eoffice),
    "dvc": ("applications", _drain_dvc),
    "postmart": ("households", _drain_postmart),
    "voso": ("users", _drain_voso),
    "handbook": ("the three export files", _drain_handbook),
}


def serve_rates() -> None:
    print("serving rate at the province preset, 2025-09 (records/s, client discards)")
    with start_simulators("province", 42, postmart_rate_limit=0, warm_up=False) as sims:
        for name, (entity, drain) in DRAIN.items():
            rates = []
            for _ in range(2):
                started = time.perf_counter()
                count = drain(sims.simulators[name])
                rates.append(count / (time.perf_counter() - started))
            print(
                f"  {name:<9} {entity:<24} {count:>8} records"
                f"  cold {rates[0]:>9,.0f}/s  warm {rates[1]:>9,.0f}/s"
            )


def preset_sizes() -> None:
    from dti_simulators.faults import Manifest
    from dti_simulators.runner import build_app

    print("\nrecords a month per source (2025-08 for tiny, 2025-09 for province)")
    for preset_name, month in (("tiny", "2025-08"), ("province", "2025-09")):
        preset = get_preset(preset_name)
        start = datetime(int(month[:4]), int(month[5:]), 1, tzinfo=VN)
        end = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=VN)
        sizes = {}
        for name in ("eoffice", "dvc", "postmart", "voso", "handbook"):
            _, data = build_app(name, preset, 42, {"login": "x", "password": "y"}, None, Manifest())
            if name == "eoffice":
                sizes[name] = len(data.updated_between(start, end)) + len(data.accounts())
            elif name == "dvc":
                sizes[name] = sum(
                    len(e.changed_between(start, end)) for e in (data.applications, data.ratings)
                )
                sizes[name] += len(data.procedures())
            elif name in ("postmart", "voso"):
                sizes[name] = sum(len(e.changed_between(start, end)) for e in data.entities.values())
            else:
                sizes[name] = sum(data.file(month, e).rows for e in ("cells", "members", "activity"))
        total = sum(sizes.values())
        print(
            f"  {preset_name:<9}" + "".join(f" {k} {v:>9,}" for k, v in sizes.items()) + f"  total {total:,}"
        )
        if preset_name == "province":
            factor = (
                sum(p.population for p in province_population().values())
                / province_population()["15"].population
            )
            estimate = "".join(f" {k} {round(v * factor):>11,}" for k, v in sizes.items())
            print(f"  national (estimate, x{factor:.1f} by population){estimate}")


def _counting(generate, pairs: list):
    def counted(commune, month):
        pairs.append(month)
        return generate(commune, month)

    return counted


def window_costs() -> None:
    from dti_simulators.eoffice import DocumentStore

    preset = get_preset("province")
    print("\nwindow cost, e-office documents at the province preset, 2025-09 (fresh store each)")
    DocumentStore(42, preset).entity.created_between(START, END)  # warm the accounts cache first
    windows = {
        "change window of the month": {"changed": (START, END)},
        "creation window of the month": {"created": (START, END)},
        "creation window 1970 .. month end": {"created": (datetime(1970, 1, 1, tzinfo=VN), END)},
    }
    baseline = None
    for label, query in windows.items():
        entity = DocumentStore(42, preset).entity
        pairs: list = []
        entity.generate = _counting(entity.generate, pairs)
        started = time.perf_counter()
        found = entity.select(**query)
        seconds = time.perf_counter() - started
        baseline = baseline or seconds
        print(
            f"  {label:<34} {len(found):>7,} records  {len(pairs):>5,} pairs ({len(set(pairs))} months)"
            f"  time x{seconds / baseline:.2f} of the change window"
        )


if __name__ == "__main__":
    serve_rates()
    window_costs()
    preset_sizes()
