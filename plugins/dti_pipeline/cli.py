"""The `dti` command: demo, simulators, extraction, refresh, reports, warehouse, dbt."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import click

from dti_pipeline.months import MonthError, format_month, month_range, parse_month, validate_month


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def _quiet_airflow_logs() -> None:
    """Progress lines only; failures still print their reasons (`--verbose` for task logs)."""
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("DBT_QUIET", "true")


class _Commands(click.Group):
    """Errors the pipeline explains (a warehouse that cannot be used, a wrong month, a
    refused credential...) end the command with their message, not a traceback."""

    def invoke(self, ctx):
        import psycopg

        from dti_pipeline.errors import PipelineError

        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            _fail(str(exc))
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in ("dti_simulators", "fastapi", "uvicorn"):
                raise
            _fail(
                f"this command needs the source simulators ({exc.name} is missing): "
                "pip install 'dti-pipeline[simulators]'"
            )
        except psycopg.OperationalError as exc:
            from dti_pipeline import runtime
            from dti_pipeline.warehouse.connection import connect_error

            _fail(str(connect_error(exc, "", runtime.warehouse_setting)))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """dti-pipeline: Vietnam's provincial digital-transformation index, monthly."""


# -- demo ---------------------------------------------------------------------------------
@main.command()
@click.option("--preset", default="tiny", show_default=True, help="Simulator preset.")
@click.option("--seed", default=42, show_default=True, help="Simulator seed.")
@click.option("--verbose", is_flag=True, help="Show Airflow's task logs.")
def demo(preset: str, seed: int, verbose: bool) -> None:
    """Run the whole pipeline on the embedded warehouse and print the ranking."""
    from dti_pipeline import demo as steps
    from dti_pipeline import runtime
    from dti_simulators import get_preset, start_simulators

    if not verbose:
        _quiet_airflow_logs()
    chosen = get_preset(preset)
    months = chosen.months()
    started = time.monotonic()
    runtime.use_data_range(months[0], months[-1])
    url = runtime.prepare_in_process()
    click.echo(f"warehouse: {url.split('@')[-1]}")
    # the loads of an earlier demo are kept when they hold the same simulated data (each
    # run loads only what its month needs and is not loaded yet); other data is refused
    state = runtime.dti_home() / "demo.json"
    wanted = {"preset": preset, "seed": seed}
    if state.exists() and json.loads(state.read_text()) != wanted:
        _fail(
            f"this warehouse holds the demo of {json.loads(state.read_text())}; run `make clean` "
            "(embedded warehouse) or set another DTI_WAREHOUSE_URL for another preset or seed"
        )
    with start_simulators(preset, seed) as sims:
        runtime.set_source_connections(sims.connections())
        for name, endpoint in sims.endpoints().items():
            click.echo(f"simulator {name}: {endpoint['base_url']}")
        sources = list(sims.simulators)
        click.echo(
            f"extracting {', '.join(sources)} for {format_month(months[0])}..{format_month(months[-1])}"
        )
        state.write_text(json.dumps(wanted))
        steps.extract_months(sources, months)
    click.echo("refreshing the mart month by month")
    steps.refresh_months(months)

    from dti_pipeline.report.monthly import write_report
    from dti_pipeline.warehouse.connection import connect

    with connect() as conn:
        report = write_report(conn, months[-1])
        click.echo(f"\nDTI {format_month(months[-1])}, provinces (preset {preset}, seed {seed}):")
        click.echo(steps.ranking_table(conn, months[-1]))
    click.echo(f"\nreport: {report}")
    click.echo(f"done in {time.monotonic() - started:.0f} s")


# -- simulators -----------------------------------------------------------------------------
@main.group()
def sources() -> None:
    """The source simulators."""


