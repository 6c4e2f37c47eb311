"""The refresh's report task, with a link from the run to the report in the Airflow UI.

The task writes the month's HTML report and returns its path (XCom), and its extra link
("Monthly report") opens it: under DTI_REPORTS_BASE_URL when the reports are served (a web
server, object storage), else as a file:// URL on the machine that ran the task.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from airflow.sdk import BaseOperator, BaseOperatorLink


def report_url(path: str | Path) -> str:
    base = os.environ.get("DTI_REPORTS_BASE_URL", "").rstrip("/")
    path = Path(path)
    if base:
        return f"{base}/{quote(path.name)}"
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
