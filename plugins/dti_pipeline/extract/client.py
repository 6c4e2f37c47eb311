"""The one HTTP client for every source: auth, pagination, retries, rate limit, timeouts.

Each source is a spec (sources.yml); this engine interprets it, looking auth schemes and
paginators up by name. Pages are yielded one at a time so that the loader can stream them
into PostgreSQL in bounded memory.
"""

from __future__ import annotations

import email.utils
import json
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import msgspec
import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from dti_pipeline.extract.auth import make_auth
from dti_pipeline.extract.endpoint import Endpoint
from dti_pipeline.extract.errors import (
    AuthFailed,
    ContractChanged,
    SourceUnreachable,
    SourceUnwell,
    TransientError,
)
from dti_pipeline.extract.paginators import PAGINATORS, dig
from dti_pipeline.months import LOCAL_TZ
from dti_pipeline.pages import Page
from dti_pipeline.sources.formats import format_time
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

__all__ = ["ClientStats", "Page", "RateLimiter", "SourceClient", "parse_retry_after"]

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


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

    def __init__(self, initial: float, cap: float = 60.0):
        self.backoff = wait_exponential_jitter(initial=initial, max=cap, jitter=initial)
        self.cap = cap

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TransientError) and exc.retry_after is not None:
            return min(exc.retry_after, self.cap)
        return self.backoff(state)


def _decode_json(content: bytes) -> Any:
    """msgspec's decoder (several times faster than json's on large pages); a body with
    invalid UTF-8 is read again with surrogateescape, so that only its bad record is
    quarantined and not the whole page."""
    try:
        return msgspec.json.decode(content)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass
    try:
        return json.loads(content.decode("utf-8", errors="surrogateescape"))
    except ValueError as exc:
        raise TransientError("broken JSON body (truncated?)") from exc


_DONE = object()


