"""The monthly reports, served by the Airflow api-server (an Airflow plugin's FastAPI app).

One place for a deployment's reports: the folder DTI_REPORTS_DIR, shared by the workers that
write them and the api-server that serves them (a volume in docker-compose.yml, a network
share across hosts). The api-server serves it under /dti-reports/ to the users it has logged
in (the UI's session cookie or an API token) who may read the refresh DAG, so the report
task's "Monthly report" link opens from the Airflow UI on every machine.
"""

from __future__ import annotations

import html
import re

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

from dti_pipeline.paths import REPORTS_URL_PREFIX, reports_dir

URL_PREFIX = REPORTS_URL_PREFIX
REPORT_NAME = re.compile(r"^dti-[0-9]{4}-[0-9]{2}\.html$")
REFRESH_DAG_ID = "dti_monthly_refresh"

app = FastAPI(title="DTI monthly reports", docs_url=None, redoc_url=None, openapi_url=None)


def _may_read_reports(user) -> None:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    if not get_auth_manager().is_authorized_dag(
        method="GET", details=DagDetails(id=REFRESH_DAG_ID), user=user
    ):
        raise HTTPException(status_code=403, detail=f"reading {REFRESH_DAG_ID} is not allowed to this user")


@app.get("/", response_class=HTMLResponse)
def index(user: GetUserDep) -> str:
    _may_read_reports(user)
    names = sorted(
        (p.name for p in reports_dir().glob("dti-*.html") if REPORT_NAME.match(p.name)), reverse=True
    )
    items = "".join(f'<li><a href="{html.escape(n)}">{html.escape(n[4:11])}</a></li>' for n in names)
    return f"<!doctype html><title>DTI monthly reports</title><h1>DTI monthly reports</h1><ul>{items}</ul>"


@app.get("/{name}")
def report(name: str, user: GetUserDep) -> FileResponse:
    _may_read_reports(user)
    if not REPORT_NAME.match(name):
        raise HTTPException(status_code=404, detail="reports are named dti-YYYY-MM.html")
    path = reports_dir() / name
    if not path.is_file():
        raise HTTPException(
            status_code=404,
            detail=f"no report {name} in {reports_dir()} (DTI_REPORTS_DIR): publish the month first",
        )
    return FileResponse(path, media_type="text/html")
