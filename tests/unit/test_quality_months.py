"""The quality gate reads source times as the loader does and counts months in local time."""

from __future__ import annotations

from datetime import date

import pytest

from dti_pipeline.gates.quality import count_in_month

OCTOBER = date(2026, 10, 1)


@pytest.mark.parametrize(
    ("time_format", "values", "expected"),
    [
        # 17:30 UTC on 30 September is already 1 October in Vietnam (UTC+07:00)
        ("iso8601_utc", ["2026-09-30T17:30:00Z", "2026-09-30T16:59:59Z", "2026-10-31T17:00:00Z"], 1),
        ("iso8601", ["2026-10-01T00:00:00+07:00", "2026-09-30T23:59:59+07:00", "2026-10-31T18:00Z"], 1),
        ("vn_datetime", ["01/10/2026 00:00:00", "31/10/2026 23:59:59", "30/09/2026 23:59:59"], 2),
        # epoch milliseconds as the JSON numbers or strings the sources send
        ("epoch_ms", [1790789400000, "1790789400000", 1790787599000], 2),
    ],
)
def test_a_time_counts_in_its_local_month(time_format, values, expected):
    assert count_in_month(values, time_format, OCTOBER) == expected


def test_a_time_the_loader_could_not_read_is_an_error():
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        count_in_month(["2026-10-01"], "vn_datetime", OCTOBER)
