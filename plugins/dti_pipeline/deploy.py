"""Configure an Airflow deployment for the pipeline: Connections, pools, warehouse roles.

`dti deploy` runs this against the deployment's own metadata database (the Airflow
configuration of the process: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN), so that the scheduler,
the workers and the UI all read the same Connections. Every step is idempotent: a rerun
updates what changed and leaves the rest.

- Warehouse: DTI_WAREHOUSE_URL is the warehouse owner's account; the owner creates the
  loader, transformer and BI reader roles (warehouse/roles.py) and each gets its Connection
  (`dti_warehouse_loader`, `dti_warehouse`, `dti_bi_reader`).
- Sources: `dti_<source>` from DTI_<SOURCE>_URL, DTI_<SOURCE>_LOGIN, DTI_<SOURCE>_PASSWORD
  (or the Connections of a `dti sources serve --endpoints` file).
- Pseudonymisation key: `dti_pii_key` from DTI_PII_KEY. Never generated here: every pseudonym
  depends on it, so a deployment chooses it once and keeps it.
- Pools: `source_<source>`, as many slots as `pool_slots` in include/config/sources.yml.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from dti_pipeline.errors import PermanentError
from dti_pipeline.sources.spec import SourceSpec

PII_KEY_ENV = "DTI_PII_KEY"


class DeployError(PermanentError, RuntimeError):
    """The deployment's settings are incomplete; the message lists what to set."""


@dataclass(frozen=True)
class ConnectionSpec:
    conn_id: str
    conn_type: str
    host: str | None = None
    port: int | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    extra: str | None = None
    description: str = ""

    def shown(self) -> str:
        """Where it points, without its secret."""
        if not self.host:
            return f"{self.conn_type} (a secret only)"
        account = f"{self.login}@" if self.login else ""
        if self.conn_type == "http":
            return f"{self.schema or 'http'}://{account}{self.host}:{self.port}"
        return f"{self.conn_type} {account}{self.host}:{self.port}/{self.schema}"


def source_env(spec: SourceSpec) -> dict[str, str]:
    """The environment variables a source's Connection is read from."""
    prefix = f"DTI_{spec.name.upper()}"
    return {"url": f"{prefix}_URL", "login": f"{prefix}_LOGIN", "password": f"{prefix}_PASSWORD"}


def source_connection(spec: SourceSpec, environ=os.environ) -> ConnectionSpec | None:
    """`dti_<source>` from the environment, or None when its URL is not set."""
    names = source_env(spec)
    url = environ.get(names["url"])
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeployError(f"{names['url']}={url!r} is not an http(s) URL, e.g. http://eoffice.example:8101")
    return ConnectionSpec(
        conn_id=spec.connection_id,
        conn_type="http",
        host=parts.hostname,
        port=parts.port,
        schema=parts.scheme,
        login=environ.get(names["login"]) or None,
        password=environ.get(names["password"]) or None,
        description=f"{spec.title} (read by extract_{spec.name})",
    )


def endpoint_connection(spec: SourceSpec, document: dict) -> ConnectionSpec:
    """`dti_<source>` from a Connection in JSON form (`dti sources serve --endpoints`)."""
    extra = document.get("extra") or None
    return ConnectionSpec(
        conn_id=spec.connection_id,
        conn_type=document.get("conn_type", "http"),
        host=document.get("host"),
        port=document.get("port"),
        schema=document.get("schema"),
        login=document.get("login"),
        password=document.get("password"),
        extra=json.dumps(extra) if extra else None,
        description=f"{spec.title} (read by extract_{spec.name})",
    )


def warehouse_connection(conn_id: str, url: str, description: str) -> ConnectionSpec:
    parts = urlsplit(url)
    return ConnectionSpec(
        conn_id=conn_id,
        conn_type="postgres",
        host=parts.hostname,
        port=parts.port or 5432,
        schema=parts.path.lstrip("/") or "dti",
        login=unquote(parts.username or ""),
        password=unquote(parts.password or "") or None,
        description=description,
    )


def pii_key_connection(conn_id: str, environ=os.environ) -> ConnectionSpec | None:
    key = environ.get(PII_KEY_ENV)
    if not key:
        return None
    if len(key) < 16:
        raise DeployError(f"{PII_KEY_ENV} is too short: use a random secret of at least 16 characters")
    return ConnectionSpec(
        conn_id=conn_id,
        conn_type="generic",
        password=key,
        description="the key that pseudonymises personal data (HMAC); rotate only as docs/operations.md says",
    )


