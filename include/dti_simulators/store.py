"""Records generated per commune and month on demand, and queried by change-time windows.

A simulator never holds its whole dataset: each entity generates the records of one
(commune, month of creation) when asked, keeps a bounded number of those in an LRU cache,
and answers a window query from the months that can hold a change inside it.
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


class Entity:
    """One incremental entity of a simulator (e.g. dvc applications).

    generate(commune, month) gives the genuine records created in that month;
    max_lag bounds how long after creation a record may still change (None: any time),
    so that a window only regenerates the months that can matter.
    """

    def __init__(
        self,
        shape: EntityShape,
        generate: Generator,
        communes: list[Commune],
        months: list[date],
        *,
        max_lag: timedelta | None,
        plan: FaultPlan | None = None,
        manifest: Manifest | None = None,
        cache_size: int = 1024,
    ):
        self.shape, self.generate, self.communes, self.months = shape, generate, communes, months
        self.max_lag, self.plan, self.manifest = max_lag, plan, manifest
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
        return self._windows.get_or_make((start, end), lambda: self._scan(start, end))

    def _scan(self, start: datetime, end: datetime) -> list[Record]:
        key = self.shape.key_field
        months = [
            m
            for m in self.months
            if month_start(m) < end and (self.max_lag is None or month_end(m) + self.max_lag > start)
        ]
        found = [
            r for m in months for c in self.communes for r in self.of(c, m) if start <= r.updated_at < end
        ]
        found.sort(key=lambda r: (r.updated_at, r.record[key]))
        return found

    def all_records(self) -> list[Record]:
        return [r for m in self.months for c in self.communes for r in self.of(c, m)]
