"""The same extractions written for dlt, as a dlt user would write them, for the benchmark.

REST sources use dlt's declarative rest_api source; Voso's request signing needs a small
auth class, and the handbook's monthly gzip CSV files a plain dlt resource.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import io
import time
from datetime import datetime
from urllib.parse import urlsplit

import dlt
import requests
from dlt.common.configuration import configspec
from dlt.common.typing import TSecretStrValue
from dlt.sources.helpers.rest_client.auth import AuthConfigBase
from dlt.sources.rest_api import rest_api_source

from dti_pipeline.sources.formats import format_time


@configspec
class VosoAuth(AuthConfigBase):
    key_id: str = None
    secret: TSecretStrValue = None

    def __call__(self, request):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        stamp = str(int(time.time() * 1000))
        message = f"{request.method.upper()}\n{path}\n{stamp}".encode()
        request.headers["X-Voso-Key"] = self.key_id
        request.headers["X-Voso-Timestamp"] = stamp
        request.headers["X-Voso-Signature"] = hmac.new(
            self.secret.encode(), message, hashlib.sha256
        ).hexdigest()
        return request


def _base_url(connection: dict) -> str:
    return f"{connection['schema']}://{connection['host']}:{connection['port']}"


def _window(spec, entity, interval) -> dict:
    if not entity.incremental:
        return {}
    start, end = interval
    return {
        entity.incremental.start_param: format_time(start, spec.time_format),
        entity.incremental.end_param: format_time(end, spec.time_format),
    }


def dlt_source_for(spec, interval: tuple[datetime, datetime], connection: dict):
    base = _base_url(connection)
    if spec.name == "handbook":
        return _handbook(base, connection, interval)
    auth, paginator, selector, page_params = {
        "eoffice": (
            {"type": "api_key", "name": "X-API-Key", "api_key": connection["password"], "location": "header"},
            {
                "type": "offset",
                "limit": 1000,
                "offset_param": "offset",
                "limit_param": "limit",
                "total_path": "total",
            },
            "items",
            {},
        ),
        "dvc": (
            {
                "type": "oauth2_client_credentials",
                "access_token_url": f"{base}/oauth/token",
                "client_id": connection["login"],
                "client_secret": connection["password"],
            },
            {"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor"},
            "data",
            {"page_size": 500},
        ),
        "postmart": (
            {"type": "bearer", "token": connection["password"]},
            {"type": "page_number", "base_page": 1, "page_param": "trang", "total_path": "tong_so_trang"},
            "du_lieu",
            {"so_ban_ghi": 200},
        ),
        "voso": (
            VosoAuth(key_id=connection["login"], secret=connection["password"]),
            {"type": "json_link", "next_url_path": "next"},
            "items",
            {"limit": 250},
        ),
    }[spec.name]
    return rest_api_source(
        {
            "client": {"base_url": base, "auth": auth, "paginator": paginator},
            "resource_defaults": {"write_disposition": "replace"},
            "resources": [
                {
                    "name": entity.name,
                    "endpoint": {
                        "path": entity.path,
                        "params": {**page_params, **_window(spec, entity, interval)},
                        "data_selector": selector,
                    },
                }
                for entity in spec.entities
            ],
        }
    )


def _handbook(base: str, connection: dict, interval):
    auth = (connection["login"], connection["password"])
    month = interval[0].strftime("%Y-%m")
    listing = requests.get(f"{base}/exports", auth=auth, timeout=60).json()
    files = next(m["files"] for m in listing if m["month"] == month)

    def rows_of(url: str):
        body = requests.get(base + url, auth=auth, timeout=300).content
        text = io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(body)), encoding="utf-8-sig", newline="")
        yield from csv.DictReader(text, delimiter=";")

    @dlt.source(name="handbook")
    def handbook():
        for file in files:
            yield dlt.resource(rows_of(file["url"]), name=file["entity"], write_disposition="replace")

    return handbook()
