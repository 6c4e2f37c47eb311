"""What a Celery worker imports once, before it forks task processes (celery_worker.py).

Only imports and Airflow's cached plugin set-up: nothing connects to anything, so the forked
tasks share no connection, socket or thread.
"""

from __future__ import annotations

import cosmos.operators.local  # noqa: F401  the refresh's dbt tasks
import dbt.cli.main  # noqa: F401  Cosmos runs dbt in the task's process (InvocationMode.DBT_RUNNER)
import psycopg  # noqa: F401
import requests  # noqa: F401
from airflow.sdk.listener import get_listener_manager
from airflow.sdk.plugins_manager import integrate_macros_plugins

import dti_pipeline.extract.run
import dti_pipeline.gates.completeness
import dti_pipeline.gates.quality
import dti_pipeline.orchestration.extract_dag
import dti_pipeline.orchestration.refresh_dag
import dti_pipeline.publish.publication
import dti_pipeline.report.monthly  # noqa: F401

# the providers' plugins and their listeners, which every task process would load again
integrate_macros_plugins()
get_listener_manager()
