"""Mart benchmark: the wall time of building one month, and month N against month 1.

At the `national` preset (34 provinces, 3,321 communes), month after month as in
production: month M's raw data is landed (by the pipeline's own loader, from the
simulators' generators, without HTTP: this measures the transformation), then month M is
built with `dbt build --vars month:M`. Facts and staging are incremental, so the last
month should cost about what the first did (goal: at most 1.3x). The first and the last
month are built --repeats times (landed again each time, as a rerun is) and their medians
compared; the nodes whose time grew most are listed.

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
from pathlib import Path
from statistics import median
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
    from dti_pipeline.load.pseudonymise import Pseudonymiser
    from dti_pipeline.load.raw import load_interval
    from dti_pipeline.months import month_bounds
    from dti_pipeline.pages import Page
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


def build_month(url: str, month: date) -> tuple[float, dict[str, float]]:
    """Wall time of `dbt build` for the month, and each node's time from run_results.json."""
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
        elapsed = time.perf_counter() - started
        results = json.loads((Path(scratch) / "run_results.json").read_text())["results"]
    return elapsed, {r["unique_id"]: r["execution_time"] for r in results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="national")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="builds of the first and of the last month (each rerun lands the month again, as "
        "an operator's rerun does); their medians are compared, so that one noisy build does "
        "not decide the ratio",
    )
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
    builds: dict[date, list[tuple[float, dict[str, float]]]] = {}
    with fresh_database() as url:
        os.environ["AIRFLOW_CONN_DTI_WAREHOUSE"] = url
        sync_seeds(url)
        for month in months:
            ends = month in (months[0], months[-1])
            for attempt in range(args.repeats if ends else 1):
                started = time.perf_counter()
                landed = land_month(url, generators, month)
                land_s = time.perf_counter() - started
                build_s, nodes = build_month(url, month)
                builds.setdefault(month, []).append((build_s, nodes))
                again = f" (rerun {attempt})" if attempt else ""
                print(
                    f"{month:%Y-%m}{again}: {landed} records landed in {land_s:.0f} s, "
                    f"built in {build_s:.1f} s",
                    flush=True,
                )
        with psycopg.connect(url) as conn:
            facts = conn.execute("select count(*) from dti_build.fct_indicator_monthly").fetchone()[0]

    first, last = builds[months[0]], builds[months[-1]]
    first_s, last_s = median(b[0] for b in first), median(b[0] for b in last)
    print(
        f"\nMart builds at the {args.preset} preset (scale {args.scale:g}, {len(months)} months, "
        f"{facts} indicator rows in all):"
    )
    every = [builds[m][0][0] for m in months]
    print(f"  one month: {sum(every) / len(every):.1f} s on average (first build of each month)")
    print(
        f"  month {len(months)} / month 1: {last_s / first_s:.2f}x (goal: at most 1.3x); medians of "
        f"{', '.join(f'{b[0]:.1f}' for b in last)} s over {', '.join(f'{b[0]:.1f}' for b in first)} s"
    )
    print_growth(first[-1][1], last[-1][1])


def print_growth(first: dict[str, float], last: dict[str, float], top: int = 8) -> None:
    """The nodes whose time grew most from month 1 to the last month (last builds of each)."""
    growth = sorted(((last[n] - first.get(n, 0.0), n) for n in last), reverse=True)[:top]
    print("  grew most (s, last build of month 1 -> of the last month):")
    for delta, node in growth:
        print(f"    {delta:+5.2f}  {first.get(node, 0.0):5.2f} -> {last[node]:5.2f}  {node}")
    print("  slowest in the last build (s):")
    for node, seconds in sorted(last.items(), key=lambda item: -item[1])[:top]:
        print(f"    {seconds:5.2f}  {node}")


if __name__ == "__main__":
    main()
