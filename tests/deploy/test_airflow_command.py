"""`dti airflow` (`make airflow`) stops cleanly: SIGTERM, Ctrl-C or the end of the process
that started it stop every Airflow component and what they forked; its LocalExecutor has one
task slot per core, not Airflow's 32."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from stack import free_port

pytestmark = pytest.mark.deploy

DTI = str(Path(sys.executable).with_name("dti"))


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """One Airflow home for both tests: its metadata DB is migrated once."""
    return tmp_path_factory.mktemp("dti-airflow")


def _start(home: Path, argv: list[str]) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__API")},
        "AIRFLOW_HOME": str(home / "airflow"),
        "DTI_HOME": str(home / "dti"),
    }
    return subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _wait_until_serving(process: subprocess.Popen, port: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()[-3000:]
        try:
            healthy = requests.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5).ok
            if healthy and any("scheduler" in " ".join(p.cmdline()) for p in _tree(process.pid)):
                time.sleep(10)  # the scheduler's LocalExecutor starts its task processes
                return
        except (requests.ConnectionError, psutil.Error):
            pass
        time.sleep(2)
    raise TimeoutError(f"dti airflow did not serve in {timeout} s")


def _gone(processes: list[psutil.Process], timeout: float = 60) -> list[str]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [" ".join(p.cmdline()[:4]) for p in alive]


def test_sigterm_stops_every_component_and_the_executor_fits_the_machine(home, warehouse):
    port = free_port()
    process = _start(home, [DTI, "airflow", "--port", str(port)])
    tree = [psutil.Process(process.pid)]
    try:
        _wait_until_serving(process, port)
        tree = _tree(process.pid)
        # process titles, e.g. "airflow api_server -- host:0.0.0.0 port:8080"
        commands = [" ".join(p.cmdline()).replace("_", "-") for p in tree]
        for component in ("api-server", "scheduler", "dag-processor", "triggerer"):
            assert any(f"airflow {component}" in c for c in commands), (component, commands)
        executors = [c for c in commands if "LocalExecutor" in c]
        assert 1 <= len(executors) <= max(2, os.cpu_count() or 2), commands
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=90)
        assert _gone(tree) == []
        assert "stopping (SIGTERM)" in process.stdout.read()
    finally:
        _kill(tree)


def test_it_stops_when_the_process_that_started_it_is_killed(home, warehouse):
    port = free_port()
    shell = _start(home, ["sh", "-c", f'"{DTI}" airflow --port {port} & wait'])
    tree = [psutil.Process(shell.pid)]
    try:
        _wait_until_serving(shell, port)
        tree = _tree(shell.pid)
        os.kill(shell.pid, signal.SIGKILL)  # as `make` stopped with SIGTERM: its child is not told
        shell.wait()
        assert _gone(tree[1:], timeout=120) == []
    finally:
        _kill(tree)
