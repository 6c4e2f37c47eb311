"""A published month equals what the sources say about it, whatever was extracted and in
whatever order, or it is not published.

Each scenario starts from an empty warehouse (or from a copy of one where a single month was
extracted and published, built once per module) and extracts months of the `tiny` preset the
way an operator might (one month alone, months backwards, a gap, a month republished after
the next one arrived), with the extract runs' own function; each month is then refreshed
with the refresh's own steps (completeness gate, one `dbt build` of the month, publication).
Every published month must equal the simulators' ground truth for every numerator and
denominator, or be refused by the gate naming the extraction to run. The pillars and the
index are also recomputed here from the truth, independently of the SQL, to 1e-9.
(All months in order, today's path, is tests/e2e/test_tiny_pipeline_with_faults.py; the same
through Airflow's scheduler and backfills is the deployment test.)
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from dti_pipeline import runtime
from dti_pipeline.backfill import load_month_with_task
from dti_pipeline.gates.completeness import CompletenessError, completeness_gate
from dti_pipeline.months import format_month
from dti_pipeline.paths import DBT_PROJECT_DIR
from dti_pipeline.publish.publication import publish_month
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.transform.seeds import sync_seeds
from dti_simulators.truth import ground_truth

SEED = 7
JUNE, JULY, AUGUST = date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)


@pytest.fixture(scope="module")
def sources(tiny_simulators):
    with pytest.MonkeyPatch.context() as mp:
        for name, conn in tiny_simulators.connections().items():
            mp.setenv(f"AIRFLOW_CONN_DTI_{name.upper()}", json.dumps(conn))
        yield


@pytest.fixture
def empty_warehouse(postgres_server, sources, airflow_db, monkeypatch):
    url = postgres_server("pit")
    monkeypatch.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
    return url


@pytest.fixture(scope="module")
def one_month_published(postgres_server, sources, airflow_db):
    """month -> a warehouse where only that month was extracted, then published; built once
    (a dbt build is most of a scenario's time). Tests read it, or change a copy of it."""
    built: dict[date, str] = {}

    def warehouse(month: date) -> str:
        if month not in built:
            url = postgres_server(f"pit_{month:%Y%m}")
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", url)
                extract(month)
                refresh(url, month)
            built[month] = url
        return built[month]

    return warehouse


@pytest.fixture
def copy_of(postgres_server, monkeypatch):
    """A new warehouse holding what the given one holds (PostgreSQL's database templates),
    behind the `dti_warehouse` Connection."""

    def copy(url: str) -> str:
        target = postgres_server("pit")  # registered to be dropped at the end of the session
        server = urlsplit(url)._replace(path="/postgres").geturl()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'drop database "{urlsplit(target).path[1:]}"')
            conn.execute(f'create database "{urlsplit(target).path[1:]}" template "{urlsplit(url).path[1:]}"')
        monkeypatch.setenv("AIRFLOW_CONN_DTI_WAREHOUSE", target)
        return target

    return copy


def extract(*months: date, only: tuple[str, ...] | None = None) -> None:
    for name, spec in load_sources().items():
        if only is None or name in only:
            for month in months:
                load_month_with_task(spec, month, run_id=f"pit-{format_month(month)}")


def refresh(url: str, month: date):
    """The refresh's steps: gate (raises when incomplete), one dbt build, publication."""
    with psycopg.connect(url) as conn:
        gate = completeness_gate(conn, month)
    sync_seeds(url)
    variables = {"month": format_month(month), "partial_sources": gate["partial_sources"]}
    args = ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "seed", "--quiet"]
    runtime.run_dbt([*args, "--vars", json.dumps(variables)], url)
    with psycopg.connect(url) as conn:
        return publish_month(conn, month, run_id=f"pit-{format_month(month)}", checks={"completeness": gate})


def published_pairs(url: str, month: date) -> dict[tuple, tuple]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """select unit_level, unit_code, indicator_id, numerator, denominator
                 from dti_mart.fct_indicator_monthly where month = %s""",
            (month,),
        ).fetchall()
    return {(level, unit, ind): (num, den) for level, unit, ind, num, den in rows}


