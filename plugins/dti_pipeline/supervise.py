"""Run a few long-lived commands together and stop them all, leaving nothing behind.

`dti airflow` runs the Airflow components this way instead of `airflow standalone`, whose
scheduler, triggerer and api-server outlive it when it is stopped with SIGTERM. Each command
starts in its own session (process group), so a stop reaches every process it forked; the
group stops on SIGINT (Ctrl-C), SIGTERM or SIGHUP, when one command exits, or when the
process that started us goes away (`make` stopped with SIGTERM does not pass it on).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Supervisor:
    def __init__(self, env: dict[str, str], log_dir: Path | None = None, grace_seconds: float = 30):
        self.env = env
        self.log_dir = log_dir
        self.grace_seconds = grace_seconds
        self.processes: dict[str, subprocess.Popen] = {}
        self._stop = threading.Event()
        self.reason = ""

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        if output is not None:
            output.close()  # the child keeps its own descriptor
        self.processes[name] = process
        return process

    def request_stop(self, reason: str) -> None:
        if not self._stop.is_set():
            self.reason = reason
            self._stop.set()

    def wait(self, poll_seconds: float = 0.5) -> str:
        """Block until a stop signal, a command's exit or the parent's death; return why."""
        parent = os.getppid()
        previous = {
            sig: signal.signal(sig, lambda s, _f: self.request_stop(signal.Signals(s).name))
            for sig in STOP_SIGNALS
        }
        try:
            while not self._stop.wait(poll_seconds):
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        self.request_stop(f"{name} exited with {process.returncode}")
                if os.getppid() != parent:
                    self.request_stop("the parent process is gone")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self.reason

    def stop(self) -> list[str]:
        """SIGTERM every group, SIGKILL what is left after the grace period (the names forced)."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        forced = []
        for name, process in self.processes.items():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                forced.append(name)
            _signal_group(process, signal.SIGKILL)  # what it forked and left behind, too
            process.wait()
        self.processes.clear()
        return forced


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
