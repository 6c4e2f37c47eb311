"""Retries fit the failure; dbt's results become errors that say what failed."""

from __future__ import annotations

import json

import psycopg
import pytest
from airflow.sdk import RetryAction

from dti_pipeline.gates.completeness import CompletenessError
from dti_pipeline.gates.dbt_results import (
    DataTestFailed,
    DbtBuildError,
    TransientDbtError,
    explain_dbt_results,
)
from dti_pipeline.gates.quality import QualityGateFailed
from dti_pipeline.orchestration.policies import retry_transient_only
from dti_pipeline.warehouse.connection import WarehouseNotConfigured, WarehouseUnreachable


def _decide(exception: BaseException) -> RetryAction:
    return retry_transient_only.evaluate(exception, try_number=1, max_tries=3).action


@pytest.mark.parametrize(
    ("exception", "action"),
    [
        (DataTestFailed("dbt test x failed"), RetryAction.FAIL),
        (DbtBuildError("Compilation Error"), RetryAction.FAIL),
        (CompletenessError("voso.orders: 2026-10-14 missing"), RetryAction.FAIL),
        (QualityGateFailed("moved too much"), RetryAction.FAIL),
        (WarehouseNotConfigured("Airflow Connection 'dti_warehouse' is not defined"), RetryAction.FAIL),
        (TransientDbtError("server closed the connection"), RetryAction.RETRY),
        (WarehouseUnreachable("cannot connect to the warehouse at db:5432"), RetryAction.RETRY),
        (psycopg.errors.SerializationFailure("could not serialize access"), RetryAction.RETRY),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), RetryAction.RETRY),
        (psycopg.errors.DeadlockDetected("deadlock detected"), RetryAction.RETRY),
        (psycopg.OperationalError("connection refused"), RetryAction.RETRY),
        (
            psycopg.OperationalError('FATAL:  password authentication failed for user "dti_loader"'),
            RetryAction.FAIL,
        ),
        (ValueError("something else"), RetryAction.DEFAULT),
    ],
)
def test_the_retry_policy_retries_only_what_a_retry_can_fix(exception, action):
    assert _decide(exception) == action


def test_dbt_errors_raised_before_results_are_read_by_their_message():
    from cosmos.exceptions import CosmosDbtRunError

    lost = CosmosDbtRunError(
        "dbt invocation did not complete with unhandled error: could not connect to server"
    )
    broken = CosmosDbtRunError(
        "dbt invocation completed with errors: fct_x: Compilation Error in model fct_x"
    )
    assert _decide(lost) == RetryAction.RETRY
    assert _decide(broken) == RetryAction.FAIL


def _results(tmp_path, results: list[dict], manifest: dict | None = None):
    target = tmp_path / "target"
    target.mkdir()
    (target / "run_results.json").write_text(json.dumps({"results": results}))
    (target / "manifest.json").write_text(json.dumps(manifest or {"nodes": {}}))
    return str(tmp_path)


def test_a_failing_data_test_names_the_test_model_and_column(tmp_path):
    test_id = "test.dti.dti_between_fct_dti_monthly_completeness__1__0.abc"
    project = _results(
        tmp_path,
        [
            {"unique_id": "model.dti.fct_dti_monthly", "status": "success", "message": "SELECT 3355"},
            {"unique_id": test_id, "status": "fail", "failures": 2, "message": "Got 2 results"},
        ],
        {
            "nodes": {
                test_id: {
                    "name": "dti_between_fct_dti_monthly_completeness__1__0",
                    "column_name": "completeness",
                    "attached_node": "model.dti.fct_dti_monthly",
                },
                "model.dti.fct_dti_monthly": {"name": "fct_dti_monthly"},
            }
        },
    )
    with pytest.raises(DataTestFailed) as caught:
        explain_dbt_results(project)
    message = str(caught.value)
    assert (
        "dbt test dti_between_fct_dti_monthly_completeness__1__0 (model fct_dti_monthly, column completeness)"
        in message
    )
    assert "2 failing rows" in message and "a retry cannot fix data" in message


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (
            "Database Error in model x\n  could not serialize access due to concurrent update",
            TransientDbtError,
        ),
        ("Database Error in model x\n  canceling statement due to lock timeout", TransientDbtError),
        ("Compilation Error in model x: 'foo' is undefined", DbtBuildError),
        ('Database Error in model x\n  column "y" does not exist', DbtBuildError),
    ],
)
def test_a_dbt_error_is_transient_only_when_the_database_says_so(tmp_path, message, error):
    project = _results(tmp_path, [{"unique_id": "model.dti.x", "status": "error", "message": message}])
    with pytest.raises(error):
        explain_dbt_results(project)


