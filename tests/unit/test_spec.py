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
    paginator: {type: offset, offset_param: o, limit_param: l}
    entities: {a: {path: /a, primary_key: id, history: flow}}
""",
    )
    with pytest.raises(SpecError, match=r"sources.x.entities.a: missing required key 'incremental'"):
        load_sources(path)


def test_asking_for_an_unknown_entity_lists_the_known_ones():
    with pytest.raises(SpecError, match=r"has no entity 'letters'; it has: documents"):
        load_sources()["eoffice"].entity("letters")


def _paginator(tmp_path: Path, paginator: str) -> Path:
    return _write(
        tmp_path,
        f"""
sources:
  x:
    title: X
    auth: {{type: api_key}}
    paginator: {paginator}
    entities: {{a: {{path: /a, primary_key: id, mode: snapshot}}}}
""",
    )


@pytest.mark.parametrize(
    ("paginator", "message"),
    [
        ("{type: offset, limit_param: limit}", r"sources.x.paginator: offset needs offset_param"),
        (
            "{type: offset, offset_param: o, limit_param: l, cursor: c}",
            r"sources.x.paginator: offset does not take cursor; it takes: offset_param, limit_param, limit,",
        ),
        ("{type: offset, offset_param: o, limit_param: l, limit: many}", r"paginator.limit: a whole number"),
        ("{type: cursor, cursor_param: c, size_param: s}", r"cursor needs next_cursor_path"),
    ],
)
def test_a_paginator_is_checked_when_the_spec_is_read(tmp_path, paginator, message):
    with pytest.raises(SpecError, match=message):
        load_sources(_paginator(tmp_path, paginator))


def test_an_auth_scheme_is_checked_when_the_spec_is_read(tmp_path):
    path = _paginator(tmp_path, "{type: offset, offset_param: o, limit_param: l}")
    path.write_text(path.read_text().replace("{type: api_key}", "{type: api_key, header: X-Key, token: t}"))
    with pytest.raises(SpecError, match=r"sources.x.auth: api_key does not take token; it takes: header"):
        load_sources(path)


def test_every_configurable_scheme_and_paginator_has_an_implementation():
    from dti_pipeline.extract.auth import AUTH_SCHEMES
    from dti_pipeline.extract.paginators import PAGINATORS
    from dti_pipeline.sources.client_config import AUTH_TYPES, PAGINATOR_TYPES

    assert set(AUTH_SCHEMES) == set(AUTH_TYPES.values())
    assert set(PAGINATORS) == set(PAGINATOR_TYPES.values())


def test_the_dbt_sources_are_the_ones_the_spec_gives():
    """The raw tables are declared once (sources.yml); dbt's sources are written from it."""
    from dti_pipeline.transform.dbt_sources import source_file, source_yaml

    for spec in load_sources().values():
        committed = source_file(spec).read_text(encoding="utf-8")
        assert committed == source_yaml(spec), f"{source_file(spec)} is stale: run `dti sources write-dbt`"