def _prefetched(pages: Iterator[Page], depth: int = 2) -> Iterator[Page]:
    """Fetch the next pages in a background thread while the caller loads this one.

    The source's server time overlaps the loader's work; the bounded queue keeps at most
    `depth` pages in memory. An error in the fetching thread is raised here, in order.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                while not stop.is_set():
                    try:
                        buffer.put(page, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="dti-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


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
        self.auth = make_auth(spec.name, endpoint, spec.auth, self.session)
        self.stats = ClientStats()
        self._seen: set[str] = set()

    # -- public ----------------------------------------------------------------------
    def pages(self, entity: EntitySpec, interval_start: datetime, interval_end: datetime) -> Iterator[Page]:
        """Every page of `entity` for its window [start, end), in source order: the records
        created in it, the month's export file, or (a snapshot) every record."""
        self.stats = ClientStats()
        self._seen = set()
        params = dict(entity.params)
        if entity.export_entity:
            params["month"] = interval_start.astimezone(LOCAL_TZ).date().replace(day=1)
        elif entity.incremental:
            params[entity.incremental.start_param] = format_time(interval_start, self.spec.time_format)
            params[entity.incremental.end_param] = format_time(interval_end, self.spec.time_format)
        paginate = PAGINATORS[type(self.spec.paginator)]
        for page in _prefetched(paginate(self, entity, params, self.spec.paginator)):
            self.stats.pages = page.number
            if page.reported_total is not None:
                self.stats.reported_total = page.reported_total
            yield page

    def get_json(self, target: str, params: dict | None, entity: EntitySpec) -> tuple[Any, dict]:
        """GET one page as JSON, retried on transient failures and on stale pages."""

        def attempt() -> tuple[Any, dict]:
            response = self._send("GET", target, params)
            body = _decode_json(response.content)
            self._check_fresh(entity, body)
            return body, response.headers

        return self._retrying(attempt, f"{self.spec.name}.{entity.name}: GET {target}")

    def download(self, target: str, entity: EntitySpec, check: Callable[[Path], str | None]) -> Path:
        """Stream a file to a temporary path, retried until it passes `check`."""

        def attempt() -> Path:
            response = self._send("GET", target, None, stream=True)
            fd, name = tempfile.mkstemp(prefix=f"dti-{self.spec.name}-")
            path = Path(name)
            try:
                with open(fd, "wb") as handle:
                    for chunk in response.iter_content(chunk_size=1 << 20):
                        handle.write(chunk)
            except requests.exceptions.RequestException as exc:
                path.unlink(missing_ok=True)
                raise TransientError(f"download broken: {exc.__class__.__name__}") from exc
            problem = check(path)
            if problem:
                path.unlink(missing_ok=True)
                raise TransientError(f"download incomplete: {problem}")
            return path

        return self._retrying(attempt, f"{self.spec.name}.{entity.name}: download {target}")

    # -- retries -----------------------------------------------------------------------
    def _retrying(self, attempt: Callable[[], Any], what: str) -> Any:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            wait=_WaitRetryAfterOrBackoff(self.spec.retry_initial_seconds),
            stop=stop_after_attempt(self.spec.max_attempts),
            sleep=self.sleep,
            before_sleep=self._count_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except TransientError as exc:
            raise SourceUnwell(
                f"{what} still failing after {self.spec.max_attempts} attempts ({exc}). The source "
                "is unwell; Airflow retries the task, or rerun it later from the Airflow UI."
            ) from exc

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        reason = str(exc).split(":")[0] if exc else "unknown"
        self.stats.retry_reasons[reason] = self.stats.retry_reasons.get(reason, 0) + 1

    def _check_fresh(self, entity: EntitySpec, body: Any) -> None:
        """A page whose records were all served before is a stale copy: ask again."""
        path = getattr(self.spec.paginator, "records_path", "")
        records = dig(body, path) if isinstance(body, dict) else None
        if not isinstance(records, list) or not records:
            return
        keys = [entity.key_of(r) for r in records]
        known = [k for k in keys if k is not None]
        if known and len(known) == len(keys) and all(k in self._seen for k in known):
            raise TransientError("stale page: every record was already served")
        self._seen.update(known)

    # -- one request with auth and rate limit ---------------------------------------------
    def _send(self, method: str, target: str, params: dict | None, stream: bool = False) -> requests.Response:
        url = target if "://" in target else urljoin(self.endpoint.base_url + "/", target.lstrip("/"))
        refreshed = False
        while True:
            self.limiter.wait()
            self.stats.requests += 1
            request = requests.Request(method, url, params=params).prepare()
            self.auth.apply(request)
            try:
                response = self.session.send(request, timeout=self.spec.timeout_seconds, stream=stream)
            except requests.exceptions.ConnectionError as exc:
                if self.stats.requests == 1:
                    raise SourceUnreachable(
                        f"{self.spec.name}: cannot reach {self.endpoint.base_url} (Airflow Connection "
                        f"{self.endpoint.connection_id!r}): {exc.__class__.__name__}. Check the "
                        "Connection's host and port, and that the source is up."
                    ) from exc
                raise TransientError(f"connection error: {exc.__class__.__name__}") from exc
            except requests.exceptions.Timeout as exc:
                raise TransientError("timeout") from exc
            if response.status_code == 401 and not refreshed and self.auth.refresh():
                refreshed = True  # an expired token: renew it once and ask again
                continue
            break
        if response.status_code == 401 and refreshed:
            # the credentials were just accepted by the token endpoint, so a refusal now is
            # the token expiring again: retried with backoff, not reported as bad credentials
            raise TransientError("token refused right after renewal")
        if response.status_code in (401, 403):
            raise AuthFailed(
                f"{self.spec.name}: the source refused the credentials of Airflow Connection "
                f"{self.endpoint.connection_id!r} (HTTP {response.status_code}: {response.text[:200]}). "
                "Update the Connection's credentials."
            )
        if response.status_code in RETRYABLE_STATUS:
            raise TransientError(
                f"HTTP {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code >= 400:
            raise ContractChanged(
                f"{self.spec.name}: {method} {response.url} answered HTTP {response.status_code}: "
                f"{response.text[:300]}. The request no longer fits the source's contract: check "
                "include/config/sources.yml against the source's API documentation."
            )
        return response
