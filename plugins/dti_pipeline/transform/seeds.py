"""Load the dbt seeds only when their files changed.

The reference seeds (10,035 legacy communes, the 2025 conversion, 3,321 communes) are
reloaded by every `dbt seed`, which took half of a monthly build. The checksums dbt keeps
in its manifest are compared with those recorded at the last load; only changed or
missing seeds are built again (with their tests).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import psycopg

from dti_pipeline.paths import DBT_MANIFEST
from dti_pipeline.warehouse.schemas import REFERENCE_SCHEMA

CHECKSUMS = f"{REFERENCE_SCHEMA}.seed_checksums"


def manifest_seeds(manifest: Path = DBT_MANIFEST) -> dict[str, tuple[str, str, str]]:
    """seed name -> (schema, table, checksum of its file), from dbt's manifest."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        n["name"]: (n["schema"], n.get("alias") or n["name"], n["checksum"]["checksum"])
        for n in nodes
        if n["resource_type"] == "seed"
    }


def stale_seeds(conn: psycopg.Connection, seeds: dict[str, tuple[str, str, str]]) -> list[str]:
    """Seeds whose table is missing or whose file changed since their last load."""
    conn.execute(f"create schema if not exists {REFERENCE_SCHEMA}")
    conn.execute(
        f"""create table if not exists {CHECKSUMS} (
                seed       text primary key,
                checksum   text not null,
                loaded_at  timestamptz not null default now())"""
    )
    loaded = dict(conn.execute(f"select seed, checksum from {CHECKSUMS}").fetchall())
    stale = []
    for name, (schema, table, checksum) in sorted(seeds.items()):
        exists = conn.execute("select to_regclass(%s)", (f'"{schema}"."{table}"',)).fetchone()[0]
        if exists is None or loaded.get(name) != checksum:
            stale.append(name)
    return stale


def record_loaded(conn: psycopg.Connection, seeds: dict[str, tuple[str, str, str]], names: list[str]) -> None:
    for name in names:
        conn.execute(
            f"""insert into {CHECKSUMS} (seed, checksum) values (%s, %s)
                on conflict (seed) do update set checksum = excluded.checksum, loaded_at = now()""",
            (name, seeds[name][2]),
        )


def sync_seeds(warehouse_url: str) -> list[str]:
    """Build (load and test) the seeds that changed; returns their names."""
    from dti_pipeline.runtime import run_dbt

    seeds = manifest_seeds()
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        stale = stale_seeds(conn, seeds)
        if not stale:
            return []
        args = ["build", "--select", *stale, "--exclude-resource-type", "unit_test", "--quiet"]
        with tempfile.TemporaryDirectory() as scratch:
            # its own target folder: the project's holds the manifest the DAG renders from
            run_dbt([*args, "--target-path", scratch, "--log-path", scratch], warehouse_url)
        record_loaded(conn, seeds, stale)
    return stale
