"""The Celery settings of the deployment's workers (AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS =
dti_pipeline.orchestration.celery_worker.CELERY_CONFIG): Airflow's own, plus one import.

Airflow forks each task's process from its Celery worker, so a task inherits whatever the
worker imported before. By default that is little: every task then loads the providers'
plugins again (Cosmos's brings its operators, listeners and a web app), psycopg, requests,
dbt's runner and the pipeline's modules, seconds of each task on a small machine. The worker
imports them once at its start instead (dti_pipeline.orchestration.worker_preload);
bench/bench_celery.py measures a month of extraction with and without it.
"""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

CELERY_CONFIG = {
    **DEFAULT_CELERY_CONFIG,
    "imports": [*DEFAULT_CELERY_CONFIG.get("imports", ()), "dti_pipeline.orchestration.worker_preload"],
}
