"""Completeness gate: is every raw load the month needs current and reconciled?

Read from raw.load_ledger, against the schedules in include/config/sources.yml (read at run
time, so a new source is checked as soon as it is configured):
- an incremental entity needs one current load covering each scheduled interval of the
  month (`@daily`: every local day; `@monthly`: the month);
- a snapshot entity needs a current load taken at or after the month's end;
- a current load whose source reported a total must reconcile with it
  (rows_loaded + rows_quarantined = source_total).
Anything short of that stops the refresh before dbt runs, with one line per entity that says
which intervals to rerun, e.g. "voso.orders: 2026-10-14..2026-10-16 missing; rerun
extract_voso for those days".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import psycopg

from dti_pipeline.errors import PermanentError
from dti_pipeline.months import LOCAL_TZ, format_month, month_bounds
from dti_pipeline.schedules import Interval, scheduled_intervals
from dti_pipeline.sources.spec import SourceSpec


class CompletenessError(PermanentError, RuntimeError):
    """The month's raw data is incomplete: a rerun of the refresh cannot fix it, an extract can."""


@dataclass
class EntityCompleteness:
    source: str
    entity: str
    mode: str
    schedule: str
    intervals_expected: int = 0
    intervals_current: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.source}.{self.entity}"


@dataclass
class CompletenessReport:
    month: str
    entities: list[EntityCompleteness]
    skipped: list[str]

    @property
    def problems(self) -> list[str]:
        return [p for e in self.entities for p in e.problems]

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "month": self.month,
            "ok": self.ok,
            "problems": self.problems,
            "skipped": self.skipped,
            "entities": [asdict(e) for e in self.entities],
        }

    def message(self) -> str:
        lines = "\n".join(f"  {p}" for p in self.problems)
        return (
            f"the raw data of {self.month} is not complete, so nothing was built or published:\n{lines}\n"
            "Rerun those extract runs (clear them in the Airflow grid, or `dti extract`), then "
            "rerun this refresh."
        )


def _covered(interval: Interval, loads: list[tuple[datetime, datetime]]) -> bool:
    position, stop = interval
    for load_start, load_end in sorted(loads):
        if load_start > position:
            break
        position = max(position, load_end)
        if position >= stop:
            return True
    return position >= stop


def _group(intervals: list[Interval]) -> list[list[Interval]]:
    """Consecutive intervals (one's end is the next one's start) form one group."""
    groups: list[list[Interval]] = []
    for interval in sorted(intervals):
        if groups and groups[-1][-1][1] == interval[0]:
            groups[-1].append(interval)
        else:
            groups.append([interval])
    return groups


def _kind(interval: Interval) -> str:
    start, end = (t.astimezone(LOCAL_TZ) for t in interval)
    if (end - start) == timedelta(days=1) and start.hour == 0 and start.minute == 0:
        return "day"
    if start.day == 1 and end.day == 1 and start.hour == 0 and 27 <= (end - start).days <= 31:
        return "month"
    return "interval"


def _describe(group: list[Interval]) -> str:
    first, last = group[0], group[-1]
    kind = _kind(first)
    start = first[0].astimezone(LOCAL_TZ)
    if kind == "day":
        end_day = last[0].astimezone(LOCAL_TZ).date()
        return f"{start:%Y-%m-%d}" if end_day == start.date() else f"{start:%Y-%m-%d}..{end_day:%Y-%m-%d}"
    if kind == "month":
        end_month = last[0].astimezone(LOCAL_TZ)
        return f"{start:%Y-%m}" if len(group) == 1 else f"{start:%Y-%m}..{end_month:%Y-%m}"
    end = last[1].astimezone(LOCAL_TZ)
    return f"{start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M}"


def _what(intervals: list[Interval]) -> str:
    kind = _kind(intervals[0])
    plural = len(intervals) > 1
    return {
        "day": "those days" if plural else "that day",
        "month": "those months" if plural else "that month",
    }.get(kind, "those intervals" if plural else "that interval")


def _ranges(intervals: list[Interval]) -> str:
    return ", ".join(_describe(g) for g in _group(intervals))


def _loads(conn: psycopg.Connection, source: str, entity: str, start: datetime, end: datetime) -> list[tuple]:
    return conn.execute(
        """select interval_start, interval_end, rows_loaded, rows_quarantined, source_total
             from raw.load_ledger
            where source = %s and entity = %s and status = 'current'
              and interval_end > %s and interval_start < %s
            order by interval_start""",
        (source, entity, start, end),
    ).fetchall()


