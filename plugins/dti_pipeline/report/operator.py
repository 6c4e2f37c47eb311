"""The refresh's report task, with a link from the run to the report in the Airflow UI.

The task writes the month's HTML report into the deployment's reports folder
(DTI_REPORTS_DIR) and returns its path (XCom); its extra link ("Monthly report") opens it as
served by the api-server (report/server.py) at `[api] base_url`/dti-reports/. A run without
an api-server (`dag.test()`: the demo and the CLI) links the file itself.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from airflow.sdk import BaseOperator, BaseOperatorLink


def report_url(path: str | Path) -> str:
    from airflow.configuration import conf

    from dti_pipeline.paths import REPORTS_URL_PREFIX

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    path = Path(path)
    if base:
        return f"{base}{REPORTS_URL_PREFIX}/{quote(path.name)}"
    return path.resolve().as_uri()


class MonthlyReportLink(BaseOperatorLink):
    """'Monthly report' button on the report task (Airflow keeps the URL in XCom)."""

    name = "Monthly report"

    def get_link(self, operator: BaseOperator, *, ti_key) -> str:
        return getattr(operator, "report_url", "") or ""


class MonthlyReportOperator(BaseOperator):
    """Write the HTML report of a published month; return its path."""

    template_fields = ("month",)
    operator_extra_links = (MonthlyReportLink(),)
    ui_color = "#e9c46a"

    def __init__(self, *, month: str, **kwargs):
        super().__init__(**kwargs)
        self.month = month
        self.report_url = ""

    def execute(self, context) -> str:
        from dti_pipeline.months import parse_month
        from dti_pipeline.report.monthly import report_connection, write_report

        with report_connection() as conn:
            path = write_report(conn, parse_month(self.month))
        self.report_url = report_url(path)
        self.log.info("report of %s: %s (%s)", self.month, path, self.report_url)
        return str(path)
