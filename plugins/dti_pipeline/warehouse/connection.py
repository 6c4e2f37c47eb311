"""Reach the warehouse through the Airflow Connection `dti_warehouse`.

Every part of the pipeline (DAG tasks, the CLI, dbt through Cosmos) resolves the warehouse
the same way: Airflow's secrets chain (AIRFLOW_CONN_* variables, a secrets backend, the
metadata DB). Code never holds credentials.
"""

from __future__ import annotations

from urllib.parse import quote

import psycopg

WAREHOUSE_CONN_ID = "dti_warehouse"
# The loader's and the BI reader's Connections (warehouse/roles.py); a deployment with one
# warehouse account defines dti_warehouse alone, and they fall back to it.
FALLBACK_CONN_IDS = {"dti_warehouse_loader": WAREHOUSE_CONN_ID, "dti_bi_reader": WAREHOUSE_CONN_ID}


class WarehouseUnreachable(RuntimeError):
    """The warehouse Connection is missing or points at a server that does not answer."""


def warehouse_url(conn_id: str = WAREHOUSE_CONN_ID) -> str:
    """The libpq URL of the warehouse, from the Airflow Connection `conn_id`."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException as exc:
        if conn_id in FALLBACK_CONN_IDS:
            return warehouse_url(FALLBACK_CONN_IDS[conn_id])
        raise WarehouseUnreachable(
            f"Airflow Connection {conn_id!r} is not defined. Define it in the Airflow UI "
            f"(Admin > Connections, type Postgres) or as AIRFLOW_CONN_{conn_id.upper()}; "
            "`dti` sets it for the embedded warehouse, or from DTI_WAREHOUSE_URL."
        ) from exc
    user = quote(conn.login or "")
    password = f":{quote(conn.password)}" if conn.password else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgresql://{auth}{conn.host or '127.0.0.1'}:{conn.port or 5432}/{conn.schema or 'dti'}"


def connect(conn_id: str = WAREHOUSE_CONN_ID, *, autocommit: bool = False) -> psycopg.Connection:
    url = warehouse_url(conn_id)
    try:
        return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        safe = url.split("@")[-1]
        raise WarehouseUnreachable(
            f"cannot connect to the warehouse at {safe} (Airflow Connection {conn_id!r}): "
            f"{str(exc).strip()}. Is the server running? `dti warehouse start` starts the "
            "embedded one."
        ) from exc
