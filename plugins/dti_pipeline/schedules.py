"""The data intervals of a source's schedule, in Vietnam's time zone.

One definition for the extract DAGs' timetables, the completeness gate and backfills, so
that they always agree on which intervals make up a month.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from croniter import croniter

from dti_pipeline.months import LOCAL_TZ

CRON_ALIASES = {
    "@daily": "0 0 * * *",
    "@monthly": "0 0 1 * *",
    "@hourly": "0 * * * *",
    "@weekly": "0 0 * * 0",
}
Interval = tuple[datetime, datetime]


def cron_of(schedule: str) -> str:
    return CRON_ALIASES.get(schedule, schedule)


def scheduled_intervals(schedule: str, start: datetime, end: datetime) -> list[Interval]:
    """The data intervals of a cron schedule (local time) that overlap [start, end)."""
    cron = cron_of(schedule)
    first = croniter(cron, start.astimezone(LOCAL_TZ) + timedelta(seconds=1)).get_prev(datetime)
    times = [first]
    following = croniter(cron, first)
    while times[-1] < end:
        times.append(following.get_next(datetime))
    return [(a, b) for a, b in pairwise(times) if b > start and a < end]
