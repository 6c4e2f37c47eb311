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
    explained = _dbt_build_explanation(context)
    if explained and explained not in message:
        message = f"{message}\n{explained}"
    log.error("FAILED %s: %s", task, message)
    for bucket in _collected:
        bucket.append((task, message))


def _dbt_build_explanation(context) -> str | None:
    """For a per-model task of the refresh's dbt build: what the build said about its model
    (the failing tests with sample rows, or the error), else the build's whole explanation,
    saying that this model's task failed only because dbt skipped some of it."""
    from dti_pipeline.gates.dbt_results import producer_failure

    failure = producer_failure(context)
    if not failure:
        return None
    task = context.get("task")
    model = str(getattr(task, "model_unique_id", "") or "").split(".")[-1]
    lines = (failure.get("by_model") or {}).get(model)
    if not lines:
        # e.g. a test of this model that also reads a model dbt did not build: dbt skipped it
        return (
            "the dbt build failed elsewhere, so dbt skipped what here depends on what it did not "
            f"build:\n{failure.get('message')}"
        )
    head = failure.get("message", "").split("\n", 1)[0]
    indented = [line if line.startswith("    ") else f"  {line.strip()}" for line in lines]
    return "\n".join([head, *indented])


@contextmanager
def collected_failures():
    bucket: list[tuple[str, str]] = []
    _collected.append(bucket)
    try:
        yield bucket
    finally:
        _collected.remove(bucket)
