"""The completeness gate reads the load ledger against what each entity says a month needs."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from dti_pipeline.gates.completeness import CompletenessError, check_completeness, completeness_gate
from dti_pipeline.months import month_bounds
from dti_pipeline.needs import month_windows
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse.bootstrap import ensure_warehouse

MONTH = date(2025, 8, 1)
AFTER = month_bounds(MONTH)[1] + timedelta(days=2)  # when the month's loads were taken


@pytest.fixture(autouse=True)
def data_range(monkeypatch):
    monkeypatch.setenv("DTI_SOURCES_START_DATE", "2025-06-01")
    monkeypatch.setenv("DTI_SOURCES_END_DATE", "2025-08-31")


@pytest.fixture
def ledger(warehouse):
    """A warehouse whose ledger holds every load August needs, taken after it ended, reconciled."""
    rows = []
    for spec in load_sources().values():
        for entity in spec.entities:
            for w in month_windows(spec, entity, MONTH):
                rows.append((w.source, w.entity, w.kind, w.start, w.end, entity.mode, AFTER, 10, 1, 11))
    with psycopg.connect(warehouse) as conn:
        ensure_warehouse(conn)
        conn.cursor().executemany(
            """insert into raw.load_ledger (source, entity, window_kind, interval_start, interval_end,
                                            load_mode, started_at, status, rows_loaded,
                                            rows_quarantined, source_total)
               values (%s, %s, %s, %s, %s, %s, %s, 'current', %s, %s, %s)""",
            rows,
        )
    return warehouse


def _set(url: str, source: str, entity: str, month: str, **changes) -> None:
    """Change the current load(s) of an entity whose window ends at the end of `month`."""
    assignments = ", ".join(f"{k} = %s" for k in changes)
    end = month_bounds(date.fromisoformat(f"{month}-01"))[1]
    with psycopg.connect(url) as conn:
        changed = conn.execute(
            f"""update raw.load_ledger set {assignments}
                 where source = %s and entity = %s and interval_end = %s and status = 'current'""",
            (*changes.values(), source, entity, end),
        ).rowcount
    assert changed == 1


def _problems(url: str, month: date = MONTH) -> list[str]:
    with psycopg.connect(url) as conn:
        return check_completeness(conn, month, load_sources()).problems


REMEDY = "run extract_{0} for 2025-08 (dti extract --source {0} --from 2025-08 --to 2025-08)"


def test_a_complete_month_passes_and_says_which_sources_are_partial(ledger):
    with psycopg.connect(ledger) as conn:
        report = completeness_gate(conn, MONTH)
    assert report["ok"] and report["problems"] == []
    assert {e["source"] for e in report["entities"]} == set(load_sources())
    shops = next(e for e in report["entities"] if (e["source"], e["entity"]) == ("postmart", "shops"))
    assert shops["windows_needed"] == shops["windows_served"] == 3  # before July, July, August
    assert report["partial_sources"] == ""
    with psycopg.connect(ledger) as conn:
        july = check_completeness(conn, date(2025, 7, 1), load_sources())
    assert july.partial_sources == ["dvc"]


def test_a_stock_month_missing_says_what_and_the_one_extraction_that_completes_it(ledger):
    _set(ledger, "postmart", "shops", "2025-06", status="failed")
    assert _problems(ledger) == [
        "postmart.shops: created before 2025-07: not loaded; " + REMEDY.format("postmart")
    ]


def test_a_window_loaded_before_the_month_ended_is_too_early(ledger):
    _set(ledger, "eoffice", "documents", "2025-07", started_at=month_bounds(MONTH)[0] + timedelta(days=1))
    assert _problems(ledger) == [
        "eoffice.documents: created in 2025-07 (loaded 2025-08-02 00:00): loaded before 2025-08 ended, "
        "so its records may have changed since; " + REMEDY.format("eoffice")
    ]


def test_a_load_that_does_not_reconcile_is_named(ledger):
    _set(ledger, "voso", "orders", "2025-08", rows_loaded=7)
    assert _problems(ledger) == [
        "voso.orders: created in 2025-08 (7 loaded + 1 quarantined, the source reported 11): "
        "not reconciled; " + REMEDY.format("voso")
    ]


def test_a_snapshot_needs_a_load_taken_after_the_month_ended(ledger):
    _set(ledger, "dvc", "procedures", "2025-08", started_at=month_bounds(MONTH)[1] - timedelta(hours=1))
    assert _problems(ledger) == [
        "dvc.procedures: a snapshot taken after 2025-08 ended (loaded 2025-08-31 23:00): loaded before "
        "2025-08 ended, so its records may have changed since; " + REMEDY.format("dvc")
    ]


def test_an_export_is_the_months_own(ledger):
    _set(ledger, "handbook", "activity", "2025-08", status="replaced")
    assert _problems(ledger) == [
        "handbook.activity: the export of 2025-08: not loaded; " + REMEDY.format("handbook")
    ]


def test_a_month_outside_the_data_is_skipped_not_failed(ledger, monkeypatch):
    monkeypatch.setenv("DTI_SOURCES_END_DATE", "2025-07-31")
    with psycopg.connect(ledger) as conn:
        report = check_completeness(conn, MONTH, load_sources())
    assert report.ok and report.entities == []
    assert "eoffice: no data for 2025-08 (its data runs from 2025-06-01 to 2025-07-31)" in report.skipped


def test_the_gate_blocks_by_default_and_warns_when_configured(ledger, monkeypatch):
    _set(ledger, "eoffice", "documents", "2025-08", status="failed")
    with psycopg.connect(ledger) as conn:
        with pytest.raises(CompletenessError, match=r"eoffice.documents: created in 2025-08: not loaded"):
            completeness_gate(conn, MONTH)
        monkeypatch.setenv("DTI_COMPLETENESS_MODE", "warn")
        report = completeness_gate(conn, MONTH)
    assert not report["ok"] and report["problems"][0].startswith("eoffice.documents: created in 2025-08")
