"""The monthly report's charts as HTML: plotly figures, with plotly.js inlined once so the
report stays one file that opens offline (it is mailed and archived on its own)."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.io import to_html

COLOURS = ("#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#8ab17d", "#6d597a", "#b56576")


class Figures:
    """Turns figures into HTML; plotly.js (about 4.6 MB) is inlined once, with the first."""

    def __init__(self) -> None:
        self.first = True

    def html(self, figure: go.Figure, div_id: str) -> str:
        figure.update_layout(
            template="plotly_white",
            margin={"l": 10, "r": 10, "t": 50, "b": 10},
            font={"family": "system-ui, sans-serif"},
        )
        include = self.first
        self.first = False
        return to_html(
            figure,
            full_html=False,
            include_plotlyjs=include,
            div_id=div_id,
            config={"displaylogo": False, "responsive": True},
        )
