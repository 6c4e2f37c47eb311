"""The warehouse's roles, and one Airflow Connection per role.

- `dti_loader`, Connection `dti_warehouse_loader`: owns and writes `raw` (the extract DAGs).
- `dti_transformer`, Connection `dti_warehouse`: reads `raw`; creates and owns the dbt schemas,
  `dti_publish` and `dti_mart` (dbt, the gates, publication, the report).
- `dti_bi_reader`, Connection `dti_bi_reader`: selects on `dti_mart`, nothing else; its
  sessions are read-only.

The roles are created (or their passwords reset) by the warehouse's owner, the account of
DTI_WAREHOUSE_URL or the embedded server's superuser, when a `dti` command starts the
warehouse (`dti warehouse setup` does it alone). Passwords come from DTI_LOADER_PASSWORD,
DTI_TRANSFORMER_PASSWORD and DTI_BI_READER_PASSWORD; any not given is generated once and
kept in .dti/roles.json (mode 0600). Role names get the prefix DTI_ROLE_PREFIX (default `dti`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

from dti_pipeline.paths import dti_home
from dti_pipeline.warehouse.schemas import MART_SCHEMA, PUBLISH_SCHEMA, RAW_SCHEMA

log = logging.getLogger(__name__)

LOADER_CONN_ID = "dti_warehouse_loader"
TRANSFORMER_CONN_ID = "dti_warehouse"
BI_READER_CONN_ID = "dti_bi_reader"

LOADER_SCHEMAS = (RAW_SCHEMA,)
# Schemas the transformer owns: those the pipeline creates, and every dti_* schema dbt makes.
TRANSFORMER_SCHEMAS = (PUBLISH_SCHEMA, MART_SCHEMA)


@dataclass(frozen=True)
class Role:
    kind: str  # loader | transformer | bi_reader
    name: str
    conn_id: str

    @property
    def password_env(self) -> str:
        return f"DTI_{self.kind.upper()}_PASSWORD"


def roles(prefix: str | None = None) -> dict[str, Role]:
    prefix = prefix or os.environ.get("DTI_ROLE_PREFIX", "dti")
    return {
        "loader": Role("loader", f"{prefix}_loader", LOADER_CONN_ID),
        "transformer": Role("transformer", f"{prefix}_transformer", TRANSFORMER_CONN_ID),
        "bi_reader": Role("bi_reader", f"{prefix}_bi_reader", BI_READER_CONN_ID),
    }


def passwords(chosen: dict[str, Role], store: Path | None = None) -> dict[str, str]:
    """Each role's password: from its environment variable, else generated once and kept."""
    store = store or dti_home() / "roles.json"
    kept: dict[str, str] = {}
    if store.exists():
        kept = json.loads(store.read_text(encoding="utf-8"))
    found, generated = {}, False
    for kind, role in chosen.items():
        value = os.environ.get(role.password_env) or kept.get(role.name)
        if not value:
            value, generated = secrets.token_urlsafe(24), True
            kept[role.name] = value
        found[kind] = value
    if generated:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.touch(mode=0o600, exist_ok=True)
        store.chmod(0o600)
        store.write_text(json.dumps(kept, indent=2), encoding="utf-8")
    return found


def role_url(admin_url: str, role: str, password: str) -> str:
    parts = urlsplit(admin_url)
    host = parts.hostname or "127.0.0.1"
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{quote(role)}:{quote(password)}@{host}{port}").geturl()


def can_manage_roles(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "select rolsuper or rolcreaterole from pg_roles where rolname = current_user"
    ).fetchone()
    return bool(row and row[0])


def _ensure_role(conn: psycopg.Connection, role: Role, password: str) -> None:
    exists = conn.execute("select 1 from pg_roles where rolname = %s", (role.name,)).fetchone()
    verb = "alter" if exists else "create"
    conn.execute(
        sql.SQL(verb + " role {} with login nosuperuser nocreatedb nocreaterole password {}").format(
            sql.Identifier(role.name), sql.Literal(password)
        )
    )


def _relations(conn: psycopg.Connection, schemas: list[str], owner: str) -> list[tuple[str, str, str]]:
    """(schema, name, kind) of the tables, views and sequences not owned by `owner` yet."""
    return conn.execute(
        """select n.nspname, c.relname, c.relkind from pg_class c
             join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
              and c.relowner <> (select oid from pg_roles where rolname = %s)
              and not (c.relkind = 'S' and exists (select 1 from pg_depend d
                        where d.objid = c.oid and d.deptype in ('a', 'i')))""",
        (schemas, owner),
    ).fetchall()


_ALTER = {
    "r": "table",
    "p": "table",
    "f": "foreign table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
}


