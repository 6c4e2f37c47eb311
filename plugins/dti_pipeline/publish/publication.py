"""Publish one built month of the mart so that BI readers see all of it or none of it.

dbt builds months into `dti_build`. Publishing copies the month's rows into versioned
tables in `dti_publish` and flips the month's current publication in one transaction; the
`dti_mart` views show only current publications. A reader's query therefore sees the
previous publication or the new one, never a mixture and never an empty month; a publisher
killed at any point (even SIGKILL) leaves the transaction uncommitted, so the previous
publication stays current and the next run starts from it.

Every publication records its month, publish time, run, methodology version, content hash,
row counts and what the gates found; earlier versions stay retrievable by publication_id
(`dti_mart.<fact>_versions`). Republishing identical content is a no-op.

The same transaction (re)defines the thin BI views `dti_mart.bi_*` (publish/bi_views.py).

Readers are never locked out by routine publications: the views are only (re)defined when
their definition changes, dimensions are only rewritten when their content changes, and
the session gives up on a lock after `lock_timeout` (a transient error, retried).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import psycopg
from psycopg import sql

from dti_pipeline.errors import PermanentError
from dti_pipeline.months import format_month
from dti_pipeline.publish.bi_views import define_bi_views, drop_bi_views
from dti_pipeline.warehouse.bootstrap import ensure_warehouse
from dti_pipeline.warehouse.schemas import BUILD_SCHEMA, MART_SCHEMA, PUBLISH_SCHEMA

# The facts and dimensions of the mart are found in dti_build by name: every `fct_*` table
# with a `month` column is published by month, every `dim_*` table whole. These must exist.
CORE_FACTS = ("fct_dti_monthly", "fct_indicator_monthly")
CORE_DIMENSIONS = ("dim_admin_unit", "dim_indicator")
_PUBLISH_LOCK = 7_300_002

# Session settings of the publishing connection.
SESSION_SETTINGS = {
    # wait at most this long for a lock (a long reader query, a concurrent publication)
    "lock_timeout": "30s",
    # notice a publisher that vanished mid-statement (SIGKILL) within a second (PostgreSQL 14+)
    "client_connection_check_interval": "1s",
    # and one that stopped talking inside the transaction
    "idle_in_transaction_session_timeout": "5min",
}


class NothingToPublish(PermanentError, RuntimeError):
    """The month has no build to publish: run its build first."""


@dataclass
class Publication:
    publication_id: int
    month: str
    published_at: datetime
    methodology_version: str
    content_hash: str
    row_counts: dict[str, int]
    run_id: str | None
    unchanged: bool
    superseded: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**asdict(self), "published_at": self.published_at.isoformat()}


def _ident(*parts: str) -> sql.Composed:
    return sql.SQL(".").join(sql.Identifier(p) for p in parts)


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
             from pg_attribute a
             join pg_class c on c.oid = a.attrelid
             join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relname = %s and a.attnum > 0 and not a.attisdropped
            order by a.attnum""",
        (schema, table),
    ).fetchall()


def _relations(conn: psycopg.Connection, prefix: str, needs_month: bool) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            """select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm') and c.relname like %s
                  and (not %s or exists (select 1 from pg_attribute a where a.attrelid = c.oid
                                          and a.attname = 'month' and not a.attisdropped))
                order by c.relname""",
            (BUILD_SCHEMA, prefix.replace("_", "\\_") + "%", needs_month),
        ).fetchall()
    ]


def monthly_facts(conn: psycopg.Connection) -> list[str]:
    """Every fact of the build, published month by month (fct_dti_monthly first)."""
    found = _relations(conn, "fct_", True)
    missing = [f for f in CORE_FACTS if f not in found]
    if missing:
        raise NothingToPublish(f"{BUILD_SCHEMA}.{missing[0]} does not exist: run the dbt build first")
    return [*CORE_FACTS, *(f for f in found if f not in CORE_FACTS)]


def dimensions(conn: psycopg.Connection) -> list[str]:
    found = _relations(conn, "dim_", False)
    return [*(d for d in CORE_DIMENSIONS if d in found), *(d for d in found if d not in CORE_DIMENSIONS)]


