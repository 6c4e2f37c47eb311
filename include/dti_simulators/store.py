"""Records generated per commune and month on demand, and queried by time windows.

A simulator never holds its whole dataset: each entity generates the records of one
(commune, month of creation) when asked, keeps a bounded number of those in an LRU cache,
and answers a window query from the months that can hold a record of it: for a creation
window the creation months it overlaps, for a change window the months that can still
hold a change inside it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from dti_simulators.faults import EntityShape, FaultPlan, Manifest, inject
from dti_simulators.geography import Commune
from dti_simulators.timefmt import month_end, month_start


@dataclass(frozen=True, slots=True)
class Record:
    """One record as the API serves it, with the facts ground truth needs (never served)."""

    record: dict[str, Any]
    commune_code: str  # the post-merger commune it belongs to
    created_at: datetime
    updated_at: datetime


class LruCache:
    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


Generator = Callable[[Commune, date], list[Record]]
# A half-open window [start, end) of aware datetimes; None on a side leaves it open.
Window = tuple[datetime | None, datetime | None]


class Entity:
    """One incremental entity of a simulator (e.g. dvc applications).

    generate(commune, month) gives the genuine records generated for that month: those
    created in it (or up to creation_lag after its end: ratings come with their
    application's month); max_lag bounds how long after the month's end a record may still
    change (None: any time). Both let a window regenerate only the months that can matter.
    """

    def __init__(
        self,
        shape: EntityShape,
        generate: Generator,
        communes: list[Commune],
        months: list[date],
        *,
        max_lag: timedelta | None,
        creation_lag: timedelta = timedelta(0),
        plan: FaultPlan | None = None,
        manifest: Manifest | None = None,
        cache_size: int = 1024,
    ):
        self.shape, self.generate, self.communes, self.months = shape, generate, communes, months
        self.max_lag, self.creation_lag, self.plan, self.manifest = max_lag, creation_lag, plan, manifest
        self._months = LruCache(cache_size)
        self._windows = LruCache(16)

    def of(self, commune: Commune, month: date) -> list[Record]:
        """Genuine and injected records of one commune and creation month."""
        return self._months.get_or_make((commune.code, month), lambda: self._make(commune, month))

    def _make(self, commune: Commune, month: date) -> list[Record]:
        genuine = self.generate(commune, month)
        records, bad = inject(
            self.plan, self.shape, f"{commune.code}:{month:%Y-%m}", genuine, lambda t, r: replace(t, record=r)
        )
        if bad and self.manifest is not None:
            self.manifest.add(bad)
        return records

    def changed_between(self, start: datetime, end: datetime) -> list[Record]:
        """Records whose last change is in [start, end), ordered by (change time, key)."""
        return self.select(changed=(start, end))

    def created_between(self, start: datetime | None, end: datetime | None) -> list[Record]:
        """Records created in [start, end), ordered by (creation time, key)."""
        return self.select(created=(start, end))

    def select(self, *, created: Window | None = None, changed: Window | None = None) -> list[Record]:
        """Records created in `created` AND last changed in `changed` (a window not given: any).

        Ordered by (creation time, key) when a creation window is given, else by (change
        time, key), so that pages of the same query always cut the same list. A bad record
        is filtered on its genuine record's times (Record.created_at/updated_at).
        """
        return self._windows.get_or_make((created, changed), lambda: self._scan(created, changed))

    def _scan(self, created: Window | None, changed: Window | None) -> list[Record]:
        months = [m for m in self.months if self._may_hold(m, created, changed)]
        found = [
            r
            for m in months
            for c in self.communes
            for r in self.of(c, m)
            if _within(r.created_at, created) and _within(r.updated_at, changed)
        ]
        key = self.shape.key_field
        if created is not None:
            found.sort(key=lambda r: (r.created_at, r.record[key]))
        else:
            found.sort(key=lambda r: (r.updated_at, r.record[key]))
        return found

    def _may_hold(self, month: date, created: Window | None, changed: Window | None) -> bool:
        """Whether records generated for `month` can fall in both windows."""
        first, after = month_start(month), month_end(month)
        if created is not None:  # creation times are in [first, after + creation_lag)
            start, end = created
            if end is not None and first >= end:
                return False
            if start is not None and after + self.creation_lag <= start:
                return False
        if changed is not None:  # change times are in [first, after + max_lag)
            start, end = changed
            if end is not None and first >= end:
                return False
            if start is not None and self.max_lag is not None and after + self.max_lag <= start:
                return False
        return True

    def all_records(self) -> list[Record]:
        return [r for m in self.months for c in self.communes for r in self.of(c, m)]


def _within(moment: datetime, window: Window | None) -> bool:
    if window is None:
        return True
    start, end = window
    return (start is None or start <= moment) and (end is None or moment < end)
