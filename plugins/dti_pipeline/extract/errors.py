"""Errors of extraction, each worded for the data engineer who reads the failed task."""

from __future__ import annotations

from dti_pipeline.errors import PermanentError
from dti_pipeline.errors import TransientError as _Transient


class ExtractError(PermanentError, RuntimeError):
    """A failure a retry will not fix; the message says what happened, where, what to do."""


class AuthFailed(ExtractError):
    pass


class ContractChanged(ExtractError):
    pass


class SourceUnreachable(_Transient, RuntimeError):
    """The source's host does not answer: down for a while, or a wrong host in the Connection."""


class SourceUnwell(_Transient, RuntimeError):
    """The source kept failing through every attempt of the client: Airflow retries the task."""


class ExportNotReady(_Transient, RuntimeError):
    """The source has not published the month's export file yet."""


class TransientError(_Transient):
    """A failure worth retrying (5xx, 429, timeouts, broken bodies)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
