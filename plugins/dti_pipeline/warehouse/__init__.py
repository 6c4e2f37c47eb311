"""The PostgreSQL warehouse: how to reach it, and the tables the pipeline owns outside dbt."""

from dti_pipeline.warehouse.connection import WAREHOUSE_CONN_ID, connect, warehouse_url

__all__ = ["WAREHOUSE_CONN_ID", "connect", "warehouse_url"]
