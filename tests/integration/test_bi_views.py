"""The BI views over the published mart: defined with the publication, documented in both
languages, readable by the BI reader only as the mart is, and kept through a change of the
mart's shape."""

from __future__ import annotations

import uuid
from datetime import date
from urllib.parse import urlsplit

import psycopg
import pytest
from bi_mart import build_bi_month, publish_bi_months
from synthetic_mart import build_month

from dti_pipeline.publish.bi_views import BiViewError, define_bi_views, missing_views, view_names
from dti_pipeline.publish.publication import publish_month
from dti_pipeline.warehouse.roles import role_url, roles, setup_roles

AUGUST = date(2025, 8, 1)


def _rows(conn, view: str) -> int:
    return conn.execute(f"select count(*) from dti_mart.{view}").fetchone()[0]


def test_every_view_is_defined_with_the_publication_and_documented_in_both_languages(warehouse):
    with psycopg.connect(warehouse) as conn:
        publish_bi_months(conn)
        assert missing_views(conn) == []
        for view in view_names():
            assert _rows(conn, view) > 0, view
            table = conn.execute("select obj_description(%s::regclass)", (f"dti_mart.{view}",)).fetchone()[0]
            assert table and " / " in table, f"{view} has no bilingual comment"
        month_label = conn.execute(
            "select col_description('dti_mart.bi_unit_monthly'::regclass, attnum) from pg_attribute"
            " where attrelid = 'dti_mart.bi_unit_monthly'::regclass and attname = 'month_label'"
        ).fetchone()[0]
    assert month_label.startswith("Tháng dạng YYYY-MM") and "The month as YYYY-MM" in month_label


def test_the_views_show_the_current_publication_only(warehouse):
    with psycopg.connect(warehouse) as conn:
        publish_bi_months(conn)
        before = _rows(conn, "bi_unit_monthly")
        build_bi_month(conn, AUGUST, seed=5)
        again = publish_month(conn, AUGUST, run_id="republished")
        ids = conn.execute(
            "select array_agg(distinct publication_id) from dti_mart.bi_unit_monthly where month = %s",
            (AUGUST,),
        ).fetchone()[0]
        assert _rows(conn, "bi_unit_monthly") == before
    assert ids == [again.publication_id]


def test_the_views_survive_new_columns_in_the_facts_and_dimensions(warehouse):
    """E.g. a partial-month flag on the facts: the mart's views are replaced, the BI views too."""
    with psycopg.connect(warehouse) as conn:
        publish_bi_months(conn)
        build_bi_month(conn, AUGUST, seed=2)
        conn.execute("alter table dti_build.fct_dti_monthly add column is_partial_month boolean")
        conn.execute("alter table dti_build.dim_admin_unit add column area_km2 double precision")
        conn.commit()
        publish_month(conn, AUGUST, run_id="new-columns", methodology_version="with-flag")
        assert missing_views(conn) == []
        assert _rows(conn, "bi_unit_monthly") > 0 and _rows(conn, "bi_pillar_monthly") > 0


def test_a_view_whose_inputs_are_missing_waits_and_dti_bi_says_why(warehouse):
    with psycopg.connect(warehouse) as conn:
        build_month(conn, AUGUST)  # no rank intervals in this mart
        publish_month(conn, AUGUST, run_id="plain")
        assert missing_views(conn) == ["bi_indicator_catalogue", "bi_province_ranking"]
        with pytest.raises(BiViewError, match=r"dti_mart\.bi_indicator_catalogue cannot be defined"):
            define_bi_views(conn, strict=True)


@pytest.fixture
def reader(postgres_server, request):
    admin = postgres_server("bi_views")
    chosen = roles(f"dti_t{uuid.uuid4().hex[:6]}")
    secrets_ = {kind: uuid.uuid4().hex for kind in chosen}

    def drop() -> None:
        server = urlsplit(admin)._replace(path="/postgres").geturl()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{urlsplit(admin).path.lstrip("/")}" with (force)')
            for role in chosen.values():
                conn.execute(f'drop role if exists "{role.name}"')

    request.addfinalizer(drop)
    with psycopg.connect(admin, autocommit=True) as conn:
        setup_roles(conn, chosen, secrets_)
    urls = {kind: role_url(admin, role.name, secrets_[kind]) for kind, role in chosen.items()}
    with psycopg.connect(urls["transformer"]) as conn:
        publish_bi_months(conn)
    return urls["bi_reader"]


def test_the_bi_reader_reads_every_view_and_changes_none(reader):
    with psycopg.connect(reader, autocommit=True) as conn:
        for view in view_names():
            assert _rows(conn, view) > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("set default_transaction_read_only = off")
            conn.execute("drop view dti_mart.bi_unit_monthly")


def _contract_tables() -> dict[str, list[tuple[str, str]]]:
    """The marts' columns as dbt declares them in their contracts."""
    import yaml

    from dti_pipeline.paths import DBT_PROJECT_DIR

    marts = DBT_PROJECT_DIR / "models" / "marts"
    document = yaml.safe_load((marts / "_marts__models.yml").read_text(encoding="utf-8"))
    tables = {
        model["name"]: [(c["name"], c["data_type"]) for c in model["columns"]]
        for model in document["models"]
        if model.get("config", {}).get("contract", {}).get("enforced")
    }
    assert "dim_indicator" in tables  # every mart the views read has a contract
    return tables


def test_the_views_fit_the_marts_as_dbt_declares_them(warehouse):
    """The synthetic mart is smaller than dbt's: the views must also fit the real columns."""
    numeric = ("numeric", "integer", "double precision")
    with psycopg.connect(warehouse) as conn:
        conn.execute("create schema dti_build")
        for table, columns in _contract_tables().items():
            body = ", ".join(f"{name} {'text' if name == 'weight' else kind}" for name, kind in columns)
            conn.execute(f"create table dti_build.{table} ({body})")
            values = ", ".join(
                "%(month)s"
                if name == "month"
                else "'1.0.0'"
                if name == "methodology_version"
                else "0"
                if kind.startswith(numeric)
                else "null"
                for name, kind in columns
            )
            conn.execute(f"insert into dti_build.{table} values ({values})", {"month": AUGUST})
        conn.commit()
        publish_month(conn, AUGUST, run_id="contracts")
        assert missing_views(conn) == []
