"""Errors of extraction, each worded for the data engineer who reads the failed task."""

from __future__ import annotations


class ExtractError(RuntimeError):
    """A failure a retry will not fix; the message says what happened, where, what to do."""


class AuthFailed(ExtractError):
    pass


class SourceUnreachable(ExtractError):
    pass


class ContractChanged(ExtractError):
    pass


class TransientError(Exception):
    """A failure worth retrying (5xx, 429, timeouts, broken bodies)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
