"""All five sources of the tiny preset, extracted through heavy faults, then the whole mart.

One module-scoped run: the five simulators serve with 10% 5xx, 5% 429 with Retry-After,
truncated bodies, repeated and shuffled pages, expiring DVC tokens, bad records of every
kind and schema drift; every source's three months are extracted with the extract tasks'
own function, the sources in parallel as their DAGs would run; then one `dbt build`.
Everything is checked against what the simulators generated (their ground truth), which
the pipeline never sees.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import psycopg
import pytest

from dti_pipeline import runtime
from dti_pipeline.backfill import backfill_direct
from dti_pipeline.needs import month_windows
from dti_pipeline.sources.spec import load_sources
from dti_simulators import get_preset, start_simulators
from dti_simulators.faults import FaultTimings
from dti_simulators.handbook import export_rows
from dti_simulators.truth import ground_truth

SEED = 7
PRESET = get_preset("tiny")
MONTHS = PRESET.months()
FAULTS = (
    "*:5xx=0.1,429=0.05,truncate=0.03,duplicate_page=0.05,reorder_page=0.05,"
    "bad_date=0.004,unknown_unit=0.004,negative_amount=0.004,non_numeric_amount=0.004,"
    "invalid_utf8=0.004,missing_field=0.004,extra_field=0.02;dvc:token_expiry=0.2"
)
# the simulators' entity names where they differ from the pipeline's
SIMULATOR_ENTITY = {("voso", "users"): "households"}


@pytest.fixture(scope="module")
def run(postgres_server, airflow_db):
    url = postgres_server("faults")
    timings = FaultTimings(slow_seconds=0.1, timeout_seconds=2, retry_after_seconds=1)
    with (
        start_simulators("tiny", SEED, faults=FAULTS, fault_timings=timings) as sims,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
        runtime.set_source_connections(sims.connections())
        specs = load_sources()

        def extract(spec):
            backfill_direct(spec, MONTHS, "test-faults")

        with ThreadPoolExecutor(len(specs)) as pool:
            list(pool.map(extract, specs.values()))  # raises the first failure, if any
        runtime.run_dbt(["build", "--exclude-resource-type", "unit_test", "--quiet"], url)
        yield {"url": url, "sims": sims, "manifest": sims.manifest(), "faults": sims.fault_counts()}
        for key in [k for k in __import__("os").environ if k.startswith("AIRFLOW_CONN_DTI_")]:
            if key not in ("AIRFLOW_CONN_DTI_PII_KEY",):
                mp.delenv(key, raising=False)


def _query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_the_faults_really_happened(run):
    for source, counts in run["faults"].items():
        assert counts.get("5xx", 0) > 0 and counts.get("429", 0) > 0, (source, counts)
    assert run["faults"]["dvc"].get("token_expiry", 0) > 0
    assert {m.kind for m in run["manifest"]} >= {"bad_date", "unknown_unit", "invalid_utf8", "missing_field"}


def test_every_window_is_loaded_once_and_reconciled(run):
    """Each window any month needs is loaded once (later months reuse the stocks' earlier
    windows, and the first snapshot, taken after all three months ended, serves them all)."""
    loads = _query(
        run["url"],
        """select source, entity, window_kind, interval_start, interval_end, status,
                  rows_loaded + rows_quarantined, source_total from raw.load_ledger""",
    )
    current = Counter((s, e, k, a, b) for s, e, k, a, b, status, *_ in loads if status == "current")
    assert all(count == 1 for count in current.values())
    for name, spec in load_sources().items():
        for entity in spec.entities:
            windows = {(w.kind, w.start, w.end) for m in MONTHS for w in month_windows(spec, entity, m)}
            expected = 1 if entity.history == "snapshot" else len(windows)
            got = sum(1 for s, e, *_ in current if (s, e) == (name, entity.name))
            assert got == expected, (name, entity.name, got, expected)
    for source, entity, *_, status, received, total in loads:
        if status == "current" and total is not None:
            assert received == total, (source, entity)


def _genuine_keys(sims, source: str, entity_spec) -> set[str]:
    """The keys of every record the simulator holds for the preset, bad ones left out."""
    data = sims.simulators[source].data
    name = SIMULATOR_ENTITY.get((source, entity_spec.name), entity_spec.name)
    if source == "eoffice":
        records = data.accounts() if name == "accounts" else data.entity.all_records()
    elif source == "dvc":
        records = data.procedures() if name == "procedures" else getattr(data, name).all_records()
    else:
        records = data.entities[name].all_records()
    keys = {entity_spec.key_of(r.record) for r in records}
    return {k for k in keys if not k.startswith("BAD-")}


def test_raw_holds_exactly_the_sources_records(run):
    url, sims = run["url"], run["sims"]
    for name, spec in load_sources().items():
        for entity in spec.entities:
            if name == "handbook":
                continue  # monthly exports: checked per month below
            landed = {k for (k,) in _query(url, f"select distinct record_key from {spec.raw_table(entity)}")}
            assert landed == _genuine_keys(sims, name, entity), (name, entity.name)
    spec = load_sources()["handbook"]
    for entity in spec.entities:
        for month in MONTHS:
            expected = {
                entity.key_of(r.record)
                for commune in PRESET.communes()
                for r in export_rows(SEED, PRESET, commune, month)[entity.name]
            }
            landed = {
                k
                for (k,) in _query(
                    url,
                    f"""select record_key from {spec.raw_table(entity)}
                         where interval_start = (%s::date)::timestamp at time zone 'Asia/Ho_Chi_Minh'""",
                    (month,),
                )
            }
            assert landed == expected, (entity.name, month)


def test_every_bad_record_is_quarantined_and_no_good_one(run):
    quarantined = {
        (s, e, k.split("|")[0]): reason
        for s, e, k, reason in _query(
            run["url"], "select source, entity, record_key, reason from raw.quarantine"
        )
    }
    names = {(s, SIMULATOR_ENTITY.get((s, e), e)): e for s, e in SIMULATOR_ENTITY}
    manifest = {(m.source, names.get((m.source, m.entity), m.entity), m.key): m.kind for m in run["manifest"]}
    assert len(manifest) > 50
    assert set(manifest) == set(quarantined)
    assert all(reason for reason in quarantined.values())


def test_schema_drift_is_kept_in_the_payload_and_reported(run):
    url = run["url"]
    drifted = _query(url, "select count(*) from raw.eoffice__documents where payload ? 'x_new_field'")[0][0]
    reported = _query(
        url,
        "select count(*) from raw.load_ledger where source = 'eoffice' and entity = 'documents' "
        "and 'x_new_field' = any(new_fields)",
    )[0][0]
    assert drifted > 0 and reported > 0


def test_no_personal_data_in_plain_text_anywhere_in_the_warehouse(run):
    url, sims = run["url"], run["sims"]
    secrets = set()
    for month in MONTHS:
        for commune in PRESET.communes():
            for member in export_rows(SEED, PRESET, commune, month)["members"]:
                row = member.record
                secrets |= {row["ho_ten"], row["so_cccd"], row["so_dien_thoai"]}
    secrets |= {a.record["fullName"] for a in sims.simulators["eoffice"].data.accounts()}
    digits = {re.sub(r"\D", "", s) for s in secrets if re.search(r"\d{9}", s)}
    assert len(secrets) > 1000, "the preset must have people for this test to mean anything"
    found = []
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            """select table_schema, table_name, column_name, data_type from information_schema.columns
                where table_schema not in ('pg_catalog', 'information_schema')
                  and data_type in ('text', 'character varying', 'jsonb', 'json')"""
        ).fetchall()
        for schema, table, column, data_type in columns:
            values = f'"{schema}"."{table}"."{column}"'
            if data_type in ("jsonb", "json"):
                sql = (
                    f'select distinct v from "{schema}"."{table}", '
                    f'jsonb_each_text("{column}"::jsonb) as e(k, v)'
                )
            else:
                sql = f'select distinct "{column}" from "{schema}"."{table}"'
            for (value,) in conn.execute(sql):
                if value is None:
                    continue
                if value in secrets or any(d in value for d in re.findall(r"\d{9,12}", value) if d in digits):
                    found.append((values, value[:40]))
    assert found == [], f"personal data in plain text: {found[:5]}"


def test_every_indicator_matches_the_ground_truth(run):
    rows = _query(
        run["url"],
        """select to_char(month, 'YYYY-MM'), unit_level, unit_code, indicator_id, numerator, denominator
             from dti_build.fct_indicator_monthly""",
    )
    mart = {(m, level, unit, ind): (num, den) for m, level, unit, ind, num, den in rows}
    checked, wrong = 0, []
    for month in MONTHS:
        truth = ground_truth("tiny", SEED, f"{month:%Y-%m}")
        for row in truth.indicators:
            expected = (Decimal(row.numerator), Decimal(row.denominator))
            got = mart.get((row.month, row.level, row.unit_code, row.indicator))
            checked += 1
            if got != expected:
                wrong.append((row.month, row.level, row.unit_code, row.indicator, expected, got))
    assert checked > 600 and wrong == [], wrong[:5]


def test_voso_places_all_resolve_and_unmatched_ones_would_be_kept(run):
    unmatched = _query(run["url"], "select count(*) from dti_intermediate.int_voso__unmatched_records")[0][0]
    matched = _query(
        run["url"],
        "select count(*) from dti_intermediate.int_units__voso_places where commune_code is not null",
    )[0][0]
    assert matched > 0 and unmatched == 0


def test_the_dbt_unit_tests_pass_on_the_built_project(run):
    """dbt's unit tests (given rows -> expected rows, in the models' YAML) run against the
    warehouse the build above made; a monthly refresh leaves them out."""
    assert runtime.run_dbt(["test", "--select", "test_type:unit", "--quiet"], run["url"], check=False) == 0