@sources.command("serve")
@click.option("--preset", default="tiny", show_default=True, help="tiny | province | national")
@click.option("--seed", default=42, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port-base", default=8101, show_default=True, help="First port; 0 = free ports.")
@click.option("--faults", default=None, help="e.g. '*:5xx=0.1;dvc:token_expiry=0.3' (docs/simulators.md).")
@click.option(
    "--endpoints",
    "endpoints_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write base URLs, credentials and Connections as JSON to this file.",
)
@click.option(
    "--manifest",
    "manifest_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the injected bad records (CSV: source, entity, record_key, kind, month) to this file.",
)
@click.option(
    "--warm-up/--no-warm-up",
    default=None,
    help="Write the handbook's export files in a background thread at start "
    "(default: on, except at the national preset). Benchmarks turn it off: the thread "
    "shares the process with the servers and slows every simulator while it runs.",
)
def serve(
    preset: str,
    seed: int,
    host: str,
    port_base: int,
    faults: str | None,
    endpoints_file: Path | None,
    manifest_file: Path | None,
    warm_up: bool | None,
) -> None:
    """Start the five simulators and serve until Ctrl-C."""
    from dti_simulators import start_simulators
    from dti_simulators.faults import FaultSpecError
    from dti_simulators.runner import CREDENTIAL_ENV, SIMULATOR_NAMES

    ports = {name: (port_base + i if port_base else 0) for i, name in enumerate(SIMULATOR_NAMES)}
    # A deployment fixes the credentials (DTI_EOFFICE_API_KEY, ...) so that its Connections match.
    credentials = {
        name: {field: os.environ[var] for field, var in fields.items() if os.environ.get(var)}
        for name, fields in CREDENTIAL_ENV.items()
    }
    try:
        sims = start_simulators(
            preset, seed, host=host, ports=ports, credentials=credentials, faults=faults, warm_up=warm_up
        )
    except (FaultSpecError, ValueError) as exc:
        _fail(str(exc))
    endpoints = sims.endpoints()
    for name, endpoint in endpoints.items():
        creds = ", ".join(f"{k}={v}" for k, v in endpoint["credentials"].items())
        click.echo(f"{name:<10} {endpoint['base_url']:<28} {creds}  docs: {endpoint['docs']}")
    if faults:
        click.echo(f"faults: {faults}")
    if endpoints_file:
        document = {
            "preset": preset,
            "seed": seed,
            "faults": faults,
            "endpoints": endpoints,
            "connections": sims.connections(),
        }
        endpoints_file.write_text(json.dumps(document, indent=2))
        click.echo(f"endpoints written to {endpoints_file}")
    if manifest_file:
        click.echo(f"bad records: {sims.write_manifest(manifest_file)} written to {manifest_file}")
    click.echo("serving; Ctrl-C to stop")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    sims.stop()
    click.echo("stopped")


@sources.command("write-dbt")
def write_dbt() -> None:
    """Write dbt's sources of the raw tables (models/staging/<source>/) from sources.yml."""
    from dti_pipeline.sources.spec import load_sources
    from dti_pipeline.transform.dbt_sources import write_dbt_sources

    changed = write_dbt_sources(load_sources())
    for path in changed:
        click.echo(f"written {path}")
    if not changed:
        click.echo("the dbt sources already match include/config/sources.yml")


@sources.command("truth")
@click.option("--month", required=True, help="YYYY-MM, a month of the preset.")
@click.option("--preset", default="tiny", show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Every commune and province, as JSON.")
def truth(month: str, preset: str, seed: int, as_json: bool) -> None:
    """What a correct pipeline must reproduce for a month (never served by the simulators)."""
    from dti_simulators.truth import ground_truth

    try:
        result = ground_truth(preset, seed, validate_month(month))
    except (MonthError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
        return
    provinces = sorted({r.unit_code for r in result.indicators if r.level == "province"})
    click.echo(f"ground truth {result.month}, preset {preset}, seed {seed} (province level; --json for all)")
    click.echo(f"{'indicator':<36}" + "".join(f"{code:>22}" for code in provinces))
    for indicator in dict.fromkeys(r.indicator for r in result.indicators):
        cells = []
        for code in provinces:
            numerator, denominator = result.inputs(indicator, code, "province")
            cells.append(f"{numerator:>12}/{denominator:<9}")
        click.echo(f"{indicator:<36}" + "".join(cells))


# -- extraction -------------------------------------------------------------------------------
def _month_option(value: str | None, name: str):
    if value is None:
        return None
    try:
        return parse_month(value)
    except MonthError as exc:
        raise click.BadParameter(str(exc), param_hint=name) from exc


@main.command()
@click.option("--source", "source_names", multiple=True, required=True, help="Source name(s).")
@click.option("--from", "first", required=True, help="First month, YYYY-MM.")
@click.option("--to", "last", required=True, help="Last month, YYYY-MM.")
@click.option(
    "--endpoints",
    "endpoints_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Use the sources described by `dti sources serve --endpoints`.",
)
@click.option(
    "--with-airflow",
    is_flag=True,
    help="One dag.test() run of the extract DAG per month (recorded in Airflow's history).",
)
@click.option("--reload", is_flag=True, help="Load every window the months need again, even loaded ones.")
def extract(source_names, first, last, endpoints_file, with_airflow, reload) -> None:
    """Extract what each month of a range needs from the sources, in any order.

    Each month loads what it needs and is not loaded yet (its own records, the stocks since
    the source's first day, the look-back months of its flows), by the extract tasks' own
    function, exactly as the DAG would (same ledger, same replace-on-rerun), without
    Airflow's per-run cost.
    """
    from dti_pipeline import demo as steps
    from dti_pipeline import runtime
    from dti_pipeline.sources.spec import load_sources

    known = load_sources()
    for name in source_names:
        if name not in known:
            _fail(f"unknown source {name!r}; configured: {', '.join(known)}")
    months = month_range(_month_option(first, "--from"), _month_option(last, "--to"))
    if not months:
        _fail("--from is after --to")
    _quiet_airflow_logs()
    runtime.prepare_in_process(manifest=False)
    if endpoints_file:
        runtime.set_source_connections(json.loads(endpoints_file.read_text())["connections"])
    steps.extract_months(list(source_names), months, with_airflow=with_airflow, reload=reload)


# -- refresh and report -------------------------------------------------------------------------
@main.command()
@click.option("--month", help="The month to build and publish, YYYY-MM.")
@click.option("--from", "first", help="First month of a range, YYYY-MM.")
@click.option("--to", "last", help="Last month of a range, YYYY-MM.")
def refresh(month, first, last) -> None:
    """Build and publish month(s) of the mart with the dti_monthly_refresh DAG."""
    from dti_pipeline import demo as steps
    from dti_pipeline import runtime

    try:
        if month:
            months = [validate_month(month)]
        elif first and last:
            months = month_range(validate_month(first), validate_month(last))
        else:
            raise click.UsageError("give --month YYYY-MM, or --from YYYY-MM --to YYYY-MM")
    except MonthError as exc:
        _fail(str(exc))
    _quiet_airflow_logs()
    runtime.prepare_in_process(pii_key=False)
    from dti_pipeline.notify import collected_notifications
    from dti_pipeline.orchestration.inprocess import DagRunFailed

    with collected_notifications() as notes:
        try:
            steps.refresh_months(months)
        except DagRunFailed as exc:
            _fail(str(exc))
    for note in notes:
        if note["outcome"] == "success":
            click.echo(f"  {note['subject']}: {note.get('report')}")
            for warning in note.get("warnings", []):
                click.secho(f"    warning: {warning.splitlines()[0]}", fg="yellow")


@main.command()
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path))
def report(month: str, output_dir: Path | None) -> None:
    """Write the HTML report of a published month (read as the BI reader)."""
    from dti_pipeline import runtime
    from dti_pipeline.report.monthly import ReportUnavailable, report_connection, write_report

    try:
        chosen = validate_month(month)
    except MonthError as exc:
        _fail(str(exc))
    runtime.use_warehouse()
    with report_connection() as conn:
        try:
            click.echo(write_report(conn, chosen, output_dir))
        except ReportUnavailable as exc:
            _fail(str(exc))


# -- deployment ---------------------------------------------------------------------------------
@main.command()
@click.option(
    "--endpoints",
    "endpoints_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Take the sources' Connections from `dti sources serve --endpoints` (the simulators).",
)
def deploy(endpoints_file: Path | None) -> None:
    """Configure an Airflow deployment: warehouse roles, Connections and pools, idempotently.

    Writes to the metadata database of this process's Airflow configuration
    (AIRFLOW__DATABASE__SQL_ALCHEMY_CONN). Reads DTI_WAREHOUSE_URL (the warehouse owner),
    DTI_LOADER_PASSWORD / DTI_TRANSFORMER_PASSWORD / DTI_BI_READER_PASSWORD, DTI_PII_KEY and,
    per source, DTI_<SOURCE>_URL, DTI_<SOURCE>_LOGIN, DTI_<SOURCE>_PASSWORD.
    """
    from dti_pipeline.deploy import deploy as configure

    endpoints = json.loads(endpoints_file.read_text())["connections"] if endpoints_file else None
    configure(endpoints, echo=click.echo)


# -- warehouse, dbt, reference data, Airflow UI ------------------------------------------------------
@main.group()
def warehouse() -> None:
    """The embedded warehouse."""


@warehouse.command("start")
def warehouse_start() -> None:
    from dti_pipeline import runtime

    click.echo(runtime.use_warehouse())


@warehouse.command("stop")
def warehouse_stop() -> None:
    from dti_pipeline.paths import dti_home
    from dti_pipeline.warehouse.embedded import EmbeddedWarehouse

    stopped = EmbeddedWarehouse(dti_home() / "warehouse").stop()
    click.echo("stopped" if stopped else "not running")


@warehouse.command("url")
def warehouse_url() -> None:
    from dti_pipeline import runtime

    click.echo(runtime.use_warehouse())


@warehouse.command("roles")
def warehouse_roles() -> None:
    """Set up the loader, transformer and BI reader roles; print their Connections."""
    from urllib.parse import urlsplit

    from dti_pipeline import runtime
    from dti_pipeline.paths import dti_home

    runtime.use_warehouse()
    for conn_id in ("dti_warehouse_loader", "dti_warehouse", "dti_bi_reader"):
        url = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}", "")
        parts = urlsplit(url)
        click.echo(f"{conn_id:<22} {parts.username}@{parts.hostname}:{parts.port}{parts.path}")
    click.echo(f"passwords: DTI_<ROLE>_PASSWORD, else generated in {dti_home() / 'roles.json'} (0600)")


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt(args) -> None:
    """Run dbt in dbt_project/ against the warehouse (e.g. `dti dbt build`).

    `dti dbt docs` alone writes the dbt docs site as one self-contained file that opens
    offline (models, the published mart, the BI views and the exposures that read them).
    """
    from dti_pipeline import runtime
    from dti_pipeline.paths import DBT_PROJECT_DIR

    if args and args[0] == "docs" and (len(args) == 1 or args[1].startswith("-")):
        extra = list(args[1:])  # e.g. --target-path elsewhere
        target = Path(extra[extra.index("--target-path") + 1]) if "--target-path" in extra else None
        url = runtime.use_warehouse()
        code = runtime.run_dbt(["docs", "generate", "--static", "--quiet", *extra], url, check=False)
        if code == 0:
            site = (target or DBT_PROJECT_DIR / "target") / "static_index.html"
            click.echo(f"dbt docs: {site.resolve()} (one file; opens offline)")
        sys.exit(code)
    offline = bool(args) and args[0] in {"parse", "deps", "clean", "--version"}
    url = None if offline else runtime.use_warehouse()
    sys.exit(runtime.run_dbt(list(args), url, check=False))


