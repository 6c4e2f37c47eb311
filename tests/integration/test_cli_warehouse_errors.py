"""Every `dti` command facing a warehouse it cannot use prints one short error that names
the setting it read and what to check, never a traceback."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from dti_pipeline.cli import main

COMMANDS = [
    ["demo"],
    ["extract", "--source", "eoffice", "--from", "2025-07", "--to", "2025-07"],
    ["refresh", "--month", "2025-07"],
    ["report", "--month", "2025-07"],
    ["warehouse", "url"],
    ["warehouse", "roles"],
    ["dbt", "build"],
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


def _run(args: list[str]):
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    return result, output


def _assert_short_error(result, output: str, *expected: str) -> None:
    assert result.exit_code == 1, output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) <= 3, output
    assert lines[-1].startswith("error: "), output
    for text in expected:
        assert text in output, output


@pytest.fixture
def isolated(monkeypatch):
    for key in ("DTI_WAREHOUSE_URL", "AIRFLOW_CONN_DTI_WAREHOUSE"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_unreachable_warehouse_url(isolated, args):
    isolated.setenv("DTI_WAREHOUSE_URL", f"postgresql://postgres@127.0.0.1:{_closed_port()}/dti")
    result, output = _run(args)
    _assert_short_error(result, output, "DTI_WAREHOUSE_URL", "Connection refused", "host and port")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_an_account_the_server_refuses(isolated, postgres_server, args):
    server = urlsplit(postgres_server("cli_errors"))
    role = f"dti_no_such_role_{uuid.uuid4().hex[:6]}"
    isolated.setenv("DTI_WAREHOUSE_URL", f"postgresql://{role}:x@{server.hostname}:{server.port}/dti")
    result, output = _run(args)
    _assert_short_error(result, output, "DTI_WAREHOUSE_URL", f'role "{role}" does not exist', "account")
    assert ":x@" not in output  # never the password


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_connection_that_points_nowhere(isolated, args):
    isolated.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", f"postgresql://u:p@127.0.0.1:{_closed_port()}/dti")
    result, output = _run(args)
    _assert_short_error(result, output, "Airflow Connection 'dti_warehouse'", "Connection refused")


def test_a_url_that_is_not_one(isolated):
    isolated.setenv("DTI_WAREHOUSE_URL", "db.example:5432/dti")
    result, output = _run(["report", "--month", "2025-07"])
    _assert_short_error(result, output, "DTI_WAREHOUSE_URL is not a usable PostgreSQL URL", "postgresql://")
