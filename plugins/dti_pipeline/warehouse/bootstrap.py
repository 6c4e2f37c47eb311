"""Create the warehouse objects the pipeline owns outside dbt (raw, ledger, publication)."""

from __future__ import annotations

import hashlib
from importlib.resources import files

import psycopg

from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse.schemas import MART_SCHEMA, PUBLISH_SCHEMA, RAW_SCHEMA

# Any fixed number: concurrent first runs (parallel extract tasks) serialise on it, because
# `create ... if not exists` is not safe against a concurrent twin.
_BOOTSTRAP_LOCK = 7_300_001


def ensure_raw_table(conn: psycopg.Connection, table: str) -> None:
    """One entity's raw table: the payload as received, and the lineage of its load."""
    name = table.split(".")[1]
    conn.execute(
        f"""
        create table if not exists {table} (
            load_id         bigint      not null,
            source          text        not null,
            entity          text        not null,
            interval_start  timestamptz not null,
            interval_end    timestamptz not null,
            extracted_at    timestamptz not null,
            record_key      text        not null,
            payload         jsonb       not null,
            -- jsonb::text is canonical (sorted keys), so equal records hash equal
            record_hash     text        generated always as (md5(payload::text)) stored
        );
        create index if not exists {name}__load_id on {table} (load_id);
        create index if not exists {name}__record_key on {table} (record_key);
        """
    )


def ensure_warehouse(conn: psycopg.Connection) -> None:
    """The pipeline's own tables, and an (empty) raw table for every configured entity, so
    that dbt's staging models compile before a source's first load."""

    ddl = files("dti_pipeline.warehouse").joinpath("bootstrap.sql").read_text(encoding="utf-8")
    tables = sorted(spec.raw_table(e) for spec in load_sources().values() for e in spec.entities)
    version = hashlib.md5("\n".join([ddl, *tables]).encode()).hexdigest()
    # Run the DDL once per version: `alter table` on the ledger while loads update it would
    # deadlock parallel extract tasks, and the loader and transformer roles may not run DDL.
    if _applied_version(conn) == version or _restricted(conn):
        return
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_BOOTSTRAP_LOCK,))
        if _applied_version(conn) == version:
            return  # a concurrent twin did it while this one waited
        conn.execute(ddl)
        for table in tables:
            ensure_raw_table(conn, table)
        conn.execute("delete from raw.bootstrap_version")
        conn.execute("insert into raw.bootstrap_version (version) values (%s)", (version,))


def _applied_version(conn: psycopg.Connection) -> str | None:
    exists = conn.execute("select to_regclass('raw.bootstrap_version')").fetchone()[0]
    if exists is None:
        return None
    row = conn.execute("select version from raw.bootstrap_version").fetchone()
    return row[0] if row else None


def _restricted(conn: psycopg.Connection) -> bool:
    """True for a role that does not own (or inherit) every schema the pipeline set up."""
    row = conn.execute(
        """select not r.rolsuper and exists (
                      select 1 from pg_namespace n
                       where n.nspname = any(%s)
                         and not pg_has_role(r.oid, n.nspowner, 'USAGE'))
             from pg_roles r where r.rolname = current_user""",
        ([RAW_SCHEMA, PUBLISH_SCHEMA, MART_SCHEMA],),
    ).fetchone()
    return bool(row and row[0])
