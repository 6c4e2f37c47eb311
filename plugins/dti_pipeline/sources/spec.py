"""Typed specs of the sources, parsed from include/config/sources.yml.

A source is plain data: client settings (auth, paginator, time format, limits), the days
its data spans, and its entities (path, load mode, creation-time filter, what history a month
needs, primary key, field contract, personal data). One engine, extract.client, interprets
every spec; auth schemes and paginators are looked up by name, and an unknown name fails with
the list of valid ones.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dti_pipeline.errors import SpecError
from dti_pipeline.paths import SOURCES_YML
from dti_pipeline.sources.client_config import (
    AUTH_TYPES,
    PAGINATOR_TYPES,
    AuthConfig,
    PaginatorConfig,
    typed_config,
)
from dti_pipeline.sources.formats import TIME_FORMATS

__all__ = ["EntitySpec", "SourceSpec", "SpecError", "load_sources"]

LOAD_MODES = ("incremental", "snapshot")
# What history a month of an incremental entity needs (dti_pipeline.needs):
# `stock`: every record created before the month's end, since the source's first day;
# `flow`: the records created in the month and in `lookback_months` months before it.
HISTORIES = ("stock", "flow")
# A deployment's data range for every source at once (e.g. the simulators' preset).
START_DATE_ENV, END_DATE_ENV = "DTI_SOURCES_START_DATE", "DTI_SOURCES_END_DATE"
FIELD_TYPES = (
    "text",
    "timestamp",
    "date_dmy",
    "month_my",
    "amount",
    "count",
    "boolean",
    "commune_code",
    "province_code",
    "province_name",
    "commune_name",
    "any",
)
# A categorical field names the values it may take: `one_of(in|out)`; any other value is
# quarantined before staging, so the staging models' accepted_values tests hold.
_ONE_OF = re.compile(r"one_of\(([^()]+)\)")


@dataclass(frozen=True)
class IncrementalSpec:
    """The source's filter on the records' creation time: half-open [start, end)."""

    start_param: str
    end_param: str
    cursor_field: str  # the record's creation-time field the filter applies to


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    values: tuple[str, ...] = ()  # the values a one_of field may take


@dataclass(frozen=True)
class EntitySpec:
    name: str
    path: str
    mode: str
    primary_key: str | tuple[str, ...]
    fields: tuple[FieldSpec, ...] = ()
    incremental: IncrementalSpec | None = None
    export_entity: str | None = None  # the entity's name in a source's export listing
    history: str = "snapshot"  # stock | flow | snapshot | export (see HISTORIES)
    lookback_months: int = 0  # flow: months before the month whose records it counts
    pii_fields: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @functools.cached_property
    def key_fields(self) -> tuple[str, ...]:
        return (self.primary_key,) if isinstance(self.primary_key, str) else self.primary_key

    def key_of(self, record: Any) -> str | None:
        """The record's primary key as text (fields joined by '|' when composite)."""
        if not isinstance(record, dict):
            return None
        if len(self.key_fields) == 1:
            key = record.get(self.key_fields[0])
            return None if key in (None, "") else str(key)
        parts = [record.get(name) for name in self.key_fields]
        if any(p in (None, "") for p in parts):
            return None
        return "|".join(str(p) for p in parts)

    @functools.cached_property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @functools.cached_property
    def known_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    title: str
    description: str
    connection_id: str
    start_date: date  # the first day the source has data (stocks: everything before it too)
    auth: AuthConfig
    paginator: PaginatorConfig
    entities: tuple[EntitySpec, ...]
    end_date: date | None = None  # the last day the source has data; None: it is live
    time_format: str = "iso8601"
    pii_connection_id: str | None = None
    pool_slots: int = 2
    rate_limit_per_second: float = 10.0
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    retry_initial_seconds: float = 0.25
    quarantine_threshold: float = 0.05
    quarantine_min_records: int = 20
    owner: str = "data-engineering"

    @property
    def pool(self) -> str:
        return f"source_{self.name}"

    def raw_table(self, entity: EntitySpec) -> str:
        # schema warehouse.schemas.RAW_SCHEMA (not imported: the warehouse imports the specs)
        return f"raw.{self.name}__{entity.name}"

    def entity(self, name: str) -> EntitySpec:
        for entity in self.entities:
            if entity.name == name:
                return entity
        known = ", ".join(e.name for e in self.entities)
        raise SpecError(f"source {self.name!r} has no entity {name!r}; it has: {known}")


