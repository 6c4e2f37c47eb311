"""Reach the warehouse through the Airflow Connection `dti_warehouse`.

Every part of the pipeline (DAG tasks, the CLI, dbt through Cosmos) resolves the warehouse
the same way: Airflow's secrets chain (AIRFLOW_CONN_* variables, a secrets backend, the
metadata DB). Code never holds credentials. DTI_WAREHOUSE_URL is read by the `dti` command
alone (runtime.use_warehouse, `dti deploy`), which turns it into these Connections.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit

import psycopg

from dti_pipeline.errors import PermanentError, PipelineError, TransientError

WAREHOUSE_CONN_ID = "dti_warehouse"
# The loader's and the BI reader's Connections (warehouse/roles.py); a deployment with one
# warehouse account defines dti_warehouse alone, and they fall back to it.
FALLBACK_CONN_IDS = {"dti_warehouse_loader": WAREHOUSE_CONN_ID, "dti_bi_reader": WAREHOUSE_CONN_ID}

# What libpq says of a URL it cannot read, and what the server says when the settings are
# wrong, as opposed to the server being away.
_MALFORMED = ("invalid dsn", "invalid connection option", "invalid integer value", 'missing "="')
_REFUSED = (
    "password authentication failed",
    "no password supplied",
    "does not exist",  # role or database
    "permission denied",
    "no pg_hba.conf entry",
)


class WarehouseError(PipelineError, RuntimeError):
    """The warehouse cannot be used; the message names the setting that was read."""


class WarehouseNotConfigured(WarehouseError, PermanentError):
    """No Connection, or one that the server refuses (account, password, database)."""


class WarehouseUnreachable(WarehouseError, TransientError):
    """The server does not answer (down, restarting, or a wrong host or port)."""


def connection_setting(conn_id: str) -> str:
    return f"Airflow Connection {conn_id!r} (AIRFLOW_CONN_{conn_id.upper()} or Admin > Connections)"


def safe_location(url: str) -> str:
    """host:port/database of a URL, without its account and password."""
    if "://" not in url:
        return "(not a URL)"
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}{parts.path or '/'}"
    except ValueError:
        return "(an unparseable URL)"


def _malformed(exc: Exception) -> bool:
    return isinstance(exc, psycopg.ProgrammingError | ValueError) or any(
        marker in str(exc) for marker in _MALFORMED
    )


def refused_settings(exc: Exception) -> bool:
    """The settings themselves are wrong (unreadable, or refused by the server): a retry cannot help."""
    return _malformed(exc) or any(marker in str(exc) for marker in _REFUSED)


def _server_said(message: str) -> str:
    """The reason in libpq's message, e.g. 'Connection refused' or 'role "x" does not exist'."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    reason = next((line for line in lines if "failed:" in line), lines[0] if lines else "")
    reason = reason.rsplit("failed:", 1)[-1].strip()
    return reason.removeprefix("FATAL:").strip().rstrip(".")


def connect_error(exc: Exception, url: str, setting: str) -> WarehouseError:
    """A short error for a failed connection: what was read, what the server said, what to check."""
    said = _server_said(str(exc)) or type(exc).__name__
    if url:
        said = said.replace(url, safe_location(url))
    if _malformed(exc):
        return WarehouseNotConfigured(
            f"{setting} is not a usable PostgreSQL URL ({said}). Write it as "
            "postgresql://USER:PASSWORD@HOST:5432/DATABASE."
        )
    if refused_settings(exc):
        return WarehouseNotConfigured(
            f"the warehouse at {safe_location(url)} refused the settings of {setting}: {said}. "
            "Check the account, password and database name there."
        )
    return WarehouseUnreachable(
        f"cannot reach the warehouse at {safe_location(url)} (from {setting}): {said}. "
        "Check the host and port there, and that the PostgreSQL server is running "
        "(`dti warehouse start` starts the embedded one)."
    )


def warehouse_url(conn_id: str = WAREHOUSE_CONN_ID) -> str:
    """The libpq URL of the warehouse, from the Airflow Connection `conn_id`."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        if conn_id in FALLBACK_CONN_IDS:
            return warehouse_url(FALLBACK_CONN_IDS[conn_id])
        hint = (
            " DTI_WAREHOUSE_URL is set here, but only the `dti` command reads it: run "
            "`dti deploy` to write the Connections from it."
            if os.environ.get("DTI_WAREHOUSE_URL")
            else ""
        )
        raise WarehouseNotConfigured(
            f"Airflow Connection {conn_id!r} is not defined. Define it in the Airflow UI "
            f"(Admin > Connections, type Postgres) or as AIRFLOW_CONN_{conn_id.upper()}; "
            f"`dti deploy` writes it from DTI_WAREHOUSE_URL.{hint}"
        ) from exc
    user = quote(conn.login or "")
    password = f":{quote(conn.password)}" if conn.password else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgresql://{auth}{conn.host or '127.0.0.1'}:{conn.port or 5432}/{conn.schema or 'dti'}"


def connect(conn_id: str = WAREHOUSE_CONN_ID, *, autocommit: bool = False) -> psycopg.Connection:
    url = warehouse_url(conn_id)
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        raise connect_error(exc, url, connection_setting(conn_id)) from None
