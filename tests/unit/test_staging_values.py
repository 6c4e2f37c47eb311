"""A categorical field's values are declared twice: in its contract (sources.yml, one_of),
which quarantines any other value, and in its staging column's accepted_values test. The two
lists agree, so the test holds on whatever the contract lets through."""

from __future__ import annotations

import re

import yaml

from dti_pipeline.paths import DBT_PROJECT_DIR
from dti_pipeline.sources.spec import load_sources

STAGING = DBT_PROJECT_DIR / "models" / "staging"
_RENAMED = re.compile(r"^\s*payload ->> '(\w+)' as (\w+),?$", re.M)


def _accepted_values(column: dict) -> tuple[list, str] | None:
    for test in column.get("data_tests", []):
        if isinstance(test, dict) and "accepted_values" in test:
            body = test["accepted_values"]
            return body["arguments"]["values"], body.get("config", {}).get("severity", "error")
    return None


def _staging_columns() -> dict[str, dict[str, dict]]:
    """model -> column -> its YAML."""
    models = {}
    for path in STAGING.glob("*/_*__models.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            models[model["name"]] = {c["name"]: c for c in model.get("columns", [])}
    return models


def test_every_categorical_field_is_tested_in_staging_with_its_contract_values():
    columns = _staging_columns()
    checked = 0
    for source in load_sources().values():
        for entity in source.entities:
            model = f"stg_{source.name}__{entity.name}"
            sql_path = STAGING / source.name / f"{model}.sql"
            if not sql_path.exists():
                continue
            renamed = dict(_RENAMED.findall(sql_path.read_text(encoding="utf-8")))
            for field in entity.fields:
                if field.type != "one_of" or field.name not in renamed:
                    continue
                column = renamed[field.name]
                found = _accepted_values(columns.get(model, {}).get(column, {}))
                assert found is not None, f"{model}.{column} ({field.name}) has no accepted_values test"
                values, severity = found
                assert sorted(map(str, values)) == sorted(field.values), f"{model}.{column}"
                assert severity == "error", f"{model}.{column}: the contract guarantees it"
                checked += 1
    assert checked >= 8


def test_every_staging_column_is_described():
    for model, columns in _staging_columns().items():
        for name, column in columns.items():
            assert column.get("description"), f"{model}.{name} has no description"
