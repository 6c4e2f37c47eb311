"""Typed specs of the sources, parsed from include/config/sources.yml.

A source is plain data: client settings (auth, paginator, limits) and a list of entities
(path, incremental filter, primary key, required fields). One engine, extract.client,
interprets every spec; a contract that needs code gets a small module, looked up by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dti_pipeline.paths import SOURCES_YML

AUTH_TYPES = ("api_key",)
PAGINATOR_TYPES = ("offset",)
LOAD_MODES = ("incremental", "snapshot")


class SpecError(ValueError):
    """sources.yml says something the pipeline cannot run."""


@dataclass(frozen=True)
class IncrementalSpec:
    start_param: str
    end_param: str
    cursor_field: str  # the record's field the source filters on (its change time)
    lookback_days: int = 0


@dataclass(frozen=True)
class EntitySpec:
    name: str
    path: str
    mode: str
    primary_key: str
    required_fields: tuple[str, ...]
    incremental: IncrementalSpec | None = None
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class SourceSpec:
    name: str
    title: str
    description: str
    connection_id: str
    schedule: str
    start_date: date
    auth: dict[str, Any]
    paginator: dict[str, Any]
    entities: tuple[EntitySpec, ...]
    pool_slots: int = 2
    rate_limit_per_second: float = 10.0
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    quarantine_threshold: float = 0.05
    owner: str = "data-engineering"

    @property
    def pool(self) -> str:
        return f"source_{self.name}"

    def raw_table(self, entity: EntitySpec) -> str:
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


def _one_of(value: str, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise SpecError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _entity(source: str, name: str, raw: dict) -> EntitySpec:
    where = f"sources.{source}.entities.{name}"
    mode = _one_of(raw.get("mode", "incremental"), LOAD_MODES, f"{where}.mode")
    incremental = None
    if mode == "incremental":
        inc = _require(raw, "incremental", where)
        incremental = IncrementalSpec(
            start_param=_require(inc, "start_param", f"{where}.incremental"),
            end_param=_require(inc, "end_param", f"{where}.incremental"),
            cursor_field=_require(inc, "cursor_field", f"{where}.incremental"),
            lookback_days=int(inc.get("lookback_days", 0)),
        )
    return EntitySpec(
        name=name,
        path=_require(raw, "path", where),
        mode=mode,
        primary_key=_require(raw, "primary_key", where),
        required_fields=tuple(raw.get("required_fields", ())),
        incremental=incremental,
        params=dict(raw.get("params", {})),
        description=raw.get("description", ""),
    )


def _source(name: str, raw: dict, defaults: dict) -> SourceSpec:
    merged = {**defaults, **raw}
    where = f"sources.{name}"
    auth = dict(_require(merged, "auth", where))
    _one_of(auth.get("type", ""), AUTH_TYPES, f"{where}.auth.type")
    paginator = dict(_require(merged, "paginator", where))
    _one_of(paginator.get("type", ""), PAGINATOR_TYPES, f"{where}.paginator.type")
    entities = tuple(_entity(name, e, spec) for e, spec in _require(merged, "entities", where).items())
    if not entities:
        raise SpecError(f"{where}: no entities")
    start = merged.get("start_date", "2024-11-01")
    return SourceSpec(
        name=name,
        title=_require(merged, "title", where),
        description=merged.get("description", ""),
        connection_id=merged.get("connection_id", f"dti_{name}"),
        schedule=merged.get("schedule", "@daily"),
        start_date=start if isinstance(start, date) else date.fromisoformat(str(start)),
        auth=auth,
        paginator=paginator,
        entities=entities,
        pool_slots=int(merged.get("pool_slots", 2)),
        rate_limit_per_second=float(merged.get("rate_limit_per_second", 10)),
        timeout_seconds=float(merged.get("timeout_seconds", 30)),
        max_attempts=int(merged.get("max_attempts", 6)),
        quarantine_threshold=float(merged.get("quarantine_threshold", 0.05)),
        owner=merged.get("owner", "data-engineering"),
    )


def load_sources(path: Path = SOURCES_YML) -> dict[str, SourceSpec]:
    """Every configured source by name; raises SpecError naming the faulty key."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    defaults = document.get("defaults", {})
    sources = _require(document, "sources", str(path))
    return {name: _source(name, raw, defaults) for name, raw in sources.items()}
