"""Airflow: one `extract_<source>` DAG per source in include/config/sources.yml.

The DAGs are built from the specs by dti_pipeline.orchestration.extract_dag; adding a
source is a change to sources.yml, not a new DAG file. Parsing reads that YAML file only:
no network and no database.
"""

from dti_pipeline.orchestration.extract_dag import build_extract_dag
from dti_pipeline.sources.spec import load_sources

for _name, _spec in load_sources().items():
    globals()[f"extract_{_name}"] = build_extract_dag(_spec)