# -- BI -------------------------------------------------------------------------------------------
@main.command()
@click.option("--port", default=8088, show_default=True)
def bi(port: int) -> None:
    """Superset on the published mart, as the BI reader, with the dashboards of bi/superset/."""
    from dti_pipeline import runtime
    from dti_pipeline import superset as bi_server
    from dti_pipeline.publish.bi_views import BiViewError, define_bi_views
    from dti_pipeline.warehouse.connection import connect, warehouse_url

    runtime.prepare_airflow_env()
    runtime.use_warehouse()
    with connect() as conn:  # as the transformer, which owns the mart
        try:
            define_bi_views(conn, strict=True)
        except BiViewError as exc:
            _fail(f"{exc} (`make demo` publishes the demo's months)")
        conn.commit()
    reader = warehouse_url("dti_bi_reader")
    if "AIRFLOW_CONN_DTI_BI_READER" not in os.environ:
        click.secho("warning: no BI reader role: Superset reads the warehouse as its owner", fg="yellow")
    state = bi_server.home()
    password = bi_server.admin_password(state)
    try:
        env = bi_server.environment(state, reader, password)
        click.echo(f"preparing Superset in {state} (the dashboards of {bi_server.SUPERSET_DIR})")
        bi_server.bootstrap(env)
        process = bi_server.server(env, port, state / "superset.log")
        base = f"http://localhost:{port}"
        bi_server.wait_until_up(f"http://127.0.0.1:{port}", process)
    except bi_server.SupersetUnavailable as exc:
        _fail(str(exc))
    click.echo(f"Superset: {base}/dashboard/list/  (user {bi_server.ADMIN_USER}, password {password})")
    click.echo(f"warehouse: {bi_server.reader_login(reader)} (read-only, dti_mart only)")
    click.echo(f"log: {state / 'superset.log'}; Ctrl-C to stop")

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # stopped by a supervisor: stop Superset too
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=30)


