"""Start the five simulators as real HTTP servers (uvicorn in background threads) and stop them."""

from __future__ import annotations

import csv
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from dti_simulators import dvc, eoffice, handbook, postmart, voso
from dti_simulators.faults import (
    FaultPlan,
    FaultTimings,
    Manifest,
    ManifestEntry,
    TransportFaults,
    parse_faults,
)
from dti_simulators.presets import Preset, get_preset

# The order fixes the ports of `dti sources serve` (base, base + 1, ...).
SIMULATOR_NAMES = ("eoffice", "dvc", "postmart", "voso", "handbook")
# Environment variables a deployment sets so that its Connections match (see docs/simulators.md).
CREDENTIAL_ENV = {
    "eoffice": {"password": "DTI_EOFFICE_API_KEY"},
    "dvc": {"login": "DTI_DVC_CLIENT_ID", "password": "DTI_DVC_CLIENT_SECRET"},
    "postmart": {"password": "DTI_POSTMART_TOKEN"},
    "voso": {"login": "DTI_VOSO_KEY_ID", "password": "DTI_VOSO_SECRET"},
    "handbook": {"login": "DTI_HANDBOOK_LOGIN", "password": "DTI_HANDBOOK_PASSWORD"},
}


def default_credentials(name: str) -> dict[str, str]:
    token = secrets.token_hex(12)
    return {
        "eoffice": {"password": f"qlvb-{token}"},
        "dvc": {"login": "dti-pipeline", "password": f"dvc-{token}"},
        "postmart": {"password": f"pm-{token}"},
        "voso": {"login": "dti-pipeline", "password": f"voso-{token}"},
        "handbook": {"login": "dti", "password": f"stdv-{token}"},
    }[name]


@dataclass
class ServedSimulator:
    name: str
    base_url: str
    credentials: dict[str, str]
    server: uvicorn.Server = field(repr=False)
    thread: threading.Thread = field(repr=False)
    data: Any = field(default=None, repr=False)
    faults: FaultPlan | None = field(default=None, repr=False)

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
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False, timeout_keep_alive=30)
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


def build_app(
    name: str,
    preset: Preset,
    seed: int,
    credentials: dict[str, str],
    plan: FaultPlan | None,
    manifest: Manifest,
    *,
    postmart_rate_limit: float = postmart.DEFAULT_RATE_LIMIT,
    token_seconds: float = dvc.TOKEN_SECONDS,
) -> tuple[Any, Any]:
    """(the ASGI app, its data object) of one simulator."""
    if name == "eoffice":
        data = eoffice.DocumentStore(seed, preset, plan, manifest)
        app = eoffice.create_app(data, credentials["password"], plan)
    elif name == "dvc":
        data = dvc.DvcData(seed, preset, plan, manifest)
        app = dvc.create_app(data, credentials["login"], credentials["password"], plan, token_seconds)
    elif name == "postmart":
        data = postmart.PostmartData(seed, preset, plan, manifest)
        app = postmart.create_app(data, credentials["password"], plan, postmart_rate_limit)
    elif name == "voso":
        data = voso.VosoData(seed, preset, plan, manifest)
        app = voso.create_app(data, credentials["login"], credentials["password"], plan)
    elif name == "handbook":
        data = handbook.Exports(seed, preset, plan, manifest)
        app = handbook.create_app(data, credentials["login"], credentials["password"], plan)
    else:
        raise ValueError(f"unknown simulator {name!r}; choose one of {', '.join(SIMULATOR_NAMES)}")
    return (TransportFaults(app, plan) if plan is not None and plan.rates else app), data


def touch_everything(name: str, data: Any) -> None:
    """Generate every record a simulator serves (fills its manifest of bad records)."""
    if name == "eoffice":
        data.accounts()
        data.entity.all_records()
    elif name == "dvc":
        data.procedures()
        data.applications.all_records()
        data.ratings.all_records()
    elif name in ("postmart", "voso"):
        for entity in data.entities.values():
            entity.all_records()
    elif name == "handbook":
        for month in data.months():
            data.file(month, "cells")


