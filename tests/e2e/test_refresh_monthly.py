"""dti_monthly_refresh end to end with dag.test() on the tiny preset, each component in its role.

One module-scoped run (it is the expensive part): every configured source is extracted for
July and August 2025 as the loader; August is first refused by the completeness gate (its
e-office documents hidden); July, the month before, is built with one `dbt build` and
published; then August is refreshed by the DAG as the transformer and read back through the BI
reader. Later tests rebuild from raw and break a data test on that state.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg.rows import dict_row

from dti_pipeline import runtime
from dti_pipeline.months import format_month
from dti_pipeline.notify import collected_notifications
from dti_pipeline.orchestration.inprocess import DagRunFailed, run_dag
from dti_pipeline.publish.publication import publish_month
from dti_pipeline.warehouse.roles import role_url, roles, setup_roles

JULY, AUGUST = date(2025, 7, 1), date(2025, 8, 1)


def extract_month(month: date) -> None:
    """What the month needs of every configured source, as its extract run loads it."""
    from dti_pipeline.backfill import load_month_with_task
    from dti_pipeline.sources.spec import load_sources

    for spec in load_sources().values():
        load_month_with_task(spec, month, run_id="test-extract")


def _hide(url: str, status_from: str, status_to: str) -> int:
    """Hide (or show again) the load of August's e-office documents."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """update raw.load_ledger set status = %s
                where source = 'eoffice' and entity = 'documents' and status = %s
                  and interval_start = '2025-08-01 00:00+07'""",
            (status_to, status_from),
        ).rowcount


def _publications(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select publication_id, to_char(month, 'YYYY-MM'), status, content_hash, run_id
                 from dti_publish.publication order by publication_id"""
        ).fetchall()


def dbt_build_month(transformer_url: str, month: date) -> None:
    """One `dbt build` of the month as the transformer (what the refresh's Cosmos tasks run)."""
    args = ["build", "--exclude-resource-type", "unit_test", "--quiet"]
    runtime.run_dbt([*args, "--vars", json.dumps({"month": format_month(month)})], transformer_url)


def _built_rows(url: str, month: date) -> int:
    with psycopg.connect(url) as conn:
        if conn.execute("select to_regclass('dti_build.fct_dti_monthly')").fetchone()[0] is None:
            return 0
        return conn.execute(
            "select count(*) from dti_build.fct_dti_monthly where month = %s", (month,)
        ).fetchone()[0]


