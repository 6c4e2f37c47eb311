"""Minimal clients of the five contracts, written from docs/source-contracts.md only.

Tests read the simulators through these, as a pipeline would, so that a test that sums
what the APIs serve is independent of how the simulators generate it.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import io
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests

VN_OFFSET = "+07:00"


def body_of(response: requests.Response) -> Any:
    """The JSON body; bytes that are not UTF-8 (bad `invalid_utf8` records) kept as surrogates."""
    return json.loads(response.content.decode("utf-8", errors="surrogateescape"))


def eoffice_get(sim, path: str, params: dict | None = None, key: str | None = None) -> requests.Response:
    headers = {"X-API-Key": key if key is not None else sim.credentials["password"]}
    return requests.get(sim.base_url + path, params=params, headers=headers, timeout=30)


def eoffice_all(sim, path: str, params: dict | None = None, limit: int = 1000) -> list[dict]:
    items, offset = [], 0
    while True:
        response = eoffice_get(sim, path, {**(params or {}), "offset": offset, "limit": limit})
        response.raise_for_status()
        body = body_of(response)
        items.extend(body["items"])
        offset += limit
        if offset >= body["total"]:
            return items


def dvc_token(sim) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": sim.credentials["login"],
        "client_secret": sim.credentials["password"],
    }
    response = requests.post(sim.base_url + "/oauth/token", data=form, timeout=30)
    response.raise_for_status()
    return response.json()["access_token"]


def dvc_all(sim, path: str, params: dict | None = None, page_size: int = 500) -> tuple[list[dict], int]:
    """Every record of a query and the X-Total-Count the server reported."""
    headers = {"Authorization": f"Bearer {dvc_token(sim)}"}
    items, cursor, total = [], None, None
    while True:
        query = {**(params or {}), "page_size": page_size, **({"cursor": cursor} if cursor else {})}
        response = requests.get(sim.base_url + path, params=query, headers=headers, timeout=30)
        response.raise_for_status()
        total = int(response.headers["X-Total-Count"])
        body = body_of(response)
        items.extend(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items, total


def postmart_all(sim, path: str, params: dict, size: int = 200) -> list[dict]:
    headers = {"Authorization": f"Bearer {sim.credentials['password']}"}
    items, page = [], 1
    while True:
        response = requests.get(
            sim.base_url + path,
            params={**params, "trang": page, "so_ban_ghi": size},
            headers=headers,
            timeout=30,
        )
        if response.status_code == 429:
            time.sleep(float(response.headers["Retry-After"]))
            continue
        response.raise_for_status()
        body = body_of(response)
        items.extend(body["du_lieu"])
        if page >= body["tong_so_trang"]:
            return items
        page += 1


def voso_headers(sim, method: str, target: str, secret: str | None = None, stamp: int | None = None) -> dict:
    stamp_text = str(stamp if stamp is not None else int(time.time() * 1000))
    message = f"{method}\n{target}\n{stamp_text}".encode()
    signature = hmac.new(
        (secret or sim.credentials["password"]).encode(), message, hashlib.sha256
    ).hexdigest()
    return {
        "X-Voso-Key": sim.credentials["login"],
        "X-Voso-Timestamp": stamp_text,
        "X-Voso-Signature": signature,
    }


def voso_get(sim, target: str, **kwargs) -> requests.Response:
    return requests.get(sim.base_url + target, headers=voso_headers(sim, "GET", target, **kwargs), timeout=30)


def voso_all(sim, path: str, params: dict, limit: int = 250) -> list[dict]:
    items, target = [], f"{path}?{urlencode({**params, 'limit': limit})}"
    while target:
        response = voso_get(sim, target)
        response.raise_for_status()
        body = body_of(response)
        items.extend(body["items"])
        target = body["next"]
    return items


def handbook_listing(sim) -> list[dict]:
    auth = (sim.credentials["login"], sim.credentials["password"])
    return requests.get(sim.base_url + "/exports", auth=auth, timeout=60).json()


def handbook_rows(sim, url: str) -> list[dict]:
    auth = (sim.credentials["login"], sim.credentials["password"])
    response = requests.get(sim.base_url + url, auth=auth, timeout=60)
    response.raise_for_status()
    text = gzip.decompress(response.content).decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
