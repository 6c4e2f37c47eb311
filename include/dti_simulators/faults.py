"""Faults on demand: one injector for all five simulators.

`--faults` is `source:kind=rate[,kind=rate...][;source:...]`, `*` for every source.
Transport faults (5xx, 429, slow, timeout, truncate, token_expiry) change how hard the
data is to get, never the data; page faults (duplicate_page, reorder_page) repeat or
shuffle records of a page; bad records are EXTRA records with their own `BAD-` keys,
listed in the manifest, so ground truth is the same with or without faults. `extra_field`
adds a new field to a share of genuine records (schema drift a pipeline must tolerate).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dti_simulators.randomness import rng_for, unit_interval

TRANSPORT_KINDS = ("5xx", "429", "slow", "timeout", "truncate")
PAGE_KINDS = ("duplicate_page", "reorder_page")
BAD_RECORD_KINDS = (
    "bad_date",
    "unknown_unit",
    "negative_amount",
    "non_numeric_amount",
    "invalid_utf8",
    "missing_field",
)
KINDS = (*TRANSPORT_KINDS, *PAGE_KINDS, "token_expiry", *BAD_RECORD_KINDS, "extra_field")
EXTRA_FIELD = "x_new_field"  # the field schema drift adds; a pipeline must keep the record


class FaultSpecError(ValueError):
    pass


def parse_faults(spec: str | None, sources: Iterable[str]) -> dict[str, dict[str, float]]:
    """`*:5xx=0.1;dvc:token_expiry=0.3` -> {source: {kind: rate}}; later entries win."""
    sources = tuple(sources)
    plan: dict[str, dict[str, float]] = {s: {} for s in sources}
    for part in filter(None, (p.strip() for p in (spec or "").split(";"))):
        target, _, kinds = part.partition(":")
        target = target.strip()
        if target != "*" and target not in sources:
            raise FaultSpecError(f"unknown source {target!r} in --faults; choose *, {', '.join(sources)}")
        if not kinds:
            raise FaultSpecError(f"{part!r}: expected source:kind=rate[,kind=rate]")
        for item in kinds.split(","):
            kind, _, rate_text = item.strip().partition("=")
            if kind not in KINDS:
                raise FaultSpecError(f"unknown fault kind {kind!r}; kinds: {', '.join(KINDS)}")
            try:
                rate = float(rate_text)
            except ValueError:
                raise FaultSpecError(f"{item!r}: the rate must be a number in [0, 1]") from None
            if not 0 <= rate <= 1:
                raise FaultSpecError(f"{item!r}: the rate must be in [0, 1]")
            for source in sources if target == "*" else (target,):
                plan[source][kind] = rate
    return plan


@dataclass
class FaultTimings:
    """How long `slow` and `timeout` hold a request; tests shorten them."""

    slow_seconds: float = 2.0
    timeout_seconds: float = 35.0  # past the 30 s a client waits
    retry_after_seconds: int = 1


@dataclass
class FaultPlan:
    """The faults one simulator injects, with its own random stream for transport draws."""

    source: str
    seed: int
    rates: dict[str, float] = field(default_factory=dict)
    timings: FaultTimings = field(default_factory=FaultTimings)

    def __post_init__(self) -> None:
        self._rng = random.Random(f"{self.seed}:faults:{self.source}")
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def rate(self, kind: str) -> float:
        return self.rates.get(kind, 0.0)

    def draw(self, kind: str) -> bool:
        """True when this request gets the fault; counted for tests and reports."""
        rate = self.rate(kind)
        if rate <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
            if hit:
                self.counts[kind] = self.counts.get(kind, 0) + 1
        return hit

    @property
    def has_bad_records(self) -> bool:
        return any(self.rate(k) > 0 for k in (*BAD_RECORD_KINDS, "extra_field"))

    def page(self, items: list) -> list:
        """Apply page faults: repeat the page's records once more, or shuffle them."""
        if self.draw("duplicate_page"):
            items = items + items
        if self.draw("reorder_page"):
            items = list(items)
            with self._lock:
                self._rng.shuffle(items)
        return items


class TransportFaults:
    """ASGI middleware: 5xx, 429, slow, timeout and truncated bodies on data endpoints."""

    EXEMPT = ("/docs", "/openapi.json")

    def __init__(self, app: Any, plan: FaultPlan):
        self.app, self.plan = app, plan

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        plan = self.plan
        if plan.draw("5xx"):
            status = random.Random(f"{plan.seed}:{plan.counts['5xx']}").choice((500, 502, 503))
            await _send_error(send, status, "server_error", "the server failed; try again")
            return
        if plan.draw("429"):
            await _send_error(
                send,
                429,
                "too_many_requests",
                "slow down",
                [(b"retry-after", str(plan.timings.retry_after_seconds).encode())],
            )
            return
        if plan.draw("timeout"):
            await asyncio.sleep(plan.timings.timeout_seconds)
            await _send_error(send, 504, "timeout", "the server did not answer in time")
            return
        if plan.draw("slow"):
            await asyncio.sleep(plan.timings.slow_seconds)
        if plan.draw("truncate"):
            await self.app(scope, receive, _truncating(send))
            return
        await self.app(scope, receive, send)


