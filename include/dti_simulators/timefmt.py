"""Months and the five contracts' time formats, in one place.

Every simulator keeps times as aware datetimes and only formats them at the edge, in
the format its contract names: ISO 8601 with +07:00 (e-office), dd/mm/yyyy HH:MM:SS
local (DVC), ISO 8601 UTC with Z (Postmart), epoch milliseconds (Voso), dd/mm/yyyy
(handbook).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dti_simulators.presets import VN


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=VN)


def month_end(month: date) -> datetime:
    """The first instant after the month (local time): months are half-open."""
    return month_start(next_month(month))


def month_of(moment: datetime) -> date:
    local = moment.astimezone(VN)
    return date(local.year, local.month, 1)


def iso_local(moment: datetime) -> str:
    return moment.astimezone(VN).isoformat(timespec="seconds")


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dvc_time(moment: datetime) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")


def parse_dvc_time(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M:%S").replace(tzinfo=VN)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def vn_date(moment: datetime | date) -> str:
    day = moment.astimezone(VN).date() if isinstance(moment, datetime) else moment
    return day.strftime("%d/%m/%Y")


def parse_iso_with_offset(text: str) -> datetime:
    """ISO 8601 that must carry an offset (`Z` allowed); ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if moment.tzinfo is None:
        raise ValueError("a UTC offset is required, e.g. +07:00 or Z")
    return moment


def seconds_in(month: date) -> int:
    return int((month_end(month) - month_start(month)).total_seconds())


def at_second(month: date, second: int) -> datetime:
    return month_start(month) + timedelta(seconds=second)
