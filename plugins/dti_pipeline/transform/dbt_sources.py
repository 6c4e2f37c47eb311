"""The dbt sources of the raw tables, generated from include/config/sources.yml.

The raw tables are declared once, in sources.yml; each source's
`dbt_project/models/staging/<source>/_<source>__sources.yml` is written from it by
`dti sources write-dbt`, and a test fails when a committed file differs from what the spec
gives (a new entity or a renamed one is then one command away from dbt). No freshness is
declared: a month's readiness is the completeness gate's job, from what each entity says a
month needs (dbt's freshness compares the newest load with today, which a backfill or a
source whose data ended would always fail).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dti_pipeline.paths import DBT_PROJECT_DIR
from dti_pipeline.sources.spec import EntitySpec, SourceSpec
from dti_pipeline.warehouse.schemas import RAW_SCHEMA

HEADER = (
    "# Generated from include/config/sources.yml by `dti sources write-dbt`: edit the spec, not this file.\n"
)
STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"

_LINEAGE_COLUMNS = (
    ("load_id", "The load (raw.load_ledger) that landed the row.", []),
    ("record_key", "The record's primary key as the source gives it.", ["not_null"]),
    ("extracted_at", "When the load read the record: its state at that moment.", []),
    ("payload", "The record exactly as received (personal data pseudonymised).", []),
)


def _what(spec: SourceSpec, entity: EntitySpec) -> str:
    where = f"GET {entity.path}" if entity.path else f"The monthly export files '{entity.export_entity}'"
    history = {
        "stock": "every record, by windows on its creation time since the source's first day",
        "flow": f"windows on the creation time, {entity.lookback_months} month(s) of look-back",
        "snapshot": "a full list each month",
        "export": "the month's export",
    }[entity.history]
    description = entity.description.strip().rstrip(".") or entity.name.capitalize()
    return f"{description}. {where}; {history}."


def source_yaml(spec: SourceSpec) -> str:
    """The dbt source of one configured source's raw tables."""
    tables = [
        {
            "name": entity.name,
            "identifier": spec.raw_table(entity).split(".")[1],
            "description": _what(spec, entity),
            "columns": [
                {"name": name, "description": text, **({"data_tests": list(tests)} if tests else {})}
                for name, text, tests in _LINEAGE_COLUMNS
            ],
        }
        for entity in spec.entities
    ]
    document = {
        "version": 2,
        "sources": [
            {
                "name": spec.name,
                "description": f"{spec.title}, landed by extract_{spec.name}.",
                "schema": RAW_SCHEMA,
                "tables": tables,
            }
        ],
    }
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


def source_file(spec: SourceSpec) -> Path:
    return STAGING_DIR / spec.name / f"_{spec.name}__sources.yml"


def write_dbt_sources(specs: dict[str, SourceSpec]) -> list[Path]:
    """Write every source's file; returns the paths that changed."""
    changed = []
    for spec in specs.values():
        path = source_file(spec)
        text = source_yaml(spec)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