@pytest.fixture(scope="module")
def refreshed(request, postgres_server, airflow_db, tiny_simulators):
    admin = postgres_server("refresh")
    chosen = roles(f"dti_e{uuid.uuid4().hex[:6]}")
    request.addfinalizer(lambda: _drop(admin, chosen))  # roles are cluster-wide: never leave them
    secrets_ = {kind: uuid.uuid4().hex for kind in chosen}
    with psycopg.connect(admin, autocommit=True) as conn:
        setup_roles(conn, chosen, secrets_)
    urls = {kind: role_url(admin, role.name, secrets_[kind]) for kind, role in chosen.items()}
    timings, outcome = {}, {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", urls["transformer"])
        mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE_LOADER", urls["loader"])
        mp.setenv("AIRFLOW_CONN_DTI_BI_READER", urls["bi_reader"])
        mp.setenv("DTI_PLAUSIBILITY_MAX_CHANGE", "0.02")  # warn about (nearly) every mover
        for name, conn in tiny_simulators.connections().items():
            mp.setenv(f"AIRFLOW_CONN_DTI_{name.upper()}", json.dumps(conn))
        started = time.monotonic()
        for month in (JULY, AUGUST):
            extract_month(month)
        timings["extract"] = time.monotonic() - started

        # August's e-office documents are not current: the gate refuses August
        outcome["hidden"] = _hide(admin, "current", "replaced")
        started = time.monotonic()
        try:
            run_dag("dti_monthly_refresh", conf={"month": "2025-08"})
        except DagRunFailed as exc:
            outcome["gate_error"] = str(exc)
        timings["gate_refusal"] = time.monotonic() - started
        outcome["after_refusal"] = _publications(admin)
        outcome["built_august"] = _built_rows(admin, AUGUST)
        _hide(admin, "replaced", "current")

        # July, the month before, comes from one dbt build (the refresh under test is August's)
        started = time.monotonic()
        dbt_build_month(urls["transformer"], JULY)
        with psycopg.connect(urls["transformer"]) as conn:
            publish_month(conn, JULY, run_id="dbt-build-july")
        timings["july_by_one_dbt_build"] = time.monotonic() - started

        started = time.monotonic()
        with collected_notifications() as notes:
            outcome["run"] = run_dag("dti_monthly_refresh", conf={"month": "2025-08"})
        timings["refresh_august"] = time.monotonic() - started
        outcome["notes"] = notes
        print(f"\ntimings (s): { {k: round(v, 1) for k, v in timings.items()} }")
        yield {"admin": admin, **urls, "outcome": outcome, "timings": timings}


def _drop(admin: str, chosen: dict) -> None:
    server = urlsplit(admin)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{urlsplit(admin).path.lstrip("/")}" with (force)')
        for role in chosen.values():
            conn.execute(f'drop role if exists "{role.name}"')


# -- the completeness gate ------------------------------------------------------------------------
def test_a_missing_window_stops_the_refresh_before_anything_is_built(refreshed):
    outcome = refreshed["outcome"]
    assert outcome["hidden"] == 1
    error = outcome.get("gate_error", "")
    assert "completeness_gate" in error
    assert (
        "eoffice.documents: created in 2025-08: not loaded; run extract_eoffice for 2025-08 "
        "(dti extract --source eoffice --from 2025-08 --to 2025-08)" in error
    )
    assert "eoffice.accounts" not in error and "dvc." not in error, "only the hidden window is missing"
    assert [p for p in outcome["after_refusal"] if p[1] == "2025-08"] == [], "August was published"
    assert outcome["built_august"] == 0, "dbt built August although the gate refused it"


# -- publication, read back by the BI reader --------------------------------------------------------
def test_the_month_is_published_and_read_back_through_the_bi_reader(refreshed):
    with psycopg.connect(refreshed["bi_reader"]) as conn, conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "select unit_level, count(*) as units, count(dti_score) as scored from dti_mart.fct_dti_monthly"
            " where month = %s group by unit_level",
            (AUGUST,),
        ).fetchall()
        publication = cur.execute(
            "select * from dti_mart.publication where month = %s and status = 'current'", (AUGUST,)
        ).fetchone()
        indicators = cur.execute("select count(*) as n from dti_mart.dim_indicator").fetchone()["n"]
        per_unit = cur.execute(
            "select count(*) as n from dti_mart.fct_indicator_monthly where month = %s and unit_key = %s",
            (AUGUST, "province:15"),
        ).fetchone()["n"]
    levels = {r["unit_level"]: r for r in rows}
    assert levels["province"]["units"] == 34 and levels["commune"]["units"] == 3321
    assert levels["province"]["scored"] == 3, "the tiny preset's three provinces have a score"
    assert per_unit == indicators > 0
    assert publication["run_id"] == refreshed["outcome"]["run"].run_id
    assert publication["methodology_version"] and publication["published_at"]
    checks = publication["checks"]
    assert checks["completeness"]["ok"] and checks["quality"]["ok"]
    assert checks["quality"]["reconciled"] and all(r["ok"] for r in checks["quality"]["reconciled"])


def test_plausibility_reports_movers_with_their_cause_indicators(refreshed):
    with psycopg.connect(refreshed["bi_reader"]) as conn:
        checks = conn.execute(
            "select checks from dti_mart.publication where month = %s and status = 'current'", (AUGUST,)
        ).fetchone()[0]
    movers = checks["quality"]["movers"]
    assert movers, "with a 0.02 threshold some unit of the tiny preset moves"
    assert all(abs(m["change"]) > 0.02 for m in movers)
    assert any(m["causes"] for m in movers)
    assert any("moved most" in w for w in checks["quality"]["warnings"])


def test_blocking_plausibility_stops_publication_naming_the_causes(refreshed, monkeypatch):
    from dti_pipeline.gates.quality import QualityGateFailed, load_config, quality_gate

    monkeypatch.setenv("DTI_PLAUSIBILITY_MODE", "block")
    monkeypatch.setenv("DTI_PLAUSIBILITY_MAX_CHANGE", "0.02")
    with psycopg.connect(refreshed["transformer"]) as conn, pytest.raises(QualityGateFailed) as caught:
        quality_gate(conn, AUGUST, load_config())
    assert "moved more than 0.02 from 2025-07" in str(caught.value) and "moved most:" in str(caught.value)


# -- report, link and notification --------------------------------------------------------------------
def test_the_run_links_to_its_report_and_notifies(refreshed):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = refreshed["outcome"]["run"]
    with create_session() as session:
        xcoms = {
            x.key: XComModel.deserialize_value(x)
            for x in session.query(XComModel).filter_by(
                dag_id="dti_monthly_refresh", run_id=run.run_id, task_id="report"
            )
        }
    path = xcoms["return_value"]
    assert path.endswith("dti-2025-08.html") and os.path.exists(path)
    assert xcoms["_link_MonthlyReportLink"] == f"file://{os.path.realpath(path)}"
    text = Path(path).read_text(encoding="utf-8")
    for section in ("ranking", "movers", "map", "trends", "completeness"):
        assert f'id="{section}"' in text
    assert "Tỉnh Lào Cai" in text and "Province ranking" in text
    assert re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["']?(?:https?:)?//""", text) == []
    notes = refreshed["outcome"]["notes"]
    success = [n for n in notes if n["outcome"] == "success"]
    assert len(success) == 1 and success[0]["report"] == path and "2025-08 published" in success[0]["subject"]


