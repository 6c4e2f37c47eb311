"""Thin views over the published mart for BI tools: `dti_mart.bi_*`, defined from bi/views/.

Each view reads `dti_mart` only (the current publications), so a query on it sees one
publication of a month or the next, never a mixture, exactly as the mart's own views. The
views are (re)defined inside the publishing transaction and only when their SQL or their
documentation changed, so routine publications never lock a dashboard's reader out.

Their table and column comments, in Vietnamese and English, come from the dbt source
`dti_mart` (dbt_project/models/bi/_bi__sources.yml), the one place they are written: dbt docs
and every BI tool show the same text. Columns are only ever added to a view, never renamed or
removed, so that saved charts keep working across methodology versions.

A view whose inputs are not in the mart yet (e.g. before the first publication, or a mart
without `fct_dti_rank_uncertainty`) is left out and named in the log; `dti bi` refuses to
start until every view is defined.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache

import psycopg
import yaml
from psycopg import sql

from dti_pipeline.errors import PermanentError
from dti_pipeline.paths import DBT_PROJECT_DIR, PROJECT_DIR
from dti_pipeline.warehouse.schemas import MART_SCHEMA, PUBLISH_SCHEMA

log = logging.getLogger(__name__)

VIEWS_DIR = PROJECT_DIR / "bi" / "views"
DOCS_YML = DBT_PROJECT_DIR / "models" / "bi" / "_bi__sources.yml"


class BiViewError(PermanentError, RuntimeError):
    """A BI view cannot be defined on the mart as it is."""


def view_names() -> list[str]:
    return sorted(p.stem for p in VIEWS_DIR.glob("bi_*.sql"))


@cache
def _docs() -> dict[str, tuple[str | None, dict[str, str]]]:
    """{view: (table comment, {column: comment})} from the dbt source of the published mart."""
    document = yaml.safe_load(DOCS_YML.read_text(encoding="utf-8"))
    found = {}
    for source in document.get("sources", []):
        for table in source.get("tables", []):
            columns = {
                c["name"]: c["description"].strip() for c in table.get("columns", []) if c.get("description")
            }
            found[table["name"]] = ((table.get("description") or "").strip() or None, columns)
    return found


def _definition(name: str) -> tuple[str, str | None, dict[str, str]]:
    select = (VIEWS_DIR / f"{name}.sql").read_text(encoding="utf-8").strip().rstrip(";")
    table, columns = _docs().get(name, (None, {}))
    return select, table, columns


def _digest(select: str, table: str | None, columns: dict[str, str]) -> str:
    text = "\n".join([select, table or "", *(f"{k}={v}" for k, v in sorted(columns.items()))])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select to_regclass(%s)", (f"{MART_SCHEMA}.{name}",)).fetchone()[0] is not None


def _define(conn: psycopg.Connection, name: str) -> bool:
    """(Re)define one view when its definition changed or it is missing; True when it did."""
    select, table, columns = _definition(name)
    digest = _digest(select, table, columns)
    known = conn.execute(
        f"select sql_md5 from {PUBLISH_SCHEMA}.view_definition where view_name = %s", (name,)
    ).fetchone()
    if known and known[0] == digest and _exists(conn, name):
        return False
    target = sql.SQL("{}.{}").format(sql.Identifier(MART_SCHEMA), sql.Identifier(name))
    # a changed column list cannot be replaced in place; nothing else depends on a BI view
    conn.execute(sql.SQL("drop view if exists {}").format(target))
    conn.execute(sql.SQL("create view {} as ").format(target) + sql.SQL(select))
    if table:
        conn.execute(sql.SQL("comment on view {} is {}").format(target, sql.Literal(table)))
    present = {r[0] for r in conn.execute(f"select * from {MART_SCHEMA}.{name} limit 0").description or []}
    for column, comment in columns.items():
        if column in present:
            conn.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target, sql.Identifier(column), sql.Literal(comment)
                )
            )
    conn.execute(
        f"""insert into {PUBLISH_SCHEMA}.view_definition (view_name, sql_md5) values (%s, %s)
           on conflict (view_name) do update set sql_md5 = excluded.sql_md5, defined_at = now()""",
        (name, digest),
    )
    return True


def define_bi_views(conn: psycopg.Connection, *, strict: bool = False) -> list[str]:
    """Define every BI view the mart can carry, in the caller's transaction; the views left out.

    With `strict`, a view that cannot be defined raises BiViewError naming it and the cause.
    """
    left_out = []
    for name in view_names():
        try:
            with conn.transaction():  # a savepoint: one view's failure leaves the others
                _define(conn, name)
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn) as exc:
            message = str(exc).strip().splitlines()[0]
            if strict:
                raise BiViewError(
                    f"{MART_SCHEMA}.{name} cannot be defined on the published mart: {message}. "
                    f"Publish a month first, or fix bi/views/{name}.sql if the mart changed."
                ) from exc
            log.warning("%s.%s left out: %s", MART_SCHEMA, name, message)
            left_out.append(name)
    return left_out


def drop_bi_views(conn: psycopg.Connection) -> None:
    """Drop the BI views before the mart relation they read is replaced (same transaction)."""
    for name in view_names():
        conn.execute(
            sql.SQL("drop view if exists {}.{}").format(sql.Identifier(MART_SCHEMA), sql.Identifier(name))
        )


def missing_views(conn: psycopg.Connection) -> list[str]:
    return [name for name in view_names() if not _exists(conn, name)]
