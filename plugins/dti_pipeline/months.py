"""The month a run is about: parsing and validation with messages a person can act on."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dti_pipeline.errors import PermanentError

# Days, months and the index are counted in Vietnam's time zone (UTC+07:00).
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class MonthError(PermanentError, ValueError):
    """A month given by a person that cannot be used."""


def parse_month(text: str) -> date:
    """'2026-10' -> date(2026, 10, 1); anything else raises MonthError."""
    if not isinstance(text, str) or not re.match(MONTH_PATTERN, text.strip()):
        raise MonthError(
            f"month must be written YYYY-MM with a month from 01 to 12 (e.g. 2026-10); got {text!r}"
        )
    year, month = text.strip().split("-")
    return date(int(year), int(month), 1)


def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def month_range(first: date, last: date) -> list[date]:
    """Every month from first to last, both included."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def last_complete_month(today: date | None = None) -> date:
    today = today or datetime.now(LOCAL_TZ).date()
    return previous_month(today.replace(day=1))


def validate_month(text: str, today: date | None = None) -> date:
    """Parse a month and refuse one that has not ended yet (its data is still arriving)."""
    month = parse_month(text)
    latest = last_complete_month(today)
    if month > latest:
        raise MonthError(
            f"month {format_month(month)} has not ended yet in Vietnam (UTC+07:00); "
            f"the latest month that can be refreshed is {format_month(latest)}"
        )
    return month


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as a half-open interval of aware datetimes in Vietnam's time zone."""
    start = datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)
    nxt = next_month(month)
    return start, datetime(nxt.year, nxt.month, 1, tzinfo=LOCAL_TZ)


def month_of(moment: datetime) -> date:
    """The local (Vietnam) calendar month a moment falls in."""
    return moment.astimezone(LOCAL_TZ).date().replace(day=1)
