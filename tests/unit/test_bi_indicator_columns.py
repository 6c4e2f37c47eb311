"""The BI's one-column-per-indicator lists are copies of the catalogue: Superset's container
reads only bi/superset/, and a view's columns are its published interface. These tests keep
both copies equal to the catalogue seed, in its order, so a new indicator cannot be left out."""

from __future__ import annotations

import csv
import re
import sys

from dti_pipeline.paths import DBT_PROJECT_DIR, PROJECT_DIR


def catalogue() -> list[str]:
    with open(DBT_PROJECT_DIR / "seeds" / "methodology" / "dti_indicators.csv", encoding="utf-8") as handle:
        return [row["indicator_id"] for row in csv.DictReader(handle)]


def test_the_wide_view_has_a_column_for_each_indicator_of_the_catalogue():
    sql = (PROJECT_DIR / "bi" / "views" / "bi_indicator_wide.sql").read_text(encoding="utf-8")
    pivoted = re.findall(r"facts\.indicator_id = '(\w+)'\s*\)\s*as (\w+)", sql)
    assert [column for indicator, column in pivoted if indicator != column] == []
    assert [indicator for indicator, _ in pivoted] == catalogue()


def test_the_dashboards_indicator_table_shows_each_indicator_of_the_catalogue(monkeypatch):
    monkeypatch.syspath_prepend(str(PROJECT_DIR / "bi" / "superset"))
    sys.modules.pop("dashboards", None)
    import dashboards

    assert list(dashboards.INDICATOR_COLUMNS) == catalogue()
