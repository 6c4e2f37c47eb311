"""The pipeline as a real Airflow deployment: api-server, scheduler, dag-processor, triggerer
and Celery workers as processes, on a fresh PostgreSQL metadata database and a Redis broker.

One run (module fixture): `dti deploy` sets the Connections, roles and pools; July 2025 of
the `tiny` preset is backfilled for every extract DAG and refreshed through the REST API (a
token from POST /auth/token, the backfill endpoint, a triggered refresh). In the middle of an
extract task the Celery worker is killed with SIGKILL and a new one started: the killed task
is retried, and the published month still equals the simulators' ground truth, with no
doubled and no missing rows. Every process started is stopped, also when the run fails.

`make test-deploy` runs it (`pytest -m deploy`); `make test` leaves it out.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import psycopg
import pytest
import redis
import requests
from stack import Deployment

from dti_pipeline.sources.spec import load_sources
from dti_simulators import start_simulators
from dti_simulators.faults import FaultTimings
from dti_simulators.truth import ground_truth

pytestmark = pytest.mark.deploy

SEED = 7
MONTH = "2025-07"
# the extract DAGs are monthly: a backfill of July is one run per source
BACKFILL = {"from_date": "2025-07-01T00:00:00+07:00", "to_date": "2025-07-31T00:00:00+07:00"}
EXTRACT_DAGS = [f"extract_{name}" for name in load_sources()]
REFRESH_DAG = "dti_monthly_refresh"
# every request to this source is held a moment, so that its loads are killed half done
SLOW_SOURCE = "eoffice"
FINAL = {"success", "failed"}


def _wait(what: str, check, timeout: float, every: float = 3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"{what}: not done in {timeout:.0f} s")


def _running_load(warehouse: str) -> tuple[int, str, str] | None:
    """(load id, source, entity) of a slowed-down load in progress, from the load ledger."""
    with psycopg.connect(warehouse) as conn:
        if conn.execute("select to_regclass('raw.load_ledger')").fetchone()[0] is None:
            return None
        return conn.execute(
            "select load_id, source, entity from raw.load_ledger where status = 'running' and source = %s",
            (SLOW_SOURCE,),
        ).fetchone()


def _drop_warehouse(server: str, database: str, prefix: str) -> None:
    """The warehouse's database, then its roles: roles are cluster-wide, never leave them."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
        for kind in ("loader", "transformer", "bi_reader"):
            conn.execute(f'drop role if exists "{prefix}_{kind}"')


