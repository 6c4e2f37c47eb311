"""Start the simulators as real HTTP servers (uvicorn in background threads) and stop them."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn

from dti_simulators.presets import get_preset

# The order fixes the ports of `dti sources serve` (base, base + 1, ...).
SIMULATOR_NAMES = ("eoffice",)


@dataclass
class ServedSimulator:
    name: str
    base_url: str
    credentials: dict[str, str]
    server: uvicorn.Server = field(repr=False)
    thread: threading.Thread = field(repr=False)

    def connection(self) -> dict:
        """The Airflow Connection (JSON form) the pipeline uses to reach this simulator."""
        host, port = self.base_url.split("://", 1)[1].rsplit(":", 1)
        return {
            "conn_type": "http",
            "host": host,
            "port": int(port),
            "schema": "http",
            "login": self.credentials.get("login"),
            "password": self.credentials.get("password"),
            "extra": {k: v for k, v in self.credentials.items() if k not in ("login", "password")},
        }


def _serve(name: str, app, host: str, port: int, credentials: dict[str, str]) -> ServedSimulator:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"sim-{name}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"simulator {name} did not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = sock.getsockname()[1]
    return ServedSimulator(name, f"http://{host}:{bound_port}", credentials, server, thread)


@dataclass
class RunningSimulators:
    preset: str
    seed: int
    simulators: dict[str, ServedSimulator]

    def endpoints(self) -> dict[str, dict]:
        return {
            name: {
                "base_url": s.base_url,
                "credentials": s.credentials,
                "docs": f"{s.base_url}/docs",
            }
            for name, s in self.simulators.items()
        }

    def connections(self) -> dict[str, dict]:
        return {name: s.connection() for name, s in self.simulators.items()}

    def stop(self) -> None:
        for sim in self.simulators.values():
            sim.server.should_exit = True
        for sim in self.simulators.values():
            sim.thread.join(timeout=10)

    def __enter__(self) -> RunningSimulators:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_simulators(
    preset: str = "tiny",
    seed: int = 42,
    *,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    credentials: dict[str, dict[str, str]] | None = None,
) -> RunningSimulators:
    """Start every simulator on `host` (port 0: a free port) and return their endpoints."""
    from dti_simulators import eoffice

    chosen = get_preset(preset)
    ports = ports or {}
    credentials = credentials or {}
    eoffice_creds = credentials.get("eoffice") or {"password": "qlvb-" + secrets.token_hex(12)}
    store = eoffice.DocumentStore(seed, chosen)
    served = {
        "eoffice": _serve(
            "eoffice",
            eoffice.create_app(store, eoffice_creds["password"]),
            host,
            ports.get("eoffice", 0),
            eoffice_creds,
        )
    }
    return RunningSimulators(preset=preset, seed=seed, simulators=served)
