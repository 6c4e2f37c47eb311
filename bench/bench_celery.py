"""What a task costs under the scheduler with Celery workers, against in-process dag.test().

Extracts one month of a simulator preset three times, in one run, from the same simulators
(their own process), each time into a new warehouse database:
  in-process - each extract DAG's run of the month with dag.test() in this process, one
               source after the other (what `make demo` and `dti extract --with-airflow` do);
  celery     - the same runs as backfills on a deployment started as processes (api-server,
               scheduler, dag-processor, triggerer, one Celery worker with one slot per core;
               tests/deploy/stack.py), all sources at once as a scheduler runs them: once with
               Airflow's default Celery settings, once with the project's, whose workers import
               what every task needs before they fork it (orchestration/celery_worker.py).
Prints the wall times and their ratio, and per task: its run time in each, and under Celery
the wait from queued to started and the time from queued to finished. Never a timed test.

    .venv/bin/python bench/bench_celery.py [--preset tiny] [--month 2025-07]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
SERVER = os.environ.get("DTI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--month", default="2025-07")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--redis-url", default=os.environ.get("DTI_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    return parser.parse_args()


def _database(label: str) -> str:
    import psycopg

    name = f"dti_bench_{label}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return SERVER.rsplit("/", 1)[0] + f"/{name}"


def _drop(urls: list[str]) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        for url in urls:
            conn.execute(f'drop database if exists "{url.rsplit("/", 1)[1]}" with (force)')


def _simulators(preset: str, seed: int, folder: Path) -> tuple[subprocess.Popen, dict]:
    """The simulators in their own process, so that neither run shares its CPU with them."""
    endpoints = folder / "endpoints.json"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dti")), "sources", "serve", "--preset", preset,
         "--seed", str(seed), "--port-base", "0", "--endpoints", str(endpoints)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not endpoints.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the simulators did not start")
        time.sleep(0.5)
    time.sleep(0.5)
    return server, json.loads(endpoints.read_text())


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def in_process(month, warehouse: str, connections: dict, home: Path) -> dict:
    """Each extract DAG's run of the month with dag.test(), one after the other."""
    from dti_pipeline import runtime
    from dti_pipeline.backfill import load_month_with_airflow
    from dti_pipeline.sources.spec import load_sources

    os.environ.update({"AIRFLOW_HOME": str(home / "airflow"), "DTI_HOME": str(home / "dti")})
    os.environ.update({"DTI_WAREHOUSE_URL": warehouse, "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR"})
    runtime.prepare_airflow_env()
    runtime.migrate_airflow_db()
    runtime.ensure_pii_key()
    runtime.use_warehouse()
    runtime.set_source_connections(connections)
    from dti_pipeline.orchestration.inprocess import get_dag

    runs, tasks = {}, []
    for spec in load_sources().values():
        get_dag(f"extract_{spec.name}")  # the DagBag is parsed once, outside the timing
        started = time.perf_counter()
        run = load_month_with_airflow(spec, month)
        runs[spec.name] = time.perf_counter() - started
        tasks += [ti.duration for ti in run.get_task_instances() if ti.duration is not None]
    return {"wall": sum(runs.values()), "runs": runs, "task_seconds": tasks}


AIRFLOW_DEFAULT = "airflow.providers.celery.executors.default_celery.DEFAULT_CELERY_CONFIG"


