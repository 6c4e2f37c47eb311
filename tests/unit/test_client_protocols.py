"""The one client against each contract style: OAuth2, cursors, page numbers, signed
requests with next links, export files. HTTP is mocked with `responses`; the specs are the
project's own (include/config/sources.yml)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import io
import json
from datetime import datetime

import pytest
import responses
from responses import matchers

from dti_pipeline.extract.client import SourceClient
from dti_pipeline.extract.endpoint import Endpoint
from dti_pipeline.extract.errors import AuthFailed, ExtractError
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.sources.formats import format_time, parse_time
from dti_pipeline.sources.spec import load_sources

SOURCES = load_sources()
START = datetime(2025, 7, 1, tzinfo=LOCAL_TZ)
END = datetime(2025, 7, 2, tzinfo=LOCAL_TZ)


def _client(name: str, login="id", password="secret-secret") -> SourceClient:
    endpoint = Endpoint(f"dti_{name}", f"http://{name}.test", login=login, password=password)
    return SourceClient(SOURCES[name], endpoint, sleep=lambda s: None)


def _records(client, entity):
    return [
        r for page in client.pages(SOURCES[client.spec.name].entity(entity), START, END) for r in page.records
    ]


def test_filters_are_written_in_each_sources_time_format():
    moment = datetime(2025, 7, 1, tzinfo=LOCAL_TZ)
    assert format_time(moment, "iso8601") == "2025-07-01T00:00:00+07:00"
    assert format_time(moment, "iso8601_utc") == "2025-06-30T17:00:00Z"
    assert format_time(moment, "vn_datetime") == "01/07/2025 00:00:00"
    assert format_time(moment, "epoch_ms") == "1751302800000"
    for fmt in ("iso8601", "iso8601_utc", "vn_datetime", "epoch_ms"):
        assert parse_time(format_time(moment, fmt), fmt) == moment


@responses.activate
def test_dvc_token_is_fetched_renewed_once_when_expired_and_cursor_pages_followed():
    token_calls = responses.post(
        "http://dvc.test/oauth/token",
        json={"access_token": "t1", "token_type": "Bearer", "expires_in": 300},
    )
    url = "http://dvc.test/api/dvc/hoso"
    responses.get(url, status=401, json={"error": "invalid_token", "message": "expired"})
    responses.get(
        url,
        json={"data": [{"MaHoSo": "A"}], "next_cursor": "c2"},
        headers={"X-Total-Count": "2"},
        match=[
            matchers.query_param_matcher(
                {
                    "tiep_nhan_tu": "01/07/2025 00:00:00",
                    "tiep_nhan_den": "02/07/2025 00:00:00",
                    "page_size": "500",
                }
            )
        ],
    )
    responses.get(url, json={"data": [{"MaHoSo": "B"}], "next_cursor": None}, headers={"X-Total-Count": "2"})
    client = _client("dvc")
    pages = list(client.pages(SOURCES["dvc"].entity("applications"), START, END))
    assert [r["MaHoSo"] for p in pages for r in p.records] == ["A", "B"]
    assert pages[-1].reported_total == 2
    assert token_calls.call_count == 2, "an expired token must be renewed exactly once"
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer t1"
    assert "cursor=c2" in responses.calls[-1].request.url
    assert (
        token_calls.calls[0].request.body
        == "grant_type=client_credentials&client_id=id&client_secret=secret-secret"
    )


@responses.activate
def test_dvc_refused_client_credentials_name_the_connection():
    responses.post("http://dvc.test/oauth/token", status=401, json={"error": "invalid_client"})
    with pytest.raises(
        AuthFailed, match="token endpoint refused the client credentials of Airflow Connection 'dti_dvc'"
    ):
        _records(_client("dvc"), "applications")


@responses.activate
def test_postmart_numbered_pages_and_rate_limit_retry_after():
    url = "http://postmart.test/api/v1/don-hang"
    responses.get(url, status=429, headers={"Retry-After": "2"}, json={"error": "rate_limited"})
    responses.get(
        url, json={"du_lieu": [{"ma_don_hang": "1"}], "trang": 1, "tong_so_trang": 2, "tong_so_ban_ghi": 2}
    )
    responses.get(
        url, json={"du_lieu": [{"ma_don_hang": "2"}], "trang": 2, "tong_so_trang": 2, "tong_so_ban_ghi": 2}
    )
    slept: list[float] = []
    client = _client("postmart")
    client.sleep = slept.append
    client.limiter.sleep = lambda s: None
    assert [r["ma_don_hang"] for r in _records(client, "orders")] == ["1", "2"]
    assert 2.0 in slept
    assert "trang=2" in responses.calls[-1].request.url
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer secret-secret"
    assert "tao_tu_ngay=2025-06-30T17%3A00%3A00Z" in responses.calls[-1].request.url


@responses.activate
def test_voso_requests_are_signed_and_next_links_followed():
    first = "http://voso.test/v2/orders"
    responses.get(first, json={"items": [{"order_id": "o1"}], "next": "/v2/orders?after=o1&limit=250"})
    responses.get(
        "http://voso.test/v2/orders?after=o1&limit=250", json={"items": [{"order_id": "o2"}], "next": None}
    )
    client = _client("voso", login="key-1", password="voso-secret")
    assert [r["order_id"] for r in _records(client, "orders")] == ["o1", "o2"]
    for call in responses.calls:
        request = call.request
        path = request.path_url
        stamp = request.headers["X-Voso-Timestamp"]
        expected = hmac.new(b"voso-secret", f"GET\n{path}\n{stamp}".encode(), hashlib.sha256).hexdigest()
        assert request.headers["X-Voso-Signature"] == expected
        assert request.headers["X-Voso-Key"] == "key-1"
    assert "created_after=1751302800000" in responses.calls[0].request.url


def _export(rows: list[dict], broken_line: bytes | None = None) -> bytes:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    data = "\ufeff".encode() + text.getvalue().encode()
    if broken_line:
        data += broken_line
    return gzip.compress(data)


@responses.activate
def test_handbook_export_is_verified_retried_when_truncated_and_read_with_its_dialect():
    rows = [
        {
            "ma_chi_bo": f"CB{i}",
            "ten_chi_bo": f"Chi bộ {i}",
            "ma_dang_bo": "DB1",
            "ma_xa": "04630",
            "loai_chi_bo": "co_so",
            "ngay_tham_gia": "01/06/2025",
        }
        for i in range(3)
    ]
    body = _export(rows, broken_line=b"CB9;Chi b\xff;DB1;04630;co_so;\r\n")
    listing = [
        {
            "month": "2025-07",
            "files": [
                {
                    "entity": "cells",
                    "name": "chi_bo_2025-07.csv.gz",
                    "url": "/exports/2025-07/chi_bo.csv.gz",
                    "rows": 4,
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "bytes": len(body),
                }
            ],
        }
    ]
    responses.get("http://handbook.test/exports", json=listing)
    responses.get("http://handbook.test/exports/2025-07/chi_bo.csv.gz", body=body[:-10])  # truncated
    responses.get("http://handbook.test/exports/2025-07/chi_bo.csv.gz", body=body)
    client = _client("handbook")
    records = _records(client, "cells")
    assert [r["ma_chi_bo"] for r in records] == ["CB0", "CB1", "CB2", "CB9"]
    assert records[0]["ten_chi_bo"] == "Chi bộ 0"  # BOM and ';' handled
    assert "\udcff" in records[3]["ten_chi_bo"], "an undecodable line stays visible for quarantine"
    assert client.stats.retries == 1 and client.stats.reported_total == 4
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_a_stale_duplicate_page_is_asked_again():
    url = "http://eoffice.test/api/v1/documents"
    page = {"total": 4, "offset": 0, "limit": 2, "items": [{"id": "a"}, {"id": "b"}]}
    responses.get(url, json=page)
    responses.get(url, json=page)  # the same page again for offset 2: stale
    responses.get(url, json={"total": 4, "offset": 2, "limit": 2, "items": [{"id": "c"}, {"id": "d"}]})
    client = _client("eoffice")
    ids = [r["id"] for r in _records(client, "documents")]
    assert ids == ["a", "b", "c", "d"]
    assert client.stats.retry_reasons == {"stale page": 1}


@responses.activate
def test_an_error_body_outside_the_contract_says_the_contract_changed():
    responses.get("http://eoffice.test/api/v1/documents", json={"results": []})
    with pytest.raises(ExtractError, match=r"no list at 'items' \(found: \['results'\]\).*contract changed"):
        _records(_client("eoffice"), "documents")


def test_json_bodies_with_invalid_utf8_keep_the_rest_of_the_page():
    body = b'{"items": [{"id": "a", "t": "ok"}, {"id": "b", "t": "bad \xff"}]}'
    decoded = json.loads(body.decode("utf-8", errors="surrogateescape"))
    assert decoded["items"][1]["t"].endswith("\udcff")
