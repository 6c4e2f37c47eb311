"""Airflow: the monthly DTI refresh: build a month with dbt (Cosmos), publish it, write its report.

Thin file: the DAG is built by dti_pipeline.orchestration.refresh_dag. Parsing reads the
dbt manifest only (no dbt run, no network, no database).
"""

from dti_pipeline.orchestration.refresh_dag import build_refresh_dag

dti_monthly_refresh = build_refresh_dag()
