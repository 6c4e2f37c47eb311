"""A record's contract remembers the text values its checks passed; a remembered verdict
must never let a bad value through."""

from __future__ import annotations

import pytest

from dti_pipeline.load.contract import RecordContract
from dti_pipeline.sources.spec import load_sources

SPEC_YML = """
sources:
  testsrc:
    title: A test source
    auth: {type: api_key}
    paginator: {type: offset, offset_param: offset, limit_param: limit}
    entities:
      visits:
        path: /visits
        mode: snapshot
        primary_key: id
        fields:
          id: text
          born: date_dmy
          visits: count
          online: boolean?
"""


@pytest.fixture
def contract(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(SPEC_YML)
    spec = load_sources(path)["testsrc"]
    return RecordContract(spec, spec.entity("visits"))


def _record(**changes) -> dict:
    return {"id": "V1", "born": "01/02/1980", "visits": "3", "online": "1", **changes}


def test_a_bad_value_is_reported_every_time_it_comes(contract):
    for _ in range(3):
        assert contract.violation(_record(born="31/02/1980")) == ("born: day is out of range for month")
    assert contract.violation(_record()) is None


def test_an_accepted_number_does_not_vouch_for_an_equal_boolean(contract):
    # True == 1 and hash(True) == hash(1): only text verdicts are remembered
    assert contract.violation(_record(visits=1)) is None
    assert contract.violation(_record(visits=True)) == "visits: not a non-negative whole number: True"


def test_an_unhashable_value_is_checked_not_remembered(contract):
    assert contract.violation(_record(visits=["3"])).startswith("visits: not a non-negative whole number")
    assert contract.violation(_record(visits=["3"])).startswith("visits: not a non-negative whole number")
