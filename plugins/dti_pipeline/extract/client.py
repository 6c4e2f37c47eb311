"""The one HTTP client for every source: auth, pagination, retries, rate limit, timeouts.

Each source is a spec (sources.yml); this engine interprets it. Pages are yielded one at a
time so that the loader can stream them into PostgreSQL in bounded memory.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from dti_pipeline.extract.endpoint import Endpoint
from dti_pipeline.extract.errors import (
    AuthFailed,
    ContractChanged,
    ExtractError,
    SourceUnreachable,
    TransientError,
)
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass
class Page:
    number: int
    records: list[dict[str, Any]]
    reported_total: int | None


@dataclass
class ClientStats:
    pages: int = 0
    requests: int = 0
    retries: int = 0
    reported_total: int | None = None
    retry_reasons: dict[str, int] = field(default_factory=dict)


class RateLimiter:
    """At most `per_second` requests per second from this process.

    Written here because it is a few lines of monotonic-clock arithmetic; the libraries
    for it bring storage backends the pipeline does not need. Airflow pools bound the
    number of concurrent tasks per source across processes.
    """

    def __init__(self, per_second: float, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, whether the server sent seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


class _WaitRetryAfterOrBackoff:
    """Honour the server's Retry-After when it gives one, else exponential backoff."""

    def __init__(self, cap: float = 60.0):
        self.backoff = wait_exponential_jitter(initial=0.2, max=cap)
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            return min(exc.retry_after, self.cap)
        return self.backoff(state)


def _dig(document: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


class SourceClient:
    def __init__(
        self,
        spec: SourceSpec,
        endpoint: Endpoint,
        *,
        session: requests.Session | None = None,
        sleep=time.sleep,
    ):
        self.spec, self.endpoint = spec, endpoint
        self.session = session or requests.Session()
        self.sleep = sleep
        self.limiter = RateLimiter(spec.rate_limit_per_second, sleep=sleep)
        self.stats = ClientStats()

    # -- public ----------------------------------------------------------------------
    def pages(self, entity: EntitySpec, interval_start: datetime, interval_end: datetime) -> Iterator[Page]:
        """Every page of `entity` for the interval [start, end), in source order."""
        params = dict(entity.params)
        if entity.incremental:
            start = interval_start - timedelta(days=entity.incremental.lookback_days)
            params[entity.incremental.start_param] = start.isoformat()
            params[entity.incremental.end_param] = interval_end.isoformat()
        self.stats = ClientStats()
        yield from self._offset_pages(entity, params)

    # -- pagination ------------------------------------------------------------------
    def _offset_pages(self, entity: EntitySpec, params: dict[str, Any]) -> Iterator[Page]:
        cfg = self.spec.paginator
        limit = int(cfg.get("limit", 100))
        offset, number = 0, 0
        while True:
            body = self._get_json(entity, {**params, cfg["offset_param"]: offset, cfg["limit_param"]: limit})
            records = _dig(body, cfg.get("records_path", ""))
            if not isinstance(records, list):
                raise ContractChanged(
                    f"{self.spec.name}.{entity.name}: the response has no list at "
                    f"{cfg.get('records_path')!r} (keys: {sorted(body)[:10]}). The source's "
                    "contract changed: update include/config/sources.yml."
                )
            total = _dig(body, cfg.get("total_path", ""))
            total = int(total) if total is not None else None
            self.stats.reported_total = total
            number += 1
            self.stats.pages = number
            yield Page(number=number, records=records, reported_total=total)
            offset += len(records)
            if not records or (total is not None and offset >= total):
                return

    # -- one request with auth, rate limit and retries --------------------------------
    def _get_json(self, entity: EntitySpec, params: dict[str, Any]) -> Any:
        url = self.endpoint.base_url + entity.path
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=_WaitRetryAfterOrBackoff(),
            stop=stop_after_attempt(self.spec.max_attempts),
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, url, params)
        except TransientError as exc:
            raise ExtractError(
                f"{self.spec.name}.{entity.name}: {url} still failing after "
                f"{self.spec.max_attempts} attempts ({exc}). The source is unwell; the task "
                "will be retried by Airflow, or rerun it later from the Airflow UI."
            ) from exc

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        reason = str(exc).split(":")[0] if exc else "unknown"
        self.stats.retry_reasons[reason] = self.stats.retry_reasons.get(reason, 0) + 1

    def _auth_headers(self) -> dict[str, str]:
        auth = self.spec.auth
        if auth["type"] == "api_key":
            if not self.endpoint.password:
                raise AuthFailed(
                    f"{self.spec.name}: Airflow Connection {self.endpoint.connection_id!r} has "
                    "no password; put the source's API key there."
                )
            return {auth.get("header", "X-API-Key"): self.endpoint.password}
        raise ExtractError(f"{self.spec.name}: unknown auth type {auth['type']!r}")

    def _attempt(self, url: str, params: dict[str, Any]) -> Any:
        self.limiter.wait()
        self.stats.requests += 1
        try:
            response = self.session.get(
                url, params=params, headers=self._auth_headers(), timeout=self.spec.timeout_seconds
            )
        except requests.exceptions.ConnectionError as exc:
            if self.stats.requests == 1:
                raise SourceUnreachable(
                    f"{self.spec.name}: cannot reach {self.endpoint.base_url} (Airflow "
                    f"Connection {self.endpoint.connection_id!r}): {exc.__class__.__name__}. "
                    "Check the Connection's host and port, and that the source is up."
                ) from exc
            raise TransientError(f"connection error: {exc.__class__.__name__}") from exc
        except requests.exceptions.Timeout as exc:
            raise TransientError("timeout") from exc
        if response.status_code in (401, 403):
            raise AuthFailed(
                f"{self.spec.name}: the source refused the credentials of Airflow Connection "
                f"{self.endpoint.connection_id!r} (HTTP {response.status_code}: "
                f"{response.text[:200]}). Update the Connection's credentials."
            )
        if response.status_code in RETRYABLE_STATUS:
            raise TransientError(
                f"HTTP {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            raise ContractChanged(
                f"{self.spec.name}: GET {response.url} answered HTTP {response.status_code}: "
                f"{response.text[:300]}. The request no longer fits the source's contract: "
                "check include/config/sources.yml against the source's API documentation."
            )
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise TransientError("broken JSON body") from exc
