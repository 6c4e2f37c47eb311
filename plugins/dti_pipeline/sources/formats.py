"""Time and value formats of the sources: how to write a filter and how to read a field.

Each source speaks its own dialect (ISO 8601 with an offset, Vietnamese dd/mm/yyyy local
times, UTC with Z, epoch milliseconds); the spec names it and this module does the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from dti_pipeline.months import LOCAL_TZ


def format_time(moment: datetime, time_format: str) -> str:
    """A filter value for `moment` in the source's format."""
    if time_format == "iso8601":
        return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")
    if time_format == "iso8601_utc":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if time_format == "vn_datetime":
        return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M:%S")
    if time_format == "epoch_ms":
        return str(int(moment.timestamp() * 1000))
    raise _unknown_format(time_format)


_VN_DATETIME = re.compile(r"(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})")
_DMY = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_MY = re.compile(r"(\d{2})/(\d{4})")


def parse_time(value: object, time_format: str) -> datetime:
    """Read a time field; raises ValueError with what was wrong."""
    return time_parser(time_format)(value)


def time_parser(time_format: str) -> Callable[[object], datetime]:
    """The reader of one time format, chosen once: the loader reads millions of times.

    The dd/mm/yyyy forms are read with a regular expression and the datetime constructor
    (which still rejects 31/02): strptime took a tenth of a handbook load.
    """
    parser = _TIME_PARSERS.get(time_format)
    if parser is None:
        raise _unknown_format(time_format)
    return parser


def _epoch_ms(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not epoch milliseconds: {value!r}")
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _vn_datetime(value: object) -> datetime:
    match = _VN_DATETIME.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"time data {value!r} does not match format 'dd/mm/yyyy HH:MM:SS'")
    day, month, year, hour, minute, second = map(int, match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_TZ)


def _iso8601(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"not a time string: {value!r}")
    moment = datetime.fromisoformat(value)  # Python 3.11 reads a trailing Z as UTC
    if moment.tzinfo is None:
        raise ValueError(f"time without a UTC offset: {value!r}")
    return moment


_TIME_PARSERS = {
    "iso8601": _iso8601,
    "iso8601_utc": _iso8601,
    "vn_datetime": _vn_datetime,
    "epoch_ms": _epoch_ms,
}
TIME_FORMATS = tuple(_TIME_PARSERS)  # what a spec may name; format_time writes each of them


def _unknown_format(time_format: str) -> ValueError:
    return ValueError(f"unknown time format {time_format!r}; known: {', '.join(TIME_FORMATS)}")


def parse_date_dmy(value: object) -> date:
    match = _DMY.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"time data {value!r} does not match format '%d/%m/%Y'")
    day, month, year = map(int, match.groups())
    return date(year, month, day)


def parse_month_my(value: object) -> date:
    match = _MY.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"time data {value!r} does not match format '%m/%Y'")
    month, year = map(int, match.groups())
    return date(year, month, 1)


def parse_amount(value: object) -> Decimal:
    """A non-negative amount of VND, given as an integer or a decimal string."""
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    if amount < 0:
        raise ValueError(f"negative amount: {value!r}")
    return amount
