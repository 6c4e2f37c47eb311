"""The monthly report: one self-contained HTML file (plotly.js inlined, no CDN, works offline).

Its data is what BI readers see (report/data.py, through the BI reader's Connection when one
is defined); its charts are report/figures.py; this module lays out the sections: province
ranking with the pillar breakdown, biggest movers (with the causes the quality gate found), a
commune map, each indicator's trend, data completeness and, when the mart has it, the month's
statistical audit (fct_index_audit: each pillar's nominal weight against its effective
importance, and the flagged indicators).

Sections: province ranking with the pillar breakdown, biggest movers (with the causes the
quality gate found), a commune map from the reference coordinates coloured by score, each
indicator's trend, and data completeness (units, indicators, and the sources' loads).
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import psycopg

from dti_pipeline.months import format_month
from dti_pipeline.paths import reports_dir
from dti_pipeline.report.data import ReportUnavailable, load_month
from dti_pipeline.report.figures import COLOURS, Figures

__all__ = ["ReportUnavailable", "build_report_html", "report_connection", "write_report"]

MONTHS_VI = "tháng"


def _esc(value) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value, pattern: str = "{:.3f}") -> str:
    return "—" if value is None else pattern.format(value)


# -- sections ------------------------------------------------------------------------------------
def _ranking(data: dict, figures: Figures) -> str:
    provinces = [p for p in data["provinces"] if p.get("dti_score") is not None]
    names = [p["display_name"] for p in provinces]
    figure = go.Figure()
    for (column, label), colour in zip(data["pillars"], COLOURS, strict=False):
        figure.add_bar(
            y=names, x=[p.get(column) for p in provinces], name=label, orientation="h", marker_color=colour
        )
    figure.add_scatter(
        y=names,
        x=[p["dti_score"] for p in provinces],
        mode="markers",
        name="DTI tổng / total",
        marker={"size": 12, "color": "black", "symbol": "diamond"},
    )
    figure.update_layout(
        title="Xếp hạng tỉnh theo DTI và trụ cột / Province ranking by DTI and pillar",
        barmode="group",
        yaxis={"autorange": "reversed"},
        xaxis={"range": [0, 1], "title": "điểm / score (0–1)"},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        height=300 + 26 * max(1, len(names)) * max(1, len(data["pillars"])) // 2,
    )
    uncertainty = data["uncertainty"]
    header = "".join(f"<th>{_esc(label)}</th>" for _, label in data["pillars"])
    rows = []
    for p in provinces:
        u = uncertainty.get(p["unit_key"])
        interval = f"{u['rank_p05']:.0f}–{u['rank_p95']:.0f}" if u and u.get("rank_p05") is not None else ""
        pillar_cells = "".join(f"<td>{_fmt(p.get(c))}</td>" for c, _ in data["pillars"])
        change = p.get("dti_rank_change")
        rows.append(
            f"<tr><td>{_esc(p.get('dti_rank') or '—')}</td><td>{_esc(p['display_name'])}</td>"
            f"<td><b>{_fmt(p.get('dti_score'))}</b></td>{pillar_cells}"
            f"<td>{'' if change is None else f'{change:+d}'}</td>"
            + (f"<td>{interval}</td>" if uncertainty else "")
            + f"<td>{_fmt(p.get('completeness'), '{:.0%}')}</td>"
            + f"<td>{_fmt(p.get('coverage'), '{:.0%}')}</td></tr>"
        )
    table = (
        "<table><tr><th>hạng / rank</th><th>tỉnh / province</th><th>DTI</th>"
        f"{header}<th>thay đổi hạng / rank change</th>"
        + ("<th>khoảng hạng / rank interval (p05–p95)</th>" if uncertainty else "")
        + "<th>đầy đủ dữ liệu / completeness</th>"
        + "<th>độ phủ xã / communes covered</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    unscored = [p["display_name"] for p in data["provinces"] if p.get("dti_score") is None]
    without = (
        f"<p>{len(unscored)} tỉnh chưa có dữ liệu / provinces without data: {_esc(', '.join(unscored))}.</p>"
        if unscored
        else ""
    )
    partial = sorted({p["partial_sources"] for p in provinces if p.get("partial_sources")})
    partial_note = (
        "<p class='warning'>Tháng có dữ liệu chưa trọn lịch sử / A partial month: the history of "
        f"{_esc(', '.join(partial))} does not cover all this month counts (the first month of the "
        "data, or flows that look back before it). Units are ranked with this flag; changes from "
        "and to a partial month are not given (docs/methodology.md#partial-months).</p>"
        if partial
        else ""
    )
    low = [p for p in provinces if p.get("coverage") is not None and p["coverage"] < 1]
    coverage_note = (
        f"<p>{len(low)} tỉnh được tính trên một phần số xã / provinces scored on part of their communes "
        "(column «communes covered»): their values speak for the communes that delivered data.</p>"
        if low
        else ""
    )
    return (
        '<section id="ranking"><h2>Xếp hạng tỉnh / Province ranking</h2>'
        + partial_note
        + table
        + coverage_note
        + without
        + figures.html(figure, "chart-ranking")
        + "</section>"
    )


def _movers(data: dict, figures: Figures) -> str:
    provinces = [p for p in data["provinces"] if p.get("dti_score_change") is not None]
    movers = sorted(provinces, key=lambda p: abs(p["dti_score_change"]), reverse=True)[:10]
    figure = go.Figure(
        go.Bar(
            x=[p["dti_score_change"] for p in movers],
            y=[p["display_name"] for p in movers],
            orientation="h",
            marker={"color": ["#2a9d8f" if p["dti_score_change"] >= 0 else "#e76f51" for p in movers]},
            text=[f"{p['dti_score_change']:+.3f}" for p in movers],
            textposition="auto",
        )
    )
    figure.update_layout(
        title="Thay đổi lớn nhất so với tháng trước / Biggest movers since last month (DTI)",
        yaxis={"autorange": "reversed"},
        xaxis={"title": "thay đổi điểm / change in score"},
        height=220 + 36 * max(1, len(movers)),
    )
    checks = data["publication"].get("checks") or {}
    flagged = (checks.get("quality") or {}).get("movers") or []
    notes = ""
    if flagged:
        items = []
        for mover in flagged[:15]:
            causes = ", ".join(
                f"{_esc(c['indicator_id'])} ({_fmt(c['change'], '{:+.3f}')})" for c in mover.get("causes", [])
            )
            items.append(
                f"<li>{_esc(mover['unit_name'])} ({_esc(mover['unit_level'])}): "
                f"{mover['previous']:.3f} → {mover['score']:.3f} ({mover['change']:+.3f}); "
                f"chỉ số thay đổi nhiều nhất / moved most: {causes or '—'}</li>"
            )
        limit = (checks.get("quality") or {}).get("settings", {}).get("plausibility_max_change")
        notes = (
            f"<p>Đơn vị thay đổi quá {limit} điểm / units that moved more than {limit} "
            f"(kiểm tra tính hợp lý / plausibility check):</p><ul>{''.join(items)}</ul>"
        )
    empty = "" if movers else "<p>Chưa có tháng trước để so sánh / no previous month to compare with.</p>"
    return (
        '<section id="movers"><h2>Biến động / Biggest movers</h2>'
        + empty
        + figures.html(figure, "chart-movers")
        + notes
        + "</section>"
    )


def _map(data: dict, figures: Figures) -> str:
    communes = data["communes"]
    scored = [c for c in communes if c.get("dti_score") is not None]
    unscored = [c for c in communes if c.get("dti_score") is None]
    figure = go.Figure()
    figure.add_scatter(
        x=[c["longitude"] for c in unscored],
        y=[c["latitude"] for c in unscored],
        mode="markers",
        name="không có dữ liệu / no data",
        marker={"size": 3, "color": "#d9d9d9"},
        text=[f"{c['display_name']}, {c['province_name']}: no data" for c in unscored],
        hoverinfo="text",
    )
    figure.add_scatter(
        x=[c["longitude"] for c in scored],
        y=[c["latitude"] for c in scored],
        mode="markers",
        name="DTI xã / commune DTI",
        text=[f"{c['display_name']}, {c['province_name']}: {c['dti_score']:.3f}" for c in scored],
        hoverinfo="text",
        marker={
            "size": 9,
            "color": [c["dti_score"] for c in scored],
            "colorscale": "Viridis",
            "cmin": 0,
            "cmax": 1,
            "showscale": True,
            "colorbar": {"title": "DTI"},
            "line": {"width": 0.5, "color": "#333"},
        },
    )
    figure.update_layout(
        title="Bản đồ xã theo DTI / Communes coloured by DTI (kinh độ × vĩ độ / longitude × latitude)",
        xaxis={"title": "kinh độ / longitude"},
        yaxis={"title": "vĩ độ / latitude", "scaleanchor": "x"},
        legend={"orientation": "h", "y": -0.1},
        height=760,
    )
    return (
        '<section id="map"><h2>Bản đồ xã / Commune map</h2>'
        f"<p>{len(scored)} xã có điểm / communes with a score, "
        f"{len(unscored)} chưa có dữ liệu / without data.</p>"
        + figures.html(figure, "chart-map")
        + "</section>"
    )


def _trends(data: dict, figures: Figures) -> str:
    names = {p["unit_key"]: p["display_name"] for p in data["provinces"]}
    by_indicator: dict[str, dict[str, list[dict]]] = {}
    for row in data["trend"]:
        by_indicator.setdefault(row["indicator_id"], {}).setdefault(row["unit_key"], []).append(row)
    parts = []
    for number, indicator in enumerate(data["indicators"]):
        series = by_indicator.get(indicator["indicator_id"], {})
        figure = go.Figure()
        for unit_key, points in sorted(series.items(), key=lambda kv: names.get(kv[0], kv[0])):
            figure.add_scatter(
                x=[format_month(p["month"]) for p in points],
                y=[p["indicator_value"] for p in points],
                mode="lines+markers",
                name=names.get(unit_key, unit_key),
            )
        unit = indicator.get("unit_label") or ""
        figure.update_layout(
            title={
                "text": f"{_esc(indicator.get('name_vi'))}<br><sub>{_esc(indicator.get('name_en'))}</sub>",
                "font": {"size": 13},
            },
            yaxis={"title": f"giá trị / value{f' ({unit})' if unit else ''}"},
            xaxis={"type": "category", "title": f"{MONTHS_VI} / month"},
            height=320,
            showlegend=len(series) <= 12,
            legend={"font": {"size": 10}},
        )
        if not series:
            figure.add_annotation(
                text="chưa có dữ liệu / no data yet",
                showarrow=False,
                x=0.5,
                y=0.5,
                xref="paper",
                yref="paper",
            )
        parts.append(figures.html(figure, f"chart-trend-{number}"))
    return (
        '<section id="trends"><h2>Xu hướng từng chỉ số theo tỉnh / Each indicator\'s trend by province</h2>'
        + '<div class="trends">'
        + "".join(f'<div class="trend">{p}</div>' for p in parts)
        + "</div></section>"
    )


def _completeness(data: dict, figures: Figures) -> str:
    level_rows = "".join(
        f"<tr><td>{_esc(r['unit_level'])}</td><td>{r['units']}</td><td>{r['units_with_score']}</td>"
        f"<td>{_fmt(r['mean_completeness'], '{:.1%}')}</td></tr>"
        for r in data["levels"]
    )
    names = {i["indicator_id"]: i.get("name_en") or i["indicator_id"] for i in data["indicators"]}
    figure = go.Figure()
    for level, colour in (("province", "#264653"), ("commune", "#2a9d8f")):
        rows = [r for r in data["coverage"] if r["unit_level"] == level]
        if rows:
            figure.add_bar(
                y=[names.get(r["indicator_id"], r["indicator_id"]) for r in rows],
                x=[r["with_value"] / r["units"] if r["units"] else 0 for r in rows],
                name={"province": "tỉnh / provinces", "commune": "xã / communes"}[level],
                orientation="h",
                marker_color=colour,
            )
    figure.update_layout(
        title="Tỷ lệ đơn vị có giá trị theo chỉ số / Share of units with a value, by indicator",
        xaxis={"range": [0, 1], "tickformat": ".0%"},
        yaxis={"autorange": "reversed"},
        barmode="group",
        height=240 + 34 * max(1, len(data["indicators"])),
    )
    checks = data["publication"].get("checks") or {}
    gate = checks.get("completeness") or {}
    load_rows = "".join(
        f"<tr><td>{_esc(e['source'])}.{_esc(e['entity'])}</td><td>{_esc(e['history'])}</td>"
        f"<td>{e['windows_served']} / {e['windows_needed']}</td>"
        f"<td>{e['rows_loaded']:,}</td><td>{e['rows_quarantined']:,}</td>"
        f"<td>{'✔' if not e['problems'] else _esc('; '.join(e['problems']))}</td></tr>"
        for e in gate.get("entities", [])
    )
    loads = (
        "<h3>Dữ liệu nguồn của tháng / The month's source loads</h3>"
        "<table><tr><th>nguồn / source</th><th>lịch sử / history</th><th>lần tải cần có / loads needed</th>"
        "<th>bản ghi / rows</th><th>cách ly / quarantined</th><th>tình trạng / status</th></tr>"
        f"{load_rows}</table>"
        if load_rows
        else ""
    )
    warnings = (checks.get("quality") or {}).get("warnings", []) + gate.get("problems", [])
    warning_html = (
        "<h3>Cảnh báo / Warnings</h3><ul>"
        + "".join(f"<li><pre>{_esc(w)}</pre></li>" for w in warnings)
        + "</ul>"
        if warnings
        else ""
    )
    return (
        '<section id="completeness"><h2>Mức đầy đủ dữ liệu / Data completeness</h2>'
        "<table><tr><th>cấp / level</th><th>đơn vị / units</th><th>có điểm / with a score</th>"
        f"<th>đầy đủ TB / mean completeness</th></tr>{level_rows}</table>"
        + figures.html(figure, "chart-completeness")
        + loads
        + warning_html
        + "</section>"
    )


def _audit(data: dict) -> str:
    """Per level: each pillar's nominal weight against its effective importance, and the
    indicators the audit flags (constant, or in a pair correlating above the threshold)."""
    if not data["audit"]:
        return ""
    labels = {column.removesuffix("_score"): label for column, label in data["pillars"]}
    names = {i["indicator_id"]: i.get("name_en") or i["indicator_id"] for i in data["indicators"]}
    parts = []
    for level, title in (("province", "Tỉnh / Provinces"), ("commune", "Xã / Communes")):
        rows = [r for r in data["audit"] if r["unit_level"] == level]
        if not rows:
            continue
        pillar_rows = "".join(
            f"<tr><td>{_esc(labels.get(r['subject_id'], r['subject_id']))}</td>"
            f"<td>{_fmt(r['nominal_weight'], '{:.0%}')}</td><td>{_fmt(r['importance_share'], '{:.0%}')}</td>"
            f"<td>{_fmt(r['effective_importance'])}</td></tr>"
            for r in rows
            if r["audit_kind"] == "pillar"
        )
        flags = [
            f"<li>{_esc(names.get(r['subject_id'], r['subject_id']))}: "
            "không đổi giữa các đơn vị / the same score in every unit</li>"
            for r in rows
            if r["audit_kind"] == "indicator" and r["is_constant"]
        ] + [
            f"<li>{_esc(names.get(r['subject_id'], r['subject_id']))} ↔ "
            f"{_esc(names.get(r['paired_indicator_id'], r['paired_indicator_id']))}: "
            f"tương quan / correlation {_fmt(r['pair_correlation'])} (trùng lặp / double counting)</li>"
            for r in rows
            if r["audit_kind"] == "indicator_pair"
        ]
        parts.append(
            f"<h3>{title}</h3>"
            "<table><tr><th>trụ cột / pillar</th><th>trọng số / nominal weight</th>"
            "<th>tầm quan trọng thực / effective importance (share)</th>"
            "<th>r² với DTI / with the DTI</th></tr>"
            f"{pillar_rows}</table>"
            + (
                f"<p>Chỉ số bị gắn cờ / Flagged indicators:</p><ul>{''.join(flags)}</ul>"
                if flags
                else "<p>Không có chỉ số bị gắn cờ / no flagged indicator.</p>"
            )
        )
    return (
        '<section id="audit"><h2>Kiểm định thống kê / Statistical audit</h2>'
        "<p class='meta'>Tầm quan trọng thực của trụ cột: bình phương tương quan với DTI giữa các đơn vị, "
        "so với trọng số danh nghĩa / a pillar's effective importance is its squared correlation with "
        "the DTI across the units, beside its nominal weight (docs/methodology.md, "
        "The monthly audit).</p>" + "".join(parts) + "</section>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1180px; color: #222;
       padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #2a9d8f; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
td, th { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f3f6f6; }
.meta { color: #555; } pre { white-space: pre-wrap; margin: 0; }
.warning { background: #fff4e5; border-left: 4px solid #e76f51; padding: .4rem .8rem; }
nav a { margin-right: 1rem; }
.trends { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: .5rem; }
"""


