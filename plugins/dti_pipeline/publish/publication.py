"""Publish one built month of the mart so that BI readers see all of it or none of it.

dbt builds months into `dti_build`. Publishing copies the month's rows into versioned
tables in `dti_publish` and flips the month's current publication in one transaction;
the `dti_mart` views show only current publications. A reader's query therefore sees the
previous publication or the new one, never a mixture and never an empty month, and every
earlier version stays retrievable by its publication_id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

import psycopg
from psycopg import sql

from dti_pipeline.months import format_month
from dti_pipeline.warehouse.bootstrap import ensure_warehouse

BUILD_SCHEMA = "dti_build"
PUBLISH_SCHEMA = "dti_publish"
MART_SCHEMA = "dti_mart"
MONTHLY_FACTS = ("fct_dti_monthly", "fct_indicator_monthly")
DIMENSIONS = ("dim_admin_unit", "dim_indicator")
_PUBLISH_LOCK = 7_300_002


class NothingToPublish(RuntimeError):
    pass


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

    def as_dict(self) -> dict:
        return {**asdict(self), "published_at": self.published_at.isoformat()}


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


def _content_hash(conn: psycopg.Connection, month: date) -> tuple[str, dict[str, int]]:
    parts, counts = [], {}
    for fact in MONTHLY_FACTS:
        digest, count = conn.execute(
            sql.SQL(
                "select md5(coalesce(string_agg(t::text, '\n' order by t::text), '')), count(*) "
                "from {}.{} as t where month = %s"
            ).format(sql.Identifier(BUILD_SCHEMA), sql.Identifier(fact)),
            (month,),
        ).fetchone()
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
    conn.execute(
        sql.SQL("create table if not exists {}.{} (publication_id bigint not null, like {}.{})").format(
            sql.Identifier(PUBLISH_SCHEMA),
            sql.Identifier(versions),
            sql.Identifier(BUILD_SCHEMA),
            sql.Identifier(fact),
        )
    )
    conn.execute(
        sql.SQL("create index if not exists {} on {}.{} (publication_id)").format(
            sql.Identifier(f"{versions}__publication_id"),
            sql.Identifier(PUBLISH_SCHEMA),
            sql.Identifier(versions),
        )
    )
    existing = {name for name, _ in _columns(conn, PUBLISH_SCHEMA, versions)}
    for name, type_ in build_cols:  # a new methodology may add columns; old versions keep null
        if name not in existing:
            conn.execute(
                sql.SQL("alter table {}.{} add column {} " + type_).format(
                    sql.Identifier(PUBLISH_SCHEMA), sql.Identifier(versions), sql.Identifier(name)
                )
            )
    return [name for name, _ in build_cols]


def _copy_comments(conn: psycopg.Connection, source: str, target: str, kind: str) -> None:
    """BI tools show table and column comments: carry dbt's descriptions onto the mart."""
    rows = conn.execute(
        """select a.attname, col_description(c.oid, a.attnum), obj_description(c.oid, 'pg_class')
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
             join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where n.nspname = %s and c.relname = %s""",
        (BUILD_SCHEMA, source),
    ).fetchall()
    target_id = sql.SQL("{}.{}").format(sql.Identifier(MART_SCHEMA), sql.Identifier(target))
    if rows and rows[0][2]:
        conn.execute(
            sql.SQL("comment on {} {} is {}").format(sql.SQL(kind), target_id, sql.Literal(rows[0][2]))
        )
    for column, comment, _ in rows:
        if comment:
            conn.execute(
                sql.SQL("comment on column {}.{} is {}").format(
                    target_id, sql.Identifier(column), sql.Literal(comment)
                )
            )