def _give(conn: psycopg.Connection, schemas: list[str], owner: str) -> None:
    for schema in schemas:
        conn.execute(
            sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), sql.Identifier(owner))
        )
    for schema, name, kind in _relations(conn, schemas, owner):
        conn.execute(
            sql.SQL("alter " + _ALTER[kind] + " {}.{} owner to {}").format(
                sql.Identifier(schema), sql.Identifier(name), sql.Identifier(owner)
            )
        )


def setup_roles(conn: psycopg.Connection, chosen: dict[str, Role], secrets_: dict[str, str]) -> None:
    """Create the roles and give each its schemas; run as the warehouse's owner. Idempotent."""
    from dti_pipeline.warehouse.bootstrap import ensure_warehouse

    ensure_warehouse(conn)
    loader, transformer, reader = chosen["loader"].name, chosen["transformer"].name, chosen["bi_reader"].name
    ident = sql.Identifier
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(7300003)")
        for kind, role in chosen.items():
            _ensure_role(conn, role, secrets_[kind])
        conn.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(ident(reader)))
        superuser = conn.execute("select rolsuper from pg_roles where rolname = current_user").fetchone()[0]
        if not superuser:  # a CREATEROLE owner must be a member to hand objects over
            conn.execute(sql.SQL("grant {}, {} to current_user").format(ident(loader), ident(transformer)))
        database = ident(conn.execute("select current_database()").fetchone()[0])
        conn.execute(sql.SQL("revoke temporary on database {} from public").format(database))
        conn.execute(
            sql.SQL("grant connect on database {} to {}, {}, {}").format(
                database, ident(loader), ident(transformer), ident(reader)
            )
        )
        # dbt creates its schemas (dti_staging, dti_build, ...) and temporary tables
        conn.execute(
            sql.SQL("grant create, temporary on database {} to {}").format(database, ident(transformer))
        )
        conn.execute("revoke create on schema public from public")

        _give(conn, list(LOADER_SCHEMAS), loader)
        dbt_schemas = [
            r[0]
            for r in conn.execute(
                "select nspname from pg_namespace where nspname like 'dti\\_%%' and nspname <> all(%s)",
                (list(TRANSFORMER_SCHEMAS),),
            ).fetchall()
        ]
        _give(conn, [*TRANSFORMER_SCHEMAS, *dbt_schemas], transformer)

        for creator in (loader, "current_user"):
            owner = sql.SQL("current_user") if creator == "current_user" else ident(creator)
            conn.execute(
                sql.SQL(
                    "alter default privileges for role {} in schema raw grant select on tables to {}"
                ).format(owner, ident(transformer))
            )
        conn.execute(sql.SQL("grant usage on schema raw to {}").format(ident(transformer)))
        conn.execute(sql.SQL("grant select on all tables in schema raw to {}").format(ident(transformer)))

        for creator in (transformer, "current_user"):
            owner = sql.SQL("current_user") if creator == "current_user" else ident(creator)
            conn.execute(
                sql.SQL(
                    "alter default privileges for role {} in schema {} grant select on tables to {}"
                ).format(owner, ident(MART_SCHEMA), ident(reader))
            )
        conn.execute(sql.SQL("grant usage on schema {} to {}").format(ident(MART_SCHEMA), ident(reader)))
        conn.execute(
            sql.SQL("grant select on all tables in schema {} to {}").format(ident(MART_SCHEMA), ident(reader))
        )


def set_connections(urls: dict[str, str]) -> None:
    """Expose each role's URL as its Airflow Connection (AIRFLOW_CONN_<ID>)."""
    for conn_id, url in urls.items():
        os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = url


def use_roles(admin_url: str, prefix: str | None = None) -> str:
    """Set up the roles with the owner's URL, point the Connections at them; the transformer's URL.

    With DTI_WAREHOUSE_ROLES=0, or an owner that may not create roles, every component
    uses the owner's URL (one role), as before the roles existed.
    """
    if os.environ.get("DTI_WAREHOUSE_ROLES", "1").strip().lower() in ("0", "false", "no", "off"):
        set_connections({TRANSFORMER_CONN_ID: admin_url})
        return admin_url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not can_manage_roles(conn):
            log.warning(
                "the warehouse account may not create roles: loader, transformer and BI reader all use it"
            )
            set_connections({TRANSFORMER_CONN_ID: admin_url})
            return admin_url
        chosen = roles(prefix)
        secrets_ = passwords(chosen)
        setup_roles(conn, chosen, secrets_)
    urls = {role.conn_id: role_url(admin_url, role.name, secrets_[kind]) for kind, role in chosen.items()}
    set_connections(urls)
    return urls[TRANSFORMER_CONN_ID]