def assert_equals_truth(url: str, month: date) -> int:
    truth = ground_truth("tiny", SEED, format_month(month))
    mart = published_pairs(url, month)
    wrong = []
    for row in truth.indicators:
        expected = (Decimal(row.numerator), Decimal(row.denominator))
        got = mart.get((row.level, row.unit_code, row.indicator))
        if got != expected:
            wrong.append((row.level, row.unit_code, row.indicator, expected, got))
    assert len(truth.indicators) == 243
    assert wrong == [], f"{format_month(month)}: {len(wrong)} of 243 pairs differ from the truth: {wrong[:4]}"
    return len(truth.indicators)


def publications(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """select to_char(month, 'YYYY-MM'), status, content_hash
                 from dti_publish.publication order by publication_id"""
        ).fetchall()


# -- the scenarios ------------------------------------------------------------------------------------
def test_only_the_month_extracted(one_month_published):
    """A deployment that starts in July: its July run loads what July needs (June's stocks
    and the documents and applications July looks back to), and July publishes the truth."""
    warehouse = one_month_published(JULY)
    assert [(month, status) for month, status, _ in publications(warehouse)] == [("2025-07", "current")]
    assert_equals_truth(warehouse, JULY)


def test_a_month_then_the_month_before(one_month_published, copy_of):
    warehouse = copy_of(one_month_published(AUGUST))
    extract(JULY)
    refresh(warehouse, JULY)
    for month in (AUGUST, JULY):
        assert_equals_truth(warehouse, month)
    # July's change from June is missing (June is not published), August's from July is not
    # given either: July is partial for the portal (its applications look back to May)
    with psycopg.connect(warehouse) as conn:
        changes = conn.execute(
            """select to_char(month, 'YYYY-MM'), count(dti_score_change), bool_or(is_partial)
                 from dti_mart.fct_dti_monthly where unit_level = 'province' and dti_score is not null
                group by 1 order by 1"""
        ).fetchall()
    assert changes == [("2025-07", 0, True), ("2025-08", 0, False)]


BLOCK_SIMULATORS = """
import sys
class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        # fastapi and uvicorn stay: Airflow needs them whether or not the simulators are here
        if name.split(".")[0] == "dti_simulators":
            raise ImportError(f"{name} is not installed here (the simulators' extra)")
sys.meta_path.insert(0, _NotInstalled())
"""


def test_a_published_month_refreshed_after_the_next_one_arrived_is_unchanged(
    one_month_published, copy_of, tmp_path
):
    """July, published, then August loaded and July refreshed again: the same content. The
    second refresh is `dti refresh` itself (the DAG, with Cosmos), in a process where the
    simulators' package (dti_simulators) cannot be imported, as in a deployment without their extra."""
    warehouse = copy_of(one_month_published(JULY))
    first = publications(warehouse)
    extract(AUGUST)
    (tmp_path / "sitecustomize.py").write_text(BLOCK_SIMULATORS)
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),
        "DTI_WAREHOUSE_URL": warehouse,
        "DTI_WAREHOUSE_ROLES": "0",
    }
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dti")), "refresh", "--month", "2025-07"],
        env={k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_DTI_WAREHOUSE")},
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "unchanged" in done.stdout, done.stdout[-2000:]
    assert publications(warehouse) == first
    assert_equals_truth(warehouse, JULY)


def test_a_gap_month_is_refused_naming_what_to_extract(empty_warehouse):
    extract(JUNE, AUGUST)
    refresh(empty_warehouse, JUNE)
    refresh(empty_warehouse, AUGUST)
    with pytest.raises(CompletenessError) as refused:
        refresh(empty_warehouse, JULY)
    message = str(refused.value)
    # August's run loaded July's windows of everything August looks back to; July's own
    # ratings (they look back nowhere) and its handbook exports are missing
    assert "handbook.cells: the export of 2025-07: not loaded; run extract_handbook for 2025-07" in message
    assert "(dti extract --source handbook --from 2025-07 --to 2025-07)" in message
    assert "dvc.ratings: created in 2025-07: not loaded; run extract_dvc for 2025-07" in message
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:-1]] == [
        "dvc.ratings",
        "handbook.cells",
        "handbook.members",
        "handbook.activity",
    ]
    for month in (JUNE, AUGUST):
        assert_equals_truth(empty_warehouse, month)
    assert [m for m, *_ in publications(empty_warehouse)] == ["2025-06", "2025-08"]
    extract(JULY, only=("dvc", "handbook"))
    refresh(empty_warehouse, JULY)
    assert_equals_truth(empty_warehouse, JULY)


