"""Where the project and its local state live.

The package is installed in editable mode from the repository, so the repository root is
two folders above this one; a deployment can point elsewhere with DTI_PROJECT_DIR.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(os.environ.get("DTI_PROJECT_DIR", Path(__file__).resolve().parents[2]))
DAGS_DIR = PROJECT_DIR / "dags"
DBT_PROJECT_DIR = PROJECT_DIR / "dbt_project"
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"
SOURCES_YML = PROJECT_DIR / "include" / "config" / "sources.yml"


def dti_home() -> Path:
    """Local state of the embedded default (warehouse data, Airflow home, reports)."""
    return Path(os.environ.get("DTI_HOME", PROJECT_DIR / ".dti"))


# where the api-server serves reports_dir() (report/server.py)
REPORTS_URL_PREFIX = "/dti-reports"


def reports_dir() -> Path:
    """The deployment-wide folder of the monthly reports (shared by workers and the api-server)."""
    return Path(os.environ.get("DTI_REPORTS_DIR", dti_home() / "reports"))
