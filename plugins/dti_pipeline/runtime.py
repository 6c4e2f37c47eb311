"""Set up the process environment the `dti` command runs in: warehouse, Airflow, dbt.

Everything is expressed as Airflow configuration (AIRFLOW__* variables) and Airflow
Connections (AIRFLOW_CONN_* variables), so that the DAGs, dbt (through Cosmos) and the CLI
resolve the warehouse and the sources exactly as in a deployment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from dti_pipeline.paths import DAGS_DIR, DBT_MANIFEST, DBT_PROJECT_DIR, dti_home

WAREHOUSE_ENV = "AIRFLOW_CONN_DTI_WAREHOUSE"
# What use_warehouse() read, for the error a later failure of the same warehouse prints.
warehouse_setting = "the Airflow Connection 'dti_warehouse'"


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", dti_home() / "airflow"))


def prepare_airflow_env() -> None:
    """Airflow settings for the local default: SQLite metadata under .dti/, our DAGs only."""
    home = airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    defaults = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # dates an operator types (`airflow backfill create --from-date 2025-01-01`) and the
        # UI's times are Vietnam's, as the sources' days are; UTC would shift a day by 7 hours
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP": r"(airflow|dti_pipeline|cosmos)\..*",
        "AIRFLOW__COSMOS__ENABLE_CACHE": "True",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos-cache"),
        "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # the refresh DAG declares its own Assets for what it publishes
        "AIRFLOW__COSMOS__EMIT_DATASETS": "False",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "SCARF_ANALYTICS": "false",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    (home / "plugins").mkdir(exist_ok=True)


def migrate_airflow_db() -> None:
    """Create or upgrade the Airflow metadata DB once per Airflow version."""
    from airflow import __version__

    marker = airflow_home() / f".migrated-{__version__}"
    if marker.exists():
        return
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"`airflow db migrate` failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    marker.touch()


def use_warehouse(*, start_embedded: bool = True) -> str:
    """Point the `dti_warehouse` Connection at the warehouse and return its URL.

    DTI_WAREHOUSE_URL wins (the warehouse owner's account on an existing PostgreSQL); then a
    Connection already defined in the environment; otherwise the embedded server under
    .dti/warehouse. With the owner's URL, the project's roles are set up and `dti_warehouse`
    (transformer), `dti_warehouse_loader` and `dti_bi_reader` point at them
    (warehouse/roles.py). A warehouse that cannot be used raises WarehouseError naming the
    setting that was read; nothing else runs before that check.
    """
    from dti_pipeline.warehouse.connection import (
        WAREHOUSE_CONN_ID,
        connect,
        connect_error,
        connection_setting,
        warehouse_url,
    )
    from dti_pipeline.warehouse.roles import use_roles

    global warehouse_setting
    url = os.environ.get("DTI_WAREHOUSE_URL")
    if url:
        warehouse_setting = "DTI_WAREHOUSE_URL"
        try:
            _ensure_database(url)
            # loader, transformer and BI reader roles, one Connection each
            return use_roles(url)
        except (psycopg.Error, ValueError) as exc:
            raise connect_error(exc, url, warehouse_setting) from None
    if os.environ.get(WAREHOUSE_ENV):
        warehouse_setting = connection_setting(WAREHOUSE_CONN_ID)
        connect().close()
        return warehouse_url()
    if not start_embedded:
        raise RuntimeError("no warehouse: set DTI_WAREHOUSE_URL or run `dti warehouse start`")
    from dti_pipeline.warehouse.embedded import EmbeddedWarehouse

    warehouse_setting = f"the embedded warehouse in {dti_home() / 'warehouse'}"
    state = EmbeddedWarehouse(dti_home() / "warehouse").start()
    return use_roles(state.url())


def _ensure_database(url: str) -> None:
    """Create the warehouse database on an existing server when it is missing."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "dti"
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if f'database "{database}" does not exist' not in str(exc):
            raise
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'create database "{database}"')


