"""Mart benchmark: the wall time of building one month, and month N against month 1.

At the `national` preset (34 provinces, 3,321 communes), month after month as in
production: month M's raw data is landed (by the pipeline's own loader, from the
simulators' generators, without HTTP: this measures the transformation), then month M is
built with `dbt build --vars month:M`. Facts and staging are incremental, so the last
month should cost about what the first did (goal: at most 1.3x).

    make bench-mart
    .venv/bin/python bench/bench_mart.py --months 24 --scale 0.02

DTI_BENCH_KEEP=1 keeps the database afterwards (its URL is printed), so that
bench_refresh.py can refresh the last month of the same national warehouse.

--scale shrinks the national volumes (1.0 is a real country: ~20 million source records a
month, more than this 2-core machine can generate for 24 months in a benchmark's time).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

import psycopg

SIMULATOR_ENTITY = {("voso", "users"): "households"}


@contextmanager
def fresh_database():
    base = os.environ.get("DTI_BENCH_POSTGRES_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
    name = f"dti_bench_mart_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    url = urlsplit(base)._replace(path=f"/{name}").geturl()
    try:
        yield url
    finally:
        if os.environ.get("DTI_BENCH_KEEP"):
            print(f"kept the warehouse (e.g. for bench_refresh.py --warehouse-url): {url}")
        else:
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'drop database if exists "{name}" with (force)')


class Generators:
    """The simulators' data, read directly (the same generators their servers page through)."""

    def __init__(self, preset, seed: int):
        from dti_simulators import dvc, eoffice, handbook, postmart, voso
        from dti_simulators.faults import Manifest

        self.preset, self.seed = preset, seed
        self.data = {
            "eoffice": eoffice.DocumentStore(seed, preset, None, Manifest()),
            "dvc": dvc.DvcData(seed, preset, None, Manifest()),
            "postmart": postmart.PostmartData(seed, preset, None, Manifest()),
            "voso": voso.VosoData(seed, preset, None, Manifest()),
        }
        self.export_rows = handbook.export_rows
        self._roomy_caches()

    def _roomy_caches(self) -> None:
        """The servers' caches are sized for serving pages in bounded memory; this benchmark
        reads every commune's history once a month, so it keeps all of it (a few GB at
        --scale 0.02) instead of regenerating it month after month."""
        from dti_simulators import ecommerce, eoffice
        from dti_simulators.store import Entity, LruCache

        ecommerce._MARKETS.size = eoffice._ACCOUNTS.size = 1_000_000
        for data in self.data.values():
            for value in [*vars(data).values(), *getattr(data, "entities", {}).values()]:
                if isinstance(value, Entity):
                    value._months.size = 1_000_000
                elif isinstance(value, LruCache):
                    value.size = max(value.size, 64)

    def records(self, source: str, entity: str, start, end, month: date) -> list[dict]:
        name = SIMULATOR_ENTITY.get((source, entity), entity)
        if source == "handbook":
            return [
                r.record
                for commune in self.preset.communes()
                for r in self.export_rows(self.seed, self.preset, commune, month)[name]
            ]
        data = self.data[source]
        if (source, name) == ("eoffice", "accounts"):
            return [r.record for r in data.accounts()]
        if (source, name) == ("dvc", "procedures"):
            return [r.record for r in data.procedures()]
        store = data.entity if source == "eoffice" else getattr(data, name, None) or data.entities[name]
        return [r.record for r in store.changed_between(start, end)]


def land_month(url: str, generators: Generators, month: date) -> int:
    """Every source entity of the month, as one load each, through the pipeline's loader."""
    from dti_pipeline.extract.paginators import Page
    from dti_pipeline.load.pseudonymise import Pseudonymiser
    from dti_pipeline.load.raw import load_interval
    from dti_pipeline.months import month_bounds
    from dti_pipeline.sources.spec import load_sources

    start, end = month_bounds(month)
    pseudonymiser = Pseudonymiser(b"benchmark-key-benchmark-key")
    landed = 0
    for name, spec in load_sources().items():
        for entity in spec.entities:
            records = generators.records(name, entity.name, start, end, month)
            pages = [Page(i + 1, records[i : i + 5000], None) for i in range(0, len(records), 5000)]
            load_interval(url, spec, entity, pages, start, end, run_id="bench", pseudonymiser=pseudonymiser)
            landed += len(records)
    return landed


def build_month(url: str, month: date) -> float:
    import json

    from dti_pipeline.runtime import run_dbt

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        run_dbt(
            [
                "build",
                "--exclude-resource-type",
                "unit_test",
                "--exclude-resource-type",
                "seed",
                "--vars",
                json.dumps({"month": f"{month:%Y-%m}"}),
                "--quiet",
                "--target-path",
                scratch,
                "--log-path",
                scratch,
            ],
            url,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="national")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    os.environ.setdefault("DTI_HOME", tempfile.mkdtemp(prefix="dti-bench-"))

    from dti_pipeline import runtime
    from dti_pipeline.transform.seeds import sync_seeds
    from dti_simulators import get_preset

    runtime.prepare_airflow_env()
    runtime.ensure_manifest()
    preset = replace(get_preset(args.preset), volume_scale=get_preset(args.preset).volume_scale * args.scale)
    months = preset.months()[: args.months]
    generators = Generators(preset, args.seed)
    rows = []
    with fresh_database() as url:
        os.environ["AIRFLOW_CONN_DTI_WAREHOUSE"] = url
        sync_seeds(url)
        for month in months:
            started = time.perf_counter()
            landed = land_month(url, generators, month)
            land_s = time.perf_counter() - started
            build_s = build_month(url, month)
            rows.append((month, landed, land_s, build_s))
            print(
                f"{month:%Y-%m}: {landed} records landed in {land_s:.0f} s, built in {build_s:.1f} s",
                flush=True,
            )
        with psycopg.connect(url) as conn:
            facts = conn.execute("select count(*) from dti_build.fct_indicator_monthly").fetchone()[0]

    first, last = rows[0][3], rows[-1][3]
    print(
        f"\nMart builds at the {args.preset} preset (scale {args.scale:g}, {len(months)} months, "
        f"{facts} indicator rows in all):"
    )
    print(f"  one month: {sum(r[3] for r in rows) / len(rows):.1f} s on average (first {first:.1f} s)")
    print(f"  month {len(rows)} / month 1: {last / first:.2f}x (goal: at most 1.3x)")


if __name__ == "__main__":
    main()
