"""Where a source lives and how to authenticate: always from an Airflow Connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dti_pipeline.extract.errors import ExtractError


@dataclass(frozen=True)
class Endpoint:
    connection_id: str
    base_url: str
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)


def endpoint_from_connection(connection_id: str) -> Endpoint:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(connection_id)
    except AirflowNotFoundException as exc:
        raise ExtractError(
            f"Airflow Connection {connection_id!r} is not defined: add it in the Airflow UI "
            f"(Admin > Connections, type HTTP, host, port and credentials of the source) or "
            f"set AIRFLOW_CONN_{connection_id.upper()}."
        ) from exc
    scheme = conn.schema or "http"
    if not conn.host:
        raise ExtractError(f"Airflow Connection {connection_id!r} has no host")
    host = conn.host if "://" not in conn.host else conn.host.split("://", 1)[1]
    port = f":{conn.port}" if conn.port else ""
    return Endpoint(
        connection_id=connection_id,
        base_url=f"{scheme}://{host.rstrip('/')}{port}",
        login=conn.login,
        password=conn.password,
        extra=conn.extra_dejson or {},
    )