def _check_incremental(conn, spec: SourceSpec, entity, result: EntityCompleteness, start, end) -> None:
    not_before = datetime(spec.start_date.year, spec.start_date.month, spec.start_date.day, tzinfo=LOCAL_TZ)
    expected = [i for i in scheduled_intervals(spec.schedule, start, end) if i[0] >= not_before]
    loads = _loads(conn, spec.name, entity.name, expected[0][0] if expected else start, end)
    spans = [(row[0], row[1]) for row in loads]
    missing = [i for i in expected if not _covered(i, spans)]
    unreconciled = [
        (row[0], row[1]) for row in loads if row[4] is not None and (row[2] or 0) + (row[3] or 0) != row[4]
    ]
    result.intervals_expected = len(expected)
    result.intervals_current = len(expected) - len(missing)
    result.rows_loaded = sum(row[2] or 0 for row in loads)
    result.rows_quarantined = sum(row[3] or 0 for row in loads)
    if missing:
        result.problems.append(
            f"{result.name}: {_ranges(missing)} missing; rerun extract_{spec.name} for {_what(missing)}"
        )
    if unreconciled:
        result.problems.append(
            f"{result.name}: {_ranges(unreconciled)} not reconciled (rows loaded + quarantined "
            f"differ from the total the source reported); rerun extract_{spec.name} for "
            f"{_what(unreconciled)}"
        )


def _check_snapshot(conn, spec: SourceSpec, entity, result: EntityCompleteness, end: datetime) -> None:
    result.intervals_expected = 1
    row = conn.execute(
        """select interval_start, interval_end, rows_loaded, rows_quarantined, source_total
             from raw.load_ledger
            where source = %s and entity = %s and status = 'current' and interval_end >= %s
            order by interval_end limit 1""",
        (spec.name, entity.name, end),
    ).fetchone()
    local_end = end.astimezone(LOCAL_TZ)
    last_day = (local_end - timedelta(days=1)).date()
    if row is None:
        result.problems.append(
            f"{result.name}: no current snapshot taken at or after the month's end "
            f"({local_end:%Y-%m-%d %H:%M}); rerun extract_{spec.name} for {last_day:%Y-%m-%d} "
            "(or any later day)"
        )
        return
    result.intervals_current = 1
    result.rows_loaded, result.rows_quarantined = row[2] or 0, row[3] or 0
    if row[4] is not None and result.rows_loaded + result.rows_quarantined != row[4]:
        result.problems.append(
            f"{result.name}: the snapshot of {_describe([(row[0], row[1])])} is not reconciled "
            f"({result.rows_loaded} loaded + {result.rows_quarantined} quarantined, the source "
            f"reported {row[4]}); rerun extract_{spec.name} for that day"
        )


def check_completeness(
    conn: psycopg.Connection,
    month: date,
    sources: dict[str, SourceSpec],
    only: set[str] | None = None,
) -> CompletenessReport:
    """Check every entity of `sources` (or of the named sources in `only`) for `month`."""
    start, end = month_bounds(month)
    entities, skipped = [], []
    for name, spec in sources.items():
        if only is not None and name not in only:
            skipped.append(f"{name}: not checked (dti_completeness_sources)")
            continue
        if spec.start_date >= end.date():
            skipped.append(f"{name}: extracted from {spec.start_date}, after {format_month(month)}")
            continue
        for entity in spec.entities:
            result = EntityCompleteness(spec.name, entity.name, entity.mode, spec.schedule)
            if entity.mode == "snapshot":
                _check_snapshot(conn, spec, entity, result, end)
            else:
                _check_incremental(conn, spec, entity, result, start, end)
            entities.append(result)
    return CompletenessReport(format_month(month), entities, skipped)


def completeness_gate(conn: psycopg.Connection, month: date) -> dict:
    """The refresh's first gate: raise CompletenessError (blocking mode) or return the report."""
    from dti_pipeline.gates.settings import choice, setting
    from dti_pipeline.sources.spec import load_sources
    from dti_pipeline.warehouse.bootstrap import ensure_warehouse

    ensure_warehouse(conn)
    chosen = setting("completeness_sources", "all") or "all"
    only = None if chosen.strip().lower() == "all" else {s.strip() for s in chosen.split(",") if s.strip()}
    report = check_completeness(conn, month, load_sources(), only)
    conn.rollback()
    mode = choice("completeness_mode", "block", ("block", "warn"))
    if not report.ok and mode == "block":
        raise CompletenessError(report.message())
    return report.as_dict()