# -- the metadata database ----------------------------------------------------------------
def write_connection(spec: ConnectionSpec) -> str:
    """Create or update the Connection in the metadata DB: 'created', 'updated' or 'unchanged'."""
    from airflow.models.connection import Connection  # the ORM model (the SDK's is read-only)
    from airflow.utils.session import create_session
    from sqlalchemy import select

    fields = {
        "conn_type": spec.conn_type,
        "host": spec.host,
        "port": spec.port,
        "schema": spec.schema,
        "login": spec.login,
        "password": spec.password,
        "extra": spec.extra,
        "description": spec.description,
    }
    with create_session() as session:
        existing = session.scalar(select(Connection).where(Connection.conn_id == spec.conn_id))
        if existing is None:
            session.add(Connection(conn_id=spec.conn_id, **fields))
            return "created"
        if all(getattr(existing, name) == value for name, value in fields.items()):
            return "unchanged"
        for name, value in fields.items():
            setattr(existing, name, value)
        return "updated"


def write_pool(name: str, slots: int, description: str) -> str:
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        existing = session.scalar(select(Pool).where(Pool.pool == name))
        if existing is not None and (existing.slots, existing.description) == (slots, description):
            return "unchanged"
        Pool.create_or_update_pool(name, slots, description, include_deferred=False, session=session)
        return "created" if existing is None else "updated"


def check_metadata_db() -> str:
    """The metadata DB this process writes to; a clear error when it is not migrated."""
    from airflow.configuration import conf
    from airflow.models.connection import Connection  # the ORM model (the SDK's is read-only)
    from airflow.utils.session import create_session
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    url = conf.get("database", "sql_alchemy_conn")
    where = url.split("@")[-1]
    try:
        with create_session() as session:
            session.scalar(select(Connection.id).limit(1))
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0]
        raise DeployError(
            f"cannot use the Airflow metadata database {where} ({first}). Set "
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN to the deployment's database and run "
            "`airflow db migrate` first."
        ) from None
    return where


# -- the whole deployment ---------------------------------------------------------------------
WAREHOUSE_CONNECTIONS = {
    "dti_warehouse_loader": "the warehouse as the loader role: the extract tasks write raw",
    "dti_warehouse": "the warehouse as the transformer role: dbt, the gates, publication",
    "dti_bi_reader": "the warehouse as the BI reader role: select on dti_mart only",
}


def planned_connections(specs: dict[str, SourceSpec], endpoints: dict | None = None) -> list[ConnectionSpec]:
    """The sources' Connections and the key, all read before anything is written."""
    planned, missing = [], []
    for spec in specs.values():
        if endpoints and spec.name in endpoints:
            planned.append(endpoint_connection(spec, endpoints[spec.name]))
            continue
        connection = source_connection(spec)
        if connection is None:
            names = source_env(spec)
            missing.append(
                f"{names['url']} (with {names['login']} / {names['password']} as the source needs)"
            )
        else:
            planned.append(connection)
    for conn_id in sorted({s.pii_connection_id for s in specs.values() if s.pii_connection_id}):
        key = pii_key_connection(conn_id)
        if key is None:
            missing.append(f"{PII_KEY_ENV} (the pseudonymisation key of Connection {conn_id!r})")
        else:
            planned.append(key)
    if missing:
        raise DeployError("set " + "; ".join(missing) + ", then run `dti deploy` again")
    return planned


def deploy(endpoints: dict | None = None, echo=print) -> None:
    """Roles, Connections and pools of a deployment; prints each with created/updated/unchanged."""
    from dti_pipeline import runtime
    from dti_pipeline.sources.spec import load_sources

    if not os.environ.get("DTI_WAREHOUSE_URL"):
        raise DeployError(
            "set DTI_WAREHOUSE_URL to the warehouse owner's account "
            "(postgresql://OWNER:PASSWORD@HOST:5432/dti): it creates the pipeline's roles, and "
            "the Connections are written with theirs"
        )
    where = check_metadata_db()
    echo(f"Airflow metadata database: {where}")
    specs = load_sources()
    planned = planned_connections(specs, endpoints)
    runtime.use_warehouse()  # creates the roles; their URLs are in AIRFLOW_CONN_<ID> of this process
    for conn_id, description in WAREHOUSE_CONNECTIONS.items():
        url = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        if url:  # without roles (DTI_WAREHOUSE_ROLES=0) only dti_warehouse; the others fall back
            planned.insert(0, warehouse_connection(conn_id, url, description))
    for connection in planned:
        echo(f"connection {connection.conn_id:<22} {connection.shown():<44} {write_connection(connection)}")
    for spec in specs.values():
        status = write_pool(spec.pool, spec.pool_slots, f"rate limit of {spec.title}")
        echo(f"pool       {spec.pool:<22} {spec.pool_slots} slots{'':<37} {status}")
