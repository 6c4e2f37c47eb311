"""Land one entity's records for one data interval in its raw table, exactly once.

The records stream page by page into PostgreSQL COPY inside one transaction, so memory
stays bounded and the load becomes current only when it commits: a killed run leaves
nothing current, and a rerun of the interval replaces the earlier load in the same
transaction. The ledger row is written outside that transaction so that a failed or
killed load stays visible.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import psycopg

from dti_pipeline.errors import PermanentError, TransientError
from dti_pipeline.load.contract import RecordContract
from dti_pipeline.load.pseudonymise import PseudonymisationKeyMissing, Pseudonymiser
from dti_pipeline.pages import Page
from dti_pipeline.sources.spec import EntitySpec, SourceSpec
from dti_pipeline.warehouse.bootstrap import ensure_raw_table, ensure_warehouse

log = logging.getLogger(__name__)

RAW_COLUMNS = (
    "load_id",
    "source",
    "entity",
    "interval_start",
    "interval_end",
    "extracted_at",
    "record_key",
    "payload",
)


class ReconciliationError(TransientError, RuntimeError):
    """The source changed while it was paged through: a rerun reads it again."""


class QuarantineThresholdExceeded(PermanentError, RuntimeError):
    """Too many records break the contract: the source or the contract must change."""


@dataclass
class LoadResult:
    load_id: int
    table: str
    rows_loaded: int
    rows_quarantined: int
    duplicates_skipped: int
    pages: int
    source_total: int | None
    quarantine_reasons: dict[str, int]
    new_fields: list[str] = field(default_factory=list)


def _lock_key(source: str, entity: str, kind: str, start: datetime, end: datetime) -> str:
    return f"{source}.{entity}:{kind}:{start.isoformat()}:{end.isoformat()}"


def load_interval(
    conninfo: str,
    spec: SourceSpec,
    entity: EntitySpec,
    pages: Iterable[Page],
    interval_start: datetime,
    interval_end: datetime,
    *,
    window_kind: str = "created",
    run_id: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
    stats: Callable[[], dict] = dict,
) -> LoadResult:
    """Stream `pages` into the entity's raw table as the current load of the window
    (`window_kind` over [interval_start, interval_end), see dti_pipeline.needs)."""
    if entity.pii_fields and pseudonymiser is None:
        raise PseudonymisationKeyMissing(
            f"{spec.name}.{entity.name} carries personal data ({', '.join(entity.pii_fields)}) and "
            "needs a pseudonymisation key; the load refused to run."
        )
    table = spec.raw_table(entity)
    with psycopg.connect(conninfo, autocommit=True) as ledger:
        ensure_warehouse(ledger)
        with ledger.transaction():
            ensure_raw_table(ledger, table)
        with psycopg.connect(conninfo) as conn:
            # Two loads of the same interval serialise here; the second then replaces the first.
            window = (spec.name, entity.name, window_kind, interval_start, interval_end)
            conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (_lock_key(*window),))
            ledger.execute(
                """update raw.load_ledger set status = 'abandoned', finished_at = now(),
                          message = 'the process running this load disappeared before committing'
                    where source = %s and entity = %s and window_kind = %s and interval_start = %s
                      and interval_end = %s and status = 'running'""",
                window,
            )
            load_id = ledger.execute(
                """insert into raw.load_ledger (source, entity, window_kind, interval_start,
                                                interval_end, load_mode, status, run_id)
                   values (%s, %s, %s, %s, %s, %s, 'running', %s) returning load_id""",
                (*window, entity.mode, run_id),
            ).fetchone()[0]
            try:
                result = _Load(conn, spec, entity, table, load_id, pseudonymiser).run(
                    pages, window_kind, interval_start, interval_end
                )
            except BaseException as exc:
                conn.rollback()
                ledger.execute(
                    """update raw.load_ledger set status = 'failed', finished_at = now(),
                              message = %s where load_id = %s""",
                    (str(exc)[:2000] or exc.__class__.__name__, load_id),
                )
                raise
        figures = stats()
        ledger.execute(
            "update raw.load_ledger set retries = %s, requests = %s where load_id = %s",
            (figures.get("retries"), figures.get("requests"), load_id),
        )
    if result.new_fields:
        log.warning(
            "%s.%s: schema drift, new field(s) %s kept in the payload; add them to the contract in "
            "include/config/sources.yml once understood",
            spec.name,
            entity.name,
            ", ".join(sorted(result.new_fields)),
        )
    return result


_encode = msgspec.json.Encoder().encode


def _json_text(record: Any) -> str | None:
    """The record as compact JSON, or None when it holds undecodable bytes (not UTF-8)."""
    try:
        return _encode(record).decode("utf-8")
    except (UnicodeEncodeError, msgspec.EncodeError, TypeError):
        return None


def _copy_value(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _copy_field(text: str | None) -> str:
    """A value in COPY's text format: NULL as \\N; backslash, tab and line breaks escaped."""
    if text is None:
        return "\\N"
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _reason_kind(reason: str) -> str:
    """A reason without the offending value, so that reasons count together."""
    return re.sub(r":\s*['\"].*$", "", reason)