async def _send_error(send: Callable, status: int, code: str, message: str, headers=None) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _truncating(send: Callable) -> Callable:
    """Collect the response and send only the first half of its body (length adjusted)."""
    start: dict = {}
    chunks: list[bytes] = []

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        cut = body[: max(1, len(body) // 2)]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})

    return wrapped


# -- bad records ------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntityShape:
    """What a bad record of an entity breaks: which fields hold dates, units, amounts, text."""

    source: str
    entity: str
    key_field: str
    date_field: str | None = None  # a date that is not the change time the window filters on
    bad_date: Any = "31/02/2025 25:61:00"
    unit_field: str | None = None
    unknown_unit: Any = "99999"
    amount_field: str | None = None
    amount_as_text: bool = False  # Voso: decimal strings
    text_field: str | None = None
    required_field: str | None = None  # dropped by missing_field


@dataclass(frozen=True)
class ManifestEntry:
    source: str
    entity: str
    key: str
    kind: str
    month: str = ""  # the handbook's export (yyyy-mm): a member's key comes again every month


def applicable(shape: EntityShape, kind: str) -> bool:
    needs = {
        "bad_date": shape.date_field,
        "unknown_unit": shape.unit_field,
        "negative_amount": shape.amount_field,
        "non_numeric_amount": shape.amount_field,
        "invalid_utf8": shape.text_field if shape.text_field != shape.key_field else None,
        "missing_field": shape.required_field,
    }
    return needs.get(kind) is not None


def _broken(shape: EntityShape, kind: str, record: dict) -> dict:
    bad = dict(record)
    bad[shape.key_field] = f"BAD-{kind}-{record[shape.key_field]}"
    if kind == "bad_date":
        bad[shape.date_field] = shape.bad_date
    elif kind == "unknown_unit":
        bad[shape.unit_field] = shape.unknown_unit
    elif kind == "negative_amount":
        value = record[shape.amount_field]
        amount = -abs(float(value)) if shape.amount_as_text else -abs(int(value)) or -1
        bad[shape.amount_field] = f"{amount:.2f}" if shape.amount_as_text else amount
    elif kind == "non_numeric_amount":
        bad[shape.amount_field] = "mười lăm nghìn"
    elif kind == "invalid_utf8":
        # lone surrogates are written out as the raw bytes 0xff 0xfe: not UTF-8
        bad[shape.text_field] = f"{record[shape.text_field]}\udcff\udcfe"
    elif kind == "missing_field":
        del bad[shape.required_field]
    return bad


def inject(
    plan: FaultPlan | None,
    shape: EntityShape,
    scope: str,
    genuine: list,
    make: Callable[[Any, dict], Any],
    month: str = "",
) -> tuple[list, list[ManifestEntry]]:
    """Genuine records (with extra_field drift) plus the bad ones for one generation scope.

    month: the export the records go to (handbook), so that each bad row is listed once per file.

    `genuine` items have a `.record` dict; `make(template, record)` builds an item like the
    template holding another record. The draws depend only on (seed, source, entity, scope),
    so the same records come out of every server and of the manifest.
    """
    if plan is None or not plan.has_bad_records or not genuine:
        return genuine, []
    out = list(genuine)
    drift = plan.rate("extra_field")
    if drift > 0:
        out = [
            make(item, {**item.record, EXTRA_FIELD: "v2"})
            if unit_interval(plan.seed, "drift", shape.entity, item.record[shape.key_field]) < drift
            else item
            for item in genuine
        ]
    manifest = []
    for kind in BAD_RECORD_KINDS:
        rate = plan.rate(kind)
        if rate <= 0 or not applicable(shape, kind):
            continue
        rng = rng_for(plan.seed, "bad", shape.source, shape.entity, kind, scope)
        count = int(rate * len(genuine) + rng.random())
        for template in rng.sample(genuine, min(count, len(genuine))):
            bad = _broken(shape, kind, template.record)
            out.append(make(template, bad))
            manifest.append(ManifestEntry(shape.source, shape.entity, bad[shape.key_field], kind, month))
    return out, manifest


class Manifest:
    """Bad records a running simulator has produced so far (thread-safe)."""

    def __init__(self) -> None:
        self._entries: set[ManifestEntry] = set()
        self._lock = threading.Lock()

    def add(self, entries: Iterable[ManifestEntry]) -> None:
        with self._lock:
            self._entries.update(entries)

    def entries(self) -> list[ManifestEntry]:
        with self._lock:
            return sorted(self._entries, key=lambda e: (e.source, e.entity, e.month, e.key))
