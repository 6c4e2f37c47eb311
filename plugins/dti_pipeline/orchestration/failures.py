"""Keep each failed task's error, so that a person reads why a run stopped in one line.

Registered as the tasks' on_failure_callback: in a deployment it logs a one-line summary;
under `dag.test()` (the CLI and demo) the CLI also prints the collected lines at the end.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

log = logging.getLogger("dti_pipeline.failures")
_collected: list[list[tuple[str, str]]] = []


def on_task_failure(context) -> None:
    ti = context.get("ti") or context.get("task_instance")
    task = f"{getattr(ti, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')}"
    exception = context.get("exception")
    message = str(exception) if exception else "failed (no exception recorded)"
    log.error("FAILED %s: %s", task, message)
    for bucket in _collected:
        bucket.append((task, message))


@contextmanager
def collected_failures():
    bucket: list[tuple[str, str]] = []
    _collected.append(bucket)
    try:
        yield bucket
    finally:
        _collected.remove(bucket)
