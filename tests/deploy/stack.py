"""An Airflow deployment started as processes, as docker-compose.yml describes it.

api-server (FAB auth manager), scheduler, dag-processor, triggerer and Celery workers, all
with the CeleryExecutor, a PostgreSQL metadata database and a Redis broker; configured by
the project's own `dti deploy`. Used by tests/deploy (the deployment test) and
bench/bench_celery.py. Every process is started in its own session, so that stopping one
(SIGTERM, or SIGKILL for a crash) reaches the children it forked; `stop()` ends them all.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from dti_pipeline.paths import DAGS_DIR

BIN = Path(sys.executable).parent
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
CELERY_CONFIG = "dti_pipeline.orchestration.celery_worker.CELERY_CONFIG"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg2://", 1)


@dataclass
class Deployment:
    """One deployment's settings; `env` is what every component and `dti deploy` read."""

    home: Path
    metadata_url: str
    warehouse_url: str  # the warehouse owner's account (DTI_WAREHOUSE_URL)
    redis_url: str
    worker_concurrency: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    role_prefix: str = field(default_factory=lambda: f"dti_dep{uuid.uuid4().hex[:6]}")
    queue: str = field(default_factory=lambda: f"dti-deploy-{uuid.uuid4().hex[:8]}")
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    seen: list[psutil.Process] = field(default_factory=list)
    _log_files: list = field(default_factory=list)
    _token: str | None = None

    def __post_init__(self) -> None:
        from cryptography.fernet import Fernet

        self.logs = self.home / "process-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.secrets = {
            "DTI_LOADER_PASSWORD": "loader-" + secrets.token_urlsafe(16),
            "DTI_TRANSFORMER_PASSWORD": "transformer-" + secrets.token_urlsafe(16),
            "DTI_BI_READER_PASSWORD": "reader-" + secrets.token_urlsafe(16),
            "DTI_PII_KEY": "pii-" + secrets.token_urlsafe(24),
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DTI_"))}
        self.env = {
            **base,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(self.home / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__AUTH_MANAGER": FAB,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"(airflow|dti_pipeline|cosmos)\..*",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(self.metadata_url),
            "AIRFLOW__CELERY__BROKER_URL": self.redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            # the workers import what every task needs once, before they fork tasks
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": CELERY_CONFIG,
            # a queue of this deployment's own, should the Redis database be shared
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "task-logs"),
            "AIRFLOW__COSMOS__ENABLE_CACHE": "True",
            "AIRFLOW__COSMOS__CACHE_DIR": str(self.home / "cosmos-cache"),
            "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__COSMOS__EMIT_DATASETS": "False",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "SCARF_ANALYTICS": "false",
            # the deployment-wide place of the monthly reports (docs/operations.md)
            "DTI_REPORTS_DIR": str(self.home / "reports"),
            "DTI_HOME": str(self.home / "dti"),
            "DTI_ROLE_PREFIX": self.role_prefix,
            "DTI_WAREHOUSE_URL": self.warehouse_url,
            **self.secrets,
            **self.extra_env,
        }

    # -- set-up ------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(a) for a in args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, args))} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        return result

    def configure(self, endpoints_file: Path) -> str:
        """A fresh metadata DB, the admin login, then `dti deploy` (roles, Connections, pools)."""
        self.run(BIN / "airflow", "db", "migrate")
        self.run(
            BIN / "airflow", "users", "create", "--username", "admin", "--password", self.admin_password,
            "--role", "Admin", "--firstname", "DTI", "--lastname", "Operator", "--email", "ops@dti.invalid",
        )  # fmt: skip
        return self.run(BIN / "dti", "deploy", "--endpoints", endpoints_file).stdout

    # -- processes -----------------------------------------------------------------------------
    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        self._log_files.append(log)
        process = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: signals reach what it forked
            cwd=self.home,
        )
        self.processes[name] = process
        return process

    def start_all(self) -> None:
        self.start("api-server", "api-server", "--port", str(self.port), "--workers", "1")
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        self.start("triggerer", "triggerer")
        self.start_worker("worker-1")

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.start(
            name, "celery", "worker", "--queues", self.queue, "--concurrency", str(self.worker_concurrency),
            "--celery-hostname", f"{name}@%h",
        )  # fmt: skip

    def kill(self, name: str) -> None:
        """SIGKILL the component and every process under it, as a crashed host would: Airflow
        puts each task process in a process group of its own, so the whole tree, not the group."""
        process = self.processes.pop(name)
        for member in _tree(process.pid):
            with contextlib.suppress(psutil.Error):
                member.kill()
        process.wait(timeout=30)

    def stop(self, grace_seconds: float = 30) -> list[str]:
        """SIGTERM every component, SIGKILL what is left of it after the grace; the names of
        the components that needed SIGKILL. Every process seen under them is remembered."""
        # the api-server last: the others talk to it while they stop
        order = sorted(self.processes, key=lambda name: name == "api-server")
        self.processes = {name: self.processes[name] for name in order}
        trees = {name: _tree(process.pid) for name, process in self.processes.items()}
        for tree in trees.values():
            self.seen.extend(tree)
        forced = []
        for name, process in self.processes.items():
            if name == "api-server":  # once the others are gone
                for other, earlier in self.processes.items():
                    if other != name:
                        with contextlib.suppress(subprocess.TimeoutExpired):
                            earlier.wait(timeout=grace_seconds)
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                forced.append(name)
            _signal_group(process, signal.SIGKILL)
            for member in trees[name]:  # what it left behind, in its group or another
                with contextlib.suppress(psutil.Error):
                    member.kill()
            process.wait()
        self.processes.clear()
        for log in self._log_files:
            log.close()
        return forced

    def process_log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    # -- REST API ------------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_until_up(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited ({process.returncode}):\n{self.process_log(name)}")
            try:
                if requests.get(f"{self.api}/api/v2/monitor/health", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(1)
        raise TimeoutError(f"the api-server did not answer in {timeout} s:\n{self.process_log('api-server')}")

    def token(self) -> str:
        if self._token is None:
            response = requests.post(
                f"{self.api}/auth/token",
                json={"username": "admin", "password": self.admin_password},
                timeout=30,
            )
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(
            method,
            f"{self.api}/api/v2/{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=60,
            **kwargs,
        )
        if not response.ok:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code} {response.text[:1000]}")
        return response.json() if response.content else {}

    def wait_for_dags(self, dag_ids: set[str], timeout: float = 300) -> None:
        """Until the dag-processor has parsed every DAG, and without an import error."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            errors = self.call("GET", "importErrors")["import_errors"]
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            found = {d["dag_id"] for d in self.call("GET", "dags", params={"limit": 100})["dags"]}
            if dag_ids <= found:
                return
            time.sleep(2)
        raise TimeoutError(f"DAGs not parsed in {timeout} s: {sorted(dag_ids - found)}")

    def unpause(self, dag_id: str) -> None:
        self.call("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def task_instances(self, dag_id: str, run_id: str = "~", **params) -> list[dict]:
        found, offset = [], 0
        while True:
            page = self.call(
                "GET",
                f"dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                params={"limit": 100, "offset": offset, **params},
            )["task_instances"]
            found += page
            if len(page) < 100:
                return found
            offset += 100

    def dag_runs(self, dag_id: str, **params) -> list[dict]:
        return self.call("GET", f"dags/{dag_id}/dagRuns", params={"limit": 100, **params})["dag_runs"]


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
