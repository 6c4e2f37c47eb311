"""The warehouse's schema names (warehouse/schemas.py) agree with dbt and the source specs."""

from __future__ import annotations

import re

import yaml

from dti_pipeline.paths import DBT_PROJECT_DIR
from dti_pipeline.sources.spec import load_sources
from dti_pipeline.warehouse import schemas


def _dbt_custom_schemas() -> set[str]:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "+schema":
                    found.add(value)
                walk(value)

    walk(project.get("models", {}))
    walk(project.get("seeds", {}))
    return found


def test_dbt_layers_land_in_the_declared_schemas():
    macro = (DBT_PROJECT_DIR / "macros" / "generate_schema_name.sql").read_text(encoding="utf-8")
    assert re.search(r"^\s*dti_\{\{ custom_schema_name \| trim \}\}\s*$", macro, re.M)
    assert _dbt_custom_schemas() == set(schemas.DBT_SCHEMAS)
    assert all(schemas.DBT_SCHEMAS[c] == f"dti_{c}" for c in schemas.DBT_SCHEMAS)


def test_dbt_default_schema_is_the_build_schema():
    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    assert profiles["dti"]["outputs"]["warehouse"]["schema"] == schemas.BUILD_SCHEMA


def test_raw_tables_are_in_the_raw_schema():
    for spec in load_sources().values():
        for entity in spec.entities:
            assert spec.raw_table(entity).split(".")[0] == schemas.RAW_SCHEMA
