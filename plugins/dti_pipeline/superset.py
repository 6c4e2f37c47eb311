"""Start Superset on the published mart: `dti bi` (`make bi`) and the BI tests.

Superset runs from its own virtual environment (.venv-bi, pinned by bi/superset/) and is
driven here as a separate program, never imported: its pins conflict with Airflow's. Its
state lives in .dti/superset/ (SQLite metadata, secret key, admin password). It reaches the
warehouse as the BI reader through the Airflow Connection `dti_bi_reader`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from dti_pipeline.errors import PermanentError
from dti_pipeline.paths import PROJECT_DIR, dti_home

SUPERSET_DIR = PROJECT_DIR / "bi" / "superset"
ADMIN_USER = "admin"


class SupersetUnavailable(PermanentError, RuntimeError):
    pass


def venv() -> Path:
    return Path(os.environ.get("DTI_SUPERSET_VENV", PROJECT_DIR / ".venv-bi"))


def home() -> Path:
    return Path(os.environ.get("DTI_SUPERSET_HOME", dti_home() / "superset"))


def admin_password(state: Path) -> str:
    """DTI_SUPERSET_ADMIN_PASSWORD, else generated once and kept in the state folder (0600)."""
    if os.environ.get("DTI_SUPERSET_ADMIN_PASSWORD"):
        return os.environ["DTI_SUPERSET_ADMIN_PASSWORD"]
    path = state / "admin_password"
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(12))
    return path.read_text().strip()


def sqlalchemy_uri(libpq_url: str) -> str:
    """postgresql://... as SQLAlchemy names the psycopg2 driver Superset ships with."""
    return "postgresql+psycopg2://" + libpq_url.split("://", 1)[1]


def environment(state: Path, reader_url: str, password: str) -> dict[str, str]:
    python = venv() / "bin" / "python"
    if not python.exists():
        raise SupersetUnavailable(f"Superset is not installed in {venv()}: run `make bi` (it installs it)")
    state.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "SUPERSET_CONFIG_PATH": str(SUPERSET_DIR / "superset_config.py"),
        "DTI_SUPERSET_HOME": str(state),
        "DTI_SUPERSET_TEMPLATE": str(venv() / "superset-metadata.db"),
        "DTI_BI_DATABASE_URI": sqlalchemy_uri(reader_url),
        "DTI_SUPERSET_ADMIN_USER": ADMIN_USER,
        "DTI_SUPERSET_ADMIN_PASSWORD": password,
        "SCARF_ANALYTICS": "false",
        "PATH": f"{venv() / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def bootstrap(env: dict[str, str]) -> None:
    """Migrate (once), the admin login, the warehouse and the dashboards (bootstrap.py)."""
    result = subprocess.run(
        [str(venv() / "bin" / "python"), str(SUPERSET_DIR / "bootstrap.py")],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SupersetUnavailable(
            "Superset could not be prepared (bi/superset/bootstrap.py):\n"
            + (result.stderr or result.stdout)[-4000:]
        )


def server(env: dict[str, str], port: int, log: Path | None = None) -> subprocess.Popen:
    """Superset's web server (gunicorn, one worker with threads: 2 cores are shared)."""
    output = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(
        [
            str(venv() / "bin" / "gunicorn"),
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--bind",
            f"127.0.0.1:{port}",
            "superset.app:create_app()",
        ],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(base_url: str, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SupersetUnavailable(f"Superset stopped at start (exit {process.returncode})")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise SupersetUnavailable(f"Superset did not answer on {base_url} within {timeout:.0f} s")


def reader_login(reader_url: str) -> str:
    parts = urlsplit(reader_url)
    return f"{parts.username}@{parts.hostname}:{parts.port}{parts.path}"
