"""`dti deploy` configures a real Airflow metadata database: the warehouse roles, one
Connection per role and per source, the pseudonymisation key and the sources' pools; a
rerun changes nothing, and missing settings stop it before anything is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from cryptography.fernet import Fernet

from dti_pipeline.sources.spec import load_sources

BIN = Path(sys.executable).parent
SPECS = load_sources()


def _drop(server: str, database: str, prefix: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
        for kind in ("loader", "transformer", "bi_reader"):
            conn.execute(f'drop role if exists "{prefix}_{kind}"')


@pytest.fixture(scope="module")
def deployment(request, postgres_server, tmp_path_factory):
    metadata = postgres_server("deploy_meta")
    warehouse = postgres_server("deploy_wh")
    prefix = f"dti_d{uuid.uuid4().hex[:6]}"
    server = urlsplit(warehouse)._replace(path="/postgres").geturl()
    request.addfinalizer(lambda: _drop(server, urlsplit(warehouse).path.lstrip("/"), prefix))
    home = tmp_path_factory.mktemp("deploy")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__", "DTI_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace(
                "postgresql://", "postgresql+psycopg2://"
            ),
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "DTI_HOME": str(home / "dti"),
            "DTI_ROLE_PREFIX": prefix,
            "DTI_WAREHOUSE_URL": warehouse,
            "DTI_LOADER_PASSWORD": "loader-" + uuid.uuid4().hex,
            "DTI_TRANSFORMER_PASSWORD": "transformer-" + uuid.uuid4().hex,
            "DTI_BI_READER_PASSWORD": "reader-" + uuid.uuid4().hex,
            "DTI_PII_KEY": "pii-" + uuid.uuid4().hex,
        }
    )
    for i, name in enumerate(SPECS):
        env[f"DTI_{name.upper()}_URL"] = f"http://{name}.example:{8101 + i}"
        env[f"DTI_{name.upper()}_LOGIN"] = f"login-{name}"
        env[f"DTI_{name.upper()}_PASSWORD"] = f"secret-{name}-{uuid.uuid4().hex}"
    migrated = subprocess.run([BIN / "airflow", "db", "migrate"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    first = _deploy(env)
    assert first.returncode == 0, first.stdout + first.stderr
    return {"env": env, "metadata": metadata, "warehouse": warehouse, "prefix": prefix, "first": first}


def _deploy(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "dti", "deploy", *args], env=env, capture_output=True, text=True)


def _connections(metadata: str) -> dict[str, dict]:
    with psycopg.connect(metadata) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute("select * from connection").fetchall()
    return {row["conn_id"]: row for row in rows}


# what the api-server hands a task: the Connection as Airflow resolves it from the metadata DB
_RESOLVE = """
import json, sys
import psycopg
from airflow.models.connection import Connection
out = {}
for conn_id in sys.argv[1:]:
    c = Connection.get_connection_from_secrets(conn_id)
    out[conn_id] = {"host": c.host, "port": c.port, "login": c.login, "password": c.password}
    if c.conn_type == "postgres":
        url = f"postgresql://{c.login}:{c.password}@{c.host}:{c.port}/{c.schema}"
        with psycopg.connect(url) as conn:
            out[conn_id]["user"] = conn.execute("select current_user").fetchone()[0]
print(json.dumps(out))
"""


def test_every_connection_is_written_and_its_secret_encrypted(deployment):
    stored = _connections(deployment["metadata"])
    expected = {"dti_warehouse", "dti_warehouse_loader", "dti_bi_reader", "dti_pii_key"}
    expected |= {spec.connection_id for spec in SPECS.values()}
    assert set(stored) == expected
    env = deployment["env"]
    for conn_id, row in stored.items():
        assert row["is_encrypted"], conn_id
        for secret in (v for k, v in env.items() if k.endswith(("_PASSWORD", "_PII_KEY"))):
            assert secret not in (row["password"] or ""), conn_id
    assert stored["dti_warehouse_loader"]["login"] == f"{deployment['prefix']}_loader"
    assert stored["dti_eoffice"]["host"] == "eoffice.example" and stored["dti_eoffice"]["port"] == 8101


def test_airflow_resolves_them_and_the_roles_accept_their_passwords(deployment):
    env = deployment["env"]
    ids = [spec.connection_id for spec in SPECS.values()]
    ids += ["dti_pii_key", "dti_warehouse", "dti_warehouse_loader", "dti_bi_reader"]
    result = subprocess.run([sys.executable, "-c", _RESOLVE, *ids], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    resolved = json.loads(result.stdout.strip().splitlines()[-1])
    for name, spec in SPECS.items():
        assert resolved[spec.connection_id]["password"] == env[f"DTI_{name.upper()}_PASSWORD"]
        assert resolved[spec.connection_id]["login"] == env[f"DTI_{name.upper()}_LOGIN"]
    assert resolved["dti_pii_key"]["password"] == env["DTI_PII_KEY"]
    prefix = deployment["prefix"]
    assert resolved["dti_warehouse"]["user"] == f"{prefix}_transformer"
    assert resolved["dti_warehouse_loader"]["user"] == f"{prefix}_loader"
    assert resolved["dti_bi_reader"]["user"] == f"{prefix}_bi_reader"


def test_each_source_has_its_pool_sized_from_the_config(deployment):
    with psycopg.connect(deployment["metadata"]) as conn:
        pools = dict(conn.execute("select pool, slots from slot_pool").fetchall())
    for spec in SPECS.values():
        assert pools[spec.pool] == spec.pool_slots


def test_a_rerun_changes_nothing_and_a_changed_setting_is_updated(deployment):
    env = deployment["env"]
    again = _deploy(env)
    assert again.returncode == 0, again.stderr
    statuses = [
        line.split()[-1] for line in again.stdout.splitlines() if line.startswith(("connection", "pool"))
    ]
    assert len(statuses) == 4 + len(SPECS) * 2 and set(statuses) == {"unchanged"}, again.stdout
    changed = _deploy({**env, "DTI_EOFFICE_PASSWORD": "rotated-" + uuid.uuid4().hex})
    lines = {
        line.split()[1]: line.split()[-1]
        for line in changed.stdout.splitlines()
        if line.startswith("connection")
    }
    assert lines["dti_eoffice"] == "updated"
    assert {v for k, v in lines.items() if k != "dti_eoffice"} == {"unchanged"}


def test_missing_settings_stop_it_before_anything_is_written(deployment):
    env = {k: v for k, v in deployment["env"].items() if k not in ("DTI_PII_KEY", "DTI_VOSO_URL")}
    before = _connections(deployment["metadata"])
    result = _deploy({**env, "DTI_EOFFICE_PASSWORD": "not-written"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "DTI_VOSO_URL" in result.stderr and "DTI_PII_KEY" in result.stderr
    assert _connections(deployment["metadata"]) == before
    assert "not-written" not in result.stdout + result.stderr


def test_an_unmigrated_metadata_database_is_named(deployment, postgres_server):
    empty = postgres_server("deploy_empty").replace("postgresql://", "postgresql+psycopg2://")
    result = _deploy({**deployment["env"], "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": empty})
    assert result.returncode == 1
    assert "airflow db migrate" in result.stderr and "Traceback" not in result.stderr
