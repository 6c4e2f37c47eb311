"""extract_eoffice and dti_monthly_refresh end to end with dag.test() on real PostgreSQL.

July 2025 alone is extracted: e-office through the extract_eoffice DAG (its one dag.test()
run of July loads what July needs, June's documents included), the other sources through
the task function; then the dti_monthly_refresh DAG publishes it. The expected e-office
figures are computed here from the simulator's own records, independently of the pipeline,
and compared with what BI readers see in dti_mart.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from dti_pipeline import runtime
from dti_pipeline.backfill import load_month_with_airflow, load_month_with_task
from dti_pipeline.orchestration.inprocess import run_dag
from dti_pipeline.sources.spec import load_sources
from dti_simulators import get_preset
from dti_simulators.eoffice import generate_documents

SEED = 7
PRESET = get_preset("tiny")
JULY = date(2025, 7, 1)


def expected_july() -> dict[str, tuple[int, int]]:
    """unit_key -> (electronic documents, documents) created in July, from the simulator."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for commune in PRESET.communes():
        for doc in generate_documents(SEED, PRESET, commune, JULY):
            electronic = doc.record["transmission"] == "electronic"
            for key in (f"commune:{doc.commune_code}", f"province:{commune.province_code}"):
                totals[key][0] += electronic
                totals[key][1] += 1
    return {k: tuple(v) for k, v in totals.items()}


@pytest.fixture(scope="module")
def pipeline_run(postgres_server, airflow_db):
    from dti_simulators import start_simulators

    url = postgres_server("skeleton")
    specs = load_sources()
    with start_simulators("tiny", SEED) as sims, pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
        runtime.set_source_connections(sims.connections())
        load_month_with_airflow(specs["eoffice"], JULY)
        for name, spec in specs.items():
            if name != "eoffice":
                load_month_with_task(spec, JULY, run_id="skeleton")
        run_dag("dti_monthly_refresh", conf={"month": "2025-07"})
        yield url
        for key in [k for k in list(__import__("os").environ) if k.startswith("AIRFLOW_CONN_DTI_")]:
            if key != "AIRFLOW_CONN_DTI_PII_KEY":
                mp.delenv(key, raising=False)


def _mart(url: str) -> dict[str, dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute(
            """select f.*, i.numerator, i.denominator, i.indicator_value, i.is_missing
                 from dti_mart.fct_dti_monthly f
                 join dti_mart.fct_indicator_monthly i using (month, unit_key)
                where f.month = '2025-07-01' and i.indicator_id = 'gov_docs_electronic_share'"""
        ).fetchall()
    return {r["unit_key"]: r for r in rows}


def test_the_extract_dags_july_run_loaded_what_july_needs(pipeline_run):
    with psycopg.connect(pipeline_run) as conn:
        loads = conn.execute(
            """select entity, window_kind, to_char(interval_start at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM')
                 from raw.load_ledger where source = 'eoffice' and status = 'current'
                  and run_id like 'manual__%' order by 1, 3"""
        ).fetchall()
    # documents due in July were created in June or July; the accounts as a snapshot
    assert loads == [
        ("accounts", "snapshot", "2025-07"),
        ("documents", "created", "2025-06"),
        ("documents", "created", "2025-07"),
    ]


def test_every_unit_of_the_preset_has_the_simulators_share(pipeline_run):
    expected, mart = expected_july(), _mart(pipeline_run)
    assert expected, "the simulator generated nothing: the test would prove nothing"
    for unit_key, (electronic, total) in expected.items():
        row = mart[unit_key]
        assert (row["numerator"], row["denominator"]) == (electronic, total), unit_key
        assert abs(row["indicator_value"] - Decimal(electronic) / Decimal(total)) < Decimal("0.000001")
        assert row["dti_score"] is not None and 0 < row["completeness"] <= 1


def test_units_without_data_are_present_and_flagged_never_zero(pipeline_run):
    mart = _mart(pipeline_run)
    assert sum(1 for k in mart if k.startswith("commune:")) == 3321
    assert sum(1 for k in mart if k.startswith("province:")) == 34
    hanoi = mart["province:01"]
    assert hanoi["is_missing"] and hanoi["dti_score"] is None and hanoi["dti_rank"] is None
    assert hanoi["completeness"] == 0


def test_the_preset_provinces_are_ranked_one_to_three(pipeline_run):
    mart = _mart(pipeline_run)
    ranked = sorted(
        (r["dti_rank"], k) for k, r in mart.items() if k.startswith("province:") and r["dti_rank"]
    )
    assert [rank for rank, _ in ranked] == [1, 2, 3]
    scores = [mart[k]["dti_score"] for _, k in ranked]
    assert scores == sorted(scores, reverse=True)


def test_the_month_is_published_with_its_methodology(pipeline_run):
    with psycopg.connect(pipeline_run) as conn:
        rows = conn.execute(
            "select to_char(month, 'YYYY-MM'), status, methodology_version, run_id from dti_mart.publication"
        ).fetchall()
    assert [(m, s, v) for m, s, v, _ in rows] == [("2025-07", "current", "1.0.0")]
    assert rows[0][3].startswith("manual__")