def dbt_env(url: str) -> dict[str, str]:
    """Variables that dbt_project/profiles.yml reads, from the warehouse URL."""
    parts = urlsplit(url)
    from urllib.parse import unquote

    return {
        "DTI_DBT_HOST": parts.hostname or "127.0.0.1",
        "DTI_DBT_PORT": str(parts.port or 5432),
        "DTI_DBT_USER": unquote(parts.username or "postgres"),
        "DTI_DBT_PASSWORD": unquote(parts.password or ""),
        "DTI_DBT_DBNAME": parts.path.lstrip("/") or "dti",
    }


def run_dbt(args: list[str], url: str | None = None, check: bool = True) -> int:
    """Run the dbt CLI in dbt_project/ with the warehouse's credentials."""
    env = {**os.environ, **(dbt_env(url) if url else {})}
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    result = subprocess.run(command, env=env, cwd=DBT_PROJECT_DIR)
    if check and result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {result.returncode})")
    return result.returncode


def ensure_manifest() -> None:
    """The refresh DAG renders from dbt's manifest; (re)build it when a dbt file is newer."""
    newest = max(
        p.stat().st_mtime
        for p in DBT_PROJECT_DIR.rglob("*")
        if p.suffix in {".sql", ".yml", ".csv"} and "target" not in p.parts
    )
    if not DBT_MANIFEST.exists() or DBT_MANIFEST.stat().st_mtime < newest:
        run_dbt(["parse", "--quiet"])


def ensure_pii_key() -> None:
    """The pseudonymisation key of the local default: generated once, kept in .dti/ (0600).

    A deployment defines the Connection `dti_pii_key` itself (ideally from a secrets
    backend); then nothing is generated.
    """
    if os.environ.get("AIRFLOW_CONN_DTI_PII_KEY"):
        return
    import secrets

    path = dti_home() / "pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    key = path.read_text().strip()
    os.environ["AIRFLOW_CONN_DTI_PII_KEY"] = json.dumps({"conn_type": "generic", "password": key})


def set_source_connections(connections: dict[str, dict], *, keep_existing: bool = False) -> list[str]:
    """Expose the simulators (or real systems) as Airflow Connections dti_<source>; with
    keep_existing, a Connection already defined (environment or metadata DB) is left alone.
    Returns the sources whose Connection was set."""
    set_now = []
    for name, conn in connections.items():
        if keep_existing and _connection_defined(f"dti_{name}"):
            continue
        os.environ[f"AIRFLOW_CONN_DTI_{name.upper()}"] = json.dumps(conn)
        set_now.append(name)
    return set_now


def _connection_defined(conn_id: str) -> bool:
    if os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}"):
        return True
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        return session.query(Connection).filter(Connection.conn_id == conn_id).count() > 0


def prepare_in_process(*, manifest: bool = True, pii_key: bool = True) -> str:
    """What a command running the DAGs in this process needs, in order: Airflow's settings and
    metadata DB, the warehouse and its roles' Connections, the dbt manifest the refresh renders
    from, the pseudonymisation key. Returns the warehouse URL."""
    prepare_airflow_env()
    url = use_warehouse()
    migrate_airflow_db()
    if manifest:
        ensure_manifest()
    if pii_key:
        ensure_pii_key()
    return url


def use_data_range(first_month: date, last_month: date) -> None:
    """Tell the DAGs and the gates which months the sources hold (a simulator preset's
    months): DTI_SOURCES_START_DATE / DTI_SOURCES_END_DATE, unless already set."""
    from dti_pipeline.months import month_bounds
    from dti_pipeline.sources.spec import END_DATE_ENV, START_DATE_ENV

    _, end = month_bounds(last_month)
    os.environ.setdefault(START_DATE_ENV, first_month.isoformat())
    os.environ.setdefault(END_DATE_ENV, (end.date() - timedelta(days=1)).isoformat())
