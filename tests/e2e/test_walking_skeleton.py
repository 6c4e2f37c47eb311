"""extract_eoffice and dti_monthly_refresh end to end with dag.test() on real PostgreSQL.

The expected index is computed here from the simulator's own records (its ground truth),
independently of the pipeline, and compared with what BI readers see in dti_mart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest

from dti_pipeline import runtime
from dti_pipeline.demo import days_of
from dti_pipeline.months import format_month
from dti_pipeline.orchestration.inprocess import run_dag
from dti_simulators import get_preset
from dti_simulators.eoffice import generate_documents

SEED = 7
PRESET = get_preset("tiny")
MONTHS = PRESET.months()


def expected_shares() -> dict[str, dict[str, tuple[int, int]]]:
    """month -> unit_key -> (electronic documents, documents), from the simulator's records."""
    totals: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for month in MONTHS:
        for commune in PRESET.communes():
            for doc in generate_documents(SEED, PRESET, commune, month):
                electronic = doc.record["transmission"] == "electronic"
                for key in (f"commune:{doc.commune_code}", f"province:{commune.province_code}"):
                    totals[format_month(month)][key][0] += electronic
                    totals[format_month(month)][key][1] += 1
    return {m: {k: tuple(v) for k, v in units.items()} for m, units in totals.items()}


@pytest.fixture(scope="module")
def pipeline_run(postgres_server, airflow_db, tiny_simulators):
    url = postgres_server("e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
        mp.setenv("DTI_COMPLETENESS_SOURCES", "eoffice")  # the skeleton extracts e-office only
        runtime.set_source_connections(tiny_simulators.connections())
        for month in MONTHS:
            for day in days_of(month):
                run_dag("extract_eoffice", logical_date=day + timedelta(days=1))
        for month in MONTHS:
            run_dag("dti_monthly_refresh", conf={"month": format_month(month)})
        yield url
        for key in [k for k in list(__import__("os").environ) if k.startswith("AIRFLOW_CONN_DTI_")]:
            mp.delenv(key, raising=False)


def _mart(url: str, month: str) -> dict[str, dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(
            """select f.*, i.numerator, i.denominator, i.indicator_value, i.is_missing
                 from dti_mart.fct_dti_monthly f
                 join dti_mart.fct_indicator_monthly i using (month, unit_key)
                where f.month = %s and i.indicator_id = 'gov_docs_electronic_share'""",
            (f"{month}-01",),
        ).fetchall()
    return {r["unit_key"]: r for r in rows}


def test_every_unit_of_the_preset_has_the_simulators_share(pipeline_run):
    expected = expected_shares()
    for month in map(format_month, MONTHS):
        mart = _mart(pipeline_run, month)
        assert expected[month], "the simulator generated nothing: the test would prove nothing"
        for unit_key, (electronic, total) in expected[month].items():
            row = mart[unit_key]
            assert (row["numerator"], row["denominator"]) == (electronic, total), (month, unit_key)
            share = Decimal(electronic) / Decimal(total)
            assert abs(row["indicator_value"] - share) < Decimal("0.000001"), (month, unit_key)
            assert abs(row["dti_score"] - share) < Decimal("0.000001")  # target 100%, one pillar
            assert row["completeness"] == 1


def test_units_without_data_are_present_and_flagged_never_zero(pipeline_run):
    mart = _mart(pipeline_run, format_month(MONTHS[0]))
    assert sum(1 for k in mart if k.startswith("commune:")) == 3321
    assert sum(1 for k in mart if k.startswith("province:")) == 34
    hanoi = mart["province:01"]
    assert hanoi["is_missing"] and hanoi["dti_score"] is None and hanoi["dti_rank"] is None
    assert hanoi["completeness"] == 0


def test_provinces_are_ranked_by_score_and_changes_follow_the_previous_month(pipeline_run):
    expected = expected_shares()
    previous_rank = None
    for month in map(format_month, MONTHS):
        shares = {k: e / t for k, (e, t) in expected[month].items() if k.startswith("province:")}
        order = sorted(shares, key=lambda k: (-shares[k], k))
        mart = _mart(pipeline_run, month)
        assert [mart[k]["dti_rank"] for k in order] == [1, 2, 3]
        assert {mart[k]["units_ranked"] for k in order} == {3}
        for key in order:
            change = mart[key]["dti_rank_change"]
            if previous_rank is None:
                assert change is None
            else:
                assert change == previous_rank[key] - mart[key]["dti_rank"]
        previous_rank = {k: mart[k]["dti_rank"] for k in order}


def test_each_month_is_published_once_with_its_methodology(pipeline_run):
    with psycopg.connect(pipeline_run) as conn:
        rows = conn.execute(
            "select to_char(month, 'YYYY-MM'), status, methodology_version"
            " from dti_mart.publication order by month"
        ).fetchall()
    assert rows == [(format_month(m), "current", "0.1.0") for m in MONTHS]


def test_rerunning_a_month_publishes_the_same_content(pipeline_run):
    month = format_month(MONTHS[-1])
    with psycopg.connect(pipeline_run) as conn:
        before = conn.execute(
            "select publication_id, content_hash from dti_mart.publication where month = %s",
            (f"{month}-01",),
        ).fetchone()
    run_dag("dti_monthly_refresh", conf={"month": month})
    with psycopg.connect(pipeline_run) as conn:
        after = conn.execute(
            "select publication_id, content_hash from dti_mart.publication where month = %s",
            (f"{month}-01",),
        ).fetchall()
    assert after == [before]


def test_the_report_is_written_for_the_month(pipeline_run):
    from dti_pipeline.paths import reports_dir

    report = reports_dir() / f"dti-{format_month(MONTHS[-1])}.html"
    text = report.read_text(encoding="utf-8")
    assert "Tỉnh Lào Cai" in text and "plotly" in text.lower()
    external = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']?(?:https?:)?//""", text)
    assert external == [], "the report must work offline: it loads nothing from the network"
