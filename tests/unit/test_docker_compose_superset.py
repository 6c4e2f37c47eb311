"""The stack's Superset service reads the same warehouse as the BI reader, with the project's
configuration and dashboards (checked statically: no Docker engine runs here)."""

from __future__ import annotations

import yaml

from dti_pipeline.paths import PROJECT_DIR


def test_superset_reads_the_warehouse_as_the_bi_reader_with_the_projects_dashboards():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    service = compose["services"]["superset"]
    environment = service["environment"]
    reader = compose["services"]["airflow-scheduler"]["environment"]["AIRFLOW_CONN_DTI_BI_READER"]
    assert environment["DTI_BI_DATABASE_URI"] == reader.replace("postgresql://", "postgresql+psycopg2://", 1)
    assert "./bi/superset:/app/dti:ro" in service["volumes"]
    assert environment["SUPERSET_CONFIG_PATH"] == "/app/dti/superset_config.py"
    assert "/app/dti/bootstrap.py" in service["command"][-1]
    assert (PROJECT_DIR / "bi" / "superset" / "bootstrap.py").exists()
    assert service["image"].endswith(":6.1.0")
    required = (PROJECT_DIR / "bi" / "superset" / "requirements.txt").read_text()
    assert "apache-superset[postgres]==6.1.0" in required  # the same Superset as `make bi`
