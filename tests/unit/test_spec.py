"""sources.yml is plain data; mistakes in it are reported with the faulty key."""

from pathlib import Path

import pytest

from dti_pipeline.sources.spec import SpecError, load_sources


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(body)
    return path


def test_the_project_config_loads_and_names_raw_tables():
    spec = load_sources()["eoffice"]
    assert spec.connection_id == "dti_eoffice"
    assert spec.raw_table(spec.entity("documents")) == "raw.eoffice__documents"
    assert spec.entity("documents").incremental.cursor_field == "createdAt"


def test_an_unknown_paginator_lists_the_valid_ones(tmp_path):
    path = _write(
        tmp_path,
        """
sources:
  x:
    title: X
    auth: {type: api_key}
    paginator: {type: magic}
    entities: {a: {path: /a, primary_key: id, mode: snapshot}}
""",
    )
    with pytest.raises(
        SpecError,
        match=r"sources.x.paginator.type: 'magic' is not one of "
        r"cursor, export_files, next_link, offset, page_number",
    ):
        load_sources(path)


def test_an_incremental_entity_needs_its_filter(tmp_path):
    path = _write(
        tmp_path,
        """
sources:
  x:
    title: X
    auth: {type: api_key}
    paginator: {type: offset}
    entities: {a: {path: /a, primary_key: id, history: flow}}
""",
    )
    with pytest.raises(SpecError, match=r"sources.x.entities.a: missing required key 'incremental'"):
        load_sources(path)


def test_asking_for_an_unknown_entity_lists_the_known_ones():
    with pytest.raises(SpecError, match=r"has no entity 'letters'; it has: documents"):
        load_sources()["eoffice"].entity("letters")