def under_celery(
    args, month_label: str, warehouse: str, metadata: str, endpoints: dict, home: Path, celery_config: str
) -> dict:
    from stack import Deployment

    from dti_pipeline.sources.spec import load_sources

    dags = [f"extract_{name}" for name in load_sources()]
    deployment = Deployment(
        home=home,
        metadata_url=metadata,
        warehouse_url=warehouse,
        redis_url=args.redis_url,
        worker_concurrency=max(2, os.cpu_count() or 2),
        extra_env={
            **_data_range(),
            "DTI_WAREHOUSE_ROLES": "0",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        },
    )
    (home / "endpoints.json").write_text(json.dumps(endpoints))
    deployment.configure(home / "endpoints.json")
    try:
        deployment.start_all()
        deployment.wait_until_up()
        deployment.wait_for_dags(set(dags))
        for dag_id in dags:
            deployment.unpause(dag_id)
        first, last = f"{month_label}-01T00:00:00+07:00", f"{month_label}-28T00:00:00+07:00"
        started = time.perf_counter()
        for dag_id in dags:
            deployment.call("POST", "backfills", json={"dag_id": dag_id, "from_date": first, "to_date": last})
        while True:
            runs = [r for dag_id in dags for r in deployment.dag_runs(dag_id)]
            if len(runs) >= len(dags) and all(r["state"] in ("success", "failed") for r in runs):
                break
            time.sleep(1)
        wall = time.perf_counter() - started
        states = {r["dag_id"]: r["state"] for r in runs}
        tis = [ti for dag_id in dags for ti in deployment.task_instances(dag_id)]
    finally:
        deployment.stop()
    return {
        "wall": wall,
        "states": states,
        "task_seconds": [ti["duration"] for ti in tis if ti["duration"] is not None],
        "waits": [
            s for ti in tis if (s := _seconds(ti.get("queued_when"), ti.get("start_date"))) is not None
        ],
        "queued_to_end": [
            s for ti in tis if (s := _seconds(ti.get("queued_when"), ti.get("end_date"))) is not None
        ],
    }


def _data_range() -> dict[str, str]:
    return {k: os.environ[k] for k in ("DTI_SOURCES_START_DATE", "DTI_SOURCES_END_DATE")}


def main() -> None:
    args = _parse()
    from dti_pipeline import runtime
    from dti_pipeline.months import parse_month
    from dti_simulators import get_preset

    month = parse_month(args.month)
    months = get_preset(args.preset).months()
    runtime.use_data_range(months[0], months[-1])  # the DAGs' dates: the preset's months
    os.environ["DTI_WAREHOUSE_ROLES"] = "0"  # one account: no roles to create or drop
    home = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    databases = [_database(label) for label in ("inproc", "default", "meta1", "project", "meta2")]
    server, endpoints = _simulators(args.preset, args.seed, home)
    try:
        print(f"{args.preset} {args.month}: in-process (dag.test) ...", flush=True)
        local = in_process(month, databases[0], endpoints["connections"], home / "inproc")
        print(f"{args.preset} {args.month}: under Celery, Airflow's default worker settings ...", flush=True)
        default = under_celery(
            args, args.month, databases[1], databases[2], endpoints, home / "default", AIRFLOW_DEFAULT
        )
        print(f"{args.preset} {args.month}: under Celery, the project's worker settings ...", flush=True)
        from stack import CELERY_CONFIG

        project = under_celery(
            args, args.month, databases[3], databases[4], endpoints, home / "project", CELERY_CONFIG
        )
    finally:
        server.terminate()
        server.wait()
        _drop(databases)
    _report(
        args, local, {"Airflow's default worker settings": default, "the project's worker settings": project}
    )


def _report(args, local: dict, runs: dict[str, dict]) -> None:
    med = statistics.median
    per_run = ", ".join(f"{name} {seconds:.1f}" for name, seconds in local["runs"].items())
    print(f"\none month of `{args.preset}` ({args.month}), {len(local['task_seconds'])} tasks:")
    print(f"  in-process (dag.test), one run after the other: {local['wall']:7.1f} s  ({per_run})")
    print(f"    task run time, median {med(local['task_seconds']):.2f} s")
    for label, celery in runs.items():
        states = sorted(set(celery["states"].values()))
        ratio = celery["wall"] / local["wall"]
        waits, ends = med(celery["waits"]), med(celery["queued_to_end"])
        print(f"  under Celery, {label}: {celery['wall']:7.1f} s, {ratio:.2f}x in-process")
        print(
            f"    task run time, median {med(celery['task_seconds']):.2f} s; queued -> started "
            f"{waits:.2f} s; queued -> finished {ends:.2f} s; runs {states}"
        )
    print("  goal: a month under Celery in at most 2x the in-process time")


if __name__ == "__main__":
    main()
