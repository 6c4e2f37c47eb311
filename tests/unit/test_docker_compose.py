"""docker-compose.yml is valid and coherent, checked statically (no Docker engine here)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from dti_pipeline.paths import PROJECT_DIR
from dti_pipeline.sources.spec import load_sources

COMPOSE = PROJECT_DIR / "docker-compose.yml"
AIRFLOW_COMPONENTS = {
    "airflow-apiserver": "airflow api-server",
    "airflow-scheduler": "airflow scheduler",
    "airflow-dag-processor": "airflow dag-processor",
    "airflow-triggerer": "airflow triggerer",
}


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_file_matches_the_compose_specification_schema():
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("check-jsonschema")),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_airflow_component_runs_the_project_image():
    services = _compose()["services"]
    for name, command in AIRFLOW_COMPONENTS.items():
        assert services[name]["command"] == command
        assert services[name]["image"] == services["airflow-init"]["image"]
    assert "postgres" in services and "simulators" in services


def test_dependencies_and_volumes_point_at_what_exists():
    compose = _compose()
    services, volumes = compose["services"], set(compose.get("volumes", {}))
    for name, service in services.items():
        for dependency in service.get("depends_on", {}) or {}:
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("./"):
                assert (PROJECT_DIR / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} uses undeclared volume {source}"


def test_every_variable_is_documented_in_env_example():
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))  # $$ escapes
    documented = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (PROJECT_DIR / ".env.example").read_text(), re.M))
    assert used - documented == set(), f"undocumented: {sorted(used - documented)}"


def test_every_source_has_a_connection_and_a_pool():
    compose = _compose()
    environment = compose["services"]["airflow-scheduler"]["environment"]
    init = " ".join(compose["services"]["airflow-init"]["command"])
    assert environment["AIRFLOW_CONN_DTI_WAREHOUSE"].startswith("postgresql://dti_transformer:")
    assert environment["AIRFLOW_CONN_DTI_WAREHOUSE_LOADER"].startswith("postgresql://dti_loader:")
    assert environment["AIRFLOW_CONN_DTI_BI_READER"].startswith("postgresql://dti_bi_reader:")
    assert "dti warehouse roles" in init
    for name, spec in load_sources().items():
        raw = environment[f"AIRFLOW_CONN_{spec.connection_id.upper()}"]
        connection = json.loads(re.sub(r"\$\{[^}]+\}", "secret", raw))
        assert connection["host"] == "simulators"
        if spec.pii_connection_id:
            assert f"AIRFLOW_CONN_{spec.pii_connection_id.upper()}" in environment
        assert f"airflow pools set {spec.pool} " in init, f"no pool for {name}"


def test_the_image_pins_the_same_airflow_as_the_project():
    pinned = next(
        d
        for d in tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("apache-airflow[")
    ).split("==")[1]
    dockerfile = (PROJECT_DIR / "docker" / "Dockerfile").read_text()
    assert f"FROM apache/airflow:{pinned}-python3.11" in dockerfile
