"""docker-compose.yml is valid and coherent, checked statically (no Docker engine here)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from dti_pipeline.deploy import PII_KEY_ENV, source_env
from dti_pipeline.paths import PROJECT_DIR
from dti_pipeline.sources.spec import load_sources

COMPOSE = PROJECT_DIR / "docker-compose.yml"
AIRFLOW_COMPONENTS = {
    "airflow-apiserver": "airflow api-server",
    "airflow-scheduler": "airflow scheduler",
    "airflow-dag-processor": "airflow dag-processor",
    "airflow-triggerer": "airflow triggerer",
    "airflow-worker": "airflow celery worker",
}
SECRET = re.compile(r"PASSWORD|SECRET|_KEY$|TOKEN|BASIC_AUTH")


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _references(text: str) -> list[tuple[str, str]]:
    """(variable, operator and default) of every ${...} that compose interpolates ($$ escapes)."""
    return re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)([^}]*)\}", text)


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


def test_every_airflow_component_runs_the_project_image_with_celery():
    services = _compose()["services"]
    for name, command in AIRFLOW_COMPONENTS.items():
        assert services[name]["command"] == command
        assert services[name]["image"] == services["airflow-init"]["image"]
        environment = services[name]["environment"]
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert environment["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        options = environment["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"]
        module, _, attribute = options.rpartition(".")
        assert "imports" in getattr(importlib.import_module(module), attribute)
        assert (
            environment["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
            == "http://airflow-apiserver:8080/execution/"
        )
        assert "healthcheck" in services[name], name
    assert {"postgres", "redis", "simulators"} <= set(services)
    assert services["flower"]["profiles"] == ["flower"]
    assert services["flower"]["command"] == "airflow celery flower"


def test_every_component_shares_the_secrets_and_the_production_auth_manager():
    services = _compose()["services"]
    for name in [*AIRFLOW_COMPONENTS, "airflow-init", "flower"]:
        environment = services[name]["environment"]
        assert environment["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
        assert (
            environment["AIRFLOW__CORE__FERNET_KEY"]
            == "${AIRFLOW_FERNET_KEY:?set AIRFLOW_FERNET_KEY in .env (Connections are encrypted with it)}"
        )
        assert environment["AIRFLOW__API_AUTH__JWT_SECRET"].startswith("${AIRFLOW_JWT_SECRET:?")
        assert "SIMPLE_AUTH_MANAGER_USERS" not in str(environment)


def test_a_missing_secret_stops_start_up_and_never_falls_back_to_a_default():
    used = _references(COMPOSE.read_text())
    secrets = [(name, rest) for name, rest in used if SECRET.search(name)]
    assert len({name for name, _ in secrets}) >= 15
    for name, rest in secrets:
        assert rest.startswith(":?") and len(rest) > 2, f"${{{name}{rest}}}: a secret needs ':?message'"
    example = (PROJECT_DIR / ".env.example").read_text()
    for name in {name for name, _ in secrets}:
        assert re.search(rf"^{name}=$", example, re.M), f"{name} must be empty in .env.example"


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


def test_workers_and_the_api_server_share_the_reports_folder():
    services = _compose()["services"]
    for name in ("airflow-worker", "airflow-apiserver"):
        folder = services[name]["environment"]["DTI_REPORTS_DIR"]
        assert f"reports:{folder}" in services[name]["volumes"], name


def test_every_variable_is_documented_in_env_example():
    used = {name for name, _ in _references(COMPOSE.read_text())}
    documented = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", (PROJECT_DIR / ".env.example").read_text(), re.M))
    assert used - documented == set(), f"undocumented: {sorted(used - documented)}"


def test_airflow_init_deploys_with_every_setting_dti_deploy_reads():
    compose = _compose()
    init = compose["services"]["airflow-init"]
    script = "\n".join(init["command"])
    assert "airflow db migrate" in script and "dti deploy" in script
    assert "airflow users create" in script and "reset-password" in script
    environment = init["environment"]
    needed = {"DTI_WAREHOUSE_URL", PII_KEY_ENV, "DTI_LOADER_PASSWORD", "DTI_TRANSFORMER_PASSWORD"}
    needed |= {"DTI_BI_READER_PASSWORD", "AIRFLOW_ADMIN_USER", "AIRFLOW_ADMIN_PASSWORD"}
    for spec in load_sources().values():
        names = source_env(spec)
        needed.add(names["url"])
        needed.add(names["password"])
        if spec.auth.type in ("oauth2_client_credentials", "basic", "voso_hmac"):  # a login too
            needed.add(names["login"])
    assert needed - set(environment) == set()
    # only airflow-init holds the warehouse's and the sources' secrets
    for name in AIRFLOW_COMPONENTS:
        assert not any(
            k.startswith(("AIRFLOW_CONN_", "DTI_PII", "DTI_WAREHOUSE"))
            for k in compose["services"][name]["environment"]
        )


def test_the_image_pins_the_same_airflow_as_the_project_and_builds_the_manifest():
    pinned = next(
        d
        for d in tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["dependencies"]
        if d.startswith("apache-airflow[")
    ).split("==")[1]
    dockerfile = (PROJECT_DIR / "docker" / "Dockerfile").read_text()
    assert f"FROM apache/airflow:{pinned}-python3.11" in dockerfile
    # the simulators service of docker-compose.yml runs the same image
    assert '-e ".[simulators,celery,fab]"' in dockerfile
    assert "dti dbt parse" in dockerfile and "test -f dbt_project/target/manifest.json" in dockerfile