@dataclass
class RunningSimulators:
    preset: str
    seed: int
    simulators: dict[str, ServedSimulator]
    bad_records: Manifest = field(default_factory=Manifest, repr=False)

    def endpoints(self) -> dict[str, dict]:
        return {
            name: {"base_url": s.base_url, "credentials": s.credentials, "docs": f"{s.base_url}/docs"}
            for name, s in self.simulators.items()
        }

    def connections(self) -> dict[str, dict]:
        return {name: s.connection() for name, s in self.simulators.items()}

    def manifest(self, complete: bool = True) -> list[ManifestEntry]:
        """Every injected bad record (complete=True generates all data first; slow at scale)."""
        if complete:
            for name, sim in self.simulators.items():
                if sim.faults is not None and sim.faults.has_bad_records:
                    touch_everything(name, sim.data)
        return self.bad_records.entries()

    def write_manifest(self, path: Path) -> int:
        """The manifest as CSV (source, entity, record_key, kind, month); returns the number of rows.

        month is the handbook export (yyyy-mm) that holds the bad row, empty for the APIs.
        """
        entries = self.manifest()
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(("source", "entity", "record_key", "kind", "month"))
            writer.writerows((e.source, e.entity, e.key, e.kind, e.month) for e in entries)
        return len(entries)

    def fault_counts(self) -> dict[str, dict[str, int]]:
        return {n: dict(s.faults.counts) for n, s in self.simulators.items() if s.faults is not None}

    def stop(self) -> None:
        for sim in self.simulators.values():
            sim.server.should_exit = True
        for sim in self.simulators.values():
            sim.thread.join(timeout=10)

    def __enter__(self) -> RunningSimulators:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def to_json(self) -> str:
        return json.dumps({"preset": self.preset, "seed": self.seed, "endpoints": self.endpoints()}, indent=2)


def start_simulators(
    preset: str = "tiny",
    seed: int = 42,
    *,
    host: str = "127.0.0.1",
    ports: dict[str, int] | None = None,
    credentials: dict[str, dict[str, str]] | None = None,
    faults: str | None = None,
    fault_timings: FaultTimings | None = None,
    only: tuple[str, ...] | None = None,
    postmart_rate_limit: float = postmart.DEFAULT_RATE_LIMIT,
    token_seconds: float = dvc.TOKEN_SECONDS,
    warm_up: bool | None = None,
) -> RunningSimulators:
    """Start the simulators on `host` (port 0: a free port) and return their endpoints.

    faults: the `--faults` spec (off when None). only: a subset of SIMULATOR_NAMES.
    warm_up: write the handbook's export files in the background (default: unless national).
    """
    chosen = get_preset(preset)
    ports, credentials = ports or {}, credentials or {}
    rates = parse_faults(faults, SIMULATOR_NAMES)
    running = RunningSimulators(preset=preset, seed=seed, simulators={})
    try:
        for name in only or SIMULATOR_NAMES:
            creds = {**default_credentials(name), **credentials.get(name, {})}
            plan = (
                FaultPlan(name, seed, rates[name], fault_timings or FaultTimings()) if rates[name] else None
            )
            app, data = build_app(
                name,
                chosen,
                seed,
                creds,
                plan,
                running.bad_records,
                postmart_rate_limit=postmart_rate_limit,
                token_seconds=token_seconds,
            )
            served = _serve(name, app, host, ports.get(name, 0), creds)
            served.data, served.faults = data, plan
            running.simulators[name] = served
    except BaseException:
        running.stop()
        raise
    if "handbook" in running.simulators and (warm_up if warm_up is not None else chosen.name != "national"):
        exports = running.simulators["handbook"].data
        threading.Thread(
            target=lambda: [exports.file(m, "cells") for m in exports.months()],
            name="sim-handbook-warm-up",
            daemon=True,
        ).start()
    return running