@pytest.fixture(scope="module")
def run(request, postgres_server, tmp_path_factory):
    started = time.monotonic()
    marks: dict[str, float] = {}
    home = tmp_path_factory.mktemp("deployment")
    warehouse = postgres_server("deploy_wh")
    deployment = Deployment(
        home=home,
        metadata_url=postgres_server("deploy_meta"),
        warehouse_url=warehouse,
        redis_url=os.environ.get("DTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
        # the refresh's dbt tasks wait on PostgreSQL as much as they compute
        worker_concurrency=4,
        extra_env={
            # the data range of the tiny preset (the extract DAGs' start and end dates)
            "DTI_SOURCES_START_DATE": "2025-06-01",
            "DTI_SOURCES_END_DATE": "2025-08-31",
            # only the runs this test asks for: no scheduled run competes with them
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # a task whose worker died is failed (then retried) after 30 s, not 5 min
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        },
    )
    server = urlsplit(warehouse)._replace(path="/postgres").geturl()
    broker = redis.Redis.from_url(deployment.redis_url)
    database = urlsplit(warehouse).path.lstrip("/")
    request.addfinalizer(lambda: _drop_warehouse(server, database, deployment.role_prefix))
    request.addfinalizer(lambda: [broker.delete(k) for k in broker.scan_iter(f"*{deployment.queue}*")])
    result = {"deployment": deployment, "warehouse": warehouse, "marks": marks}
    slow = FaultTimings(slow_seconds=1.5)
    with start_simulators("tiny", SEED, faults=f"{SLOW_SOURCE}:slow=1", fault_timings=slow) as sims:
        endpoints = home / "endpoints.json"
        endpoints.write_text(json.dumps({"connections": sims.connections()}))
        result["source_secrets"] = [c["password"] for c in sims.connections().values() if c.get("password")]
        try:
            result["deploy_output"] = deployment.configure(endpoints)
            marks["configured"] = time.monotonic() - started
            deployment.start_all()
            deployment.wait_until_up()
            deployment.wait_for_dags({*EXTRACT_DAGS, REFRESH_DAG})
            marks["up"] = time.monotonic() - started
            _extract(deployment, warehouse, result)
            marks["extracted"] = time.monotonic() - started
            _refresh(deployment, result)
            marks["refreshed"] = time.monotonic() - started
        except Exception:  # each test reports it, with the components' logs; the stop is checked too
            logs = "\n".join(
                f"--- {name}\n{deployment.process_log(name, 1500)}" for name in deployment.processes
            )
            result["error"] = f"{traceback.format_exc()}\n{logs}"
        finally:
            result["forced"] = deployment.stop()
            result["seen"] = deployment.seen
            marks["stopped"] = time.monotonic() - started
            print(f"\ndeployment test timings (s since start): {marks}")
    return result


def _reached(run: dict, *keys: str) -> None:
    """Fail a test whose step the run never reached, with the reason."""
    if any(key not in run for key in keys):
        pytest.fail(f"the deployment run stopped before this step:\n{run.get('error', '')[-6000:]}")


def _extract(deployment: Deployment, warehouse: str, result: dict) -> None:
    for dag_id in EXTRACT_DAGS:
        deployment.unpause(dag_id)
        deployment.call("POST", "backfills", json={"dag_id": dag_id, **BACKFILL, "max_active_runs": 1})
    # SIGKILL the worker in the middle of a load, then start another one
    load = _wait("a load in progress", lambda: _running_load(warehouse), timeout=300, every=0.1)
    deployment.kill("worker-1")
    _, source, entity = load
    killed = [
        ti
        for ti in deployment.task_instances(f"extract_{source}", state="running")
        if ti["task_id"] == f"load_{entity}"
    ]
    result["killed"] = {"load": load, "task_instances": killed}
    deployment.start_worker("worker-2")

    def finished():
        runs = [r for dag_id in EXTRACT_DAGS for r in deployment.dag_runs(dag_id)]
        return runs if len(runs) >= len(EXTRACT_DAGS) and {r["state"] for r in runs} <= FINAL else None

    # a task the killed worker had received but not started stays queued until the scheduler's
    # task_queued_timeout (10 minutes, checked every 2) sends it again: the wait allows for it
    result["extract_runs"] = _wait("the extract backfills", finished, timeout=1500, every=5)
    result["extract_tis"] = [ti for dag_id in EXTRACT_DAGS for ti in deployment.task_instances(dag_id)]


def _refresh(deployment: Deployment, result: dict) -> None:
    deployment.unpause(REFRESH_DAG)
    run = deployment.call(
        "POST", f"dags/{REFRESH_DAG}/dagRuns", json={"logical_date": None, "conf": {"month": MONTH}}
    )

    def finished():
        state = deployment.call("GET", f"dags/{REFRESH_DAG}/dagRuns/{run['dag_run_id']}")["state"]
        return state if state in FINAL else None

    result["refresh_state"] = _wait("the refresh", finished, timeout=1800, every=5)
    result["refresh_tis"] = deployment.task_instances(REFRESH_DAG, run["dag_run_id"])
    links = deployment.call(
        "GET", f"dags/{REFRESH_DAG}/dagRuns/{run['dag_run_id']}/taskInstances/report/links"
    )
    result["report_link"] = links["extra_links"].get("Monthly report")
    token = deployment.token()
    if result["report_link"]:
        result["report_served"] = requests.get(
            result["report_link"], headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        result["report_anonymous"] = requests.get(result["report_link"], timeout=30)


# -- the tests ---------------------------------------------------------------------------------
def test_deploy_set_every_connection_and_pool(run):
    _reached(run, "deploy_output")
    output = run["deploy_output"]
    for conn_id in ("dti_warehouse", "dti_warehouse_loader", "dti_bi_reader", "dti_pii_key"):
        assert f"connection {conn_id} " in output
    for spec in load_sources().values():
        assert f"connection {spec.connection_id} " in output and f"pool       {spec.pool} " in output


def test_every_task_succeeded(run):
    _reached(run, "extract_runs", "refresh_tis")
    assert {r["dag_id"] for r in run["extract_runs"]} == set(EXTRACT_DAGS)
    assert {r["state"] for r in run["extract_runs"]} == {"success"}
    failed = [(t["dag_id"], t["task_id"], t["state"]) for t in run["extract_tis"] if t["state"] != "success"]
    assert run["extract_tis"] and failed == []
    assert run["refresh_state"] == "success"
    failed = [
        (t["task_id"], t["state"]) for t in run["refresh_tis"] if t["state"] not in ("success", "skipped")
    ]
    assert failed == [], failed
    assert any(t["task_id"].startswith("dbt_build.") for t in run["refresh_tis"])


def test_the_task_killed_with_its_worker_was_retried(run):
    _reached(run, "killed", "extract_tis")
    killed = run["killed"]["task_instances"]
    assert killed, f"no task instance was running for {run['killed']['load']} when the worker was killed"
    for ti in killed:
        key = (ti["dag_id"], ti["task_id"], ti["dag_run_id"])
        now = next(t for t in run["extract_tis"] if (t["dag_id"], t["task_id"], t["dag_run_id"]) == key)
        assert now["state"] == "success" and now["try_number"] > ti["try_number"]


def test_no_load_doubled_or_left_half_done(run):
    _reached(run, "killed", "extract_tis")
    load_id, source, entity = run["killed"]["load"]
    with psycopg.connect(run["warehouse"]) as conn:
        statuses = dict(
            conn.execute("select status, count(*) from raw.load_ledger group by status").fetchall()
        )
        assert "running" not in statuses, statuses
        # the load killed half done was never made current; its rerun abandoned it
        killed = conn.execute(
            "select status, interval_start, interval_end from raw.load_ledger where load_id = %s", (load_id,)
        ).fetchone()
        assert killed[0] == "abandoned", killed
        current = conn.execute(
            """select count(*) from raw.load_ledger where source = %s and entity = %s
                  and interval_start = %s and interval_end = %s and status = 'current'""",
            (source, entity, killed[1], killed[2]),
        ).fetchone()[0]
        assert current == 1
        for spec in load_sources().values():
            for entity_spec in spec.entities:
                table = spec.raw_table(entity_spec)
                doubled = conn.execute(
                    f"""select count(*) from (select r.load_id, r.record_key from {table} r
                          join raw.load_ledger l using (load_id) where l.status = 'current'
                         group by 1, 2 having count(*) > 1) d"""
                ).fetchone()[0]
                assert doubled == 0, table


def test_the_published_month_equals_the_ground_truth(run):
    _reached(run, "refresh_state")
    with psycopg.connect(run["warehouse"]) as conn:
        rows = conn.execute(
            """select unit_level, unit_code, indicator_id, numerator, denominator
                 from dti_mart.fct_indicator_monthly where to_char(month, 'YYYY-MM') = %s""",
            (MONTH,),
        ).fetchall()
    mart = {(level, unit, indicator): (num, den) for level, unit, indicator, num, den in rows}
    truth = ground_truth("tiny", SEED, MONTH).indicators
    wrong = [
        (
            t.level,
            t.unit_code,
            t.indicator,
            (t.numerator, t.denominator),
            mart.get((t.level, t.unit_code, t.indicator)),
        )
        for t in truth
        if mart.get((t.level, t.unit_code, t.indicator)) != (Decimal(t.numerator), Decimal(t.denominator))
    ]
    assert len(truth) > 200 and wrong == [], wrong[:5]


def test_the_report_link_opens_the_report_through_the_api_server(run):
    _reached(run, "report_link")
    deployment = run["deployment"]
    assert run["report_link"] == f"{deployment.api}/dti-reports/dti-{MONTH}.html"
    written = Path(deployment.env["DTI_REPORTS_DIR"]) / f"dti-{MONTH}.html"
    assert run["report_served"].status_code == 200
    assert run["report_served"].content == written.read_bytes()
    assert run["report_anonymous"].status_code in (401, 403)


def test_no_task_log_holds_a_secret(run):
    _reached(run, "extract_tis")
    deployment = run["deployment"]
    secrets = [
        *deployment.secrets.values(),
        *run["source_secrets"],
        deployment.env["AIRFLOW__API_AUTH__JWT_SECRET"],
        deployment.env["AIRFLOW__CORE__FERNET_KEY"],
    ]
    logs = [p for p in (deployment.home / "task-logs").rglob("*") if p.is_file()]
    text = {p: p.read_text(errors="replace") for p in logs}
    assert len(logs) >= len(run["extract_tis"]) and any("load_documents" in str(p) for p in logs)
    found = [(str(p.relative_to(deployment.home)), s[:6]) for p, t in text.items() for s in secrets if s in t]
    assert found == [], found


def test_every_process_started_was_stopped(run):
    if "error" not in run:  # a run stopped half-way may leave a worker busy past the grace
        assert run["forced"] == [], f"needed SIGKILL after SIGTERM: {run['forced']}"
    assert len(run["seen"]) >= 6  # the components, their children, the second worker's
    _, alive = psutil.wait_procs(run["seen"], timeout=10)
    assert alive == []