# -- reruns and backfills give the same content -------------------------------------------------------
def test_rebuilding_a_month_from_raw_gives_the_published_content(refreshed):
    """Same inputs, same content: August rebuilt from raw hashes as published, and publishing
    it again is a no-op (no new version)."""
    from dti_pipeline.publish.publication import content_hash, monthly_facts

    before = _publications(refreshed["admin"])
    with psycopg.connect(refreshed["transformer"]) as conn:
        for fact in monthly_facts(conn):  # nothing left of the first build of August
            conn.execute(f"delete from dti_build.{fact} where month = %s", (AUGUST,))
    dbt_build_month(refreshed["transformer"], AUGUST)
    with psycopg.connect(refreshed["transformer"]) as conn:
        rebuilt = content_hash(conn, AUGUST)[0]
        again = publish_month(conn, AUGUST, run_id="rebuilt")
    published = {month: digest for _, month, status, digest, _ in before if status == "current"}
    assert rebuilt == published["2025-08"]
    assert again.unchanged and _publications(refreshed["admin"]) == before


def test_a_range_refreshes_month_by_month_in_order(monkeypatch):
    from click.testing import CliRunner

    from dti_pipeline.cli import main

    refreshed_months = []
    monkeypatch.setattr(
        "dti_pipeline.demo.refresh_months", lambda months, **_: refreshed_months.extend(months)
    )
    monkeypatch.setattr("dti_pipeline.runtime.use_warehouse", lambda **_: "postgresql://x")
    result = CliRunner().invoke(main, ["refresh", "--from", "2025-06", "--to", "2025-08"])
    assert result.exit_code == 0, result.output
    assert refreshed_months == [date(2025, 6, 1), JULY, AUGUST]


# -- a failing data test: named, with rows, not retried --------------------------------------------------
def test_a_failing_data_test_fails_its_task_at_once_naming_the_test_and_rows(refreshed, monkeypatch):
    """The refresh's one `dbt build` meets a staged e-office document whose direction is
    neither in nor out: its accepted_values test fails (staging is incremental, so the row stays
    as staged; a month's build tests the rows staged from that month's loads). The build fails at
    once, and so does the task of stg_eoffice__documents' tests, naming the test and the row."""
    from dti_pipeline.orchestration.failures import collected_failures
    from dti_pipeline.orchestration.inprocess import get_dag

    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", refreshed["transformer"])
    with psycopg.connect(refreshed["admin"]) as conn:
        document, direction = conn.execute(
            """select document_id, direction from dti_staging.stg_eoffice__documents
                where created_month = %s order by document_id limit 1""",
            (AUGUST,),
        ).fetchone()
    corrupt = "update dti_staging.stg_eoffice__documents set direction = %s where document_id = %s"
    with psycopg.connect(refreshed["admin"]) as conn:
        assert conn.execute(corrupt, ("sideways", document)).rowcount == 1
    before = _publications(refreshed["admin"])
    dag = get_dag("dti_monthly_refresh")
    try:
        with collected_failures() as failures:
            run = dag.test(run_conf={"month": "2025-08"})
    finally:
        with psycopg.connect(refreshed["admin"]) as conn:
            conn.execute(corrupt, (direction, document))
    assert str(run.state).endswith("failed")
    failed = {task: message for task, message in failures}
    task = "dti_monthly_refresh.dbt_build.stg_eoffice__documents.test"
    assert task in failed, failed
    message = failed[task]
    assert re.search(r"dbt test accepted_values_stg_eoffice__documents_direction\w*", message), message
    assert "model stg_eoffice__documents, column direction" in message and "failing row" in message
    assert "sideways" in message, message
    assert "a retry cannot fix data" in message
    # the build itself fails with the same explanation; neither is retried
    assert "sideways" in failed["dti_monthly_refresh.dbt_build.dbt_producer_watcher"]
    for task_id in ("dbt_build.dbt_producer_watcher", "dbt_build.stg_eoffice__documents.test"):
        ti = run.get_task_instance(task_id)
        assert ti.try_number == 1 and str(ti.state).endswith("failed"), f"{task_id} was retried"
    # what depends on the failed tests is not reported built; the other models are
    assert str(run.get_task_instance("dbt_build.fct_dti_monthly.run").state).endswith("upstream_failed")
    assert str(run.get_task_instance("dbt_build.stg_dvc__applications.test").state).endswith("success")
    assert _publications(refreshed["admin"]) == before, "something was published"
