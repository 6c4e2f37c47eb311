"""Land one entity's records for one data interval in its raw table, exactly once.

The records stream page by page into PostgreSQL COPY inside one transaction, so memory
stays bounded and the load becomes current only when it commits: a killed run leaves
nothing current, and a rerun of the interval replaces the earlier load in the same
transaction. The ledger row is written outside that transaction so that a failed or
killed load stays visible.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import psycopg

from dti_pipeline.extract.client import Page
from dti_pipeline.extract.errors import ExtractError
from dti_pipeline.load.contract import violation
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

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


class ReconciliationError(ExtractError):
    pass


class QuarantineThresholdExceeded(ExtractError):
    pass


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


def ensure_raw_table(conn: psycopg.Connection, table: str) -> None:
    name = table.split(".")[1]
    conn.execute(
        f"""
        create table if not exists {table} (
            load_id         bigint      not null,
            source          text        not null,
            entity          text        not null,
            interval_start  timestamptz not null,
            interval_end    timestamptz not null,
            extracted_at    timestamptz not null,
            record_key      text        not null,
            payload         jsonb       not null,
            -- jsonb::text is canonical (sorted keys), so equal records hash equal
            record_hash     text        generated always as (md5(payload::text)) stored
        );
        create index if not exists {name}__load_id on {table} (load_id);
        create index if not exists {name}__record_key on {table} (record_key);
        """
    )


def _lock_key(source: str, entity: str, start: datetime, end: datetime) -> str:
    return f"{source}.{entity}:{start.isoformat()}:{end.isoformat()}"


def load_interval(
    conninfo: str,
    spec: SourceSpec,
    entity: EntitySpec,
    pages: Iterable[Page],
    interval_start: datetime,
    interval_end: datetime,
    *,
    run_id: str | None = None,
    retries: callable = lambda: 0,
) -> LoadResult:
    """Stream `pages` into the entity's raw table as the current load of the interval."""
    from dti_pipeline.warehouse.bootstrap import ensure_warehouse

    table = spec.raw_table(entity)
    with psycopg.connect(conninfo, autocommit=True) as ledger:
        ensure_warehouse(ledger)
        with ledger.transaction():
            ensure_raw_table(ledger, table)
        with psycopg.connect(conninfo) as conn:
            # Two loads of the same interval serialise here; the second then replaces the first.
            conn.execute(
                "select pg_advisory_xact_lock(hashtext(%s))",
                (_lock_key(spec.name, entity.name, interval_start, interval_end),),
            )
            ledger.execute(
                """update raw.load_ledger set status = 'abandoned', finished_at = now(),
                          message = 'the process running this load disappeared before committing'
                    where source = %s and entity = %s and interval_start = %s
                      and interval_end = %s and status = 'running'""",
                (spec.name, entity.name, interval_start, interval_end),
            )
            load_id = ledger.execute(
                """insert into raw.load_ledger (source, entity, interval_start, interval_end,
                                                load_mode, status, run_id)
                   values (%s, %s, %s, %s, %s, 'running', %s) returning load_id""",
                (spec.name, entity.name, interval_start, interval_end, entity.mode, run_id),
            ).fetchone()[0]
            try:
                result = _copy_and_commit(
                    conn, spec, entity, table, load_id, pages, interval_start, interval_end
                )
            except BaseException as exc:
                conn.rollback()
                ledger.execute(
                    """update raw.load_ledger set status = 'failed', finished_at = now(),
                              message = %s where load_id = %s""",
                    (str(exc)[:2000] or exc.__class__.__name__, load_id),
                )
                raise
        ledger.execute("update raw.load_ledger set retries = %s where load_id = %s", (retries(), load_id))
    return result


def _copy_and_commit(
    conn: psycopg.Connection,
    spec: SourceSpec,
    entity: EntitySpec,
    table: str,
    load_id: int,
    pages: Iterable[Page],
    interval_start: datetime,
    interval_end: datetime,
) -> LoadResult:
    seen: set[str] = set()
    quarantined: list[tuple[str | None, str, str]] = []
    reasons: Counter[str] = Counter()
    loaded = duplicates = page_count = 0
    source_total = None
    extracted_at = datetime.now().astimezone()
    lineage = (load_id, spec.name, entity.name, interval_start, interval_end, extracted_at)
    with (
        conn.cursor() as cur,
        cur.copy(f"copy {table} ({', '.join(RAW_COLUMNS)}) from stdin") as copy,
    ):
        for page in pages:
            page_count += 1
            source_total = page.reported_total
            for record in page.records:
                key = record.get(entity.primary_key) if isinstance(record, dict) else None
                key = None if key is None else str(key)
                if key is not None and key in seen:
                    duplicates += 1  # duplicated or overlapping pages: the record is already in
                    continue
                text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                reason = violation(entity, record)
                if reason:
                    quarantined.append((key, reason, text))
                    reasons[reason] += 1
                    if key is not None:
                        seen.add(key)
                    continue
                seen.add(key)
                copy.write_row((*lineage, key, text))
                loaded += 1
    received = loaded + len(quarantined)
    if source_total is not None and received != source_total:
        raise ReconciliationError(
            f"{spec.name}.{entity.name} {interval_start:%Y-%m-%d %H:%M}..{interval_end:%Y-%m-%d %H:%M}: "
            f"the source reported {source_total} records but {received} distinct records arrived "
            f"({loaded} loaded, {len(quarantined)} quarantined, {duplicates} duplicates skipped). "
            "Nothing was made current; rerun the task (the source may have changed mid-extract)."
        )
    if received and len(quarantined) / received > spec.quarantine_threshold:
        top = ", ".join(f"{reason} ({n})" for reason, n in reasons.most_common(3))
        raise QuarantineThresholdExceeded(
            f"{spec.name}.{entity.name}: {len(quarantined)} of {received} records "
            f"({len(quarantined) / received:.1%}) break the contract, above the threshold of "
            f"{spec.quarantine_threshold:.0%}. Most common reasons: {top}. Nothing was made "
            "current; fix the source or the contract in include/config/sources.yml."
        )
    with conn.cursor() as cur:
        if quarantined:
            cur.executemany(
                """insert into raw.quarantine (load_id, source, entity, record_key, reason, raw_text)
                   values (%s, %s, %s, %s, %s, %s)""",
                [(load_id, spec.name, entity.name, *row) for row in quarantined],
            )
        # The earlier current load of this interval is replaced in the same transaction.
        cur.execute(
            f"""delete from {table} where load_id in (
                    select load_id from raw.load_ledger
                     where source = %s and entity = %s and interval_start = %s
                       and interval_end = %s and status = 'current')""",
            (spec.name, entity.name, interval_start, interval_end),
        )
        cur.execute(
            """update raw.load_ledger set status = 'replaced'
                where source = %s and entity = %s and interval_start = %s
                  and interval_end = %s and status = 'current'""",
            (spec.name, entity.name, interval_start, interval_end),
        )
        cur.execute(
            """update raw.load_ledger
                  set status = 'current', finished_at = now(), rows_loaded = %s,
                      rows_quarantined = %s, duplicates_skipped = %s, pages = %s,
                      source_total = %s
                where load_id = %s""",
            (loaded, len(quarantined), duplicates, page_count, source_total, load_id),
        )
    conn.commit()
    return LoadResult(
        load_id=load_id,
        table=table,
        rows_loaded=loaded,
        rows_quarantined=len(quarantined),
        duplicates_skipped=duplicates,
        pages=page_count,
        source_total=source_total,
        quarantine_reasons=dict(reasons),
    )
