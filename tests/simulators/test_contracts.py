"""Each simulator keeps its contract: auth errors, paging, exact filters, determinism."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import requests
import sim_clients as clients

from dti_simulators import start_simulators

VN = ZoneInfo("Asia/Ho_Chi_Minh")
WIDE = (datetime(2024, 1, 1, tzinfo=VN), datetime(2026, 1, 1, tzinfo=VN))
JULY = (datetime(2025, 7, 1, tzinfo=VN), datetime(2025, 8, 1, tzinfo=VN))


def _requests(sims, wrong: bool) -> dict[str, requests.Response]:
    s = sims.simulators
    bad = "wrong" if wrong else None
    window = {"updated_from": JULY[0].isoformat(), "updated_to": JULY[1].isoformat()}
    voso_target = "/v2/orders?updated_after=0&updated_before=1"
    return {
        "eoffice": requests.get(
            s["eoffice"].base_url + "/api/v1/documents",
            params=window,
            headers={"X-API-Key": bad} if wrong else {},
        ),
        "dvc": requests.get(
            s["dvc"].base_url + "/api/dvc/thutuc", headers={"Authorization": f"Bearer {bad}"} if wrong else {}
        ),
        "dvc-token": requests.post(
            s["dvc"].base_url + "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"},
        ),
        "postmart": requests.get(
            s["postmart"].base_url + "/api/v1/don-hang",
            params={"tu_ngay": "2025-07-01T00:00:00Z", "den_ngay": "2025-07-02T00:00:00Z"},
            headers={"Authorization": f"Bearer {bad}"} if wrong else {},
        ),
        "voso": requests.get(
            s["voso"].base_url + voso_target,
            headers=clients.voso_headers(s["voso"], "GET", voso_target, secret="wrong") if wrong else {},
        ),
        "handbook": requests.get(
            s["handbook"].base_url + "/exports", auth=("dti", "wrong") if wrong else None
        ),
    }


def test_requests_without_credentials_are_refused_with_401_and_a_json_error(simulators):
    for name, response in _requests(simulators, wrong=False).items():
        if name == "dvc-token":
            continue
        assert response.status_code == 401, name
        assert set(response.json()) == {"error", "message"}, name


def test_wrong_credentials_are_refused_with_403_and_a_json_error(simulators):
    for name, response in _requests(simulators, wrong=True).items():
        expected = 401 if name == "dvc-token" else 403  # an unknown OAuth client is invalid_client (401)
        assert response.status_code == expected, name
        assert set(response.json()) == {"error", "message"}, name


def test_voso_refuses_a_stale_timestamp_and_a_tampered_query(simulators):
    sim = simulators.simulators["voso"]
    target = "/v2/orders?updated_after=0&updated_before=1"
    stale = clients.voso_get(
        sim, target, stamp=int((datetime.now(UTC) - timedelta(minutes=6)).timestamp() * 1000)
    )
    assert (stale.status_code, stale.json()["error"]) == (401, "stale_timestamp")
    headers = clients.voso_headers(sim, "GET", target)
    tampered = requests.get(sim.base_url + target.replace("before=1", "before=2"), headers=headers)
    assert tampered.status_code == 403


def test_voso_accepts_the_signature_in_either_hex_case(simulators):
    sim = simulators.simulators["voso"]
    target = "/v2/orders?limit=1"
    headers = clients.voso_headers(sim, "GET", target)
    assert headers["X-Voso-Signature"] == headers["X-Voso-Signature"].lower()
    for signature in (headers["X-Voso-Signature"], headers["X-Voso-Signature"].upper()):
        response = requests.get(sim.base_url + target, headers={**headers, "X-Voso-Signature": signature})
        assert response.status_code == 200, signature


def test_dvc_tokens_expire():
    with start_simulators("tiny", 7, only=("dvc",), token_seconds=0.3) as sims:
        sim = sims.simulators["dvc"]
        headers = {"Authorization": f"Bearer {clients.dvc_token(sim)}"}
        assert requests.get(sim.base_url + "/api/dvc/thutuc", headers=headers).status_code == 200
        import time

        time.sleep(0.5)
        expired = requests.get(sim.base_url + "/api/dvc/thutuc", headers=headers)
        assert (expired.status_code, expired.json()["error"]) == (401, "invalid_token")


def _keys_small_and_big_pages(sims, name: str) -> tuple[list[str], list[str]]:
    s = sims.simulators[name]
    if name == "eoffice":
        window = {"updated_from": WIDE[0].isoformat(), "updated_to": WIDE[1].isoformat()}
        small = clients.eoffice_all(s, "/api/v1/documents", window, limit=37)
        big = clients.eoffice_all(s, "/api/v1/documents", window, limit=1000)
        return [r["id"] for r in small], [r["id"] for r in big]
    if name == "dvc":
        window = {"tu_ngay": "01/01/2024 00:00:00", "den_ngay": "01/01/2026 00:00:00"}
        small, total = clients.dvc_all(s, "/api/dvc/hoso", window, page_size=37)
        assert total == len(small)
        return [r["MaHoSo"] for r in small], [
            r["MaHoSo"] for r in clients.dvc_all(s, "/api/dvc/hoso", window)[0]
        ]
    if name == "postmart":
        window = {"tu_ngay": clients.utc_z(WIDE[0]), "den_ngay": clients.utc_z(WIDE[1])}
        small = clients.postmart_all(s, "/api/v1/don-hang", window, size=37)
        big = clients.postmart_all(s, "/api/v1/don-hang", window, size=200)
        return [r["ma_don_hang"] for r in small], [r["ma_don_hang"] for r in big]
    window = {"updated_after": clients.epoch_ms(WIDE[0]), "updated_before": clients.epoch_ms(WIDE[1])}
    small = clients.voso_all(s, "/v2/users", window, limit=37)
    big = clients.voso_all(s, "/v2/users", window, limit=250)
    return [r["user_id"] for r in small], [r["user_id"] for r in big]


@pytest.mark.parametrize("name", ["eoffice", "dvc", "postmart", "voso"])
def test_paging_visits_every_record_exactly_once(simulators, name):
    small, big = _keys_small_and_big_pages(simulators, name)
    assert len(small) > 74, "the query must span several small pages"
    assert len(set(small)) == len(small)
    assert small == big


def _window_keys(sims, name: str, start: datetime, end: datetime, utc: bool) -> set[str]:
    s = sims.simulators[name]
    if name == "eoffice":
        fmt = (lambda t: t.astimezone(UTC).isoformat()) if utc else (lambda t: t.astimezone(VN).isoformat())
        rows = clients.eoffice_all(
            s, "/api/v1/documents", {"updated_from": fmt(start), "updated_to": fmt(end)}
        )
        return {r["id"] for r in rows}
    if name == "postmart":
        fmt = clients.utc_z if utc else (lambda t: t.astimezone(VN).isoformat())
        rows = clients.postmart_all(s, "/api/v1/don-hang", {"tu_ngay": fmt(start), "den_ngay": fmt(end)})
        return {r["ma_don_hang"] for r in rows}
    if name == "dvc":
        fmt = lambda t: t.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")  # noqa: E731
        rows, _ = clients.dvc_all(s, "/api/dvc/hoso", {"tu_ngay": fmt(start), "den_ngay": fmt(end)})
        return {r["MaHoSo"] for r in rows}
    rows = clients.voso_all(
        s, "/v2/orders", {"updated_after": clients.epoch_ms(start), "updated_before": clients.epoch_ms(end)}
    )
    return {r["order_id"] for r in rows}


def _a_record_and_its_change_time(sims, name: str) -> tuple[str, datetime]:
    s = sims.simulators[name]
    if name == "eoffice":
        r = clients.eoffice_all(
            s, "/api/v1/documents", {"updated_from": JULY[0].isoformat(), "updated_to": JULY[1].isoformat()}
        )[5]
        return r["id"], datetime.fromisoformat(r["updatedAt"])
    if name == "postmart":
        window = {"tu_ngay": clients.utc_z(JULY[0]), "den_ngay": clients.utc_z(JULY[1])}
        r = clients.postmart_all(s, "/api/v1/don-hang", window)[5]
        return r["ma_don_hang"], datetime.fromisoformat(r["ngay_cap_nhat"].replace("Z", "+00:00"))
    if name == "dvc":
        r = clients.dvc_all(
            s, "/api/dvc/hoso", {"tu_ngay": "01/07/2025 00:00:00", "den_ngay": "01/08/2025 00:00:00"}
        )[0][5]
        return r["MaHoSo"], datetime.strptime(r["NgayCapNhat"], "%d/%m/%Y %H:%M:%S").replace(tzinfo=VN)
    window = {"updated_after": clients.epoch_ms(JULY[0]), "updated_before": clients.epoch_ms(JULY[1])}
    r = clients.voso_all(s, "/v2/orders", window)[5]
    return r["order_id"], datetime.fromtimestamp(r["updated_at"] / 1000, tz=UTC)


@pytest.mark.parametrize("name", ["eoffice", "dvc", "postmart", "voso"])
def test_change_time_filters_are_half_open_and_exact_at_the_boundaries(simulators, name):
    key, changed = _a_record_and_its_change_time(simulators, name)
    second = timedelta(seconds=1)
    for utc in (False, True):
        assert key in _window_keys(simulators, name, changed, changed + second, utc), "from is inclusive"
        assert key not in _window_keys(simulators, name, changed - second, changed, utc), "to is exclusive"
    # a day cut at local midnight: +07:00 and the same instant in UTC select the same records
    day = (datetime(2025, 7, 10, tzinfo=VN), datetime(2025, 7, 11, tzinfo=VN))
    assert _window_keys(simulators, name, *day, utc=False) == _window_keys(simulators, name, *day, utc=True)


def test_the_same_seed_gives_byte_identical_pages(simulators):
    with start_simulators("tiny", 7, only=("eoffice", "handbook"), warm_up=False) as again:
        window = {"updated_from": JULY[0].isoformat(), "updated_to": JULY[1].isoformat(), "limit": 500}
        first = clients.eoffice_get(simulators.simulators["eoffice"], "/api/v1/documents", window).content
        second = clients.eoffice_get(again.simulators["eoffice"], "/api/v1/documents", window).content
        assert first == second and len(first) > 10_000
        listing = clients.handbook_listing(simulators.simulators["handbook"])
        assert listing == clients.handbook_listing(again.simulators["handbook"])
    with start_simulators("tiny", 8, only=("eoffice",)) as other:
        assert clients.eoffice_get(other.simulators["eoffice"], "/api/v1/documents", window).content != first


def test_each_simulator_serves_its_openapi_and_a_docs_page_without_external_assets(simulators):
    import re

    for name, sim in simulators.simulators.items():
        document = requests.get(sim.base_url + "/openapi.json").json()
        assert document["paths"], name
        page = requests.get(sim.base_url + "/docs")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert document["info"]["title"] in page.text
        assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", page.text), f"{name}: external asset"


def _get(sims, name: str, path: str, params: dict) -> requests.Response:
    """An authenticated GET in each contract's way."""
    sim = sims.simulators[name]
    if name == "eoffice":
        return clients.eoffice_get(sim, path, params)
    if name == "dvc":
        headers = {"Authorization": f"Bearer {clients.dvc_token(sim)}"}
        return requests.get(sim.base_url + path, params=params, headers=headers, timeout=30)
    if name == "postmart":
        headers = {"Authorization": f"Bearer {sim.credentials['password']}"}
        return requests.get(sim.base_url + path, params=params, headers=headers, timeout=30)
    return clients.voso_get(sim, f"{path}?{urlencode(params)}")


