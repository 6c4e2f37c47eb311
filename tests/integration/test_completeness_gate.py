"""The completeness gate reads the load ledger against every source's schedule in sources.yml."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from dti_pipeline.gates.completeness import CompletenessError, check_completeness, completeness_gate
from dti_pipeline.months import month_bounds
from dti_pipeline.schedules import scheduled_intervals
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse.bootstrap import ensure_warehouse

MONTH = date(2025, 8, 1)


@pytest.fixture
def ledger(warehouse):
    """A warehouse whose ledger has a current, reconciled load of every interval of August."""
    start, end = month_bounds(MONTH)
    rows = []
    for name, spec in load_sources().items():
        for entity in spec.entities:
            intervals = scheduled_intervals(spec.schedule, start, end)
            for interval_start, interval_end in intervals:
                rows.append((name, entity.name, interval_start, interval_end, entity.mode, 10, 1, 11))
    with psycopg.connect(warehouse) as conn:
        ensure_warehouse(conn)
        conn.cursor().executemany(
            """insert into raw.load_ledger (source, entity, interval_start, interval_end, load_mode, status,
                                            rows_loaded, rows_quarantined, source_total)
               values (%s, %s, %s, %s, %s, 'current', %s, %s, %s)""",
            rows,
        )
    return warehouse


def _set(url: str, status: str, source: str, entity: str, *days: str, **changes) -> None:
    extra = "".join(f", {k} = {v}" for k, v in changes.items())
    with psycopg.connect(url) as conn:
        for day in days:
            conn.execute(
                f"""update raw.load_ledger set status = %s {extra}
                     where source = %s and entity = %s
                       and interval_start = (%s::date)::timestamp at time zone 'Asia/Ho_Chi_Minh'""",
                (status, source, entity, day),
            )


def _problems(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return check_completeness(conn, MONTH, load_sources()).problems


def test_a_complete_month_passes(ledger):
    with psycopg.connect(ledger) as conn:
        report = completeness_gate(conn, MONTH)
    assert report["ok"] and report["problems"] == []
    assert {e["source"] for e in report["entities"]} == set(load_sources())
    documents = next(e for e in report["entities"] if (e["source"], e["entity"]) == ("eoffice", "documents"))
    assert documents["intervals_expected"] == documents["intervals_current"] == 31


def test_missing_days_are_grouped_and_say_what_to_rerun(ledger):
    _set(ledger, "failed", "eoffice", "documents", "2025-08-03", "2025-08-14", "2025-08-15", "2025-08-16")
    assert _problems(ledger) == [
        "eoffice.documents: 2025-08-03, 2025-08-14..2025-08-16 missing; rerun extract_eoffice for those days"
    ]


def test_a_load_that_does_not_reconcile_is_named(ledger):
    _set(ledger, "current", "eoffice", "documents", "2025-08-09", rows_loaded=7)
    assert _problems(ledger) == [
        "eoffice.documents: 2025-08-09 not reconciled (rows loaded + quarantined differ from the total "
        "the source reported); rerun extract_eoffice for that day"
    ]


def test_a_snapshot_needs_a_load_taken_at_or_after_the_months_end(ledger):
    snapshots = [
        (s, e.name) for s, spec in load_sources().items() for e in spec.entities if e.mode == "snapshot"
    ]
    if not snapshots:
        pytest.skip("no snapshot entity is configured")
    source, entity = snapshots[0]
    _set(ledger, "replaced", source, entity, "2025-08-31")
    problems = _problems(ledger)
    assert problems == [
        f"{source}.{entity}: no current snapshot taken at or after the month's end (2025-09-01 00:00); "
        f"rerun extract_{source} for 2025-08-31 (or any later day)"
    ]


def test_a_monthly_source_misses_the_month(ledger):
    monthly = [
        (s, e.name)
        for s, spec in load_sources().items()
        if spec.schedule == "@monthly"
        for e in spec.entities
    ]
    if not monthly:
        pytest.skip("no monthly source is configured")
    source, entity = monthly[0]
    _set(ledger, "failed", source, entity, "2025-08-01")
    assert _problems(ledger) == [f"{source}.{entity}: 2025-08 missing; rerun extract_{source} for that month"]


def test_the_gate_blocks_by_default_and_warns_when_configured(ledger, monkeypatch):
    _set(ledger, "failed", "eoffice", "documents", "2025-08-20")
    with psycopg.connect(ledger) as conn:
        with pytest.raises(CompletenessError, match=r"eoffice.documents: 2025-08-20 missing"):
            completeness_gate(conn, MONTH)
        monkeypatch.setenv("DTI_COMPLETENESS_MODE", "warn")
        report = completeness_gate(conn, MONTH)
    assert not report["ok"] and report["problems"][0].startswith("eoffice.documents: 2025-08-20 missing")
