"""Raw landing in a real PostgreSQL: exactly once per interval, replaceable, reconciled."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest

from dti_pipeline.extract.client import Page, SourceClient
from dti_pipeline.extract.endpoint import Endpoint
from dti_pipeline.load.raw import (
    QuarantineThresholdExceeded,
    ReconciliationError,
    load_interval,
)
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.sources.spec import load_sources

SPEC = load_sources()["eoffice"]
DOCUMENTS = SPEC.entity("documents")
DAY = (datetime(2025, 7, 10, tzinfo=LOCAL_TZ), datetime(2025, 7, 11, tzinfo=LOCAL_TZ))


def _good(i: int) -> dict:
    return {
        "id": f"D{i}",
        "orgCode": "04630",
        "direction": "in",
        "transmission": "paper",
        "createdAt": "2025-07-10T08:00:00+07:00",
        "updatedAt": "2025-07-10T08:00:00+07:00",
    }


def _client(sims) -> SourceClient:
    served = sims.simulators["eoffice"]
    return SourceClient(
        SPEC, Endpoint("dti_eoffice", served.base_url, password=served.credentials["password"])
    )


def _ledger(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select load_id, status, rows_loaded, source_total from raw.load_ledger order by load_id"
        ).fetchall()


def test_a_day_lands_once_and_a_rerun_replaces_it(warehouse, tiny_simulators):
    first = load_interval(warehouse, SPEC, DOCUMENTS, _client(tiny_simulators).pages(DOCUMENTS, *DAY), *DAY)
    assert first.rows_loaded == first.source_total > 0
    second = load_interval(warehouse, SPEC, DOCUMENTS, _client(tiny_simulators).pages(DOCUMENTS, *DAY), *DAY)
    assert second.rows_loaded == first.rows_loaded
    with psycopg.connect(warehouse) as conn:
        rows = conn.execute(
            "select load_id, count(*), count(distinct record_key)"
            " from raw.eoffice__documents group by load_id"
        ).fetchall()
    assert rows == [(second.load_id, first.rows_loaded, first.rows_loaded)]
    assert [(s, n) for _, s, n, _ in _ledger(warehouse)] == [
        ("replaced", first.rows_loaded),
        ("current", first.rows_loaded),
    ]


def test_duplicated_pages_are_not_doubled(warehouse):
    page = Page(1, [_good(1), _good(2)], reported_total=2)
    again = Page(2, [_good(2), _good(1)], reported_total=2)
    result = load_interval(warehouse, SPEC, DOCUMENTS, [page, again], *DAY)
    assert (result.rows_loaded, result.duplicates_skipped) == (2, 2)


def test_a_count_that_does_not_reconcile_fails_and_leaves_nothing_current(warehouse):
    pages = [Page(1, [_good(1), _good(2)], reported_total=3)]
    with pytest.raises(ReconciliationError, match=r"eoffice.documents 2025-07-10.*reported 3 .* 2 distinct"):
        load_interval(warehouse, SPEC, DOCUMENTS, pages, *DAY)
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from raw.eoffice__documents").fetchone() == (0,)
    assert [s for _, s, _, _ in _ledger(warehouse)] == ["failed"]


def test_a_record_breaking_the_contract_is_quarantined_with_its_reason(warehouse):
    broken = {
        "id": "X9",
        "orgCode": "04630",
        "direction": "in",
        "createdAt": "2025-07-10T08:00:00+07:00",
    }
    records = [_good(i) for i in range(40)] + [broken]
    result = load_interval(warehouse, SPEC, DOCUMENTS, [Page(1, records, reported_total=41)], *DAY)
    assert (result.rows_loaded, result.rows_quarantined) == (40, 1)
    with psycopg.connect(warehouse) as conn:
        row = conn.execute("select record_key, reason, raw_text from raw.quarantine").fetchone()
        keys = {k for (k,) in conn.execute("select record_key from raw.eoffice__documents")}
    assert row[0] == "X9"
    assert row[1] == "missing required field(s): transmission, updatedAt"
    assert '"id":"X9"' in row[2]
    assert "X9" not in keys


def test_too_many_bad_records_fail_the_load_naming_the_reasons(warehouse):
    broken = [{"id": f"B{i}", "orgCode": "04630"} for i in range(5)]
    pages = [Page(1, [_good(1), *broken], reported_total=6)]
    with pytest.raises(
        QuarantineThresholdExceeded, match=r"eoffice.documents: 5 of 6 records .* missing required"
    ):
        load_interval(warehouse, SPEC, DOCUMENTS, pages, *DAY)
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from raw.quarantine").fetchone() == (0,)
