"""`dti airflow --simulators` leaves a source's Connection alone when one is already defined."""

from __future__ import annotations

import json

from dti_pipeline import runtime


def test_simulator_connections_do_not_overwrite_defined_ones(airflow_db, monkeypatch):
    real = json.dumps({"conn_type": "http", "host": "eoffice.example.gov.vn", "password": "k"})
    monkeypatch.setenv("AIRFLOW_CONN_DTI_EOFFICE", real)
    monkeypatch.delenv("AIRFLOW_CONN_DTI_DVC", raising=False)
    simulated = {name: {"conn_type": "http", "host": "127.0.0.1", "port": 1} for name in ("eoffice", "dvc")}
    set_now = runtime.set_source_connections(simulated, keep_existing=True)
    assert set_now == ["dvc"]
    assert json.loads(runtime.os.environ["AIRFLOW_CONN_DTI_EOFFICE"])["host"] == "eoffice.example.gov.vn"
    assert json.loads(runtime.os.environ["AIRFLOW_CONN_DTI_DVC"])["host"] == "127.0.0.1"
    monkeypatch.delenv("AIRFLOW_CONN_DTI_DVC")
