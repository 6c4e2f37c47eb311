"""Each simulator's own OpenAPI document, run against its server with schemathesis.

No 5xx with faults off, and every response (status, content type, body) matches the
document. Examples are few per operation so that the folder stays fast.
"""

from __future__ import annotations

import time

import pytest
import requests
import schemathesis
import sim_clients as clients
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class VosoSigner(requests.auth.AuthBase):
    def __init__(self, sim):
        self.sim = sim

    def __call__(self, request):
        target = request.path_url
        request.headers.update(clients.voso_headers(self.sim, request.method, target))
        return request


def _auth(sim, name: str) -> dict:
    if name == "eoffice":
        return {"headers": {"X-API-Key": sim.credentials["password"]}}
    if name == "dvc":
        return {"headers": {"Authorization": f"Bearer {clients.dvc_token(sim)}"}}
    if name == "postmart":
        return {"headers": {"Authorization": f"Bearer {sim.credentials['password']}"}}
    if name == "voso":
        return {"auth": VosoSigner(sim)}
    return {"auth": (sim.credentials["login"], sim.credentials["password"])}


@pytest.mark.parametrize("name", ["eoffice", "dvc", "postmart", "voso", "handbook"])
def test_the_server_answers_as_its_openapi_document_says(simulators, name):
    sim = simulators.simulators[name]
    schema = schemathesis.openapi.from_url(sim.base_url + "/openapi.json")
    calls: list[str] = []
    started = time.monotonic()
    for operation in schema.get_all_operations():
        api_operation = operation.ok()

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=api_operation.as_strategy())
        def run(case):
            calls.append(case.method)
            case.validate_response(case.call(**_auth(sim, name), timeout=30), checks=CHECKS)

        run()  # raises schemathesis' failure group naming each mismatch
    assert len(calls) >= 10 * len(list(schema.get_all_operations()))
    assert time.monotonic() - started < 120


# Query parameters of the incremental listings: name -> (type, the record field it filters on).
# Every window parameter is optional.
WINDOW_PARAMETERS = {
    ("eoffice", "/api/v1/documents"): {
        "updated_from": ("string", "updatedAt"),
        "updated_to": ("string", "updatedAt"),
        "created_from": ("string", "createdAt"),
        "created_to": ("string", "createdAt"),
    },
    ("dvc", "/api/dvc/hoso"): {
        "tu_ngay": ("string", "NgayCapNhat"),
        "den_ngay": ("string", "NgayCapNhat"),
        "tiep_nhan_tu": ("string", "NgayTiepNhan"),
        "tiep_nhan_den": ("string", "NgayTiepNhan"),
    },
    **{
        ("postmart", f"/api/v1/{path}"): {
            "tu_ngay": ("string", "ngay_cap_nhat"),
            "den_ngay": ("string", "ngay_cap_nhat"),
            "tao_tu_ngay": ("string", created),
            "tao_den_ngay": ("string", created),
        }
        for path, created in (
            ("gian-hang", "ngay_tao"),
            ("san-pham", "ngay_tao"),
            ("don-hang", "ngay_dat"),
            ("ho-gia-dinh", "ngay_mo_tai_khoan_mua"),
        )
    },
    **{
        ("voso", f"/v2/{path}"): {
            "updated_after": ("integer", "updated_at"),
            "updated_before": ("integer", "updated_at"),
            "created_after": ("integer", created),
            "created_before": ("integer", created),
        }
        for path, created in (
            ("shops", "created_at"),
            ("products", "created_at"),
            ("orders", "placed_at"),
            ("users", "buyer_since"),
        )
    },
}


def _types(schema: dict) -> set[str]:
    return {s["type"] for s in schema.get("anyOf", [schema])} - {"null"}


@pytest.mark.parametrize(("name", "path"), list(WINDOW_PARAMETERS), ids="{0[0]}{0[1]}".format)
def test_the_openapi_documents_declare_the_optional_creation_and_change_windows(simulators, name, path):
    sim = simulators.simulators[name]
    operation = requests.get(sim.base_url + "/openapi.json", timeout=30).json()["paths"][path]["get"]
    declared = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    described = f"{operation.get('summary', '')} {operation.get('description', '')}"
    for parameter, (kind, field) in WINDOW_PARAMETERS[(name, path)].items():
        assert parameter in declared, f"{name} {path} does not declare {parameter}"
        assert declared[parameter].get("required", False) is False, parameter
        assert _types(declared[parameter]["schema"]) == {kind}, parameter
        assert field in f"{declared[parameter].get('description', '')} {described}", (parameter, field)
