"""Helpers around the dbt project that Airflow and the CLI share."""
