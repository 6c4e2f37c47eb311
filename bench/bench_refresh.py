"""Wall time of a monthly refresh, split by step, and what Cosmos's task-per-model costs.

Runs `dti_monthly_refresh` for one month with dag.test() on whatever raw data the warehouse
holds (from current raw loads to the published mart and the report), reads each task's
duration from the Airflow metadata, then runs one `dbt build` of the same selection (the
whole project, unit tests excluded, the same month) in the same process and warehouse, and
prints the figures as ratios: each step's share of the refresh, and the dbt step rendered as
Cosmos tasks against the single `dbt build`. Prints figures; never a timed test.

    # on a warehouse already loaded (e.g. the national preset's raw data)
    DTI_WAREHOUSE_URL=postgresql://postgres@127.0.0.1:5432/dti \\
        .venv/bin/python bench/bench_refresh.py --month 2026-10
    # self-contained: extract a preset's months from the simulators first (not timed as refresh)
    .venv/bin/python bench/bench_refresh.py --preset tiny --extract \\
        --warehouse-url postgresql://postgres@127.0.0.1:5432/dti_bench
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-url", help="owner URL of the warehouse (else DTI_WAREHOUSE_URL)")
    parser.add_argument("--month", help="YYYY-MM (default: the preset's last month)")
    parser.add_argument(
        "--preset", default="tiny", help="simulator preset for --extract and the default month"
    )
    parser.add_argument("--extract", action="store_true", help="extract the preset's months first")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def _extract(preset: str, seed: int) -> float:
    from dti_pipeline.extract.run import extract_entity
    from dti_pipeline.gates.completeness import scheduled_intervals
    from dti_pipeline.months import month_bounds
    from dti_pipeline.sources.spec import load_sources
    from dti_simulators import get_preset, start_simulators

    started = time.monotonic()
    with start_simulators(preset, seed) as sims:
        from dti_pipeline import runtime

        runtime.set_source_connections(sims.connections())
        for month in get_preset(preset).months():
            start, end = month_bounds(month)
            for name, spec in load_sources().items():
                for interval_start, interval_end in scheduled_intervals(spec.schedule, start, end):
                    for entity in spec.entities:
                        extract_entity(name, entity.name, interval_start, interval_end, run_id="bench")
    return time.monotonic() - started


def _step(task_id: str) -> str:
    return "dbt_build" if task_id.startswith("dbt_build.") else task_id


def _single_dbt_build(month: str) -> tuple[float, int]:
    """One `dbt build` of the project for the month, as the transformer; (seconds, nodes)."""
    import json

    from dbt.cli.main import dbtRunner

    from dti_pipeline import runtime
    from dti_pipeline.paths import DBT_PROJECT_DIR

    os.environ.update(runtime.dbt_env(os.environ["AIRFLOW_CONN_DTI_WAREHOUSE"]))
    with tempfile.TemporaryDirectory(prefix="dti-bench-dbt-") as target:
        args = [
            "build",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps({"month": month}),
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            target,
            "--quiet",
        ]
        started = time.monotonic()
        result = dbtRunner().invoke(args)
        elapsed = time.monotonic() - started
    if not result.success:
        raise SystemExit(f"the single dbt build failed: {result.exception or 'see the output above'}")
    return elapsed, len(result.result.results)


def main() -> None:
    options = _parse()
    if options.warehouse_url:
        os.environ["DTI_WAREHOUSE_URL"] = options.warehouse_url
    os.environ.setdefault("DTI_HOME", str(Path(tempfile.gettempdir()) / "dti-bench-home"))
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("DBT_QUIET", "true")

    from dti_pipeline import runtime
    from dti_pipeline.months import format_month
    from dti_simulators import get_preset

    runtime.prepare_airflow_env()
    url = runtime.use_warehouse()
    runtime.migrate_airflow_db()
    runtime.ensure_manifest()
    runtime.ensure_pii_key()
    month = options.month or format_month(get_preset(options.preset).months()[-1])
    print(f"warehouse {url.split('@')[-1]}, month {month}")
    if options.extract:
        print(
            f"extracted preset {options.preset} in {_extract(options.preset, options.seed):.0f} s"
            " (not counted)"
        )

    from dti_pipeline.orchestration.inprocess import run_dag

    started = time.monotonic()
    run = run_dag("dti_monthly_refresh", conf={"month": month})
    wall = time.monotonic() - started
    spans: dict[str, list] = defaultdict(list)
    busy: dict[str, float] = defaultdict(float)
    tasks: dict[str, int] = defaultdict(int)
    for ti in run.get_task_instances():
        if ti.start_date and ti.end_date:
            step = _step(ti.task_id)
            spans[step].append((ti.start_date, ti.end_date))
            busy[step] += (ti.end_date - ti.start_date).total_seconds()
            tasks[step] += 1
    wall_of = {
        step: (max(e for _, e in s) - min(b for b, _ in s)).total_seconds() for step, s in spans.items()
    }
    order = ["resolve_month", "completeness_gate", "dbt_build", "quality_gate", "publish", "report"]
    print(f"\nrefresh of {month}: {wall:.1f} s wall in dag.test(), {sum(tasks.values())} tasks")
    print(f"{'step':<20} {'tasks':>5} {'share of wall':>14} {'seconds':>9}")
    for step in order:
        if step in wall_of:
            print(f"{step:<20} {tasks[step]:>5} {wall_of[step] / wall:>13.1%} {wall_of[step]:>9.1f}")
    other = wall - sum(wall_of.values())
    print(f"{'(scheduling loop)':<20} {'':>5} {other / wall:>13.1%} {other:>9.1f}")

    single, nodes = _single_dbt_build(month)
    dbt_wall = wall_of.get("dbt_build", 0.0)
    print(f"\nsingle `dbt build` of the same selection: {single:.1f} s for {nodes} nodes")
    print(f"Cosmos dbt_build step / single dbt build: {dbt_wall / single:.2f}x wall")
    print(
        f"Airflow-task overhead of the Cosmos rendering: {(dbt_wall - single) / dbt_wall:.1%} of the "
        f"dbt step ({(dbt_wall - single) / max(1, tasks['dbt_build']):.2f} s per task)"
    )
    print(f"whole refresh / single dbt build: {wall / single:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
