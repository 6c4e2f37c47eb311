"""The stack's Superset service reads the same warehouse as the BI reader, with the project's
configuration and dashboards (checked statically: no Docker engine runs here)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import yaml

from dti_pipeline.paths import PROJECT_DIR


def _filled(value: str) -> str:
    """A compose value with its ${...} references replaced, so that it parses as a URL."""
    return re.sub(r"\$\{[^}]*\}", "secret", value)


def test_superset_reads_the_warehouse_as_the_bi_reader_with_the_projects_dashboards():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    service = compose["services"]["superset"]
    environment = service["environment"]
    # the BI reader as `dti deploy` (airflow-init) makes it: the warehouse owner's server and
    # database, the role dti_bi_reader with DTI_BI_READER_PASSWORD
    owner = urlsplit(_filled(compose["services"]["airflow-init"]["environment"]["DTI_WAREHOUSE_URL"]))
    reader = urlsplit(_filled(environment["DTI_BI_DATABASE_URI"]))
    assert (reader.scheme, reader.username) == ("postgresql+psycopg2", "dti_bi_reader")
    assert (reader.hostname, reader.port, reader.path) == (owner.hostname, owner.port, owner.path)
    assert "${DTI_BI_READER_PASSWORD:?" in environment["DTI_BI_DATABASE_URI"]
    assert "./bi/superset:/app/dti:ro" in service["volumes"]
    assert environment["SUPERSET_CONFIG_PATH"] == "/app/dti/superset_config.py"
    assert "/app/dti/bootstrap.py" in service["command"][-1]
    assert (PROJECT_DIR / "bi" / "superset" / "bootstrap.py").exists()
    assert service["image"].endswith(":6.1.0")
    required = (PROJECT_DIR / "bi" / "superset" / "requirements.txt").read_text()
    assert "apache-superset[postgres]==6.1.0" in required  # the same Superset as `make bi`
