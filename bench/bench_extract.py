"""Extraction benchmark: records per second from simulator to committed raw table.

At the `province` preset, for each source, side by side in one run:
  ours   - the pipeline's extract task function (HTTP, contract, PII, COPY, ledger, commit);
  dlt    - dlt's REST API source (or a plain dlt resource for the handbook's CSV files)
           loading the same interval into the same PostgreSQL;
  serve  - the limit on the fetching side: the same client paging and discarding;
  copy   - the limit on the loading side: COPY of the same raw rows from a local file.
It also measures the peak memory of an extract task at two volumes.

    make bench-extract            (installs the `bench` extras, which bring dlt)
    .venv/bin/python bench/bench_extract.py --month 2026-09

Figures are ratios measured in the same run, never absolute promises.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]


# -- set-up -----------------------------------------------------------------------------------
@contextmanager
def simulators(preset: str, seed: int):
    """The simulators in their own process, so that they never share this one's CPU time."""
    endpoints = Path(tempfile.mkdtemp()) / "endpoints.json"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dti_pipeline.cli",
            "sources",
            "serve",
            "--preset",
            preset,
            "--seed",
            str(seed),
            "--port-base",
            "0",
            "--endpoints",
            str(endpoints),
            # the handbook's background warm-up would hold the GIL of every simulator in the
            # process for minutes; each measurement below warms its own source instead
            "--no-warm-up",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not endpoints.exists():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the simulators did not start")
            time.sleep(0.2)
        time.sleep(0.5)
        yield json.loads(endpoints.read_text())
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def fresh_database():
    base = os.environ.get("DTI_BENCH_POSTGRES_URL", "postgresql://postgres:postgres@127.0.0.1:5432/postgres")
    name = f"dti_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    try:
        yield urlsplit(base)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)')


def set_connections(document: dict, warehouse: str) -> None:
    from dti_pipeline import runtime

    runtime.prepare_airflow_env()
    runtime.ensure_pii_key()
    os.environ["AIRFLOW_CONN_DTI_WAREHOUSE"] = warehouse
    runtime.set_source_connections(document["connections"])


def interval_of(spec, month: datetime) -> tuple[datetime, datetime]:
    start = month
    end = (month + timedelta(days=32)).replace(day=1)
    return start, end


# -- the four measurements ----------------------------------------------------------------------
def serve_rate(spec, interval) -> tuple[int, float]:
    from dti_pipeline.extract.client import SourceClient
    from dti_pipeline.extract.endpoint import endpoint_from_connection

    client = SourceClient(spec, endpoint_from_connection(spec.connection_id))
    started, records = time.perf_counter(), 0
    for entity in spec.entities:
        for page in client.pages(entity, *interval):
            records += len(page.records)
    return records, time.perf_counter() - started


def ours(spec, interval) -> tuple[int, float]:
    from dti_pipeline.extract.run import extract_entity

    started, records = time.perf_counter(), 0
    for entity in spec.entities:
        figures = extract_entity(spec.name, entity.name, *interval, run_id="bench")
        records += figures["rows_loaded"] + figures["rows_quarantined"]
    return records, time.perf_counter() - started


def copy_limit(spec, warehouse: str) -> tuple[int, float]:
    """COPY the rows the pipeline just landed, from a local file into an empty twin table."""
    total, elapsed = 0, 0.0
    with psycopg.connect(warehouse) as conn:
        for entity in spec.entities:
            table = spec.raw_table(entity)
            with tempfile.TemporaryFile() as dump:
                columns = (
                    "load_id, source, entity, interval_start, interval_end, extracted_at, record_key, payload"
                )
                with conn.cursor().copy(f"copy {table} ({columns}) to stdout") as copy:
                    for block in copy:
                        dump.write(block)
                dump.seek(0)
                twin = f"bench_copy_{entity.name}"
                conn.execute(f"create temporary table {twin} (like {table} including all)")
                started = time.perf_counter()
                with conn.cursor().copy(f"copy {twin} ({columns}) from stdin") as copy:
                    while block := dump.read(1 << 20):
                        copy.write(block)
                conn.commit()
                elapsed += time.perf_counter() - started
                total += conn.execute(f"select count(*) from {twin}").fetchone()[0]
    return total, elapsed


