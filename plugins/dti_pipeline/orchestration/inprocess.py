"""Run the project's DAGs in this process with `dag.test()`, as the demo and CLI do.

The DAGs come from the dags/ folder through a DagBag, exactly as Airflow loads them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from dti_pipeline.errors import PermanentError
from dti_pipeline.paths import DAGS_DIR

log = logging.getLogger(__name__)


class DagRunFailed(PermanentError, RuntimeError):
    """An in-process run ended failed; its tasks already had their retries."""


_dagbag = None


def get_dag(dag_id: str):
    global _dagbag
    if _dagbag is None:
        from airflow.dag_processing.dagbag import DagBag

        _dagbag = DagBag(dag_folder=str(DAGS_DIR))
        if _dagbag.import_errors:
            problems = "\n".join(f"{f}: {e}" for f, e in _dagbag.import_errors.items())
            raise DagRunFailed(f"DAG files failed to import:\n{problems}")
    dag = _dagbag.dags.get(dag_id)
    if dag is None:
        raise DagRunFailed(f"no DAG {dag_id!r} in {DAGS_DIR}; found {sorted(_dagbag.dags)}")
    return dag


def run_dag(dag_id: str, *, logical_date: datetime | None = None, conf: dict | None = None):
    """Run a DAG once in-process; raise DagRunFailed naming the failed tasks and why."""
    from dti_pipeline.orchestration.failures import collected_failures

    dag = get_dag(dag_id)
    with collected_failures() as failures:
        run = dag.test(logical_date=logical_date, run_conf=conf)
    state = getattr(run, "state", None)
    if str(state) != "success" and not str(state).endswith("SUCCESS"):
        reasons = "\n".join(f"  - {task}: {message}" for task, message in failures) or (
            "  (see the task logs above)"
        )
        when = logical_date.isoformat() if logical_date else "now"
        raise DagRunFailed(f"{dag_id} run for {when} ended {state}:\n{reasons}")
    return run
