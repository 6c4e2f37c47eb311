"""Quality gate: is the month dbt built in dti_build fit to publish?

dbt's own tests ran with each model (a failing one already stopped the run). This gate adds
what dbt cannot see:
- shape: both facts have the month, and every indicator of dim_indicator is in it;
- reconciliation: the mart's counts against the raw layer, computed here independently of
  the dbt models (rules in include/config/quality.yml);
- plausibility: units whose DTI score moved more than a configured amount from the previous
  month, each with the indicators whose scores moved most (its likely cause).
Each part blocks or warns by configuration; warnings travel with the publication and appear
in the report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from dti_pipeline.errors import PermanentError
from dti_pipeline.months import LOCAL_TZ, format_month, previous_month
from dti_pipeline.paths import SOURCES_YML
from dti_pipeline.sources.formats import time_parser
from dti_pipeline.warehouse.schemas import BUILD_SCHEMA, MART_SCHEMA, RAW_SCHEMA

log = logging.getLogger(__name__)

QUALITY_YML = SOURCES_YML.parent / "quality.yml"
MOVERS_KEPT = 200  # in XCom and in the publication's checks


class QualityGateFailed(PermanentError, RuntimeError):
    """The built month failed a blocking quality check: a retry rebuilds the same data."""


@dataclass
class QualityReport:
    month: str
    blocking: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reconciled: list[dict] = field(default_factory=list)
    movers: list[dict] = field(default_factory=list)
    movers_total: int = 0
    settings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "month": self.month,
            "ok": not self.blocking,
            "blocking": self.blocking,
            "warnings": self.warnings,
            "reconciled": self.reconciled,
            "movers": self.movers[:MOVERS_KEPT],  # the largest moves; all are counted
            "movers_total": self.movers_total,
            "settings": self.settings,
        }


def load_config(path: Path = QUALITY_YML) -> dict:
    if not Path(path).exists():
        return {}
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _columns(conn: psycopg.Connection, schema: str, table: str) -> set[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s",
        (schema, table),
    ).fetchall()
    return {r[0] for r in rows}


def _table(schema: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


# -- shape ---------------------------------------------------------------------------------------
def check_shape(conn: psycopg.Connection, month: date) -> list[str]:
    problems = []
    for fact in ("fct_dti_monthly", "fct_indicator_monthly"):
        if not _columns(conn, BUILD_SCHEMA, fact):
            problems.append(f"{BUILD_SCHEMA}.{fact} does not exist: the dbt build did not run")
            continue
        count = conn.execute(
            sql.SQL("select count(*) from {} where month = %s").format(_table(BUILD_SCHEMA, fact)), (month,)
        ).fetchone()[0]
        if count == 0:
            problems.append(f"{BUILD_SCHEMA}.{fact} has no rows for {format_month(month)}")
    if problems:
        return problems
    absent = conn.execute(
        f"""select d.indicator_id from {BUILD_SCHEMA}.dim_indicator d
             where not exists (select 1 from {BUILD_SCHEMA}.fct_indicator_monthly f
                                where f.month = %s and f.indicator_id = d.indicator_id)
             order by 1""",
        (month,),
    ).fetchall()
    if absent:
        problems.append(
            f"{BUILD_SCHEMA}.fct_indicator_monthly has no rows of {format_month(month)} for the "
            f"indicator(s) {', '.join(r[0] for r in absent)} of dim_indicator"
        )
    return problems


# -- reconciliation against raw ------------------------------------------------------------------
def count_in_month(values: Iterable[object], time_format: str, month: date) -> int:
    """How many of a source's time values fall in `month`, local time (months.LOCAL_TZ).

    The values are read as the loader reads them (sources/formats.py): the gate and the
    contract agree on what a time means. A value that cannot be read raises ValueError.
    """
    parse = time_parser(time_format)
    count = 0
    for value in values:
        moment = parse(value).astimezone(LOCAL_TZ)
        count += (moment.year, moment.month) == (month.year, month.month)
    return count


def _raw_count(conn: psycopg.Connection, rule: dict, month: date, time_format: str) -> int:
    source, entity = rule["entity"].split(".", 1)
    where = sql.SQL(rule.get("where") or "true")
    query = sql.SQL(
        """with current_loads as (
               select load_id from {ledger}
                where source = %(source)s and entity = %(entity)s and status = 'current'),
           latest as (
               select distinct on (record_key) payload
                 from {table} where load_id in (select load_id from current_loads)
                order by record_key, extracted_at desc, load_id desc)
           select payload -> {f} from latest
            where jsonb_typeof(payload -> {f}) in ('string', 'number') and payload ->> {f} <> ''
              and ({where})"""
    ).format(
        ledger=_table(RAW_SCHEMA, "load_ledger"),
        table=_table(RAW_SCHEMA, f"{source}__{entity}"),
        f=sql.Literal(rule["month_of"]),
        where=where,
    )
    # a missing or empty field is no time, as for the contract; JSON numbers stay numbers
    with conn.cursor() as cursor:
        rows = cursor.stream(query, {"source": source, "entity": entity})
        try:
            return count_in_month((row[0] for row in rows), time_format, month)
        except ValueError as exc:
            raise QualityGateFailed(f"{rule['entity']}.{rule['month_of']}: {exc}") from exc


def check_reconciliation(conn: psycopg.Connection, month: date, rules: list[dict]) -> tuple[list, list]:
    """(problems, results): each rule's mart figure against its count in raw."""
    from dti_pipeline.sources.spec import load_sources

    sources = load_sources()
    indicators = {
        r[0] for r in conn.execute(f"select indicator_id from {BUILD_SCHEMA}.dim_indicator").fetchall()
    }
    problems, results = [], []
    for rule in rules:
        if rule["indicator"] not in indicators:
            continue
        source = sources.get(rule["entity"].split(".", 1)[0])
        raw_table = rule["entity"].replace(".", "__", 1)
        if source is None or not _columns(conn, RAW_SCHEMA, raw_table):
            problems.append(f"reconciliation of {rule['indicator']}: no raw table {RAW_SCHEMA}.{raw_table}")
            continue
        column = sql.Identifier(rule["column"])
        mart = conn.execute(
            sql.SQL(
                "select coalesce(sum({c}), 0) from {t}"
                " where month = %s and indicator_id = %s and unit_level = %s"
            ).format(c=column, t=_table(BUILD_SCHEMA, "fct_indicator_monthly")),
            (month, rule["indicator"], rule.get("level", "commune")),
        ).fetchone()[0]
        raw = _raw_count(conn, rule, month, source.time_format)
        result = {
            "indicator": rule["indicator"],
            "column": rule["column"],
            "level": rule.get("level", "commune"),
            "mart": float(mart),
            "raw": raw,
            "ok": float(mart) == float(raw),
        }
        results.append(result)
        if not result["ok"]:
            problems.append(
                f"{rule['indicator']}.{rule['column']} ({result['level']}s, {format_month(month)}): the "
                f"mart sums to {float(mart):g} but {RAW_SCHEMA}.{raw_table} has {raw} distinct records "
                f"({rule['month_of']} in the month{', ' + rule['where'] if rule.get('where') else ''}); "
                "records were lost or counted twice between raw and the mart"
            )
    return problems, results


