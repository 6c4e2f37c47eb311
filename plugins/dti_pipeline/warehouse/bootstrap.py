"""Create the warehouse objects the pipeline owns outside dbt (raw, ledger, publication)."""

from __future__ import annotations

from importlib.resources import files

import psycopg

# Any fixed number: concurrent first runs (parallel extract tasks) serialise on it, because
# `create ... if not exists` is not safe against a concurrent twin.
_BOOTSTRAP_LOCK = 7_300_001


def ensure_warehouse(conn: psycopg.Connection) -> None:
    """The pipeline's own tables, and an (empty) raw table for every configured entity, so
    that dbt's staging models compile before a source's first load."""
    from dti_pipeline.load.raw import ensure_raw_table
    from dti_pipeline.sources.spec import load_sources

    if _restricted(conn):
        return  # the loader and transformer roles may not run DDL; the owner runs it (roles.py)
    ddl = files("dti_pipeline.warehouse").joinpath("bootstrap.sql").read_text(encoding="utf-8")
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_BOOTSTRAP_LOCK,))
        conn.execute(ddl)
        for spec in load_sources().values():
            for entity in spec.entities:
                ensure_raw_table(conn, spec.raw_table(entity))


def _restricted(conn: psycopg.Connection) -> bool:
    """True for a role that does not own (or inherit) every schema the pipeline set up."""
    row = conn.execute(
        """select not r.rolsuper and exists (
                      select 1 from pg_namespace n
                       where n.nspname in ('raw', 'dti_publish', 'dti_mart')
                         and not pg_has_role(r.oid, n.nspowner, 'USAGE'))
             from pg_roles r where r.rolname = current_user"""
    ).fetchone()
    return bool(row and row[0])
