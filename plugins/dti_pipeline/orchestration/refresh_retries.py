"""Retries of the monthly refresh that fit the failure.

Retried (with the task's backoff): the warehouse went away or refused for a moment
(connection lost, lock timeout, serialization failure, deadlock), in Python tasks and in
dbt alike. Failed at once: anything a rerun of the same code on the same data reproduces:
an incomplete month, a failing dbt data test, a model that does not compile, a blocking
quality check, a wrong month.
"""

from __future__ import annotations

from airflow.sdk import RetryPolicy
from airflow.sdk.definitions.retry_policy import RetryDecision

from dti_pipeline.orchestration.policies import PERMANENT_FAILURES

PERMANENT = (
    *PERMANENT_FAILURES,
    "dti_pipeline.gates.completeness.CompletenessError",
    "dti_pipeline.gates.quality.QualityGateFailed",
    "dti_pipeline.gates.dbt_results.DataTestFailed",
    "dti_pipeline.gates.dbt_results.DbtBuildError",
    "dti_pipeline.publish.publication.NothingToPublish",
)

# psycopg's SQLSTATE classes that a later attempt can outlive.
TRANSIENT = (
    "dti_pipeline.gates.dbt_results.TransientDbtError",
    "dti_pipeline.warehouse.connection.WarehouseUnreachable",
    "psycopg.OperationalError",
    "psycopg.errors.SerializationFailure",
    "psycopg.errors.DeadlockDetected",
    "psycopg.errors.LockNotAvailable",
    "psycopg.errors.QueryCanceled",
    "psycopg.errors.AdminShutdown",
    "psycopg.errors.CannotConnectNow",
)


def _classes(paths) -> tuple[type[BaseException], ...]:
    from importlib import import_module

    found = []
    for path in paths:
        module, _, name = path.rpartition(".")
        try:
            found.append(getattr(import_module(module), name))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


class RefreshRetryPolicy(RetryPolicy):
    """Permanent failures fail now; transient ones retry; dbt's generic error is read."""

    def evaluate(self, exception, try_number, max_tries, context=None) -> RetryDecision:
        if isinstance(exception, _classes(PERMANENT)) or "is not defined" in str(exception):
            return RetryDecision.fail(f"{type(exception).__name__}: a retry cannot fix this")
        if isinstance(exception, _classes(TRANSIENT)):
            return RetryDecision.retry(reason=f"{type(exception).__name__}: transient, retrying")
        if type(exception).__name__ == "CosmosDbtRunError":
            # dbt failed before writing its results (e.g. it could not connect)
            from dti_pipeline.gates.dbt_results import is_transient_message

            if is_transient_message(str(exception)):
                return RetryDecision.retry(reason="dbt lost the warehouse: retrying")
            return RetryDecision.fail("dbt failed in a way a retry cannot fix")
        return RetryDecision.default()

    def serialize(self) -> dict:
        return {"__type": "RefreshRetryPolicy"}

    @classmethod
    def deserialize(cls, data: dict) -> RefreshRetryPolicy:
        return cls()


refresh_retry_policy = RefreshRetryPolicy()
