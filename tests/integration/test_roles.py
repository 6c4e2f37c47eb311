"""The project's roles: the loader writes raw, the transformer builds and publishes, and the BI
reader selects the published mart and nothing else, writes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import urlsplit

import psycopg
import pytest
from synthetic_mart import build_month

from dti_pipeline.publish.publication import publish_month
from dti_pipeline.warehouse.roles import role_url, roles, setup_roles

MONTH = date(2025, 8, 1)


@pytest.fixture(scope="module")
def role_urls(request, postgres_server):
    admin = postgres_server("roles")
    chosen = roles(f"dti_t{uuid.uuid4().hex[:6]}")
    request.addfinalizer(lambda: _drop(admin, chosen))  # roles are cluster-wide: never leave them
    secrets_ = {kind: uuid.uuid4().hex for kind in chosen}
    with psycopg.connect(admin, autocommit=True) as conn:
        setup_roles(conn, chosen, secrets_)
    urls = {kind: role_url(admin, role.name, secrets_[kind]) for kind, role in chosen.items()}
    # the loader lands a load; the transformer builds (as dbt would) and publishes
    with psycopg.connect(urls["loader"]) as conn:
        conn.execute("create table raw.demo__things (load_id bigint, payload jsonb)")
        conn.execute("insert into raw.demo__things values (1, '{}')")
    with psycopg.connect(urls["transformer"]) as conn:
        conn.execute("create schema dti_staging")
        conn.execute("create view dti_staging.stg_demo as select payload from raw.demo__things")
        build_month(conn, MONTH)
        publish_month(conn, MONTH, run_id="as-transformer")
    return {"admin": admin, **urls}


def _drop(admin: str, chosen: dict) -> None:
    server = urlsplit(admin)._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{urlsplit(admin).path.lstrip("/")}" with (force)')
        for role in chosen.values():
            conn.execute(f'drop role if exists "{role.name}"')


def _denied(url: str, statement: str, *, read_write: bool = False) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        if read_write:
            conn.execute("set default_transaction_read_only = off")
        try:
            conn.execute(statement)
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction) as exc:
            return type(exc).__name__
    return "allowed"


def test_the_bi_reader_reads_the_published_mart(role_urls):
    with psycopg.connect(role_urls["bi_reader"]) as conn:
        rows = conn.execute(
            "select count(*) from dti_mart.fct_dti_monthly where month = %s", (MONTH,)
        ).fetchone()
        units = conn.execute("select count(*) from dti_mart.dim_admin_unit").fetchone()
        pubs = conn.execute("select run_id from dti_mart.publication").fetchall()
        versions = conn.execute("select count(*) from dti_mart.fct_indicator_monthly_versions").fetchone()
    assert rows == (34 + 3321,) and units[0] > 0 and pubs == [("as-transformer",)] and versions[0] > 0


@pytest.mark.parametrize(
    "table",
    [
        "raw.load_ledger",
        "raw.demo__things",
        "dti_staging.stg_demo",
        "dti_build.fct_dti_monthly",
        "dti_build.dim_indicator",
        "dti_publish.publication",
        "dti_publish.fct_dti_monthly_versions",
    ],
)
def test_the_bi_reader_cannot_read_anything_but_the_mart(role_urls, table):
    assert _denied(role_urls["bi_reader"], f"select * from {table} limit 1") == "InsufficientPrivilege"


@pytest.mark.parametrize(
    "statement",
    [
        "insert into dti_mart.dim_indicator (indicator_id) values ('x')",
        "delete from dti_mart.dim_admin_unit",
        "update dti_mart.dim_indicator set weight = 0",
        "create table dti_mart.mine (a int)",
        "create table public.mine (a int)",
        "create temporary table mine (a int)",
        "create schema mine",
        "insert into raw.load_ledger (source) values ('x')",
    ],
)
def test_the_bi_reader_writes_nothing(role_urls, statement):
    assert _denied(role_urls["bi_reader"], statement) != "allowed"
    # not even when it turns its read-only default off: privileges say no too
    assert _denied(role_urls["bi_reader"], statement, read_write=True) == "InsufficientPrivilege"


def test_the_loader_writes_raw_only(role_urls):
    assert (
        _denied(role_urls["loader"], "select * from dti_mart.fct_dti_monthly limit 1")
        == "InsufficientPrivilege"
    )
    assert (
        _denied(role_urls["loader"], "select * from dti_build.fct_dti_monthly limit 1")
        == "InsufficientPrivilege"
    )
    assert _denied(role_urls["loader"], "create schema elsewhere") == "InsufficientPrivilege"


def test_the_transformer_reads_raw_but_does_not_write_it(role_urls):
    with psycopg.connect(role_urls["transformer"]) as conn:
        assert conn.execute("select count(*) from raw.demo__things").fetchone() == (1,)
    assert _denied(role_urls["transformer"], "insert into raw.demo__things values (2, '{}')") == (
        "InsufficientPrivilege"
    )


def test_setting_up_again_is_harmless_and_keeps_the_reader_working(role_urls, postgres_server):
    chosen = {
        kind: role
        for kind, role in roles(urlsplit(role_urls["loader"]).username.removesuffix("_loader")).items()
    }
    secrets_ = {kind: urlsplit(role_urls[kind]).password for kind in chosen}
    with psycopg.connect(role_urls["admin"], autocommit=True) as conn:
        setup_roles(conn, chosen, secrets_)
    with psycopg.connect(role_urls["transformer"]) as conn:
        build_month(conn, MONTH, seed=9)
        publish_month(conn, MONTH, run_id="again")
    with psycopg.connect(role_urls["bi_reader"]) as conn:
        assert conn.execute("select count(*) from dti_mart.publication").fetchone() == (2,)