def test_a_source_missing_before_the_month_is_refused(empty_warehouse):
    """A stock's earlier windows are part of what a month needs: with only July's own shops
    (June's stock window hidden), July is refused instead of published with zero shops."""
    extract(JULY)
    with psycopg.connect(empty_warehouse) as conn:
        hidden = conn.execute(
            """update raw.load_ledger set status = 'replaced'
                where source = 'postmart' and entity = 'shops' and interval_end = '2025-07-01 00:00+07'"""
        ).rowcount
    assert hidden == 1
    with pytest.raises(CompletenessError, match=r"postmart.shops: created before 2025-07: not loaded; "):
        refresh(empty_warehouse, JULY)
    assert publications(empty_warehouse) == []


# -- the index at full precision, recomputed from the truth --------------------------------------------
def _seed(name: str) -> list[dict]:
    with open(DBT_PROJECT_DIR / "seeds" / "methodology" / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def independent_index(month: date) -> dict[str, dict[str, float]]:
    """unit_key -> pillar scores and DTI, from the truth's numerators and the catalogue alone."""
    indicators = {row["indicator_id"]: row for row in _seed("dti_indicators")}
    pillars = {row["pillar_id"]: float(row["weight"]) for row in _seed("dti_pillars")}
    by_unit: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for row in ground_truth("tiny", SEED, format_month(month)).indicators:
        if not row.denominator:
            continue
        spec = indicators[row.indicator]
        value = row.numerator / row.denominator
        target = float(spec["target"])
        score = min(max(value / target, 0.0), 1.0)
        unit = f"{row.level}:{row.unit_code}"
        by_unit.setdefault(unit, {}).setdefault(spec["pillar_id"], []).append((float(spec["weight"]), score))
    result = {}
    for unit, scores in by_unit.items():
        pillar_scores = {p: sum(w * s for w, s in ws) / sum(w for w, _ in ws) for p, ws in scores.items()}
        dti = sum(pillars[p] * s for p, s in pillar_scores.items()) / sum(pillars[p] for p in pillar_scores)
        result[unit] = {**{f"{p}_score": s for p, s in pillar_scores.items()}, "dti_score": dti}
    return result


def test_pillars_and_the_index_equal_an_independent_computation_at_full_precision(one_month_published):
    warehouse = one_month_published(AUGUST)
    expected = independent_index(AUGUST)
    columns = ["digital_government_score", "digital_economy_score", "digital_society_score", "dti_score"]
    with psycopg.connect(warehouse) as conn:
        exact = {
            row[0]: dict(zip(columns, row[1:], strict=True))
            for row in conn.execute(
                f"""select unit_key, {", ".join(columns)} from dti_intermediate.int_unit_scores__monthly
                     where month = %s and dti_score is not null""",
                (AUGUST,),
            )
        }
        published = {
            row[0]: row[1]
            for row in conn.execute(
                "select unit_key, dti_score from dti_mart.fct_dti_monthly where month = %s", (AUGUST,)
            )
        }
    assert set(exact) == set(expected) and len(exact) == 12  # 9 communes, 3 provinces
    for unit, values in expected.items():
        for column, value in values.items():
            assert abs(exact[unit][column] - value) < 1e-9, (unit, column, exact[unit][column], value)
        assert abs(float(published[unit]) - values["dti_score"]) <= 5e-7  # rounded for output only