def _rows_hash(
    conn: psycopg.Connection, table: sql.Composable, columns: list[str], where: str, value
) -> tuple[str, int]:
    """md5 over the selected rows of `columns`, in a canonical order, and their count: the one
    definition of a fact's content, for a build and for a published version alike."""
    row = sql.SQL("row({})").format(sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    return conn.execute(
        sql.SQL(
            "select md5(coalesce(string_agg(r::text, E'\\n' order by r::text), '')), count(*) "
            "from (select {} as r from {} where {} = %s) as rows"
        ).format(row, table, sql.Identifier(where)),
        (value,),
    ).fetchone()


def content_hash(conn: psycopg.Connection, month: date, schema: str = BUILD_SCHEMA) -> tuple[str, dict]:
    """md5 over every fact row of the month, in a canonical order, and the row counts."""
    parts, counts = [], {}
    for fact in monthly_facts(conn):
        columns = [c for c, _ in _columns(conn, schema, fact) if c != "publication_id"]
        if not columns:
            raise NothingToPublish(f"{schema}.{fact} does not exist: run the dbt build first")
        digest, count = _rows_hash(conn, _ident(schema, fact), columns, "month", month)
        parts.append(f"{fact}:{digest}")
        counts[fact] = count
    digest = conn.execute("select md5(%s)", ("|".join(parts),)).fetchone()[0]
    return digest, counts


def _ensure_versions_table(conn: psycopg.Connection, fact: str) -> list[str]:
    """dti_publish.<fact>_versions has the build table's columns plus publication_id."""
    build_cols = _columns(conn, BUILD_SCHEMA, fact)
    if not build_cols:
        raise NothingToPublish(f"{BUILD_SCHEMA}.{fact} does not exist: run the dbt build first")
    versions = f"{fact}_versions"
    existing = {name for name, _ in _columns(conn, PUBLISH_SCHEMA, versions)}
    if not existing:
        conn.execute(
            sql.SQL("create table {} (publication_id bigint not null, like {})").format(
                _ident(PUBLISH_SCHEMA, versions), _ident(BUILD_SCHEMA, fact)
            )
        )
        conn.execute(
            sql.SQL("create index {} on {} (publication_id)").format(
                sql.Identifier(f"{versions}__publication_id"), _ident(PUBLISH_SCHEMA, versions)
            )
        )
        existing = {name for name, _ in _columns(conn, PUBLISH_SCHEMA, versions)}
    for name, type_ in build_cols:  # a new methodology may add columns; old versions keep null
        if name not in existing:
            conn.execute(
                sql.SQL("alter table {} add column {} " + type_).format(
                    _ident(PUBLISH_SCHEMA, versions), sql.Identifier(name)
                )
            )
    return [name for name, _ in build_cols]


def _comments(conn: psycopg.Connection, source: str) -> tuple[str | None, dict[str, str]]:
    rows = conn.execute(
        """select a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = %s and c.relname = %s""",
        (BUILD_SCHEMA, source),
    ).fetchall()
    return (rows[0][2] if rows else None), {r[0]: r[1] for r in rows if r[1]}


def _apply_comments(conn, target: str, kind: str, table: str | None, columns: dict[str, str]) -> None:
    """BI tools show table and column comments: carry dbt's descriptions onto the mart."""
    target_id = _ident(MART_SCHEMA, target)
    if table:
        conn.execute(sql.SQL("comment on {} {} is {}").format(sql.SQL(kind), target_id, sql.Literal(table)))
    for column, comment in columns.items():
        conn.execute(
            sql.SQL("comment on column {}.{} is {}").format(
                target_id, sql.Identifier(column), sql.Literal(comment)
            )
        )


def _ensure_view(conn: psycopg.Connection, name: str, select: sql.Composable, comments=None) -> bool:
    """(Re)define dti_mart.<name> only when its SQL changed; True when it did."""
    text = select.as_string(conn)
    digest = hashlib.md5(text.encode("utf-8")).hexdigest()
    known = conn.execute(
        f"select sql_md5 from {PUBLISH_SCHEMA}.view_definition where view_name = %s", (name,)
    ).fetchone()
    exists = conn.execute("select to_regclass(%s)", (f"{MART_SCHEMA}.{name}",)).fetchone()[0]
    if known and known[0] == digest and exists:
        return False
    target = _ident(MART_SCHEMA, name)
    try:
        with conn.transaction():
            conn.execute(sql.SQL("create or replace view {} as ").format(target) + sql.SQL(text))
    except psycopg.errors.InvalidTableDefinition:
        # columns were removed or reordered: only a new view can say so. The BI views that
        # read it go too and are defined again at the end of the publication.
        drop_bi_views(conn)
        conn.execute(sql.SQL("drop view if exists {}").format(target))
        conn.execute(sql.SQL("create view {} as ").format(target) + sql.SQL(text))
    conn.execute(
        f"""insert into {PUBLISH_SCHEMA}.view_definition (view_name, sql_md5) values (%s, %s)
            on conflict (view_name) do update set sql_md5 = excluded.sql_md5, defined_at = now()""",
        (name, digest),
    )
    if comments:
        _apply_comments(conn, name, "view", *comments)
    return True


def _publish_views(conn: psycopg.Connection, fact: str, columns: list[str]) -> None:
    select_list = sql.SQL(", ").join(sql.SQL("v.{}").format(sql.Identifier(c)) for c in columns)
    versions = _ident(PUBLISH_SCHEMA, f"{fact}_versions")
    table_comment, column_comments = _comments(conn, fact)
    _ensure_view(
        conn,
        fact,
        sql.SQL(
            "select {cols}, v.publication_id from {versions} as v "
            "join {pub} as p using (publication_id) where p.status = 'current'"
        ).format(cols=select_list, versions=versions, pub=_ident(PUBLISH_SCHEMA, "publication")),
        (table_comment, column_comments),
    )
    _ensure_view(
        conn,
        f"{fact}_versions",
        sql.SQL(
            "select {cols}, v.publication_id, p.status as publication_status, p.published_at "
            "from {versions} as v join {pub} as p using (publication_id)"
        ).format(cols=select_list, versions=versions, pub=_ident(PUBLISH_SCHEMA, "publication")),
        (
            f"Every published version of {fact}, current and superseded: select one by "
            "publication_id (see dti_mart.publication) to read a month as it was published then.",
            column_comments,
        ),
    )


def _publish_dimension(conn: psycopg.Connection, dim: str) -> None:
    build, mart = _ident(BUILD_SCHEMA, dim), _ident(MART_SCHEMA, dim)
    build_cols = _columns(conn, BUILD_SCHEMA, dim)
    mart_cols = _columns(conn, MART_SCHEMA, dim)
    if mart_cols and mart_cols != build_cols:
        drop_bi_views(conn)  # defined again at the end of the publication
        conn.execute(sql.SQL("drop table {}").format(mart))  # the dimension's shape changed
        mart_cols = []
    if not mart_cols:
        conn.execute(sql.SQL("create table {} (like {})").format(mart, build))
    else:
        same = conn.execute(
            sql.SQL(
                "select (select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} t)"
                " = (select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} t)"
            ).format(build, mart)
        ).fetchone()[0]
        if same:
            return
        # inside the publishing transaction: readers keep the old rows until it commits
        conn.execute(sql.SQL("delete from {}").format(mart))
    conn.execute(sql.SQL("insert into {} select * from {}").format(mart, build))
    _apply_comments(conn, dim, "table", *_comments(conn, dim))


def _publication_view(conn: psycopg.Connection) -> None:
    _ensure_view(
        conn,
        "publication",
        sql.SQL(
            "select publication_id, month, status, published_at, superseded_at, run_id, "
            "methodology_version, content_hash, row_counts, checks from {}"
        ).format(_ident(PUBLISH_SCHEMA, "publication")),
        (
            "Every publication of every month: when, by which run, under which methodology, "
            "with what the completeness and quality gates found. The mart shows the current "
            "one of each month; dti_mart.<fact>_versions keeps the others.",
            {},
        ),
    )


def _prepare_session(conn: psycopg.Connection) -> None:
    version = conn.info.server_version
    for name, value in SESSION_SETTINGS.items():
        if name == "client_connection_check_interval" and version < 140000:
            continue
        conn.execute(
            sql.SQL("select set_config({}, {}, false)").format(sql.Literal(name), sql.Literal(value))
        )


def publish_month(
    conn: psycopg.Connection,
    month: date,
    *,
    run_id: str | None = None,
    methodology_version: str | None = None,
    checks: dict | None = None,
) -> Publication:
    """Publish `month` from dti_build; a no-op when the same content is already current."""
    ensure_warehouse(conn)
    conn.commit()
    _prepare_session(conn)
    conn.commit()
    methodology_version = methodology_version or _methodology_version(conn)
    conn.commit()  # so that the block below is one top-level transaction, committed at its end
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_PUBLISH_LOCK,))
        digest, counts = content_hash(conn, month)
        if counts.get("fct_dti_monthly", 0) == 0:
            raise NothingToPublish(
                f"{BUILD_SCHEMA}.fct_dti_monthly has no rows for {format_month(month)}: "
                "the dbt build of that month did not run or built nothing. Nothing was published."
            )
        current = conn.execute(
            f"""select publication_id, published_at, content_hash, methodology_version, run_id
                  from {PUBLISH_SCHEMA}.publication where month = %s and status = 'current'""",
            (month,),
        ).fetchone()
        if current and current[2] == digest and current[3] == methodology_version:
            define_bi_views(conn)  # a new release's BI views, on the same content
            return Publication(
                current[0],
                format_month(month),
                current[1],
                methodology_version,
                digest,
                counts,
                current[4],
                unchanged=True,
            )
        columns = {fact: _ensure_versions_table(conn, fact) for fact in monthly_facts(conn)}
        superseded = [
            r[0]
            for r in conn.execute(
                f"""update {PUBLISH_SCHEMA}.publication set status = 'superseded', superseded_at = now()
                     where month = %s and status = 'current' returning publication_id""",
                (month,),
            ).fetchall()
        ]
        publication_id, published_at = conn.execute(
            f"""insert into {PUBLISH_SCHEMA}.publication
                       (month, status, run_id, methodology_version, content_hash, row_counts, checks)
                values (%s, 'current', %s, %s, %s, %s, %s) returning publication_id, published_at""",
            (
                month,
                run_id,
                methodology_version,
                digest,
                json.dumps(counts),
                json.dumps(checks, default=str) if checks is not None else None,
            ),
        ).fetchone()
        for fact, cols in columns.items():
            col_list = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            conn.execute(
                sql.SQL("insert into {} (publication_id, {}) select %s, {} from {} where month = %s").format(
                    _ident(PUBLISH_SCHEMA, f"{fact}_versions"), col_list, col_list, _ident(BUILD_SCHEMA, fact)
                ),
                (publication_id, month),
            )
            _publish_views(conn, fact, cols)
        for dim in dimensions(conn):
            _publish_dimension(conn, dim)
        _publication_view(conn)
        define_bi_views(conn)
    return Publication(
        publication_id,
        format_month(month),
        published_at,
        methodology_version,
        digest,
        counts,
        run_id,
        unchanged=False,
        superseded=superseded,
    )


