"""Superset on a published synthetic mart, for the BI tests (`make test-bi`).

One Superset for the session, started exactly as `dti bi` starts it (dti_pipeline.superset):
its own environment (.venv-bi), its metadata in a temporary folder, the warehouse reached as
a BI reader role of the session's own (roles are cluster-wide: the names carry a random
prefix and are dropped afterwards), the dashboards imported from bi/superset/.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from bi_mart import publish_bi_months

from dti_pipeline import superset
from dti_pipeline.paths import PROJECT_DIR
from dti_pipeline.warehouse.roles import role_url, roles, setup_roles

sys.path.insert(0, str(PROJECT_DIR / "bi" / "superset"))
ARTIFACTS = PROJECT_DIR / "artifacts" / "test_superset"


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.superset)


@dataclass
class Stack:
    base_url: str
    user: str
    password: str
    urls: dict[str, str]  # admin, loader, transformer, bi_reader
    reader_role: str

    def api(self) -> requests.Session:
        """A session logged in to Superset's REST API, with its CSRF token."""
        session = requests.Session()
        token = session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": self.user, "password": self.password, "provider": "db", "refresh": False},
            timeout=30,
        )
        token.raise_for_status()
        session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        csrf = session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers["X-CSRFToken"] = csrf.json()["result"]
        session.headers["Referer"] = self.base_url
        return session


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drop(admin: str, chosen: dict) -> None:
    server = urlsplit(admin)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{urlsplit(admin).path.lstrip("/")}" with (force)')
        for role in chosen.values():
            conn.execute(f'drop role if exists "{role.name}"')


@pytest.fixture(scope="session")
def stack(request, postgres_server) -> Stack:
    if not (superset.venv() / "bin" / "gunicorn").exists():
        pytest.fail(f"Superset is not installed in {superset.venv()}: run `make test-bi`")
    admin = postgres_server("bi")
    chosen = roles(f"dti_t{uuid.uuid4().hex[:6]}")
    request.addfinalizer(lambda: _drop(admin, chosen))
    secrets_ = {kind: uuid.uuid4().hex for kind in chosen}
    with psycopg.connect(admin, autocommit=True) as conn:
        setup_roles(conn, chosen, secrets_)
    urls = {kind: role_url(admin, role.name, secrets_[kind]) for kind, role in chosen.items()}
    with psycopg.connect(urls["transformer"]) as conn:
        publish_bi_months(conn)

    state = Path(tempfile.mkdtemp(prefix="dti-superset-"))
    password = uuid.uuid4().hex[:16]
    env = superset.environment(state, urls["bi_reader"], password)
    superset.bootstrap(env)
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "superset.log"
    log.unlink(missing_ok=True)
    process = superset.server(env, port, log)

    def stop() -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except Exception:
                os.killpg(process.pid, signal.SIGKILL)

    request.addfinalizer(stop)
    base_url = f"http://127.0.0.1:{port}"
    superset.wait_until_up(base_url, process)
    return Stack(base_url, superset.ADMIN_USER, password, {"admin": admin, **urls}, chosen["bi_reader"].name)
