"""A record's contract: what it must carry to be kept; anything else goes to quarantine."""

from __future__ import annotations

from typing import Any

from dti_pipeline.sources.spec import EntitySpec


def violation(entity: EntitySpec, record: Any) -> str | None:
    """Why `record` breaks the entity's contract, or None when it is fine."""
    if not isinstance(record, dict):
        return f"not a JSON object but {type(record).__name__}"
    missing = [f for f in entity.required_fields if record.get(f) in (None, "")]
    if missing:
        return f"missing required field(s): {', '.join(missing)}"
    if record.get(entity.primary_key) in (None, ""):
        return f"missing primary key {entity.primary_key}"
    return None
