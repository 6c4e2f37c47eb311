"""The one HTTP client: paging, auth errors, retries that honour Retry-After."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
import responses

from dti_pipeline.extract.client import SourceClient, parse_retry_after
from dti_pipeline.extract.endpoint import Endpoint, endpoint_from_connection
from dti_pipeline.extract.errors import AuthFailed, ExtractError, SourceUnreachable, SourceUnwell
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.sources.spec import load_sources
from dti_simulators import get_preset
from dti_simulators.eoffice import DocumentStore

SPEC = load_sources()["eoffice"]
DOCUMENTS = SPEC.entity("documents")
START = datetime(2025, 7, 1, tzinfo=LOCAL_TZ)
END = datetime(2025, 7, 8, tzinfo=LOCAL_TZ)


def _endpoint(sims, password=None) -> Endpoint:
    served = sims.simulators["eoffice"]
    return Endpoint("dti_eoffice", served.base_url, password=password or served.credentials["password"])


def test_paging_visits_every_record_of_the_interval_exactly_once(tiny_simulators):
    small_pages = replace(SPEC, paginator=replace(SPEC.paginator, limit=25))
    client = SourceClient(small_pages, _endpoint(tiny_simulators))
    pages = list(client.pages(DOCUMENTS, START, END))
    ids = [r["id"] for page in pages for r in page.records]
    expected = [
        d for d in DocumentStore(7, get_preset("tiny")).entity.all_records() if START <= d.created_at < END
    ]
    assert len(expected) > 50, "the interval must span several pages for this test to mean anything"
    assert len(pages) == -(-len(expected) // 25)  # ceil
    assert sorted(ids) == sorted(d.record["id"] for d in expected)
    assert len(set(ids)) == len(ids)
    assert pages[-1].reported_total == len(expected)


def test_wrong_api_key_fails_at_once_naming_the_connection(tiny_simulators):
    client = SourceClient(SPEC, _endpoint(tiny_simulators, password="not-the-key"))
    with pytest.raises(AuthFailed, match=r"dti_eoffice.*HTTP 403.*Update the Connection"):
        next(client.pages(DOCUMENTS, START, END))
    assert client.stats.requests == 1, "a refused credential must not be retried"


def test_missing_api_key_is_reported_before_any_request():
    client = SourceClient(SPEC, Endpoint("dti_eoffice", "http://127.0.0.1:9", password=None))
    with pytest.raises(AuthFailed, match=r"dti_eoffice.*no password"):
        next(client.pages(DOCUMENTS, START, END))


def test_unreachable_host_says_which_connection_to_check():
    client = SourceClient(SPEC, Endpoint("dti_eoffice", "http://127.0.0.1:9", password="k"))
    with pytest.raises(SourceUnreachable, match=r"cannot reach http://127.0.0.1:9.*'dti_eoffice'"):
        next(client.pages(DOCUMENTS, START, END))


@responses.activate
def test_429_and_503_are_retried_after_the_delay_the_server_asks_for():
    url = "http://eoffice.test/api/v1/documents"
    responses.get(url, status=429, headers={"Retry-After": "7"}, json={"error": "slow_down"})
    responses.get(url, status=503, json={"error": "unavailable"})
    responses.get(url, json={"total": 1, "offset": 0, "limit": 500, "items": [{"id": "a"}]})
    slept: list[float] = []
    client = SourceClient(
        SPEC, Endpoint("dti_eoffice", "http://eoffice.test", password="k"), sleep=slept.append
    )
    pages = list(client.pages(DOCUMENTS, START, END))
    assert [r["id"] for r in pages[0].records] == ["a"]
    assert client.stats.retries == 2
    assert 7.0 in slept, f"Retry-After: 7 was not honoured; slept {slept}"
    assert responses.calls[0].request.headers["X-API-Key"] == "k"
    assert "created_from=2025-07-01T00%3A00%3A00%2B07%3A00" in responses.calls[0].request.url


@responses.activate
def test_a_source_that_keeps_failing_gives_up_with_a_clear_message():
    url = "http://eoffice.test/api/v1/documents"
    responses.get(url, status=502)
    client = SourceClient(
        SPEC, Endpoint("dti_eoffice", "http://eoffice.test", password="k"), sleep=lambda s: None
    )
    with pytest.raises(
        SourceUnwell,
        match=rf"documents: GET /api/v1/documents still failing after {SPEC.max_attempts} "
        r"attempts \(HTTP 502\)",
    ):
        list(client.pages(DOCUMENTS, START, END))
    assert len(responses.calls) == SPEC.max_attempts


@responses.activate
def test_a_truncated_body_is_retried():
    url = "http://eoffice.test/api/v1/documents"
    responses.get(url, body='{"total": 1, "items": [{"id": "a"')
    responses.get(url, json={"total": 1, "offset": 0, "limit": 500, "items": [{"id": "a"}]})
    client = SourceClient(
        SPEC, Endpoint("dti_eoffice", "http://eoffice.test", password="k"), sleep=lambda s: None
    )
    assert [r["id"] for p in client.pages(DOCUMENTS, START, END) for r in p.records] == ["a"]
    assert client.stats.retries == 1


def test_retry_after_as_seconds_or_http_date():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


def test_endpoint_comes_from_the_airflow_connection(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DTI_EOFFICE",
        '{"conn_type": "http", "host": "10.1.2.3", "port": 8443, "schema": "https", "password": "s3cret"}',
    )
    endpoint = endpoint_from_connection("dti_eoffice")
    assert endpoint.base_url == "https://10.1.2.3:8443"
    assert endpoint.password == "s3cret"
    assert "s3cret" not in repr(endpoint)


def test_a_missing_connection_says_how_to_define_it(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_DTI_NOPE", raising=False)
    with pytest.raises(ExtractError, match=r"Connection 'dti_nope' is not defined.*AIRFLOW_CONN_DTI_NOPE"):
        endpoint_from_connection("dti_nope")
