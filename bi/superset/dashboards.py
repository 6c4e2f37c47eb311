"""The DTI dashboards as code: the charts and dashboards, written out in Superset's import format.

`bundle()` returns the files of a Superset export (metadata.yaml, databases/, datasets/,
charts/, dashboards/), which bootstrap.py imports at every start, overwriting what is there:
the repository is the source of truth. Identifiers are UUIDs derived from names, so a chart
keeps its identity (and its links) across imports.

Every chart reads one `dti_mart.bi_*` view (bi/views/, documented in the dbt source
`dti_mart`) as the role dti_bi_reader, and carries a Vietnamese and an English label. The
dashboards' filters are month, province and pillar; each applies to the charts whose view has
its column (`month_label`, `province_name`, `pillar_label`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import yaml

NAMESPACE = uuid.UUID("6f1d3c1e-2b5a-4d0e-9a51-0d7a1f3b2c44")
DATABASE_NAME = "DTI warehouse (dti_mart)"
SCHEMA = "dti_mart"
VERSION = "1.0.0"


def _uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{name}"))


DATABASE_UUID = _uuid("database", "dti_warehouse")

# Column labels shown in tables, axes and filters (dataset verbose names), in both languages.
COLUMN_LABELS = {
    "month": "Tháng / Month",
    "month_label": "Tháng / Month",
    "unit_level_label": "Cấp / Level",
    "unit_name": "Đơn vị / Unit",
    "unit_label": "Đơn vị / Unit",
    "unit_code": "Mã / Code",
    "province_name": "Tỉnh / Province",
    "dti_score": "DTI",
    "dti_score_band": "Nhóm điểm / Score band",
    "digital_government_score": "Chính quyền số / Digital government",
    "digital_economy_score": "Kinh tế số / Digital economy",
    "digital_society_score": "Xã hội số / Digital society",
    "dti_rank": "Hạng / Rank",
    "units_ranked": "Số đơn vị xếp hạng / Units ranked",
    "rank_interval": "Khoảng hạng 5–95% / Rank interval 5–95%",
    "dti_score_change": "Thay đổi điểm / Score change",
    "dti_rank_change": "Bậc tăng / Places gained",
    "completeness": "Độ đầy đủ / Completeness",
    "coverage": "Độ phủ xã / Communes covered",
    "partial_history": "Lịch sử dữ liệu / Data history",
    "pillar_label": "Trụ cột / Pillar",
    "pillar_score": "Điểm trụ cột / Pillar score",
    "indicator_label": "Chỉ số / Indicator",
    "unit_of_measure_label": "Đơn vị đo / Unit of measure",
    "direction_label": "Hướng / Direction",
    "target": "Mục tiêu / Target",
    "weight": "Trọng số / Weight",
    "source": "Nguồn / Source",
    "methodology_version": "Phiên bản phương pháp / Methodology version",
    "publication_id": "Bản công bố / Publication",
    "status_label": "Trạng thái / Status",
    "published_at_label": "Thời điểm công bố / Published at",
    "content_hash_short": "Mã băm / Content hash",
    "provinces_scored": "Tỉnh có điểm / Provinces scored",
    "communes_scored": "Xã có điểm / Communes scored",
    "mean_province_completeness": "Độ đầy đủ TB / Mean completeness",
}
DATASETS = (
    "bi_unit_monthly",
    "bi_province_ranking",
    "bi_pillar_monthly",
    "bi_indicator_monthly",
    "bi_indicator_wide",
    "bi_indicator_catalogue",
    "bi_publication_status",
)
# The catalogue's indicators in its order (Superset's container sees only bi/superset/, not the
# seed): tests/unit/test_bi_indicator_columns.py keeps this copy equal to the catalogue.
INDICATOR_COLUMNS = (
    "gov_docs_electronic_share",
    "gov_docs_signed_share",
    "gov_docs_on_time_share",
    "gov_officials_active_share",
    "gov_officials_signing_share",
    "gov_procedures_full_online_share",
    "gov_applications_online_share",
    "gov_applications_on_time_share",
    "gov_fees_paid_online_share",
    "gov_results_digitised_share",
    "gov_satisfaction_share",
    "econ_shops_per_1000_households",
    "econ_products_per_shop",
    "econ_active_shops_share",
    "econ_orders_per_1000_people",
    "econ_sales_per_capita_vnd",
    "econ_payment_accounts_share",
    "soc_buyer_accounts_share",
    "soc_cells_on_platform_share",
    "soc_members_with_account_share",
    "soc_members_active_share",
)


def metric(expression: str, label: str) -> dict:
    return {
        "expressionType": "SQL",
        "sqlExpression": expression,
        "label": label,
        "hasCustomLabel": True,
        "optionName": "metric_" + uuid.uuid5(NAMESPACE, expression + label).hex[:12],
    }


def where(clause: str) -> dict:
    return {
        "expressionType": "SQL",
        "clause": "WHERE",
        "sqlExpression": clause,
        "filterOptionName": "filter_" + uuid.uuid5(NAMESPACE, clause).hex[:12],
    }


PROVINCES = where("unit_level = 'province'")
COMMUNES = where("unit_level = 'commune'")


@dataclass
class Chart:
    key: str
    title: str
    dataset: str
    viz_type: str
    params: dict
    width: int = 6
    height: int = 50

    @property
    def uuid(self) -> str:
        return _uuid("chart", self.key)


def table(key, title, dataset, columns, order_by, filters=(), row_limit=100, **layout) -> Chart:
    """A table of rows as they are (raw mode), sorted."""
    return Chart(
        key,
        title,
        dataset,
        "table",
        {
            "query_mode": "raw",
            "all_columns": list(columns),
            "order_by_cols": [f'["{column}", {str(asc).lower()}]' for column, asc in order_by],
            "adhoc_filters": list(filters),
            "row_limit": row_limit,
            "server_pagination": False,
            "include_search": False,
            "show_cell_bars": True,
            "table_timestamp_format": "smart_date",
        },
        **layout,
    )


def big_number(key, title, dataset, measure, filters=(), number_format="SMART_NUMBER", **layout) -> Chart:
    return Chart(
        key,
        title,
        dataset,
        "big_number_total",
        {
            "metric": measure,
            "adhoc_filters": list(filters),
            "subheader": "",
            "y_axis_format": number_format,
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
        },
        width=4,
        height=22,
        **layout,
    )


def bars(key, title, dataset, x_axis, metrics, groupby=(), filters=(), horizontal=False, **layout) -> Chart:
    """Bars over a category (not time): one bar per value of `x_axis`, one series per group."""
    return Chart(
        key,
        title,
        dataset,
        "echarts_timeseries_bar",
        {
            "x_axis": x_axis,
            "metrics": list(metrics),
            "groupby": list(groupby),
            "adhoc_filters": list(filters),
            "orientation": "horizontal" if horizontal else "vertical",
            "x_axis_sort_asc": True,
            "row_limit": 10000,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "rich_tooltip": True,
            "y_axis_format": "SMART_NUMBER",
            "xAxisLabelRotation": 0 if horizontal else 45,
            "truncate_metric": True,
            "show_empty_columns": True,
        },
        **layout,
    )


def lines(key, title, dataset, measure, groupby, filters=(), **layout) -> Chart:
    """A line per group over the months."""
    return Chart(
        key,
        title,
        dataset,
        "echarts_timeseries_line",
        {
            "x_axis": "month",
            "time_grain_sqla": "P1M",
            "metrics": [measure],
            "groupby": list(groupby),
            "adhoc_filters": list(filters),
            "row_limit": 10000,
            "show_legend": True,
            "legendType": "scroll",
            "legendOrientation": "top",
            "rich_tooltip": True,
            "markerEnabled": True,
            "markerSize": 6,
            "y_axis_format": "SMART_NUMBER",
            "x_axis_time_format": "%Y-%m",
            "truncate_metric": True,
        },
        **layout,
    )


@dataclass
class Dashboard:
    slug: str
    title: str
    rows: list[list[Chart | str]]  # a str is a markdown panel
    filters: tuple[str, ...] = ("month", "province", "pillar")
    charts: list[Chart] = field(init=False)

    def __post_init__(self) -> None:
        self.charts = [c for row in self.rows for c in row if isinstance(c, Chart)]

    @property
    def uuid(self) -> str:
        return _uuid("dashboard", self.slug)


# Which view column each filter sets, and the view a filter takes its values from.
FILTERS = {
    "month": ("Tháng / Month", "month_label", "bi_unit_monthly"),
    "province": ("Tỉnh / Province", "province_name", "bi_unit_monthly"),
    "pillar": ("Trụ cột / Pillar", "pillar_label", "bi_pillar_monthly"),
}
# The columns each view has among the filters' columns.
FILTERABLE = {
    "bi_unit_monthly": {"month_label", "province_name"},
    "bi_province_ranking": {"month_label", "province_name"},
    "bi_pillar_monthly": {"month_label", "province_name", "pillar_label"},
    "bi_indicator_monthly": {"month_label", "province_name", "pillar_label"},
    "bi_indicator_wide": {"month_label", "province_name"},
    "bi_indicator_catalogue": {"pillar_label"},
    "bi_publication_status": {"month_label"},
}

METHODOLOGY = """
### Phương pháp / Methodology