def _publish_views(conn: psycopg.Connection, fact: str, columns: list[str]) -> None:
    select_list = sql.SQL(", ").join(sql.SQL("v.{}").format(sql.Identifier(c)) for c in columns)
    conn.execute(
        sql.SQL(
            "create or replace view {}.{} as select {}, v.publication_id "
            "from {}.{} as v join {}.publication as p using (publication_id) "
            "where p.status = 'current'"
        ).format(
            sql.Identifier(MART_SCHEMA),
            sql.Identifier(fact),
            select_list,
            sql.Identifier(PUBLISH_SCHEMA),
            sql.Identifier(f"{fact}_versions"),
            sql.Identifier(PUBLISH_SCHEMA),
        )
    )
    _copy_comments(conn, fact, fact, "view")


def _publish_dimension(conn: psycopg.Connection, dim: str) -> None:
    build = sql.SQL("{}.{}").format(sql.Identifier(BUILD_SCHEMA), sql.Identifier(dim))
    mart = sql.SQL("{}.{}").format(sql.Identifier(MART_SCHEMA), sql.Identifier(dim))
    conn.execute(sql.SQL("create table if not exists {} (like {})").format(mart, build))
    # delete + insert inside the publishing transaction: readers keep the old rows until commit
    conn.execute(sql.SQL("delete from {}").format(mart))
    conn.execute(sql.SQL("insert into {} select * from {}").format(mart, build))
    _copy_comments(conn, dim, dim, "table")


def _publication_view(conn: psycopg.Connection) -> None:
    conn.execute(
        f"""create or replace view {MART_SCHEMA}.publication as
            select publication_id, month, status, published_at, superseded_at, run_id,
                   methodology_version, content_hash, row_counts
              from {PUBLISH_SCHEMA}.publication"""
    )
    conn.execute(
        f"comment on view {MART_SCHEMA}.publication is "
        "'Every publication of every month: when, by which run, under which methodology. "
        "The mart shows the current one of each month.'"
    )


def publish_month(
    conn: psycopg.Connection,
    month: date,
    *,
    run_id: str | None = None,
    methodology_version: str | None = None,
) -> Publication:
    """Publish `month` from dti_build; a no-op when the same content is already current."""
    ensure_warehouse(conn)
    methodology_version = methodology_version or _methodology_version(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_PUBLISH_LOCK,))
        digest, counts = _content_hash(conn, month)
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
        columns = {fact: _ensure_versions_table(conn, fact) for fact in MONTHLY_FACTS}
        conn.execute(
            f"""update {PUBLISH_SCHEMA}.publication set status = 'superseded', superseded_at = now()
                 where month = %s and status = 'current'""",
            (month,),
        )
        publication_id, published_at = conn.execute(
            f"""insert into {PUBLISH_SCHEMA}.publication
                       (month, status, run_id, methodology_version, content_hash, row_counts)
                values (%s, 'current', %s, %s, %s, %s) returning publication_id, published_at""",
            (month, run_id, methodology_version, digest, json.dumps(counts)),
        ).fetchone()
        for fact, cols in columns.items():
            col_list = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            conn.execute(
                sql.SQL(
                    "insert into {}.{} (publication_id, {}) select %s, {} from {}.{} where month = %s"
                ).format(
                    sql.Identifier(PUBLISH_SCHEMA),
                    sql.Identifier(f"{fact}_versions"),
                    col_list,
                    col_list,
                    sql.Identifier(BUILD_SCHEMA),
                    sql.Identifier(fact),
                ),
                (publication_id, month),
            )
            _publish_views(conn, fact, cols)
        for dim in DIMENSIONS:
            _publish_dimension(conn, dim)
        _publication_view(conn)
    return Publication(
        publication_id,
        format_month(month),
        published_at,
        methodology_version,
        digest,
        counts,
        run_id,
        unchanged=False,
    )


def _methodology_version(conn: psycopg.Connection) -> str:
    row = conn.execute(f"select distinct methodology_version from {BUILD_SCHEMA}.dim_indicator").fetchall()
    if len(row) != 1:
        raise NothingToPublish(f"{BUILD_SCHEMA}.dim_indicator has no single methodology version")
    return row[0][0]