def dlt_rate(spec, interval, warehouse: str, document: dict) -> tuple[int, float]:
    # With Airflow importable, dlt looks up an Airflow Variable for every setting it resolves
    # (its "Airflow secrets" provider); here there is no metadata database, each lookup fails
    # with a logged traceback and slows dlt down. Its credentials are passed in explicitly, as
    # ours come from Connections, so the provider is turned off: dlt is measured at its best.
    os.environ["PROVIDERS__ENABLE_AIRFLOW_SECRETS"] = "false"
    import dlt
    from dlt_sources import dlt_source_for  # beside this file

    source = dlt_source_for(spec, interval, document["connections"][spec.name])
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{spec.name}_{uuid.uuid4().hex[:6]}",
        destination=dlt.destinations.postgres(credentials=warehouse),
        dataset_name=f"dlt_{spec.name}",
        pipelines_dir=tempfile.mkdtemp(),
    )
    started = time.perf_counter()
    pipeline.run(source)
    elapsed = time.perf_counter() - started
    with psycopg.connect(warehouse) as conn:
        records = sum(
            conn.execute(f'select count(*) from dlt_{spec.name}."{e.name}"').fetchone()[0]
            for e in spec.entities
        )
    return records, elapsed


def peak_memory_mb(source: str, entity: str, interval) -> float:
    """The extract task in a child process; its peak resident memory."""
    # the child reports its own peak (VmHWM: the high-water mark of its own memory since
    # exec; getrusage would also count the forked copy of this large benchmark process)
    child = (
        "import sys; from datetime import datetime; "
        "from dti_pipeline.extract.run import extract_entity; "
        "extract_entity(sys.argv[1], sys.argv[2], datetime.fromisoformat(sys.argv[3]), "
        "datetime.fromisoformat(sys.argv[4]), run_id='bench-memory'); "
        "print('PEAK_KB', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", child, source, entity, interval[0].isoformat(), interval[1].isoformat()],
        check=True,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    peak_kb = next(int(line.split()[1]) for line in result.stdout.splitlines() if line.startswith("PEAK_KB"))
    return peak_kb / 1024


# -- report -------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="province")
    parser.add_argument("--month", default="2026-09")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sources", nargs="*", default=None)
    parser.add_argument("--skip-dlt", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DTI_HOME", tempfile.mkdtemp(prefix="dti-bench-"))

    from dti_pipeline.months import LOCAL_TZ, parse_month
    from dti_pipeline.sources.spec import load_sources

    month = parse_month(args.month)
    month_start = datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ)
    specs = {n: s for n, s in load_sources().items() if not args.sources or n in args.sources}
    rows = []
    with simulators(args.preset, args.seed) as document, fresh_database() as warehouse:
        set_connections(document, warehouse)
        for name, spec in specs.items():
            interval = interval_of(spec, month_start)
            serve_rate(spec, interval)  # warm-up: the simulators generate the month on first use
            served, serve_s = serve_rate(spec, interval)
            loaded, ours_s = ours(spec, interval)
            copied, copy_s = copy_limit(spec, warehouse)
            dlt_n, dlt_s = (0, 0.0) if args.skip_dlt else dlt_rate(spec, interval, warehouse, document)
            rows.append(
                (
                    name,
                    served,
                    served / serve_s,
                    copied / copy_s,
                    loaded / ours_s,
                    dlt_n / dlt_s if dlt_s else None,
                    loaded,
                    dlt_n,
                )
            )
            print(f"{name}: done", flush=True)
        small = (month_start, month_start + timedelta(days=7))
        large = (month_start - timedelta(days=61), month_start + timedelta(days=30))
        memory = [
            (small, peak_memory_mb("eoffice", "documents", small)),
            (large, peak_memory_mb("eoffice", "documents", large)),
        ]

    print(
        f"\nExtraction at the {args.preset} preset, {args.month} (records per second; ratios in the same run)"
    )
    # serve/dlt: the best ratio to dlt any client could reach at the source's (and our
    # client's) request rate, since nothing commits faster than the source serves
    columns = ("source", "records", "serve", "copy", "ours", "dlt", "ours/dlt", "serve/dlt", "ours/limit")
    header = "{:<9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>10}".format(*columns)
    print(header)
    print("-" * len(header))
    for name, _served, serve_r, copy_r, ours_r, dlt_r, loaded, dlt_n in rows:
        ratio_dlt = f"{ours_r / dlt_r:7.1f}x" if dlt_r else "-"
        ceiling = f"{serve_r / dlt_r:8.1f}x" if dlt_r else "-"
        dlt_text = f"{dlt_r:.0f}" if dlt_r else "-"
        limit = ours_r / min(serve_r, copy_r)
        cells = (
            name,
            loaded,
            f"{serve_r:.0f}",
            f"{copy_r:.0f}",
            f"{ours_r:.0f}",
            dlt_text,
            ratio_dlt,
            ceiling,
            f"{limit:.0%}",
        )
        print("{:<9} {:>8} {:>9} {:>9} {:>9} {:>9} {:>8} {:>9} {:>10}".format(*cells))
        if dlt_r and dlt_n != loaded:
            print(f"  note: dlt loaded {dlt_n} rows, ours {loaded}")
    print("\nPeak memory of one extract task (eoffice.documents):")
    for (start, end), mb in memory:
        print(f"  {start:%Y-%m-%d}..{end:%Y-%m-%d}: {mb:.0f} MB")


if __name__ == "__main__":
    main()
