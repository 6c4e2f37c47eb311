"""The project's Airflow plugin (entry point `airflow.plugins` in pyproject.toml): the
api-server serves the monthly reports, and the UI's navigation links to them."""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from dti_pipeline.paths import REPORTS_URL_PREFIX


class DtiReportsPlugin(AirflowPlugin):
    name = "dti_reports"

    # imported when the api-server asks for it, not in every process that loads plugins
    @property
    def fastapi_apps(self) -> list[dict]:
        from dti_pipeline.report.server import URL_PREFIX, app

        return [{"app": app, "url_prefix": URL_PREFIX, "name": "DTI monthly reports"}]

    external_views: ClassVar[list[dict]] = [
        {
            "name": "DTI monthly reports",
            "href": f"{REPORTS_URL_PREFIX}/",
            "destination": "nav",
            "category": "browse",
        }
    ]
