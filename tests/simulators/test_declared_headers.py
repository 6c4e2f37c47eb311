"""Each simulator's OpenAPI document declares every header its server requires or returns.

A client written from the document alone must learn every header it has to send (each
simulator refuses a request that lacks one) and every header it can read in an answer.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
import requests
import sim_clients as clients

from dti_simulators import start_simulators

# Headers any HTTP server answers with; a contract need not declare them.
GENERIC = {
    "content-type",
    "content-length",
    "date",
    "server",
    "content-disposition",
    "etag",
    "last-modified",
    "accept-ranges",
}
# The request headers each source requires on its data operations.
REQUIRED = {
    "eoffice": {"X-API-Key"},
    "dvc": {"Authorization"},
    "postmart": {"Authorization"},
    "voso": {"X-Voso-Key", "X-Voso-Timestamp", "X-Voso-Signature"},
    "handbook": {"Authorization"},
}
# (source, path, status) -> response headers the contract promises.
PROMISED = {
    ("dvc", "/api/dvc/thutuc", "200"): {"X-Total-Count"},
    ("dvc", "/api/dvc/hoso", "200"): {"X-Total-Count"},
    ("dvc", "/api/dvc/danhgia", "200"): {"X-Total-Count"},
    **{
        ("postmart", f"/api/v1/{p}", "429"): {"Retry-After"}
        for p in ("gian-hang", "san-pham", "don-hang", "ho-gia-dinh")
    },
    ("handbook", "/exports", "401"): {"WWW-Authenticate"},
}
# A request per source that the server answers with 200 (path with its query).
PROBES = {
    "eoffice": "/api/v1/documents?limit=2",
    "dvc": "/api/dvc/danhgia?"
    + urlencode({"tu_ngay": "01/07/2025 00:00:00", "den_ngay": "02/07/2025 00:00:00"}),
    "postmart": "/api/v1/don-hang?so_ban_ghi=2",
    "voso": "/v2/orders?limit=2",
    "handbook": "/exports",
}


def _document(sim) -> dict:
    return requests.get(sim.base_url + "/openapi.json", timeout=30).json()


def _declared_request_headers(document: dict, operation: dict) -> set[str]:
    schemes = document.get("components", {}).get("securitySchemes", {})
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
    for requirement in operation.get("security", []):
        for scheme in (schemes[name] for name in requirement):
            names.add(scheme["name"] if scheme["type"] == "apiKey" else "Authorization")
    return names


def _good_headers(sim, name: str, target: str) -> dict[str, str]:
    if name == "eoffice":
        return {"X-API-Key": sim.credentials["password"]}
    if name == "dvc":
        return {"Authorization": f"Bearer {clients.dvc_token(sim)}"}
    if name == "postmart":
        return {"Authorization": f"Bearer {sim.credentials['password']}"}
    if name == "voso":
        return clients.voso_headers(sim, "GET", target)
    login = f"{sim.credentials['login']}:{sim.credentials['password']}"
    return {"Authorization": f"Basic {base64.b64encode(login.encode()).decode()}"}


def _undeclared(document: dict, path: str, response: requests.Response) -> set[str]:
    declared = document["paths"][path]["get"]["responses"].get(str(response.status_code), {})
    names = {h.lower() for h in declared.get("headers", {})}
    return {h for h in (k.lower() for k in response.headers) if h not in GENERIC | names}


@pytest.mark.parametrize("name", list(REQUIRED))
def test_every_required_request_header_is_declared_and_required(simulators, name):
    sim = simulators.simulators[name]
    document = _document(sim)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if operation.get("security"):
                assert _declared_request_headers(document, operation) == REQUIRED[name], (name, path)
    target = PROBES[name]
    good = _good_headers(sim, name, target)
    assert set(good) == REQUIRED[name]
    assert requests.get(sim.base_url + target, headers=good, timeout=30).status_code == 200
    for header in good:
        without = {k: v for k, v in good.items() if k != header}
        response = requests.get(sim.base_url + target, headers=without, timeout=30)
        assert response.status_code == 401, (name, header)


@pytest.mark.parametrize("name", list(REQUIRED))
def test_every_header_the_server_answers_with_is_declared(simulators, name):
    sim = simulators.simulators[name]
    document = _document(sim)
    target = PROBES[name]
    path = target.partition("?")[0]
    good = requests.get(sim.base_url + target, headers=_good_headers(sim, name, target), timeout=30)
    anonymous = requests.get(sim.base_url + target, timeout=30)
    assert (good.status_code, anonymous.status_code) == (200, 401)
    for response in (good, anonymous):
        assert not _undeclared(document, path, response), (name, response.status_code)
    for (source, promised_path, status), headers in PROMISED.items():
        if source == name:
            declared = document["paths"][promised_path]["get"]["responses"][status].get("headers", {})
            assert headers <= set(declared), (promised_path, status)


def test_postmart_declares_the_retry_after_it_answers_429_with():
    with start_simulators("tiny", 7, only=("postmart",), postmart_rate_limit=1) as sims:
        sim = sims.simulators["postmart"]
        document = _document(sim)
        headers = _good_headers(sim, "postmart", "")
        responses = [
            requests.get(sim.base_url + PROBES["postmart"], headers=headers, timeout=30) for _ in range(5)
        ]
        limited = [r for r in responses if r.status_code == 429]
        assert limited and all(r.headers["Retry-After"].isdigit() for r in limited)
        assert not _undeclared(document, "/api/v1/don-hang", limited[0])


# (source, path, status) -> error codes the server answers with there.
ERROR_CODES = {
    ("eoffice", "/api/v1/documents", "401"): {"missing_api_key"},
    ("eoffice", "/api/v1/documents", "403"): {"invalid_api_key"},
    ("dvc", "/oauth/token", "400"): {"invalid_parameter", "unsupported_grant_type"},
    ("dvc", "/oauth/token", "401"): {"invalid_client"},
    ("dvc", "/api/dvc/hoso", "401"): {"missing_token", "invalid_token"},
    ("dvc", "/api/dvc/hoso", "403"): {"invalid_token"},
    ("postmart", "/api/v1/don-hang", "401"): {"chua_xac_thuc"},
    ("postmart", "/api/v1/don-hang", "403"): {"token_khong_hop_le"},
    ("postmart", "/api/v1/don-hang", "429"): {"qua_nhieu_yeu_cau"},
    ("voso", "/v2/orders", "401"): {"missing_signature", "stale_timestamp"},
    ("voso", "/v2/orders", "403"): {"unknown_key", "bad_signature"},
    ("handbook", "/exports", "401"): {"unauthorised"},
    ("handbook", "/exports", "403"): {"forbidden"},
}


@pytest.mark.parametrize(("name", "path", "status"), list(ERROR_CODES), ids="-".join)
def test_the_openapi_documents_name_the_auth_error_codes(simulators, name, path, status):
    document = _document(simulators.simulators[name])
    operation = next(iter(document["paths"][path].values()))
    description = operation["responses"][status]["description"]
    assert all(code in description for code in ERROR_CODES[(name, path, status)]), description
