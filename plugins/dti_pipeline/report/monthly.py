"""The monthly report: one self-contained HTML file (plotly.js inlined, no CDN).

It reads only the published mart (dti_mart), as a BI tool would, so the report shows
exactly what readers see.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import psycopg
from plotly.io import to_html

from dti_pipeline.months import format_month
from dti_pipeline.paths import reports_dir

PILLARS = (
    ("digital_government_score", "Chính quyền số / Digital government"),
    ("digital_economy_score", "Kinh tế số / Digital economy"),
    ("digital_society_score", "Xã hội số / Digital society"),
)


def _rows(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[dict]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(query, params).fetchall()


def _figure_html(figure: go.Figure, first: list[bool]) -> str:
    # plotly.js (about 4.6 MB) is inlined once, with the first chart: the file works offline.
    include = first[0]
    first[0] = False
    figure.update_layout(template="plotly_white", margin={"l": 10, "r": 10, "t": 40, "b": 10})
    return to_html(figure, full_html=False, include_plotlyjs=include, config={"displaylogo": False})


def build_report_html(conn: psycopg.Connection, month: date) -> str:
    provinces = _rows(
        conn,
        """select f.*, u.unit_name as province_name from dti_mart.fct_dti_monthly f
             join dti_mart.dim_admin_unit u using (unit_key)
            where f.month = %s and f.unit_level = 'province' and f.dti_score is not null
            order by f.dti_rank""",
        (month,),
    )
    communes = _rows(
        conn,
        """select f.unit_name, f.dti_score, f.completeness, u.latitude, u.longitude
             from dti_mart.fct_dti_monthly f join dti_mart.dim_admin_unit u using (unit_key)
            where f.month = %s and f.unit_level = 'commune' and f.dti_score is not null""",
        (month,),
    )
    trend = _rows(
        conn,
        """select i.month, i.indicator_id, d.name_vi, d.name_en, i.unit_code, i.indicator_value
             from dti_mart.fct_indicator_monthly i join dti_mart.dim_indicator d using (indicator_id)
            where i.unit_level = 'province' and i.month <= %s and not i.is_missing
            order by i.month""",
        (month,),
    )
    completeness = _rows(
        conn,
        """select f.unit_level, count(*) as units, count(f.dti_score) as units_with_score,
                  avg(f.completeness) as mean_completeness
             from dti_mart.fct_dti_monthly f where f.month = %s group by f.unit_level
            order by f.unit_level desc""",
        (month,),
    )
    publication = _rows(
        conn,
        "select * from dti_mart.publication where month = %s and status = 'current'",
        (month,),
    )
    first = [True]
    sections = []

    names = [p["province_name"] for p in provinces]
    ranking = go.Figure()
    for column, label in PILLARS:
        ranking.add_bar(
            y=names,
            x=[float(p[column]) if p[column] is not None else None for p in provinces],
            name=label,
            orientation="h",
        )
    ranking.add_scatter(
        y=names,
        x=[float(p["dti_score"]) for p in provinces],
        mode="markers",
        name="DTI tổng / total",
        marker={"size": 12, "color": "black", "symbol": "diamond"},
    )
    ranking.update_layout(
        title="Xếp hạng tỉnh theo DTI và trụ cột / Province ranking by DTI and pillar",
        barmode="group",
        yaxis={"autorange": "reversed"},
        xaxis={"range": [0, 1]},
        height=200 + 60 * max(1, len(names)),
    )
    sections.append(("ranking", _figure_html(ranking, first)))

    movers = sorted(
        (p for p in provinces if p["dti_score_change"] is not None),
        key=lambda p: abs(float(p["dti_score_change"])),
        reverse=True,
    )[:10]
    mover_fig = go.Figure(
        go.Bar(
            x=[float(p["dti_score_change"]) for p in movers],
            y=[p["province_name"] for p in movers],
            orientation="h",
            marker={"color": ["#2a9d8f" if float(p["dti_score_change"]) >= 0 else "#e76f51" for p in movers]},
        )
    )
    mover_fig.update_layout(
        title="Thay đổi lớn nhất so với tháng trước / Biggest movers since last month",
        yaxis={"autorange": "reversed"},
        height=200 + 40 * max(1, len(movers)),
    )
    sections.append(("movers", _figure_html(mover_fig, first)))

    commune_map = go.Figure(
        go.Scatter(
            x=[c["longitude"] for c in communes],
            y=[c["latitude"] for c in communes],
            mode="markers",
            text=[c["unit_name"] for c in communes],
            marker={
                "size": 10,
                "color": [float(c["dti_score"]) for c in communes],
                "colorscale": "Viridis",
                "cmin": 0,
                "cmax": 1,
                "showscale": True,
                "colorbar": {"title": "DTI"},
            },
        )
    )
    commune_map.update_layout(
        title="Bản đồ xã theo DTI / Commune map coloured by DTI (longitude × latitude)",
        xaxis={"title": "kinh độ / longitude"},
        yaxis={"title": "vĩ độ / latitude", "scaleanchor": "x"},
        height=600,
    )
    sections.append(("map", _figure_html(commune_map, first)))

    trend_fig = go.Figure()
    for (_indicator, unit_code), points in _group(trend, ("indicator_id", "unit_code")).items():
        label = f"{points[0]['name_vi']} / {points[0]['name_en']} — {unit_code}"
        trend_fig.add_scatter(
            x=[p["month"] for p in points],
            y=[float(p["indicator_value"]) for p in points],
            mode="lines+markers",
            name=label,
        )
    trend_fig.update_layout(
        title="Xu hướng chỉ số theo tỉnh / Indicator trend by province",
        yaxis={"range": [0, 1]},
        height=450,
    )
    sections.append(("trend", _figure_html(trend_fig, first)))

    table_rows = "".join(
        f"<tr><td>{html.escape(r['unit_level'])}</td><td>{r['units']}</td>"
        f"<td>{r['units_with_score']}</td><td>{float(r['mean_completeness'] or 0):.1%}</td></tr>"
        for r in completeness
    )
    ranking_rows = "".join(
        f"<tr><td>{p['dti_rank']}</td><td>{html.escape(p['province_name'])}</td>"
        f"<td>{float(p['dti_score']):.3f}</td>"
        f"<td>{_signed(p['dti_rank_change'])}</td>"
        f"<td>{float(p['completeness']):.0%}</td></tr>"
        for p in provinces
    )
    pub = publication[0] if publication else {}
    meta = (
        f"Công bố / published {pub.get('published_at', '—')} · "
        f"phương pháp / methodology {html.escape(str(pub.get('methodology_version', '—')))} · "
        f"publication #{pub.get('publication_id', '—')}"
    )
    body = "\n".join(f'<section id="{sid}">{chart}</section>' for sid, chart in sections)
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<title>DTI {format_month(month)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }}
.meta {{ color: #666; }}
</style></head><body>
<h1>Chỉ số chuyển đổi số tháng {month:%m/%Y} / Digital transformation index, {month:%B %Y}</h1>
<p class="meta">{meta}</p>
<h2>Xếp hạng tỉnh / Province ranking</h2>
<table><tr><th>hạng / rank</th><th>tỉnh / province</th><th>DTI</th>
<th>thay đổi hạng / rank change</th><th>đầy đủ dữ liệu / completeness</th></tr>{ranking_rows}</table>
{body}
<section id="completeness"><h2>Mức đầy đủ dữ liệu / Data completeness</h2>
<table><tr><th>cấp / level</th><th>đơn vị / units</th><th>có điểm / with a score</th>
<th>đầy đủ TB / mean completeness</th></tr>{table_rows}</table></section>
</body></html>
"""


def _signed(value: int | None) -> str:
    return "" if value is None else f"{value:+d}"


def _group(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        grouped.setdefault(tuple(row[k] for k in keys), []).append(row)
    return grouped


def write_report(conn: psycopg.Connection, month: date, directory: Path | None = None) -> Path:
    directory = Path(directory or reports_dir())
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"dti-{format_month(month)}.html"
    path.write_text(build_report_html(conn, month), encoding="utf-8")
    return path