def test_a_successful_dbt_command_raises_nothing(tmp_path):
    project = _results(tmp_path, [{"unique_id": "model.dti.x", "status": "success", "message": "OK"}])
    assert explain_dbt_results(project) is None
    assert explain_dbt_results(str(tmp_path / "nowhere")) is None


class _TaskInstance:
    """Enough of a task instance for the callback and the per-model tasks: one XCom store."""

    def __init__(self, task_id: str, store: dict):
        self.task_id, self.dag_id, self.store = task_id, "dti_monthly_refresh", store

    def xcom_push(self, key, value):
        self.store[(self.task_id, key)] = value

    def xcom_pull(self, task_ids, key):
        return self.store.get((task_ids, key))


class _ModelTask:
    producer_task_id = "dbt_build.dbt_producer_watcher"

    def __init__(self, model: str):
        self.model_unique_id = f"model.dti.{model}"


def _failed_build(tmp_path, message: str, status: str = "error") -> dict:
    """What the dbt build leaves in its XCom when explain_dbt_results raises in its task."""
    store: dict = {}
    producer = _TaskInstance("dbt_build.dbt_producer_watcher", store)
    project = _results(tmp_path, [{"unique_id": "model.dti.x", "status": status, "message": message}])
    with pytest.raises((DbtBuildError, TransientDbtError)):
        explain_dbt_results(project, context={"ti": producer})
    return store


@pytest.mark.parametrize(
    ("message", "action"),
    [
        ("Compilation Error in model x: 'foo' is undefined", RetryAction.FAIL),
        ("Database Error in model x\n  canceling statement due to lock timeout", RetryAction.RETRY),
    ],
)
def test_a_model_task_is_retried_only_when_the_build_failed_it_for_a_transient_reason(
    tmp_path, message, action
):
    """Cosmos's per-model task fails with its own generic error; the build's explanation
    decides whether a retry (rerunning the model alone) can help."""
    from airflow.exceptions import AirflowException

    store = _failed_build(tmp_path, message)
    context = {"ti": _TaskInstance("dbt_build.x.run", store), "task": _ModelTask("x")}
    generic = AirflowException("dbt model 'model.dti.x' failed. Review the producer task logs")
    decision = retry_transient_only.evaluate(generic, try_number=1, max_tries=3, context=context)
    assert decision.action == action
    # without the build's word, the generic error keeps the task's retries
    assert _decide(generic) == RetryAction.DEFAULT


def test_a_model_task_failed_by_the_build_repeats_what_the_build_said(tmp_path):
    from dti_pipeline.orchestration.failures import collected_failures, on_task_failure

    store = _failed_build(tmp_path, 'Database Error in model x\n  column "y" does not exist')
    context = {
        "ti": _TaskInstance("dbt_build.x.run", store),
        "task": _ModelTask("x"),
        "exception": RuntimeError("dbt model 'model.dti.x' failed"),
    }
    with collected_failures() as failures:
        on_task_failure(context)
    [(task, message)] = failures
    assert task == "dti_monthly_refresh.dbt_build.x.run"
    assert "dbt could not build" in message and 'column "y" does not exist' in message
    # a model the build did not name (dbt skipped one of its tests) says so, with the cause
    other = {**context, "ti": _TaskInstance("dbt_build.y.test", store), "task": _ModelTask("y")}
    with collected_failures() as failures:
        on_task_failure(other)
    [(_, message)] = failures
    assert message.startswith("dbt model 'model.dti.x' failed\nthe dbt build failed elsewhere")
    assert 'column "y" does not exist' in message