**Chỉ số DTI tháng** đo chuyển đổi số của mỗi tỉnh và xã từ chính các hệ thống vận hành
(quản lý văn bản, dịch vụ công, Postmart và Voso, Sổ tay đảng viên), theo ba trụ cột:
chính quyền số (40%), kinh tế số (30%), xã hội số (30%). Mỗi chỉ số thành phần là một tỷ lệ
hoặc mật độ, chấm điểm 0–1 so với mục tiêu cố định; thiếu dữ liệu không bao giờ tính là 0.

**The monthly DTI** measures each province's and commune's digital transformation from the
operational systems themselves (e-office, public services, Postmart and Voso, the party-member
handbook), in three pillars: digital government (40%), digital economy (30%), digital
society (30%). Each component indicator is a share or a rate, scored 0–1 against a fixed
target; missing data is never counted as 0.

Mỗi tháng chỉ hiển thị bản công bố hiện hành / Each month shows its current publication only.
Chi tiết / Details: `docs/methodology.md`.
"""


def _charts() -> dict[str, Chart]:
    avg_dti = metric("AVG(dti_score)", "DTI trung bình / Mean DTI")
    charts = [
        big_number(
            "overview_provinces_scored",
            "Số tỉnh có điểm DTI / Provinces with a DTI score",
            "bi_unit_monthly",
            metric("SUM(is_scored)", "Tỉnh có điểm / Provinces scored"),
            [PROVINCES],
        ),
        big_number(
            "overview_mean_dti",
            "DTI trung bình các tỉnh / Mean provincial DTI",
            "bi_unit_monthly",
            avg_dti,
            [PROVINCES],
            number_format=".3f",
        ),
        big_number(
            "overview_mean_completeness",
            "Độ đầy đủ dữ liệu trung bình / Mean data completeness",
            "bi_unit_monthly",
            metric("AVG(completeness)", "Độ đầy đủ / Completeness"),
            [PROVINCES],
            number_format=".0%",
        ),
        table(
            "overview_ranking",
            "Xếp hạng tỉnh theo DTI, ba trụ cột và khoảng hạng / "
            "Province ranking by DTI, the three pillars and the rank interval",
            "bi_province_ranking",
            [
                "dti_rank",
                "province_name",
                "dti_score",
                "digital_government_score",
                "digital_economy_score",
                "digital_society_score",
                "rank_interval",
                "dti_rank_change",
                "coverage",
                "partial_history",
            ],
            [("dti_rank", True)],
            [where("dti_rank IS NOT NULL")],
            width=7,
            height=80,
        ),
        bars(
            "overview_pillars",
            "Điểm ba trụ cột theo tỉnh / The three pillars by province",
            "bi_pillar_monthly",
            "province_name",
            [metric("AVG(pillar_score)", "Điểm trụ cột / Pillar score")],
            ["pillar_label"],
            [PROVINCES],
            horizontal=True,
            width=5,
            height=80,
        ),
        table(
            "overview_movers",
            "Tỉnh biến động lớn nhất so với tháng trước / Biggest movers since the previous month",
            "bi_unit_monthly",
            ["province_name", "dti_score", "dti_score_change", "dti_rank", "dti_rank_change"],
            [("dti_score_change_abs", False)],
            [PROVINCES, where("dti_score_change IS NOT NULL")],
            row_limit=10,
            width=5,
            height=50,
        ),
        bars(
            "overview_coverage",
            "Độ phủ và độ đầy đủ dữ liệu các xã theo tỉnh / "
            "Coverage and completeness of communes by province",
            "bi_unit_monthly",
            "province_name",
            [
                metric("AVG(is_scored)", "Tỷ lệ xã có điểm / Share of communes scored"),
                metric("AVG(completeness)", "Độ đầy đủ dữ liệu / Data completeness"),
            ],
            filters=[COMMUNES],
            width=7,
            height=50,
        ),
        Chart(
            "map_communes",
            "Bản đồ xã theo toạ độ, màu theo nhóm điểm DTI / Communes by coordinates, coloured by DTI band",
            "bi_unit_monthly",
            "bubble_v2",
            {
                "entity": "unit_label",
                "series": "dti_score_band",
                "x": metric("MAX(longitude)", "Kinh độ / Longitude"),
                "y": metric("MAX(latitude)", "Vĩ độ / Latitude"),
                "size": metric("MAX(dti_score)", "DTI"),
                "adhoc_filters": [COMMUNES, where("dti_score IS NOT NULL")],
                "row_limit": 20000,
                "max_bubble_size": "8",
                "opacity": 0.7,
                "show_legend": True,
                "legendType": "scroll",
                "legendOrientation": "top",
                "x_axis_label": "Kinh độ / Longitude",
                "y_axis_label": "Vĩ độ / Latitude",
                "xAxisFormat": ".2f",
                "y_axis_format": ".2f",
                "truncateXAxis": True,
                "truncateYAxis": True,
                "tooltipSizeFormat": ".3f",
            },
            width=8,
            height=110,
        ),
        bars(
            "map_bands",
            "Số xã theo nhóm điểm DTI / Communes per DTI band",
            "bi_unit_monthly",
            "dti_score_band",
            [metric("COUNT(*)", "Số xã / Communes")],
            filters=[COMMUNES],
            width=4,
            height=50,
        ),
        table(
            "map_leading_communes",
            "Xã dẫn đầu / Leading communes",
            "bi_unit_monthly",
            ["dti_rank", "unit_name", "province_name", "dti_score", "completeness"],
            [("dti_rank", True)],
            [COMMUNES, where("dti_rank IS NOT NULL")],
            row_limit=25,
            width=4,
            height=60,
        ),
        lines(
            "trend_dti_by_province",
            "DTI theo tháng và tỉnh / DTI per month and province",
            "bi_unit_monthly",
            avg_dti,
            ["province_name"],
            [PROVINCES],
            width=12,
            height=60,
        ),
        lines(
            "trend_indicators",
            "Điểm chỉ số thành phần theo tháng (TB các tỉnh đã chọn) / "
            "Indicator scores per month (mean of the provinces chosen)",
            "bi_indicator_monthly",
            metric("AVG(score)", "Điểm TB / Mean score"),
            ["indicator_label"],
            [PROVINCES],
            width=6,
            height=60,
        ),
        lines(
            "trend_pillars",
            "Điểm trụ cột theo tháng (TB các tỉnh đã chọn) / "
            "Pillar scores per month (mean of the provinces chosen)",
            "bi_pillar_monthly",
            metric("AVG(pillar_score)", "Điểm TB / Mean score"),
            ["pillar_label"],
            [PROVINCES],
            width=6,
            height=60,
        ),
        table(
            "trend_indicator_table",
            "Điểm chỉ số thành phần của các tỉnh trong tháng / Provinces' indicator scores in the month",
            "bi_indicator_wide",
            ["province_name", *INDICATOR_COLUMNS],
            [("province_name", True)],
            width=12,
            height=70,
        ),
        table(
            "status_publications",
            "Các bản công bố: phiên bản, thời điểm, phương pháp, độ phủ / "
            "Publications: version, time, methodology, coverage",
            "bi_publication_status",
            [
                "month_label",
                "publication_id",
                "status_label",
                "published_at_label",
                "methodology_version",
                "content_hash_short",
                "provinces_scored",
                "communes_scored",
                "mean_province_completeness",
            ],
            [("month_label", False), ("publication_id", False)],
            width=12,
            height=50,
        ),
        table(
            "status_catalogue",
            "Danh mục chỉ số / Indicator catalogue",
            "bi_indicator_catalogue",
            [
                "pillar_label",
                "indicator_label",
                "unit_of_measure_label",
                "direction_label",
                "target",
                "weight",
                "source",
            ],
            [("pillar_label", True), ("indicator_label", True)],
            width=7,
            height=70,
        ),
        bars(
            "status_indicator_coverage",
            "Tỷ lệ đơn vị có dữ liệu theo chỉ số / Share of units with data per indicator",
            "bi_indicator_monthly",
            "indicator_label",
            [metric("AVG(has_value)", "Tỷ lệ có dữ liệu / Share with data")],
            ["unit_level"],
            horizontal=True,
            width=5,
            height=70,
        ),
    ]
    return {c.key: c for c in charts}


def dashboards() -> list[Dashboard]:
    c = _charts()
    return [
        Dashboard(
            "dti-overview",
            "Tổng quan DTI toàn quốc / National DTI overview",
            [
                [c["overview_provinces_scored"], c["overview_mean_dti"], c["overview_mean_completeness"]],
                [c["overview_ranking"], c["overview_pillars"]],
                [c["overview_movers"], c["overview_coverage"]],
            ],
        ),
        Dashboard(
            "dti-commune-map",
            "Bản đồ xã / Commune map",
            [[c["map_communes"], c["map_bands"]], [c["map_leading_communes"]]],
            filters=("month", "province"),
        ),
        Dashboard(
            "dti-trends",
            "Xu hướng theo chỉ số và tỉnh / Trends per indicator and province",
            [
                [c["trend_dti_by_province"]],
                [c["trend_indicators"], c["trend_pillars"]],
                [c["trend_indicator_table"]],
            ],
        ),
        Dashboard(
            "dti-methodology",
            "Phương pháp và tình trạng dữ liệu / Methodology and data status",
            [
                [METHODOLOGY],
                [c["status_publications"]],
                [c["status_catalogue"], c["status_indicator_coverage"]],
            ],
        ),
    ]


# -- Superset's import format ------------------------------------------------------------------
def _database(uri: str) -> dict:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": uri,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": {"allows_virtual_table_explore": True, "schemas_allowed_for_file_upload": []},
        "uuid": DATABASE_UUID,
        "version": VERSION,
    }


def _dataset(view: str) -> dict:
    # The columns are read from the warehouse after the import (bootstrap.py), so that a
    # column added to a view appears without editing this file.
    return {
        "table_name": view,
        "schema": SCHEMA,
        "main_dttm_col": "month" if view not in ("bi_indicator_catalogue",) else None,
        "description": None,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "sql": None,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "uuid": _uuid("dataset", view),
        "metrics": [],
        "columns": [],
        "version": VERSION,
        "database_uuid": DATABASE_UUID,
    }


def _chart(chart: Chart, chart_id: int) -> dict:
    return {
        "slice_name": chart.title,
        "description": None,
        "certified_by": None,
        "certification_details": None,
        "viz_type": chart.viz_type,
        "params": {
            **chart.params,
            "viz_type": chart.viz_type,
            "datasource": f"{chart.dataset}__table",
            "slice_id": chart_id,
        },
        "query_context": None,
        "cache_timeout": None,
        "uuid": chart.uuid,
        "version": VERSION,
        "dataset_uuid": _uuid("dataset", chart.dataset),
    }


def _position(dashboard: Dashboard, ids: dict[str, int]) -> dict:
    position: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": dashboard.title}},
    }
    for r, row in enumerate(dashboard.rows):
        row_id = f"ROW-{r}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for item in row:
            if isinstance(item, Chart):
                item_id = f"CHART-{item.key}"
                position[item_id] = {
                    "type": "CHART",
                    "id": item_id,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {
                        "chartId": ids[item.key],
                        "uuid": item.uuid,
                        "sliceName": item.title,
                        "width": item.width,
                        "height": item.height,
                    },
                }
            else:
                item_id = f"MARKDOWN-{r}"
                position[item_id] = {
                    "type": "MARKDOWN",
                    "id": item_id,
                    "children": [],
                    "parents": ["ROOT_ID", "GRID_ID", row_id],
                    "meta": {"code": item.strip(), "width": 12, "height": 50},
                }
            position[row_id]["children"].append(item_id)
    return position


def _native_filters(dashboard: Dashboard, ids: dict[str, int]) -> list[dict]:
    found = []
    for name in dashboard.filters:
        label, column, values_from = FILTERS[name]
        outside = [ids[c.key] for c in dashboard.charts if column not in FILTERABLE[c.dataset]]
        # the trends show every month: the month filter sets only the one-month table
        if name == "month" and dashboard.slug == "dti-trends":
            outside = [ids[c.key] for c in dashboard.charts if c.viz_type == "echarts_timeseries_line"]
        found.append(
            {
                "id": f"NATIVE_FILTER-{name}",
                "name": label,
                "filterType": "filter_select",
                "type": "NATIVE_FILTER",
                "targets": [{"datasetUuid": _uuid("dataset", values_from), "column": {"name": column}}],
                "controlValues": {
                    "enableEmptyFilter": name == "month",  # a month is always chosen
                    "defaultToFirstItem": name == "month",  # the latest month
                    "multiSelect": name != "month",
                    "searchAllOptions": False,
                    "inverseSelection": False,
                    "sortAscending": name != "month",
                },
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "requiredFirst": name == "month",  # charts wait for the month before they query
                "cascadeParentIds": [],
                "scope": {"rootPath": ["ROOT_ID"], "excluded": outside},
                "description": "",
            }
        )
    return found


def _dashboard(dashboard: Dashboard, ids: dict[str, int]) -> dict:
    return {
        "dashboard_title": dashboard.title,
        "description": None,
        "css": "",
        "slug": dashboard.slug,
        "certified_by": "",
        "certification_details": "",
        "published": True,
        "uuid": dashboard.uuid,
        "position": _position(dashboard, ids),
        "metadata": {
            "native_filter_configuration": _native_filters(dashboard, ids),
            "timed_refresh_immune_slices": [],
            "expanded_slices": {},
            "refresh_frequency": 0,
            "color_scheme": "supersetColors",
            "label_colors": {},
            "shared_label_colors": [],
            "cross_filters_enabled": False,
            "chart_configuration": {},
            "global_chart_configuration": {},
            "default_filters": "{}",
        },
        "version": VERSION,
    }


def bundle(database_uri: str) -> dict[str, str]:
    """The files of a Superset export, {path: YAML}, for the warehouse at `database_uri`."""
    files = {
        "metadata.yaml": {"version": VERSION, "type": "Dashboard", "timestamp": "2026-01-01T00:00:00+00:00"},
        "databases/dti_warehouse.yaml": _database(database_uri),
    }
    for view in DATASETS:
        files[f"datasets/dti_warehouse/{view}.yaml"] = _dataset(view)
    ids = {key: n for n, key in enumerate(_charts(), start=1)}
    for dashboard in dashboards():
        for chart in dashboard.charts:
            files[f"charts/{chart.key}.yaml"] = _chart(chart, ids[chart.key])
        files[f"dashboards/{dashboard.slug}.yaml"] = _dashboard(dashboard, ids)
    return {
        path: yaml.safe_dump(content, allow_unicode=True, sort_keys=False) for path, content in files.items()
    }