def _printable(text: str | None) -> str | None:
    """Undecodable bytes (lone surrogates) written as escapes, so that PostgreSQL takes it."""
    return None if text is None else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _quarantine_text(record: Any) -> str:
    if isinstance(record, dict | list):
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # undecodable bytes: keep them visible as escapes
            text = json.dumps(record, ensure_ascii=True, separators=(",", ":"))
        return text
    return _printable(repr(record))


class _Load:
    """One load's state while its pages stream through COPY."""

    def __init__(self, conn, spec, entity, table, load_id, pseudonymiser):
        self.conn, self.spec, self.entity, self.table, self.load_id = conn, spec, entity, table, load_id
        self.contract = RecordContract(spec, entity)
        self.pseudonymiser = pseudonymiser
        self.seen: set[str] = set()
        self.quarantined: list[tuple[str | None, str, str]] = []
        self.reasons: Counter[str] = Counter()
        self.new_fields: set[str] = set()
        self.loaded = self.duplicates = self.pages = 0
        self.source_total: int | None = None

    def run(
        self, pages: Iterable[Page], window_kind: str, interval_start: datetime, interval_end: datetime
    ) -> LoadResult:
        spec, entity = self.spec, self.entity
        extracted_at = datetime.now().astimezone()
        lineage = (self.load_id, spec.name, entity.name, interval_start, interval_end, extracted_at)
        # COPY's text format written here, a page at a time: the lineage columns are the
        # same on every row, so they are formatted once (psycopg's write_row formats every
        # column of every row, a fifth of a load's time)
        prefix = "".join(_copy_field(_copy_value(v)) + "\t" for v in lineage)
        columns = ", ".join(RAW_COLUMNS)
        with self.conn.cursor() as cur, cur.copy(f"copy {self.table} ({columns}) from stdin") as copy:
            for page in pages:
                self.pages += 1
                if page.reported_total is not None:
                    self.source_total = page.reported_total
                lines = []
                for record in page.records:
                    row = self._accept(record)
                    if row is not None:
                        lines.append(f"{prefix}{_copy_field(row[0])}\t{_copy_field(row[1])}\n")
                if lines:
                    copy.write("".join(lines))
                    self.loaded += len(lines)
        self._reconcile(interval_start, interval_end)
        self._check_quarantine_share()
        self._commit(window_kind, interval_start, interval_end)
        return LoadResult(
            load_id=self.load_id,
            table=self.table,
            rows_loaded=self.loaded,
            rows_quarantined=len(self.quarantined),
            duplicates_skipped=self.duplicates,
            pages=self.pages,
            source_total=self.source_total,
            quarantine_reasons=dict(self.reasons),
            new_fields=sorted(self.new_fields),
        )

    def _accept(self, record: Any) -> tuple[str, str] | None:
        """(record key, payload text) to load, or None when skipped or quarantined."""
        key = self.entity.key_of(record)
        if key is not None and key in self.seen:
            self.duplicates += 1  # duplicated or overlapping pages: already in
            return None
        if key is not None:
            self.seen.add(key)
        text = _json_text(record)
        reason = self.contract.violation(record, text_is_valid=text is not None)
        self.new_fields |= self.contract.new_fields(record)
        if self.pseudonymiser is not None and self.entity.pii_fields:
            record = self.pseudonymiser.apply(record, self.entity.pii_fields, keep=self.entity.key_fields)
        if reason:
            self.quarantined.append((_printable(key), _printable(reason), _quarantine_text(record)))
            self.reasons[_reason_kind(reason)] += 1
            return None
        if self.pseudonymiser is not None and self.entity.pii_fields:
            text = _json_text(record)
        return key, text

    def _reconcile(self, interval_start: datetime, interval_end: datetime) -> None:
        received = self.loaded + len(self.quarantined)
        if self.source_total is not None and received != self.source_total:
            raise ReconciliationError(
                f"{self.spec.name}.{self.entity.name} "
                f"{interval_start:%Y-%m-%d %H:%M}..{interval_end:%Y-%m-%d %H:%M}: "
                f"the source reported {self.source_total} records but {received} distinct records "
                f"arrived ({self.loaded} loaded, {len(self.quarantined)} quarantined, "
                f"{self.duplicates} duplicates skipped). Nothing was made current; rerun the task "
                "(the source may have changed mid-extract)."
            )

    def _check_quarantine_share(self) -> None:
        received = self.loaded + len(self.quarantined)
        if not received or len(self.quarantined) / received <= self.spec.quarantine_threshold:
            return
        if len(self.quarantined) < self.spec.quarantine_min_records:
            return  # a handful of bad records in a small load: kept in quarantine, not a failure
        top = ", ".join(f"{reason} ({n})" for reason, n in self.reasons.most_common(3))
        drift = (
            f" New fields appeared at the same time ({', '.join(sorted(self.new_fields))}): was a "
            "field renamed?"
            if self.new_fields
            else ""
        )
        raise QuarantineThresholdExceeded(
            f"{self.spec.name}.{self.entity.name}: {len(self.quarantined)} of {received} records "
            f"({len(self.quarantined) / received:.1%}) break the contract, above the threshold of "
            f"{self.spec.quarantine_threshold:.0%}. Most common reasons: {top}.{drift} Nothing was "
            "made current; fix the source or the contract in include/config/sources.yml."
        )

    def _commit(self, window_kind: str, interval_start: datetime, interval_end: datetime) -> None:
        spec, entity = self.spec, self.entity
        window = (spec.name, entity.name, window_kind, interval_start, interval_end)
        with self.conn.cursor() as cur:
            if self.quarantined:
                cur.executemany(
                    """insert into raw.quarantine (load_id, source, entity, record_key, reason, raw_text)
                       values (%s, %s, %s, %s, %s, %s)""",
                    [(self.load_id, spec.name, entity.name, *row) for row in self.quarantined],
                )
            # The earlier current load of this window is replaced in the same transaction.
            cur.execute(
                f"""delete from {self.table} where load_id in (
                        select load_id from raw.load_ledger
                         where source = %s and entity = %s and window_kind = %s
                           and interval_start = %s and interval_end = %s and status = 'current')""",
                window,
            )
            cur.execute(
                """update raw.load_ledger set status = 'replaced'
                    where source = %s and entity = %s and window_kind = %s and interval_start = %s
                      and interval_end = %s and status = 'current'""",
                window,
            )
            cur.execute(
                """update raw.load_ledger
                      set status = 'current', finished_at = now(), rows_loaded = %s,
                          rows_quarantined = %s, duplicates_skipped = %s, pages = %s,
                          source_total = %s, new_fields = %s
                    where load_id = %s""",
                (
                    self.loaded,
                    len(self.quarantined),
                    self.duplicates,
                    self.pages,
                    self.source_total,
                    sorted(self.new_fields) or None,
                    self.load_id,
                ),
            )
        self.conn.commit()
