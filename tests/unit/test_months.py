from datetime import date

import pytest

from dti_pipeline.months import (
    MonthError,
    last_complete_month,
    month_bounds,
    month_range,
    parse_month,
    validate_month,
)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "abc", "2026-1", "26-10", "", "2026/10"])
def test_malformed_months_are_refused_with_the_expected_format(text):
    with pytest.raises(MonthError, match=r"YYYY-MM"):
        parse_month(text)


def test_a_month_that_has_not_ended_is_refused_and_the_latest_allowed_is_named():
    with pytest.raises(MonthError, match=r"has not ended yet.*latest month .* is 2026-10"):
        validate_month("2026-11", today=date(2026, 11, 23))
    with pytest.raises(MonthError, match=r"2027-01 has not ended"):
        validate_month("2027-01", today=date(2026, 11, 23))


def test_the_last_complete_month_is_accepted():
    assert validate_month("2026-10", today=date(2026, 11, 1)) == date(2026, 10, 1)
    assert last_complete_month(date(2026, 1, 15)) == date(2025, 12, 1)


def test_month_bounds_are_local_midnights():
    start, end = month_bounds(date(2025, 6, 1))
    assert start.isoformat() == "2025-06-01T00:00:00+07:00"
    assert end.isoformat() == "2025-07-01T00:00:00+07:00"


def test_month_range_includes_both_ends_across_a_year():
    assert month_range(date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
