"""Completeness gate: is every load the month needs current, taken late enough, reconciled?

What a month needs comes from dti_pipeline.needs (one declaration per entity in
include/config/sources.yml, read at run time, so a new source is checked as soon as it is
configured): the windows of creation time of a stock since the source's first day, of a
flow over its month and look-back months, each loaded after the month ended; a snapshot
taken after the month ended; the month's export. A current load whose source reported a
total must reconcile with it (rows_loaded + rows_quarantined = source_total).

Anything short of that stops the refresh before dbt runs, with one line per entity that
says what is missing and the one extraction that completes it, e.g. "postmart.shops: the
records created before 2025-07 are not loaded; run extract_postmart for 2025-07 (dti extract
--source postmart --from 2025-07 --to 2025-07)": the extract run of a month loads everything
that month needs.

The gate also says which sources' history is partial for the month (their first month,
or a month whose flows look back before it): the mart flags those values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import psycopg

from dti_pipeline.errors import PermanentError
from dti_pipeline.months import LOCAL_TZ, format_month
from dti_pipeline.needs import covers, current_loads, month_windows, partial_reasons, serving_load, stale_load
from dti_pipeline.sources.spec import SourceSpec


class CompletenessError(PermanentError, RuntimeError):
    """The month's raw data is incomplete: a rerun of the refresh cannot fix it, an extract can."""


@dataclass
class EntityCompleteness:
    source: str
    entity: str
    history: str
    windows_needed: int = 0
    windows_served: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.source}.{self.entity}"


@dataclass
class CompletenessReport:
    month: str
    entities: list[EntityCompleteness]
    skipped: list[str]
    partial: dict[str, list[str]] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return [p for e in self.entities for p in e.problems]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def partial_sources(self) -> list[str]:
        return sorted(self.partial)

    def as_dict(self) -> dict:
        return {
            "month": self.month,
            "ok": self.ok,
            "problems": self.problems,
            "skipped": self.skipped,
            "partial": self.partial,
            "partial_sources": ",".join(self.partial_sources),
            "entities": [asdict(e) for e in self.entities],
        }

    def message(self) -> str:
        lines = "\n".join(f"  {p}" for p in self.problems)
        return (
            f"the raw data of {self.month} is not complete, so nothing was built or published:\n{lines}\n"
            "Run those extractions (the month's extract_<source> run in Airflow, or `dti extract`), "
            "then rerun this refresh."
        )


def remedy(source: str, month: date) -> str:
    """The one extraction that gives a month everything it needs of a source."""
    label = format_month(month)
    return f"run extract_{source} for {label} (dti extract --source {source} --from {label} --to {label})"


def _check_entity(conn, spec: SourceSpec, entity, month: date) -> EntityCompleteness:
    result = EntityCompleteness(spec.name, entity.name, entity.history)
    loads = current_loads(conn, spec.name, entity.name)
    missing, early, unreconciled = [], [], []
    for window in month_windows(spec, entity, month):
        result.windows_needed += 1
        served = serving_load(window, month, loads)
        if served is None:
            stale = stale_load(window, loads)
            if stale is None:
                missing.append(window.describe())
            else:
                early.append(
                    f"{window.describe()} (loaded {stale.started_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M})"
                )
            continue
        result.windows_served += 1
        result.rows_loaded += served.rows_loaded or 0
        result.rows_quarantined += served.rows_quarantined or 0
        if not served.reconciled:
            unreconciled.append(
                f"{window.describe()} ({served.rows_loaded} loaded + {served.rows_quarantined} "
                f"quarantined, the source reported {served.source_total})"
            )
    findings = []
    if missing:
        findings.append(f"{'; '.join(missing)}: not loaded")
    if early:
        findings.append(
            f"{'; '.join(early)}: loaded before {format_month(month)} ended, so its records may have "
            "changed since"
        )
    if unreconciled:
        findings.append(f"{'; '.join(unreconciled)}: not reconciled")
    if findings:
        result.problems.append(f"{result.name}: {' / '.join(findings)}; {remedy(spec.name, month)}")
    return result


def check_completeness(
    conn: psycopg.Connection,
    month: date,
    sources: dict[str, SourceSpec],
    only: set[str] | None = None,
) -> CompletenessReport:
    """Check every entity of `sources` (or of the named sources in `only`) for `month`."""
    entities, skipped, partial = [], [], {}
    for name, spec in sources.items():
        if only is not None and name not in only:
            skipped.append(f"{name}: not checked (dti_completeness_sources)")
            continue
        if not covers(spec, month):
            skipped.append(
                f"{name}: no data for {format_month(month)} (its data runs from {spec.start_date} to "
                f"{spec.end_date or 'today'})"
            )
            continue
        entities.extend(_check_entity(conn, spec, entity, month) for entity in spec.entities)
        reasons = partial_reasons(spec, month)
        if reasons:
            partial[name] = reasons
    return CompletenessReport(format_month(month), entities, skipped, partial)


def completeness_gate(conn: psycopg.Connection, month: date) -> dict:
    """The refresh's first gate: raise CompletenessError (blocking mode) or return the report."""
    from dti_pipeline.gates.settings import choice, setting
    from dti_pipeline.sources.spec import load_sources
    from dti_pipeline.warehouse.bootstrap import ensure_warehouse

    ensure_warehouse(conn)
    chosen = setting("completeness_sources", "all") or "all"
    only = None if chosen.strip().lower() == "all" else {s.strip() for s in chosen.split(",") if s.strip()}
    report = check_completeness(conn, month, load_sources(), only)
    conn.rollback()
    mode = choice("completeness_mode", "block", ("block", "warn"))
    if not report.ok and mode == "block":
        raise CompletenessError(report.message())
    return report.as_dict()
