"""The two kinds of failure the pipeline raises, so that a task retries only what a retry can fix.

Every error of the package derives from exactly one of them (tests/unit/test_errors.py walks
every subclass): the tasks' retry policy (orchestration/policies.py) fails a PermanentError
at once and retries a TransientError with backoff. This module imports nothing else of the
package, so that any module can import it.
"""

from __future__ import annotations


class PipelineError(Exception):
    """An error of the pipeline whose message says what happened, where and what to do."""


class PermanentError(PipelineError):
    """A rerun of the same code on the same input and configuration fails the same way:
    bad credentials, a changed contract, bad data, a failing test. Fail at once."""


class TransientError(PipelineError):
    """The world may be different at the next attempt: a server down or restarting, a lock,
    a month a source has not exported yet. Retry with backoff."""


class SpecError(PermanentError, ValueError):
    """include/config/sources.yml says something the pipeline cannot run."""
