"""A wrong month is refused with a clear message before any work is done."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from dti_pipeline.cli import main
from dti_pipeline.orchestration.inprocess import DagRunFailed, run_dag


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "month must be written YYYY-MM"),
        ("abc", "month must be written YYYY-MM"),
        ("2999-01", "2999-01 has not ended yet"),
    ],
)
def test_the_cli_refuses_a_wrong_month_before_starting_anything(month, message, monkeypatch):
    started = []
    monkeypatch.setattr("dti_pipeline.runtime.use_warehouse", lambda **_: started.append("warehouse"))
    result = CliRunner().invoke(main, ["refresh", "--month", month])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert started == []


@pytest.mark.parametrize("month", ["2026-13", "abc"])
def test_the_dag_rejects_a_malformed_month_in_its_param(month, airflow_db):
    from airflow.sdk.definitions.param import ParamValidationError

    with pytest.raises(ParamValidationError, match="month"):
        run_dag("dti_monthly_refresh", conf={"month": month})


def test_the_dag_stops_a_future_month_at_its_first_task(airflow_db, warehouse):
    with pytest.raises(DagRunFailed, match=r"resolve_month: month 2999-01 has not ended yet"):
        run_dag("dti_monthly_refresh", conf={"month": "2999-01"})
    with psycopg.connect(warehouse) as conn:
        schemas = {s for (s,) in conn.execute("select nspname from pg_namespace")}
    assert "dti_build" not in schemas and "dti_staging" not in schemas, "dbt ran for a refused month"