# -- plausibility --------------------------------------------------------------------------------
def _previous_source(conn: psycopg.Connection, month: date) -> tuple[str, str]:
    """Where last month's scores are: the published mart if it has the month, else the build."""
    before = previous_month(month)
    for schema in (MART_SCHEMA, BUILD_SCHEMA):
        if not _columns(conn, schema, "fct_dti_monthly"):
            continue
        found = conn.execute(
            sql.SQL("select 1 from {} where month = %s limit 1").format(_table(schema, "fct_dti_monthly")),
            (before,),
        ).fetchone()
        if found:
            return schema, "published" if schema == MART_SCHEMA else "built"
    return "", ""


def find_movers(
    conn: psycopg.Connection, month: date, max_change: float, levels: list[str], causes: int
) -> list[dict]:
    schema, _origin = _previous_source(conn, month)
    if not schema:
        return []
    before = previous_month(month)
    name = "unit_name" if "unit_name" in _columns(conn, BUILD_SCHEMA, "fct_dti_monthly") else "unit_key"
    rows = conn.execute(
        sql.SQL(
            """select cur.unit_key, cur.unit_level, cur.{name}, prev.dti_score, cur.dti_score,
                      cur.dti_score - prev.dti_score as change
                 from {build} cur join {prev} prev on prev.unit_key = cur.unit_key and prev.month = %s
                where cur.month = %s and cur.unit_level = any(%s)
                  and cur.dti_score is not null and prev.dti_score is not null
                  and abs(cur.dti_score - prev.dti_score) > %s
                order by abs(cur.dti_score - prev.dti_score) desc, cur.unit_key"""
        ).format(
            name=sql.Identifier(name),
            build=_table(BUILD_SCHEMA, "fct_dti_monthly"),
            prev=_table(schema, "fct_dti_monthly"),
        ),
        (before, month, levels, max_change),
    ).fetchall()
    if not rows:
        return []
    keys = [r[0] for r in rows]
    indicator_rows = conn.execute(
        sql.SQL(
            """select cur.unit_key, cur.indicator_id, d.name_en, prev.score, cur.score
                 from {build} cur
                 join {dim} d on d.indicator_id = cur.indicator_id
                 left join {prev} prev
                   on prev.unit_key = cur.unit_key and prev.indicator_id = cur.indicator_id
                  and prev.month = %s
                where cur.month = %s and cur.unit_key = any(%s)"""
        ).format(
            build=_table(BUILD_SCHEMA, "fct_indicator_monthly"),
            dim=_table(BUILD_SCHEMA, "dim_indicator"),
            prev=_table(schema, "fct_indicator_monthly"),
        ),
        (before, month, keys),
    ).fetchall()
    by_unit: dict[str, list[dict]] = {}
    for unit_key, indicator_id, name_en, previous, score in indicator_rows:
        if previous is None and score is None:
            continue
        if previous is None or score is None:
            weight, change = 1.0, None  # appeared or disappeared: always a candidate cause
        else:
            change = float(score) - float(previous)
            weight = abs(change)
        by_unit.setdefault(unit_key, []).append(
            {
                "indicator_id": indicator_id,
                "name_en": name_en,
                "previous": None if previous is None else float(previous),
                "score": None if score is None else float(score),
                "change": change,
                "_weight": weight,
            }
        )
    movers = []
    for unit_key, level, unit_name, previous, score, change in rows:
        ranked = sorted(by_unit.get(unit_key, []), key=lambda c: (-c["_weight"], c["indicator_id"]))
        top = [{k: v for k, v in c.items() if k != "_weight"} for c in ranked[:causes] if c["_weight"] > 0]
        movers.append(
            {
                "unit_key": unit_key,
                "unit_level": level,
                "unit_name": unit_name,
                "previous": float(previous),
                "score": float(score),
                "change": float(change),
                "causes": top,
            }
        )
    return movers