ERROR_CODES = {
    "eoffice": "invalid_parameter",
    "dvc": "invalid_parameter",
    "postmart": "invalid_parameter",
    "voso": "invalid_parameter",
}
# (simulator, path, params, the parameter the error message must name)
INVALID_WINDOWS = [
    ("eoffice", "/api/v1/documents", {"created_from": "yesterday"}, "created_from"),
    ("eoffice", "/api/v1/documents", {"created_to": "2025-07-01T00:00:00"}, "created_to"),  # no offset
    (
        "eoffice",
        "/api/v1/documents",
        {"created_from": "2025-07-02T00:00Z", "created_to": "2025-07-02T00:00Z"},
        "created_to",
    ),
    ("eoffice", "/api/v1/documents", {"updated_to": "2025-13-01T00:00:00Z"}, "updated_to"),
    ("dvc", "/api/dvc/hoso", {"tiep_nhan_tu": "2025-07-01T00:00:00+07:00"}, "tiep_nhan_tu"),
    ("dvc", "/api/dvc/hoso", {"tiep_nhan_den": "32/07/2025 00:00:00"}, "tiep_nhan_den"),
    (
        "dvc",
        "/api/dvc/hoso",
        {"tiep_nhan_tu": "02/07/2025 00:00:00", "tiep_nhan_den": "01/07/2025 00:00:00"},
        "tiep_nhan_den",
    ),
    ("dvc", "/api/dvc/hoso", {"den_ngay": "01/07/2025"}, "den_ngay"),
    ("dvc", "/api/dvc/danhgia", {"den_ngay": "01/07/2025 00:00:00"}, "tu_ngay"),  # still required
    ("postmart", "/api/v1/gian-hang", {"tao_tu_ngay": "01/07/2025"}, "tao_tu_ngay"),
    ("postmart", "/api/v1/san-pham", {"tao_den_ngay": "2025-07-01T00:00:00"}, "tao_den_ngay"),  # no offset
    (
        "postmart",
        "/api/v1/don-hang",
        {"tao_tu_ngay": "2025-07-02T00:00:00Z", "tao_den_ngay": "2025-07-01T00:00:00Z"},
        "tao_den_ngay",
    ),
    ("postmart", "/api/v1/ho-gia-dinh", {"tu_ngay": "2025-07-01T25:00:00Z"}, "tu_ngay"),
    ("voso", "/v2/shops", {"created_after": "2025-07-01"}, "created_after"),
    ("voso", "/v2/products", {"created_before": -1}, "created_before"),
    (
        "voso",
        "/v2/orders",
        {"created_after": 1751302800000, "created_before": 1751302800000},
        "created_before",
    ),
    ("voso", "/v2/users", {"updated_after": 2, "updated_before": 1}, "updated_before"),
]


