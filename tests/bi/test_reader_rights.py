"""Superset reads the warehouse as the BI reader: SQL Lab's queries on raw or dti_build are
refused by PostgreSQL, the same query on the published mart answers."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import dashboards
import psycopg
import pytest


def _database_id(api, stack) -> int:
    found = api.get(f"{stack.base_url}/api/v1/database/", timeout=30).json()["result"]
    return next(d["id"] for d in found if d["database_name"] == dashboards.DATABASE_NAME)


def _run(api, stack, sql: str) -> tuple[int, dict]:
    """SQL Lab's execute endpoint, synchronously, as a person's query would run."""
    response = api.post(
        f"{stack.base_url}/api/v1/sqllab/execute/",
        json={
            "database_id": _database_id(api, stack),
            "sql": sql,
            "schema": "dti_mart",
            "runAsync": False,
            "client_id": uuid.uuid4().hex[:10],
            "queryLimit": 100,
        },
        timeout=120,
    )
    return response.status_code, response.json()


@pytest.fixture(scope="module")
def api(stack):
    return stack.api()


def test_superset_connects_as_the_bi_reader(stack, api):
    # SQL Lab refuses session_user and its kin, so the connection's own settings are read
    database_id = _database_id(api, stack)
    connection = api.get(f"{stack.base_url}/api/v1/database/{database_id}/connection", timeout=30).json()
    assert urlsplit(connection["result"]["sqlalchemy_uri"]).username == stack.reader_role
    settings = api.get(f"{stack.base_url}/api/v1/database/{database_id}", timeout=30).json()["result"]
    assert settings["allow_dml"] is False


@pytest.mark.parametrize(
    "relation", ["raw.load_ledger", "dti_build.fct_dti_monthly", "dti_publish.fct_dti_monthly_versions"]
)
def test_a_query_outside_the_mart_is_refused(stack, api, relation):
    status, answer = _run(api, stack, f"select count(*) as n from {relation}")
    assert status != 200, answer
    message = str(answer.get("errors") or answer.get("message") or answer)
    assert "permission denied" in message, message


def test_the_same_query_on_the_published_mart_answers(stack, api):
    status, answer = _run(api, stack, "select count(*) as n from dti_mart.fct_dti_monthly")
    assert status == 200, answer
    with psycopg.connect(stack.urls["admin"]) as conn:
        expected = conn.execute("select count(*) from dti_mart.fct_dti_monthly").fetchone()[0]
    assert answer["data"] == [{"n": expected}] and expected > 0
