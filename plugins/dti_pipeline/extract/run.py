"""Extract one entity of one source for one data interval into its raw table.

Called by the `extract_<source>` DAG tasks and by `dti extract`; both resolve the source
and the warehouse through Airflow Connections.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime

from dti_pipeline.extract.client import SourceClient
from dti_pipeline.extract.endpoint import endpoint_from_connection
from dti_pipeline.load.pseudonymise import Pseudonymiser, key_from_connection
from dti_pipeline.load.raw import load_interval
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse.connection import warehouse_url

log = logging.getLogger(__name__)


def extract_entity(
    source: str,
    entity: str,
    interval_start: datetime,
    interval_end: datetime,
    *,
    run_id: str | None = None,
) -> dict:
    """Load [interval_start, interval_end) of source.entity; returns the ledger figures."""
    spec = load_sources()[source]
    entity_spec = spec.entity(entity)
    pseudonymiser = None
    if entity_spec.pii_fields:  # refuse before any request when the key is missing
        pseudonymiser = Pseudonymiser(key_from_connection(spec.pii_connection_id, f"{source}.{entity}"))
    client = SourceClient(spec, endpoint_from_connection(spec.connection_id))
    result = load_interval(
        warehouse_url("dti_warehouse_loader"),
        spec,
        entity_spec,
        client.pages(entity_spec, interval_start, interval_end),
        interval_start,
        interval_end,
        run_id=run_id,
        pseudonymiser=pseudonymiser,
        stats=lambda: {"retries": client.stats.retries, "requests": client.stats.requests},
    )
    figures = {**asdict(result), "retries": client.stats.retries, "requests": client.stats.requests}
    log.info(
        "%s.%s %s..%s: %d rows loaded, %d quarantined, %d duplicates skipped, %d pages, "
        "%d retries (source reported %s)",
        source,
        entity,
        interval_start.isoformat(),
        interval_end.isoformat(),
        result.rows_loaded,
        result.rows_quarantined,
        result.duplicates_skipped,
        result.pages,
        client.stats.retries,
        result.source_total,
    )
    return figures