def build_report_html(conn: psycopg.Connection, month: date) -> str:
    data = load_month(conn, month)
    figures = Figures()
    sections = [
        _ranking(data, figures),
        _movers(data, figures),
        _map(data, figures),
        _trends(data, figures),
        _completeness(data, figures),
        _audit(data),
    ]
    pub = data["publication"]
    meta = (
        f"Công bố / published {_esc(pub.get('published_at'))} · "
        f"phương pháp / methodology {_esc(pub.get('methodology_version'))} · "
        f"công bố số / publication #{_esc(pub.get('publication_id'))} · "
        f"lần chạy / run {_esc(pub.get('run_id') or '—')} · "
        f"mã nội dung / content {_esc(pub.get('content_hash'))}"
    )
    earlier = data["earlier_publications"]
    revision = ""
    if earlier:
        last = earlier[0]
        revision = (
            f"<p class='warning' id='revision'>Bản sửa đổi / Revised: this publication replaces "
            f"#{_esc(last['publication_id'])} of {_esc(last['published_at'])} (methodology "
            f"{_esc(last['methodology_version'])}, content {_esc(last['content_hash'])}); "
            f"{len(earlier)} earlier version(s) stay in dti_mart.fct_dti_monthly_versions.</p>"
        )
    summary = json.dumps(
        {
            "month": format_month(month),
            "publication_id": pub.get("publication_id"),
            "revised_from": earlier[0]["publication_id"] if earlier else None,
            "provinces_ranked": sum(1 for p in data["provinces"] if p.get("dti_rank") is not None),
            "indicators": len(data["indicators"]),
        }
    )
    audit_link = '<a href="#audit">Kiểm định / Audit</a>' if data["audit"] else ""
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DTI {format_month(month)}</title>
<style>{STYLE}</style>
<script type="application/json" id="report-summary">{summary}</script>
</head><body>
<h1>Chỉ số chuyển đổi số tháng {month:%m/%Y} / Digital transformation index, {month:%B %Y}</h1>
<p class="meta">{meta}</p>
{revision}
<nav><a href="#ranking">Xếp hạng / Ranking</a><a href="#movers">Biến động / Movers</a>
<a href="#map">Bản đồ / Map</a><a href="#trends">Xu hướng / Trends</a>
<a href="#completeness">Đầy đủ dữ liệu / Completeness</a>{audit_link}</nav>
{"".join(sections)}
<p class="meta">Điểm 0–1 theo mục tiêu cố định; giá trị thiếu không bao giờ được tính là 0 /
Scores on 0–1 against fixed targets; a missing value is never counted as zero (docs/methodology.md).</p>
</body></html>
"""


def report_connection() -> psycopg.Connection:
    """The BI reader's Connection when the deployment defines one, else the warehouse's."""
    from dti_pipeline.warehouse.connection import connect

    return connect("dti_bi_reader")


def write_report(conn: psycopg.Connection, month: date, directory: Path | None = None) -> Path:
    directory = Path(directory or reports_dir())
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"dti-{format_month(month)}.html"
    text = build_report_html(conn, month)
    partial = path.with_suffix(".html.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # a reader of the folder never sees half a report
    return path