@main.group()
def reference() -> None:
    """Administrative-unit reference data."""


@reference.command("export")
def reference_export() -> None:
    """Rewrite the reference seeds from the installed vietnamadminunits package."""
    from dti_pipeline.reference import SEEDS_DIR, export_seeds

    for name, count in export_seeds().items():
        click.echo(f"{SEEDS_DIR / name}: {count} rows")


@main.command()
@click.option("--port", default=8080, show_default=True)
@click.option(
    "--simulators",
    "preset",
    default=None,
    help="Also serve the source simulators of this preset (tiny, province, national) and use "
    "their months; a dti_<source> Connection already defined is kept.",
)
def airflow(port: int, preset: str | None) -> None:
    """Open the Airflow UI on the same DAGs and warehouse, until Ctrl-C or SIGTERM.

    Runs the api-server, scheduler, dag-processor and triggerer (LocalExecutor, as many task
    slots as the machine has cores, AIRFLOW__CORE__PARALLELISM to change it) and stops every
    one of them, and what they started, when it stops. The sources are the Connections
    dti_<source> already defined, or with --simulators the simulators it starts.
    """
    import secrets

    from dti_pipeline import runtime
    from dti_pipeline.deploy import write_pool
    from dti_pipeline.sources.spec import load_sources
    from dti_pipeline.supervise import Supervisor

    if preset:
        from dti_simulators import get_preset, start_simulators

        months = get_preset(preset).months()
        runtime.use_data_range(months[0], months[-1])  # the DAGs' dates: the preset's months
    runtime.prepare_in_process()
    home = runtime.airflow_home()
    passwords = home / "simple_auth_manager_passwords.json.generated"
    if not passwords.exists():
        passwords.write_text(json.dumps({"admin": secrets.token_urlsafe(12)}))
    password = json.loads(passwords.read_text())["admin"]
    settings = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        # the LocalExecutor starts this many task processes: one per core, not Airflow's 32
        "AIRFLOW__CORE__PARALLELISM": str(max(2, os.cpu_count() or 2)),
    }
    for key, value in settings.items():
        os.environ.setdefault(key, value)
    sims = start_simulators(preset, 42) if preset else None
    try:
        if sims is not None:
            kept = set(sims.simulators) - set(
                runtime.set_source_connections(sims.connections(), keep_existing=True)
            )
            if kept:
                click.echo(f"kept the Connections already defined for: {', '.join(sorted(kept))}")
        for spec in load_sources().values():
            write_pool(spec.pool, spec.pool_slots, f"rate limit of {spec.title}")
        airflow_bin = str(Path(sys.executable).with_name("airflow"))
        group = Supervisor(dict(os.environ), log_dir=home / "logs" / "components")
        for name, args in (
            ("api-server", ["api-server", "--port", str(port), "--workers", "1"]),
            ("scheduler", ["scheduler"]),
            ("dag-processor", ["dag-processor"]),
            ("triggerer", ["triggerer"]),
        ):
            group.start(name, [airflow_bin, *args])
        click.echo(f"Airflow UI: http://localhost:{port}  (user admin, password {password})")
        if sims is not None:
            click.echo(
                f"simulators ({preset}): "
                + ", ".join(f"{n} {e['base_url']}" for n, e in sims.endpoints().items())
            )
        click.echo(
            f"{settings['AIRFLOW__CORE__PARALLELISM']} task slots; logs in {group.log_dir}; Ctrl-C stops"
        )
        reason = group.wait()
        click.echo(f"stopping ({reason})")
        forced = group.stop()
        if forced:
            click.echo(f"killed after the grace period: {', '.join(forced)}")
    finally:
        if sims is not None:
            sims.stop()
    click.echo("stopped")


if __name__ == "__main__":
    main()
