"""Retries that fit the failure: a retry cannot fix a bad credential or bad data.

One policy for every task of every DAG, read off the exception's kind (dti_pipeline.errors):
a PermanentError fails at once, a TransientError retries with the task's backoff. The
errors of libraries are placed here once: the database's (psycopg: a lost connection, a lock
timeout, a serialization failure, a deadlock) by what the server said, Cosmos's generic
dbt error by its message, when dbt failed before writing its results, and the failure of a
per-model task of the refresh's dbt build by what that build explained.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
from airflow.sdk import RetryPolicy
from airflow.sdk.definitions.retry_policy import RetryDecision

from dti_pipeline.errors import PermanentError, TransientError
from dti_pipeline.orchestration.failures import on_task_failure
from dti_pipeline.warehouse.connection import refused_settings


def kind_of(exception: BaseException) -> type[PermanentError] | type[TransientError] | None:
    """PermanentError, TransientError, or None when nothing says which it is."""
    if isinstance(exception, PermanentError):
        return PermanentError
    if isinstance(exception, TransientError):
        return TransientError
    if isinstance(exception, psycopg.OperationalError):
        # e.g. a lost connection or a lock timeout, unless the server refused the settings
        return PermanentError if refused_settings(exception) else TransientError
    if any(c.__name__ == "CosmosDbtRunError" for c in type(exception).__mro__):
        # dbt failed before writing its results (e.g. it could not connect)
        from dti_pipeline.gates.dbt_results import is_transient_message

        return TransientError if is_transient_message(str(exception)) else PermanentError
    return None


def _kind_of_dbt_build_failure(context) -> type[PermanentError] | type[TransientError] | None:
    """A per-model task of the refresh's dbt build (Cosmos's watcher consumer) fails with
    Cosmos's generic error when the build failed its model or tests: the build's own
    explanation says which kind it was."""
    from dti_pipeline.gates.dbt_results import producer_failure

    failure = producer_failure(context)
    if not failure:
        return None
    return TransientError if failure.get("kind") == "transient" else PermanentError


class TransientOnlyRetryPolicy(RetryPolicy):
    """Permanent failures fail now; transient ones retry; anything else keeps the task's retries."""

    def evaluate(self, exception, try_number, max_tries, context=None) -> RetryDecision:
        kind = kind_of(exception) or _kind_of_dbt_build_failure(context)
        if kind is PermanentError:
            return RetryDecision.fail(f"{type(exception).__name__}: a retry cannot fix this")
        if kind is TransientError:
            return RetryDecision.retry(reason=f"{type(exception).__name__}: transient, retrying")
        return RetryDecision.default()

    def serialize(self) -> dict:
        return {"__type": "TransientOnlyRetryPolicy"}

    @classmethod
    def deserialize(cls, data: dict) -> TransientOnlyRetryPolicy:
        return cls()


retry_transient_only = TransientOnlyRetryPolicy()

DEFAULT_ARGS = {
    "on_failure_callback": on_task_failure,
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=15),
    "retry_policy": retry_transient_only,
}