def _cause_text(cause: dict) -> str:
    if cause["change"] is None:
        return f"{cause['indicator_id']} {'now missing' if cause['score'] is None else 'newly present'}"
    return f"{cause['indicator_id']} {cause['change']:+.3f}"


def describe_mover(mover: dict) -> str:
    causes = ", ".join(_cause_text(c) for c in mover["causes"]) or "no single indicator"
    return (
        f"{mover['unit_key']} {mover['unit_name']}: DTI {mover['previous']:.3f} -> {mover['score']:.3f} "
        f"({mover['change']:+.3f}); moved most: {causes}"
    )


# -- the gate ------------------------------------------------------------------------------------
def quality_gate(conn: psycopg.Connection, month: date, config: dict | None = None) -> dict:
    """Run the checks; raise QualityGateFailed when a blocking one fails, else return the report."""
    from dti_pipeline.gates.settings import choice, number

    config = load_config() if config is None else config
    plaus = config.get("plausibility", {})
    recon = config.get("reconciliation", {})
    max_change = number("plausibility_max_change", float(plaus.get("max_change", 0.25)))
    plaus_mode = choice("plausibility_mode", str(plaus.get("mode", "warn")), ("warn", "block"))
    recon_mode = choice("reconciliation_mode", str(recon.get("mode", "block")), ("warn", "block"))
    levels = list(plaus.get("levels", ["province", "commune"]))
    report = QualityReport(
        format_month(month),
        settings={
            "plausibility_max_change": max_change,
            "plausibility_mode": plaus_mode,
            "reconciliation_mode": recon_mode,
            "levels": levels,
        },
    )
    report.blocking.extend(check_shape(conn, month))
    if not report.blocking:
        problems, report.reconciled = check_reconciliation(conn, month, recon.get("rules", []))
        (report.blocking if recon_mode == "block" else report.warnings).extend(problems)
        report.movers = find_movers(conn, month, max_change, levels, int(plaus.get("cause_indicators", 3)))
        report.movers_total = len(report.movers)
        if report.movers:
            lines = [describe_mover(m) for m in report.movers]
            since = format_month(previous_month(month))
            head = f"{len(lines)} unit(s) moved more than {max_change:g} from {since}"
            shown = lines[:20] + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])
            (report.blocking if plaus_mode == "block" else report.warnings).append(
                head + ":\n    " + "\n    ".join(shown)
            )
    conn.rollback()
    for warning in report.warnings:
        log.warning("quality gate, %s: %s", report.month, warning)
    if report.blocking:
        raise QualityGateFailed(
            f"the built month {report.month} failed the quality gate, so it was not published:\n  "
            + "\n  ".join(report.blocking)
            + "\nSee docs/operations.md (Quality gate) for what each check means and how to proceed."
        )
    return report.as_dict()
