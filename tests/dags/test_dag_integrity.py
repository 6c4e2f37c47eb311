"""Every DAG imports cleanly, carries what an operator needs, and parses without I/O."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from dti_pipeline.paths import DAGS_DIR


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert {"extract_eoffice", "dti_monthly_refresh"} <= set(dagbag.dag_ids)


def test_every_dag_has_an_owner_tags_retries_and_docs(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id} has no doc_md for the UI"
        for task in dag.tasks:
            assert task.owner not in (None, "", "airflow"), f"{dag_id}.{task.task_id} has no owner"
            assert task.retries >= 1, f"{dag_id}.{task.task_id} is never retried"


def test_extract_dags_write_declared_assets_within_their_pool(dagbag):
    dag = dagbag.dags["extract_eoffice"]
    task = dag.get_task("load_documents")
    assert [a.name for a in task.outlets] == ["raw.eoffice__documents"]
    assert task.pool == "source_eoffice"


def test_extract_dags_run_monthly_within_the_sources_data_without_catch_up(dagbag):
    """An unpaused DAG runs the latest ended month only (a backfill loads history at once),
    and its dates are the sources' data range (tests run with the tiny preset's)."""
    from datetime import datetime

    from dti_pipeline.months import LOCAL_TZ

    for dag_id in ("extract_eoffice", "extract_handbook"):
        dag = dagbag.dags[dag_id]
        assert dag.catchup is False and dag.max_active_runs == 1
        assert dag.start_date == datetime(2025, 6, 1, tzinfo=LOCAL_TZ)
        assert dag.end_date == datetime(2025, 9, 1, tzinfo=LOCAL_TZ)
        # a run's data interval is the local calendar month
        assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 0 1 * *", "Asia/Ho_Chi_Minh")


def test_the_refresh_dag_renders_one_dbt_build_and_a_task_per_model(dagbag):
    dag = dagbag.dags["dti_monthly_refresh"]
    ids = set(dag.task_ids)
    producer = dag.get_task("dbt_build.dbt_producer_watcher")
    assert producer.upstream_task_ids == {"sync_reference_seeds"}
    assert "--exclude-resource-type" in producer.dbt_cmd_flags and "resource_type:seed" in producer.exclude
    for model in ("fct_dti_monthly", "fct_indicator_monthly", "stg_eoffice__documents"):
        assert {f"dbt_build.{model}.run", f"dbt_build.{model}.test"} <= ids, model
    # the models that depend on no model start once the build is done (dag.test runs one
    # task at a time: a model task started before the build would wait for it for ever)
    first = dag.get_task("dbt_build.stg_eoffice__documents.run")
    assert first.upstream_task_ids == {producer.task_id, "dbt_build.dbt_producer_watcher_done"}
    assert first.trigger_rule == "one_done"
    assert {"resolve_month", "publish", "report"} <= ids
    assert dag.params["month"] is None or dag.params.get_param("month").value is None


_NO_IO_PROBE = textwrap.dedent(
    """
    import json, socket, sys
    calls = []
    def forbid(name):
        def refuse(*args, **kwargs):
            calls.append(name)
            raise RuntimeError(f"{name} during DAG parsing")
        return refuse
    socket.socket.connect = forbid("socket.connect")
    socket.create_connection = forbid("socket.create_connection")
    import psycopg, psycopg2, requests
    psycopg.connect = forbid("psycopg.connect")
    psycopg2.connect = forbid("psycopg2.connect")
    requests.Session.request = forbid("requests")
    from airflow.dag_processing.dagbag import DagBag
    import airflow.sdk, cosmos, subprocess
    subprocess.Popen.__init__ = forbid("subprocess")
    before = set(sys.modules)
    bag = DagBag(dag_folder=sys.argv[1])
    added = set(sys.modules) - before
    heavy_packages = ("dbt", "pandas", "plotly", "uvicorn", "dti_simulators")
    heavy = sorted(m for m in added if m.split(".")[0] in heavy_packages)
    print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                      "dags": sorted(bag.dag_ids), "calls": calls, "heavy_imports": heavy}))
    """
)


@pytest.fixture(scope="module")
def cold_parse(airflow_db):
    """Parse the DAG folder in a fresh process that has no Connections and no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    result = subprocess.run(
        [sys.executable, "-c", _NO_IO_PROBE, str(DAGS_DIR)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_parsing_does_no_network_or_database_work(cold_parse):
    assert cold_parse["errors"] == {}
    assert cold_parse["calls"] == []
    assert "dti_monthly_refresh" in cold_parse["dags"]


def test_parsing_runs_no_dbt_and_imports_nothing_heavy(cold_parse):
    """The refresh renders from dbt's manifest: parsing starts no process and imports neither
    dbt, the report's libraries nor the simulators (what a dag-processor pays every 30 s;
    the time itself is a benchmark's figure, not a test's)."""
    assert cold_parse["heavy_imports"] == []


def test_a_missing_dbt_manifest_names_the_command_that_builds_it(tmp_path, airflow_db):
    """A dag-processor or worker whose project copy has no manifest says how to build it."""
    import shutil

    shutil.copytree(DAGS_DIR, tmp_path / "dags")
    (tmp_path / "dbt_project").mkdir()  # a project folder whose target/ was never built
    env = {**os.environ, "DTI_PROJECT_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", _NO_IO_PROBE, str(tmp_path / "dags")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    errors = json.loads(result.stdout.strip().splitlines()[-1])["errors"]
    message = next(v for k, v in errors.items() if k.endswith("dti_monthly_refresh.py"))
    assert "ManifestMissing" in message and "dbt_project/target/manifest.json is missing" in message
    assert f"run `dti dbt parse` in {tmp_path} " in message
