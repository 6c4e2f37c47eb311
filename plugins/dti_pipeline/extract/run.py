"""Extract what a month needs of one entity of one source into its raw table.

Called by the `extract_<source>` DAG tasks and by `dti extract`; both resolve the source
and the warehouse through Airflow Connections. The windows come from dti_pipeline.needs:
the run of month M loads the windows M needs that no current load serves yet, so a run
killed midway resumes where it stopped, and any month extracted alone is complete.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date

import psycopg

from dti_pipeline.errors import PermanentError
from dti_pipeline.extract.client import SourceClient
from dti_pipeline.extract.endpoint import endpoint_from_connection
from dti_pipeline.load.pseudonymise import Pseudonymiser, key_from_connection
from dti_pipeline.load.raw import load_interval
from dti_pipeline.months import format_month
from dti_pipeline.needs import Window, covers, windows_to_load
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse.bootstrap import ensure_warehouse
from dti_pipeline.warehouse.connection import warehouse_url

log = logging.getLogger(__name__)


def extract_window(window: Window, *, run_id: str | None = None) -> dict:
    """Load one window of one entity as its current load; returns the ledger figures."""
    spec = load_sources()[window.source]
    entity_spec = spec.entity(window.entity)
    pseudonymiser = None
    if entity_spec.pii_fields:  # refuse before any request when the key is missing
        pseudonymiser = Pseudonymiser(
            key_from_connection(spec.pii_connection_id, f"{spec.name}.{entity_spec.name}")
        )
    client = SourceClient(spec, endpoint_from_connection(spec.connection_id))
    result = load_interval(
        warehouse_url("dti_warehouse_loader"),
        spec,
        entity_spec,
        client.pages(entity_spec, window.start, window.end),
        window.start,
        window.end,
        window_kind=window.kind,
        run_id=run_id,
        pseudonymiser=pseudonymiser,
        stats=lambda: {"retries": client.stats.retries, "requests": client.stats.requests},
    )
    figures = {**asdict(result), "retries": client.stats.retries, "requests": client.stats.requests}
    log.info(
        "%s.%s, %s: %d rows loaded, %d quarantined, %d duplicates skipped, %d pages, "
        "%d retries (source reported %s)",
        spec.name,
        entity_spec.name,
        window.describe(),
        result.rows_loaded,
        result.rows_quarantined,
        result.duplicates_skipped,
        result.pages,
        client.stats.retries,
        result.source_total,
    )
    return figures


class MonthOutsideData(PermanentError, ValueError):
    """The month is outside the source's data range: nothing to extract, and a retry won't change it."""


def plan_month(source: str, entity: str, month: date, *, reload: bool = False) -> list[Window]:
    """The windows the run of `month` loads for source.entity (see dti_pipeline.needs)."""
    spec = load_sources()[source]
    if not covers(spec, month):
        raise MonthOutsideData(
            f"{source} has no data for {format_month(month)}: its data runs from {spec.start_date} to "
            f"{spec.end_date or 'today'} (start_date / end_date in include/config/sources.yml, or "
            "DTI_SOURCES_START_DATE / DTI_SOURCES_END_DATE)"
        )
    with psycopg.connect(warehouse_url("dti_warehouse_loader")) as conn:
        ensure_warehouse(conn)
        return windows_to_load(conn, spec, spec.entity(entity), month, reload=reload)


def extract_month(
    source: str, entity: str, month: date, *, run_id: str | None = None, reload: bool = False
) -> dict:
    """Load every window `month` needs of source.entity that is not loaded yet."""
    windows = plan_month(source, entity, month, reload=reload)
    if not windows:
        log.info("%s.%s: everything %s needs is already loaded", source, entity, format_month(month))
    loads = [extract_window(window, run_id=run_id) for window in windows]
    return {
        "month": format_month(month),
        "windows": [window.describe() for window in windows],
        "rows_loaded": sum(x["rows_loaded"] for x in loads),
        "rows_quarantined": sum(x["rows_quarantined"] for x in loads),
        "load_ids": [x["load_id"] for x in loads],
    }