def _require(mapping: dict, key: str, where: str) -> Any:
    if key not in mapping:
        raise SpecError(f"{where}: missing required key {key!r}")
    return mapping[key]


def _one_of(value: Any, allowed, where: str) -> Any:
    if value not in allowed:
        raise SpecError(f"{where}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def _fields(raw: dict, where: str) -> tuple[FieldSpec, ...]:
    fields = []
    for name, kind in (raw or {}).items():
        kind = str(kind)
        optional = kind.endswith("?")
        base = kind.rstrip("?")
        categorical = _ONE_OF.fullmatch(base)
        if categorical:
            values = tuple(v.strip() for v in categorical.group(1).split("|"))
            if not all(values):
                raise SpecError(f"{where}.fields.{name}: {kind!r} names an empty value")
            fields.append(FieldSpec(name=name, type="one_of", required=not optional, values=values))
            continue
        _one_of(base, FIELD_TYPES, f"{where}.fields.{name}")
        fields.append(FieldSpec(name=name, type=base, required=not optional))
    return tuple(fields)


def _history(raw: dict, mode: str, where: str) -> tuple[str, int]:
    """(history, lookback_months) of an entity: declared for windowed entities, implied else."""
    if raw.get("export_entity"):
        history = "export"  # the month's own export file, a snapshot as of its last day
    elif mode == "snapshot":
        history = "snapshot"
    else:
        history = _one_of(_require(raw, "history", where), HISTORIES, f"{where}.history")
    if "history" in raw and history in ("export", "snapshot"):
        raise SpecError(f"{where}.history: a {history} entity's history is implied; remove the key")
    lookback = raw.get("lookback_months", 0)
    if not isinstance(lookback, int) or lookback < 0:
        raise SpecError(f"{where}.lookback_months: a whole number of months >= 0, got {lookback!r}")
    if lookback and history != "flow":
        raise SpecError(f"{where}.lookback_months: only a flow entity looks back; this one is a {history}")
    return history, lookback


def _entity(source: str, name: str, raw: dict) -> EntitySpec:
    where = f"sources.{source}.entities.{name}"
    mode = _one_of(raw.get("mode", "incremental"), LOAD_MODES, f"{where}.mode")
    history, lookback = _history(raw, mode, where)
    incremental = None
    if history in HISTORIES:
        inc = _require(raw, "incremental", where)
        incremental = IncrementalSpec(
            start_param=_require(inc, "start_param", f"{where}.incremental"),
            end_param=_require(inc, "end_param", f"{where}.incremental"),
            cursor_field=_require(inc, "cursor_field", f"{where}.incremental"),
        )
    key = _require(raw, "primary_key", where)
    fields = _fields(raw.get("fields", {}), where)
    known = {f.name for f in fields}
    if incremental and known and incremental.cursor_field not in known:
        raise SpecError(
            f"{where}.incremental.cursor_field: {incremental.cursor_field!r} is not one of the "
            "entity's fields"
        )
    for pii in raw.get("pii_fields", ()):
        if known and pii not in known:
            raise SpecError(f"{where}.pii_fields: {pii!r} is not one of the entity's fields")
    return EntitySpec(
        name=name,
        path=raw.get("path", ""),
        mode=mode,
        primary_key=key if isinstance(key, str) else tuple(key),
        fields=fields,
        incremental=incremental,
        export_entity=raw.get("export_entity"),
        history=history,
        lookback_months=lookback,
        pii_fields=tuple(raw.get("pii_fields", ())),
        params=dict(raw.get("params", {})),
        description=raw.get("description", ""),
    )


def _source(name: str, raw: dict, defaults: dict) -> SourceSpec:
    merged = {**defaults, **raw}
    where = f"sources.{name}"
    auth = typed_config(AUTH_TYPES, _require(merged, "auth", where), f"{where}.auth")
    paginator = typed_config(PAGINATOR_TYPES, _require(merged, "paginator", where), f"{where}.paginator")
    time_format = _one_of(merged.get("time_format", "iso8601"), TIME_FORMATS, f"{where}.time_format")
    entities = tuple(
        _entity(name, e, spec) for e, spec in (_require(merged, "entities", where) or {}).items()
    )
    if not entities:
        raise SpecError(f"{where}: no entities")
    if any(e.pii_fields for e in entities) and not merged.get("pii_connection_id"):
        raise SpecError(f"{where}: entities have pii_fields but the source names no pii_connection_id")
    if "schedule" in merged:
        raise SpecError(
            f"{where}.schedule: every source is extracted month by month (one run per month); remove the key"
        )
    start = _date(merged.get("start_date", "2024-11-01"), f"{where}.start_date")
    end = _date(merged["end_date"], f"{where}.end_date") if merged.get("end_date") else None
    if end is not None and end < start:
        raise SpecError(f"{where}.end_date: {end} is before start_date {start}")
    return SourceSpec(
        name=name,
        title=_require(merged, "title", where),
        description=merged.get("description", ""),
        connection_id=merged.get("connection_id", f"dti_{name}"),
        start_date=start,
        end_date=end,
        auth=auth,
        paginator=paginator,
        entities=entities,
        time_format=time_format,
        pii_connection_id=merged.get("pii_connection_id"),
        pool_slots=int(merged.get("pool_slots", 2)),
        rate_limit_per_second=float(merged.get("rate_limit_per_second", 10)),
        timeout_seconds=float(merged.get("timeout_seconds", 30)),
        max_attempts=int(merged.get("max_attempts", 6)),
        retry_initial_seconds=float(merged.get("retry_initial_seconds", 0.25)),
        quarantine_threshold=float(merged.get("quarantine_threshold", 0.05)),
        quarantine_min_records=int(merged.get("quarantine_min_records", 20)),
        owner=merged.get("owner", "data-engineering"),
    )


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SpecError(f"{where}: a date YYYY-MM-DD, got {value!r}") from None


def _data_range_from_env(spec: SourceSpec) -> SourceSpec:
    """The deployment's data range, when DTI_SOURCES_START_DATE / _END_DATE set one."""
    start, end = os.environ.get(START_DATE_ENV), os.environ.get(END_DATE_ENV)
    if not start and not end:
        return spec
    changed = dataclasses.replace(
        spec,
        start_date=_date(start, START_DATE_ENV) if start else spec.start_date,
        end_date=_date(end, END_DATE_ENV) if end else spec.end_date,
    )
    if changed.end_date is not None and changed.end_date < changed.start_date:
        raise SpecError(f"{END_DATE_ENV}: {changed.end_date} is before the start date {changed.start_date}")
    return changed


def load_sources(path: Path = SOURCES_YML) -> dict[str, SourceSpec]:
    """Every configured source by name; raises SpecError naming the faulty key.

    Parsed once per file version (every task of every extract run asks for it); the data
    range of the environment (DTI_SOURCES_START_DATE / DTI_SOURCES_END_DATE) is applied on top.
    """
    path = Path(path)
    parsed = _parse_sources(path, path.stat().st_mtime_ns)
    return {name: _data_range_from_env(spec) for name, spec in parsed.items()}


@functools.lru_cache(maxsize=8)
def _parse_sources(path: Path, _version: int) -> dict[str, SourceSpec]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    defaults = document.get("defaults", {})
    sources = _require(document, "sources", str(path))
    return {name: _source(name, raw, defaults) for name, raw in sources.items()}
