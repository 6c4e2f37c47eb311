"""Raw landing in a real PostgreSQL: exactly once per interval, replaceable, reconciled,
with contract breaches quarantined and personal data pseudonymised before it is written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from dti_pipeline.load.pseudonymise import PseudonymisationKeyMissing, Pseudonymiser
from dti_pipeline.load.raw import QuarantineThresholdExceeded, ReconciliationError, load_interval
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.pages import Page
from dti_pipeline.sources.spec import load_sources

SPEC_YML = """
sources:
  testsrc:
    title: A test source
    pii_connection_id: dti_pii_key
    auth: {type: api_key}
    paginator: {type: offset, offset_param: offset, limit_param: limit}
    quarantine_threshold: 0.05
    quarantine_min_records: 3
    entities:
      people:
        path: /people
        mode: incremental
        history: flow
        primary_key: id
        pii_fields: [name, phone]
        incremental: {start_param: from, end_param: to, cursor_field: updated}
        fields:
          id: text
          name: text
          phone: text
          commune: commune_code
          fee: amount
          born: date_dmy?
          updated: timestamp
"""
DAY = (datetime(2025, 7, 10, tzinfo=LOCAL_TZ), datetime(2025, 7, 11, tzinfo=LOCAL_TZ))
KEY = Pseudonymiser(b"a-test-key-of-enough-length")


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("spec")) / "sources.yml"
    path.write_text(SPEC_YML)
    return load_sources(path)["testsrc"]


def _good(i: int) -> dict:
    return {
        "id": f"P{i}",
        "name": f"Nguyễn Văn {i}",
        "phone": f"09120000{i:02d}",
        "commune": "04630",
        "fee": "15000.00",
        "born": "01/02/1980",
        "updated": "2025-07-10T08:00:00+07:00",
    }


def _load(warehouse, spec, pages, pseudonymiser=KEY):
    return load_interval(warehouse, spec, spec.entity("people"), pages, *DAY, pseudonymiser=pseudonymiser)


def _ledger(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select status, rows_loaded, source_total, new_fields from raw.load_ledger order by load_id"
        ).fetchall()


def test_an_interval_lands_once_and_a_rerun_replaces_it(warehouse, spec):
    records = [_good(i) for i in range(30)]
    first = _load(warehouse, spec, [Page(1, records[:20], 30), Page(2, records[20:], 30)])
    second = _load(warehouse, spec, [Page(1, records, 30)])
    assert (first.rows_loaded, second.rows_loaded) == (30, 30)
    with psycopg.connect(warehouse) as conn:
        rows = conn.execute(
            "select load_id, count(*), count(distinct record_key) from raw.testsrc__people group by load_id"
        ).fetchall()
    assert rows == [(second.load_id, 30, 30)]
    assert [s for s, *_ in _ledger(warehouse)] == ["replaced", "current"]


def test_duplicated_pages_are_not_doubled(warehouse, spec):
    result = _load(warehouse, spec, [Page(1, [_good(1), _good(2)], 2), Page(2, [_good(2), _good(1)], 2)])
    assert (result.rows_loaded, result.duplicates_skipped) == (2, 2)


def test_a_count_that_does_not_reconcile_fails_and_leaves_nothing_current(warehouse, spec):
    with pytest.raises(ReconciliationError, match=r"testsrc.people 2025-07-10.*reported 3 .* 2 distinct"):
        _load(warehouse, spec, [Page(1, [_good(1), _good(2)], 3)])
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from raw.testsrc__people").fetchone() == (0,)
    assert [s for s, *_ in _ledger(warehouse)] == ["failed"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"updated": "31/02/2025"}, "updated: Invalid isoformat string"),
        ({"commune": "99999"}, "commune: unknown commune code: '99999'"),
        ({"fee": "-5"}, "fee: negative amount"),
        ({"fee": "mười nghìn"}, "fee: not a number"),
        ({"name": "Tr\udcc3n"}, "invalid UTF-8 in field(s): name"),
        ({"phone": None}, "missing required field(s): phone"),
        ({"born": "1980-02-01"}, "born: time data '1980-02-01' does not match format '%d/%m/%Y'"),
        ({"updated": "2025-07-10T08:00:00"}, "updated: time without a UTC offset"),
        ({"name": 42}, "name: not text: 42"),
        # a missing field outranks a malformed one; of two malformed, the first in the contract
        ({"fee": "-5", "phone": ""}, "missing required field(s): phone"),
        ({"fee": "-5", "commune": "99999"}, "commune: unknown commune code"),
    ],
)
def test_a_record_breaking_the_contract_is_quarantined_with_its_reason(warehouse, spec, change, reason):
    broken = {**_good(99), "id": "BAD-1", **change}
    result = _load(warehouse, spec, [Page(1, [*(_good(i) for i in range(40)), broken], 41)])
    assert (result.rows_loaded, result.rows_quarantined) == (40, 1)
    with psycopg.connect(warehouse) as conn:
        key, stored_reason, raw_text = conn.execute(
            "select record_key, reason, raw_text from raw.quarantine"
        ).fetchone()
        keys = {k for (k,) in conn.execute("select record_key from raw.testsrc__people")}
    assert key == "BAD-1" and "BAD-1" not in keys
    assert stored_reason.startswith(reason), stored_reason
    assert '"id":"BAD-1"' in raw_text
    assert "Nguyễn Văn 99" not in raw_text, "quarantine must not hold personal data in plain text"


def test_text_that_copy_must_escape_lands_unchanged(warehouse, spec):
    # the loader writes COPY's text format itself: backslashes, tabs and line breaks in a
    # key or a value must arrive as they were sent, and "\\N" must not become NULL
    awkward = 'C:\\dir\t"quoted"\nline two\r\n\\N ươ 🙂'
    records = [
        {**_good(1), "id": "P\\1\t2\n3", "note": awkward},
        {**_good(2), "updated": "2025-07-10T01:00:00Z", "note": "\\N"},
    ]
    _load(warehouse, spec, [Page(1, records, 2)])
    with psycopg.connect(warehouse) as conn:
        rows = dict(conn.execute("select record_key, payload from raw.testsrc__people").fetchall())
    assert set(rows) == {"P\\1\t2\n3", "P2"}
    assert rows["P\\1\t2\n3"]["note"] == awkward
    assert rows["P2"]["note"] == "\\N" and rows["P2"]["updated"] == "2025-07-10T01:00:00Z"


def test_new_fields_are_kept_in_the_payload_and_reported(warehouse, spec):
    drifted = [{**_good(i), "ward_name": "Tú Lệ"} for i in range(3)]
    _load(warehouse, spec, [Page(1, drifted, 3)])
    with psycopg.connect(warehouse) as conn:
        kept = conn.execute("select count(*) from raw.testsrc__people where payload ? 'ward_name'").fetchone()
    assert kept == (3,)
    assert _ledger(warehouse)[-1][3] == ["ward_name"]


def test_a_renamed_required_field_fails_the_load_and_says_so(warehouse, spec):
    renamed = [
        {**{k: v for k, v in _good(i).items() if k != "phone"}, "phone_number": "0912"} for i in range(6)
    ]
    with pytest.raises(
        QuarantineThresholdExceeded,
        match=r"testsrc.people: 6 of 6 records .* missing required field\(s\): phone \(6\)"
        r".*\(phone_number\).*renamed",
    ):
        _load(warehouse, spec, [Page(1, renamed, 6)])
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from raw.quarantine").fetchone() == (0,)


def test_personal_data_is_pseudonymised_consistently(warehouse, spec):
    person = _good(7)
    _load(
        warehouse,
        spec,
        [Page(1, [person, {**_good(8), "name": " nguyễn  văn 7 ", "phone": "+84 912 000 007"}], 2)],
    )
    with psycopg.connect(warehouse) as conn:
        payloads = [p for (p,) in conn.execute("select payload from raw.testsrc__people order by record_key")]
        text = conn.execute("select string_agg(payload::text, ' ') from raw.testsrc__people").fetchone()[0]
    assert "Nguyễn" not in text and "0912000007" not in text
    assert payloads[0]["name"].startswith("pii:") and payloads[0]["commune"] == "04630"
    assert payloads[0]["name"] == payloads[1]["name"], "the same person must get the same token"
    assert payloads[0]["phone"] == payloads[1]["phone"]
    other_key = Pseudonymiser(b"another-key-of-enough-length")
    assert other_key.token("name", person["name"]) != payloads[0]["name"]


def test_a_load_with_personal_data_refuses_to_run_without_a_key(warehouse, spec):
    with pytest.raises(PseudonymisationKeyMissing, match=r"personal data .* needs a pseudonymisation key"):
        _load(warehouse, spec, [Page(1, [_good(1)], 1)], pseudonymiser=None)
