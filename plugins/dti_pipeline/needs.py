"""What a month needs from each source entity, and which loads give it.

One declaration per entity (`history` in include/config/sources.yml) decides which loads
month M reads; the extract runs load them and the completeness gate checks them through
this module alone, so the two always agree:

- `stock` (shops, accounts): every record created before M's end. The creation-time
  windows of every month from the source's first month to M; the first one is open below,
  so that records created before the source's first day are read too.
- `flow` (documents, applications, orders): the records created in M and in
  `lookback_months` months before it (a document due in M was created in M or the month
  before). Their creation-time windows.
- `snapshot` (the procedure catalogue, officials' accounts): one full list.
- `export` (the handbook's monthly files): the month's own export.

Windows are on the creation time because it never changes: a window returns the same
records whenever it is read, while a window on the last change time loses, once read after
the fact, every record that changed after it. Every record carries the dates of its state
changes, so any copy read after M ended says what the record was at M's end: a window (or
a snapshot) serves M only when its load started after M ended. The run of month M loads
exactly the windows M needs that no such load serves yet, so any month extracted in any
order is complete for that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dti_pipeline.months import LOCAL_TZ, format_month, month_bounds, month_range, previous_month
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

# The open start of a stock's first window: everything the source holds from before.
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
# How a load's interval filters the source (raw.load_ledger.window_kind).
WINDOW_KINDS = ("created", "snapshot", "export")


@dataclass(frozen=True)
class Window:
    """One load a month needs: an entity's records over [start, end) of some time."""

    source: str
    entity: str
    kind: str  # created | snapshot | export
    start: datetime
    end: datetime

    def describe(self) -> str:
        end = self.end.astimezone(LOCAL_TZ).date()
        last = previous_month(end)
        if self.kind == "created" and self.start == BEGINNING:
            return f"created before {format_month(end)}"
        if self.kind == "created":
            return f"created in {format_month(last)}"
        if self.kind == "export":
            return f"the export of {format_month(last)}"
        return f"a snapshot taken after {format_month(last)} ended"


def months_before(month: date, count: int) -> date:
    for _ in range(count):
        month = previous_month(month)
    return month


def first_month(spec: SourceSpec) -> date:
    return spec.start_date.replace(day=1)


def last_month(spec: SourceSpec) -> date | None:
    return spec.end_date.replace(day=1) if spec.end_date else None


def covers(spec: SourceSpec, month: date) -> bool:
    """Whether the source has data for the month at all (within start_date..end_date)."""
    last = last_month(spec)
    return first_month(spec) <= month and (last is None or month <= last)


def month_windows(spec: SourceSpec, entity: EntitySpec, month: date) -> list[Window]:
    """The loads `month` needs from `entity`, oldest first."""
    start, end = month_bounds(month)
    if entity.history in ("snapshot", "export"):
        return [Window(spec.name, entity.name, entity.history, start, end)]
    first = first_month(spec)
    if entity.history == "stock":
        months = month_range(first, month)
    else:
        months = month_range(max(first, months_before(month, entity.lookback_months)), month)
    windows = []
    for each in months:
        window_start, window_end = month_bounds(each)
        if entity.history == "stock" and each == first:
            window_start = BEGINNING
        windows.append(Window(spec.name, entity.name, "created", window_start, window_end))
    return windows


def partial_reasons(spec: SourceSpec, month: date) -> list[str]:
    """Why the source's history cannot be whole for the month (empty when it can).

    The first month of a source is partial (its flows start mid-stream: the first rating
    comes days in), and so is every month whose flows count records created before it.
    """
    first = first_month(spec)
    reasons = []
    if month == first:
        reasons.append(f"{format_month(month)} is the first month of {spec.name}'s data")
    for entity in spec.entities:
        if entity.history != "flow" or not entity.lookback_months or month == first:
            continue
        if months_before(month, entity.lookback_months) < first:
            reasons.append(
                f"{spec.name}.{entity.name} counts records created up to {entity.lookback_months} "
                f"month(s) before {format_month(month)}, and the data starts in {format_month(first)}"
            )
    return reasons


@dataclass(frozen=True)
class Load:
    """A current load of an entity, as raw.load_ledger records it."""

    kind: str
    start: datetime
    end: datetime
    started_at: datetime
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    source_total: int | None = None

    @property
    def reconciled(self) -> bool:
        received = (self.rows_loaded or 0) + (self.rows_quarantined or 0)
        return self.source_total is None or received == self.source_total


def serving_load(window: Window, month: date, loads: list[Load]) -> Load | None:
    """The current load that gives `month` what `window` asks for, if one does.

    A created window or a snapshot serves the month only when its load started after the
    month ended (its records then say what they were at that end); any snapshot taken
    after the end will do. A month's export is as of its last day, whenever it is loaded.
    """
    _, month_end = month_bounds(month)
    if window.kind == "export":
        same = [x for x in loads if x.kind == "export" and (x.start, x.end) == (window.start, window.end)]
        return same[0] if same else None
    if window.kind == "snapshot":
        after = [x for x in loads if x.kind == "snapshot" and x.started_at >= month_end]
        return min(after, key=lambda x: x.started_at) if after else None
    for load in loads:
        if (load.kind, load.start, load.end) == ("created", window.start, window.end):
            return load if load.started_at >= month_end else None
    return None


def stale_load(window: Window, loads: list[Load]) -> Load | None:
    """A current load of the window that started before the month ended (too early)."""
    for load in loads:
        if (load.kind, load.start, load.end) == (window.kind, window.start, window.end):
            return load
    return None


def current_loads(conn, source: str, entity: str) -> list[Load]:
    """The entity's current loads, from raw.load_ledger (its windows, when they started)."""
    rows = conn.execute(
        """select window_kind, interval_start, interval_end, started_at,
                  rows_loaded, rows_quarantined, source_total
             from raw.load_ledger
            where source = %s and entity = %s and status = 'current'
              and window_kind = any(%s)""",
        (source, entity, list(WINDOW_KINDS)),
    ).fetchall()
    return [Load(*row) for row in rows]


def windows_to_load(
    conn, spec: SourceSpec, entity: EntitySpec, month: date, *, reload: bool = False
) -> list[Window]:
    """The windows the extract run of `month` loads: those the month needs that no current
    load serves yet (every one with `reload`), oldest first."""
    needed = month_windows(spec, entity, month)
    if reload:
        return needed
    loads = current_loads(conn, spec.name, entity.name)
    return [w for w in needed if serving_load(w, month, loads) is None]
