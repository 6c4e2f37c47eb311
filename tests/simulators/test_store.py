"""The store answers a window by generating only the (commune, month) pairs that can hold it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dti_simulators import eoffice
from dti_simulators.presets import get_preset
from dti_simulators.store import Entity

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PRESET = get_preset("tiny")  # June to August 2025
JUNE, JULY, AUGUST = (date(2025, m, 1) for m in (6, 7, 8))
AT = {m: datetime(m.year, m.month, 1, tzinfo=VN) for m in (JUNE, JULY, AUGUST, date(2025, 9, 1))}


class CountingEntity:
    """A documents entity of `tiny` whose generator counts the months it is asked for."""

    def __init__(self, max_lag: timedelta | None = eoffice.MAX_PROCESSING):
        self.calls: Counter[date] = Counter()

        def generate(commune, month):
            self.calls[month] += 1
            return eoffice.generate_documents(7, PRESET, commune, month)

        self.entity = Entity(
            eoffice.DOCUMENT_SHAPE, generate, PRESET.communes(), PRESET.months(), max_lag=max_lag
        )

    def months(self) -> set[date]:
        generated = set(self.calls)
        assert all(n == len(PRESET.communes()) for n in self.calls.values()), "every commune once"
        return generated


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (AT[JULY], AT[AUGUST], {JULY}),
        (AT[JULY] + timedelta(days=3), AT[JULY] + timedelta(days=4), {JULY}),
        (AT[JUNE] + timedelta(days=20), AT[JULY] + timedelta(days=1), {JUNE, JULY}),
        (datetime(1970, 1, 1, tzinfo=UTC), AT[JULY], {JUNE}),
        (None, AT[JULY], {JUNE}),
        (AT[AUGUST], None, {AUGUST}),
        (datetime(2020, 1, 1, tzinfo=VN), AT[JUNE], set()),
        (AT[date(2025, 9, 1)], None, set()),
    ],
)
def test_a_creation_window_generates_only_the_creation_months_it_overlaps(start, end, months):
    counting = CountingEntity(max_lag=None)  # a change window would need every month
    found = counting.entity.created_between(start, end)
    assert counting.months() == months
    assert all(
        (start is None or start <= r.created_at) and (end is None or r.created_at < end) for r in found
    )
    assert bool(found) == bool(months)


def test_a_change_window_still_generates_the_months_that_can_change_in_it():
    counting = CountingEntity()
    counting.entity.changed_between(AT[AUGUST], AT[date(2025, 9, 1)])
    assert counting.months() == {JUNE, JULY, AUGUST}  # documents complete up to 60 days later
    counting = CountingEntity()
    counting.entity.changed_between(AT[JUNE], AT[JULY])
    assert counting.months() == {JUNE}


def test_both_windows_generate_only_the_months_both_allow_and_are_cached():
    counting = CountingEntity()
    both = counting.entity.select(created=(AT[JULY], AT[AUGUST]), changed=(AT[AUGUST], None))
    assert counting.months() == {JULY}
    assert both and all(AT[JULY] <= r.created_at < AT[AUGUST] <= r.updated_at for r in both)
    assert [(r.created_at, r.record["id"]) for r in both] == sorted(
        (r.created_at, r.record["id"]) for r in both
    )
    calls = sum(counting.calls.values())
    again = counting.entity.select(created=(AT[JULY], AT[AUGUST]), changed=(AT[AUGUST], None))
    assert again is both and sum(counting.calls.values()) == calls, "a repeated window is cached"
