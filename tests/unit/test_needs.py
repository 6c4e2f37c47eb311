"""What a month needs, from each entity's one declaration, and which loads give it."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from dti_pipeline.months import LOCAL_TZ, month_bounds
from dti_pipeline.needs import BEGINNING, Load, month_windows, partial_reasons, serving_load
from dti_pipeline.sources.spec import SpecError, load_sources

JUNE, JULY, AUGUST = date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)


@pytest.fixture
def specs():
    """The project's sources, their data starting in June 2025 (the tiny preset's range)."""
    return {
        name: dataclasses.replace(spec, start_date=JUNE, end_date=date(2025, 8, 31))
        for name, spec in load_sources().items()
    }


def _labels(specs, source, entity, month):
    spec = specs[source]
    return [w.describe() for w in month_windows(spec, spec.entity(entity), month)]


def test_a_stock_needs_every_month_since_the_first_the_first_window_open_below(specs):
    assert _labels(specs, "postmart", "shops", AUGUST) == [
        "created before 2025-07",
        "created in 2025-07",
        "created in 2025-08",
    ]
    first = month_windows(specs["postmart"], specs["postmart"].entity("shops"), JUNE)
    assert [(w.start, w.end) for w in first] == [(BEGINNING, month_bounds(JUNE)[1])]


def test_a_flow_needs_its_month_and_its_look_back_months_within_the_data(specs):
    assert _labels(specs, "dvc", "applications", AUGUST) == [
        "created in 2025-06",
        "created in 2025-07",
        "created in 2025-08",
    ]
    assert _labels(specs, "dvc", "applications", JULY) == ["created in 2025-06", "created in 2025-07"]
    assert _labels(specs, "eoffice", "documents", AUGUST) == ["created in 2025-07", "created in 2025-08"]
    assert _labels(specs, "dvc", "ratings", AUGUST) == ["created in 2025-08"]


def test_snapshots_and_exports_need_one_load(specs):
    assert _labels(specs, "eoffice", "accounts", JULY) == ["a snapshot taken after 2025-07 ended"]
    assert _labels(specs, "handbook", "members", JULY) == ["the export of 2025-07"]


def test_partial_months_are_the_first_and_those_whose_flows_look_back_before_it(specs):
    assert partial_reasons(specs["eoffice"], JUNE) == ["2025-06 is the first month of eoffice's data"]
    assert partial_reasons(specs["eoffice"], JULY) == []
    assert partial_reasons(specs["dvc"], JULY) == [
        "dvc.applications counts records created up to 2 month(s) before 2025-07, "
        "and the data starts in 2025-06"
    ]
    assert partial_reasons(specs["dvc"], AUGUST) == []
    assert partial_reasons(specs["handbook"], JULY) == []


def _load(kind, month, started, start=None):
    window_start, window_end = month_bounds(month)
    return Load(kind, start or window_start, window_end, started, 10, 0, 10)


def test_a_window_serves_a_month_only_when_loaded_after_that_month_ended(specs):
    spec = specs["eoffice"]
    (june_window,) = [w for w in month_windows(spec, spec.entity("documents"), JULY) if w.end.month == 7]
    july_end = month_bounds(JULY)[1]
    early = _load("created", JUNE, july_end - timedelta(days=10))
    late = _load("created", JUNE, july_end + timedelta(minutes=1))
    assert serving_load(june_window, JULY, [early]) is None
    assert serving_load(june_window, JUNE, [early]) is early  # loaded after June ended
    assert serving_load(june_window, JULY, [late]) is late


def test_any_snapshot_taken_after_the_month_ended_serves_it_the_export_only_its_own(specs):
    spec = specs["eoffice"]
    (snapshot,) = month_windows(spec, spec.entity("accounts"), JULY)
    july_end = month_bounds(JULY)[1]
    taken_in_july = _load("snapshot", JULY, july_end - timedelta(hours=1))
    taken_in_september = _load("snapshot", AUGUST, july_end + timedelta(days=40))
    assert serving_load(snapshot, JULY, [taken_in_july]) is None
    assert serving_load(snapshot, JULY, [taken_in_july, taken_in_september]) is taken_in_september
    handbook = specs["handbook"]
    (export,) = month_windows(handbook, handbook.entity("cells"), JULY)
    now = datetime.now(LOCAL_TZ)
    assert serving_load(export, JULY, [_load("export", AUGUST, now)]) is None
    assert serving_load(export, JULY, [_load("export", JULY, now)]) is not None


def test_a_load_that_does_not_reconcile_is_flagged():
    assert not Load("created", BEGINNING, BEGINNING, BEGINNING, 7, 1, 9).reconciled
    assert Load("created", BEGINNING, BEGINNING, BEGINNING, 8, 1, 9).reconciled
    assert Load("created", BEGINNING, BEGINNING, BEGINNING, 8, 0, None).reconciled


def test_every_incremental_entity_declares_its_history():
    for spec in load_sources().values():
        for entity in spec.entities:
            assert entity.history in ("stock", "flow", "snapshot", "export"), (spec.name, entity.name)
            if entity.history in ("stock", "flow"):
                assert entity.incremental is not None


def test_a_history_that_is_not_declared_is_refused(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(
        """
sources:
  x:
    title: X
    auth: {type: api_key}
    paginator: {type: offset, offset_param: o, limit_param: l}
    entities:
      a: {path: /a, primary_key: id, incremental: {start_param: f, end_param: t, cursor_field: c}}
"""
    )
    with pytest.raises(SpecError, match=r"sources.x.entities.a: missing required key 'history'"):
        load_sources(path)
    path.write_text(
        path.read_text().replace("primary_key: id,", "primary_key: id, history: stock, lookback_months: 2,")
    )
    with pytest.raises(
        SpecError, match=r"lookback_months: only a flow entity looks back; this one is a stock"
    ):
        load_sources(path)


def test_the_data_range_of_the_environment_applies_to_every_source(monkeypatch):
    monkeypatch.setenv("DTI_SOURCES_START_DATE", "2025-06-01")
    monkeypatch.setenv("DTI_SOURCES_END_DATE", "2025-08-31")
    assert {(s.start_date, s.end_date) for s in load_sources().values()} == {(JUNE, date(2025, 8, 31))}
    monkeypatch.setenv("DTI_SOURCES_END_DATE", "2025-05-31")
    with pytest.raises(SpecError, match=r"DTI_SOURCES_END_DATE: 2025-05-31 is before the start date"):
        load_sources()
