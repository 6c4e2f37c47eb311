"""Retries that fit the failure: a retry cannot fix a bad credential or bad data."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule

from dti_pipeline.orchestration.failures import on_task_failure

# Failures that a rerun of the same code on the same input will reproduce.
PERMANENT_FAILURES = [
    "dti_pipeline.extract.errors.AuthFailed",
    "dti_pipeline.extract.errors.ContractChanged",
    "dti_pipeline.load.raw.QuarantineThresholdExceeded",
    "dti_pipeline.sources.spec.SpecError",
    "dti_pipeline.months.MonthError",
    "dti_pipeline.extract.run.MonthOutsideData",
]

retry_transient_only = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=PERMANENT_FAILURES,
            action=RetryAction.FAIL,
            reason="a retry cannot fix this: the message says what to change",
        ),
    ],
)

DEFAULT_ARGS = {
    "on_failure_callback": on_task_failure,
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=15),
}