def published_hash(conn: psycopg.Connection, publication_id: int) -> str:
    """The content hash recomputed from a stored version, as a reader can retrieve it."""
    parts = []
    facts = [
        r[0].removesuffix("_versions")
        for r in conn.execute(
            """select distinct table_name from information_schema.columns
                where table_schema = %s and table_name like 'fct\\_%%\\_versions'
                order by 1""",
            (PUBLISH_SCHEMA,),
        ).fetchall()
    ]
    ordered = [*(f for f in CORE_FACTS if f in facts), *(f for f in facts if f not in CORE_FACTS)]
    for fact in ordered:
        columns = [c for c, _ in _columns(conn, BUILD_SCHEMA, fact)] or [
            c for c, _ in _columns(conn, PUBLISH_SCHEMA, f"{fact}_versions") if c != "publication_id"
        ]
        versions = _ident(PUBLISH_SCHEMA, f"{fact}_versions")
        digest, _ = _rows_hash(conn, versions, columns, "publication_id", publication_id)
        parts.append(f"{fact}:{digest}")
    return conn.execute("select md5(%s)", ("|".join(parts),)).fetchone()[0]


def _methodology_version(conn: psycopg.Connection) -> str:
    row = conn.execute(f"select distinct methodology_version from {BUILD_SCHEMA}.dim_indicator").fetchall()
    if len(row) != 1:
        raise NothingToPublish(f"{BUILD_SCHEMA}.dim_indicator has no single methodology version")
    return row[0][0]