@pytest.mark.parametrize(("name", "path", "params", "names"), INVALID_WINDOWS)
def test_an_invalid_or_empty_window_is_a_400_in_the_contracts_error_style(
    simulators, name, path, params, names
):
    response = _get(simulators, name, path, params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == ERROR_CODES[name]
    assert names in response.json()["message"]


def test_a_dvc_cursor_belongs_to_its_reception_window(simulators):
    july = {"tiep_nhan_tu": "01/07/2025 00:00:00", "tiep_nhan_den": "01/08/2025 00:00:00", "page_size": 10}
    first = _get(simulators, "dvc", "/api/dvc/hoso", july)
    cursor = first.json()["next_cursor"]
    assert int(first.headers["X-Total-Count"]) > 10 and cursor
    assert _get(simulators, "dvc", "/api/dvc/hoso", {**july, "cursor": cursor}).status_code == 200
    august = {**july, "tiep_nhan_tu": "01/08/2025 00:00:00", "tiep_nhan_den": "01/09/2025 00:00:00"}
    other = _get(simulators, "dvc", "/api/dvc/hoso", {**august, "cursor": cursor})
    assert (other.status_code, other.json()["error"]) == (400, "invalid_cursor")


def test_a_voso_next_link_carries_the_creation_window_and_belongs_to_it(simulators):
    july = {"created_after": 1751302800000, "created_before": 1753981200000, "limit": 10}  # July, +07:00
    first = _get(simulators, "voso", "/v2/orders", july).json()
    link = first["next"]
    assert link and "created_after=1751302800000" in link and "created_before=1753981200000" in link
    assert "updated_after" not in link, "only the query's own filters"
    assert clients.voso_get(simulators.simulators["voso"], link).status_code == 200
    other = clients.voso_get(
        simulators.simulators["voso"], link.replace("created_after=1751302800000", "created_after=0")
    )
    assert (other.status_code, other.json()["error"]) == (400, "invalid_cursor")
