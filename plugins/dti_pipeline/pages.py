"""A page of records as a source delivered it: what the client yields and the loader takes.

Shared by extract (which makes pages) and load (which lands them), so it imports nothing
else of the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Page:
    number: int
    records: list[Any]
    reported_total: int | None


class MalformedRow(dict):
    """A CSV row whose number of fields differs from the header's: its values cannot be
    trusted to sit under the right names, so the loader quarantines it whole."""

    def __init__(self, row: dict, problem: str):
        super().__init__(row)
        self.problem = problem
