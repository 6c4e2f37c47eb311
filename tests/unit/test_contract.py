"""A record's contract remembers the text values its checks passed; a remembered verdict
must never let a bad value through."""

from __future__ import annotations

import pytest

from dti_pipeline.errors import SpecError
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
          channel: one_of(1|2|3)
          state: one_of(open|closed)?
"""


@pytest.fixture
def contract(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(SPEC_YML)
    spec = load_sources(path)["testsrc"]
    return RecordContract(spec, spec.entity("visits"))


def _record(**changes) -> dict:
    return {"id": "V1", "born": "01/02/1980", "visits": "3", "online": "1", "channel": "1", **changes}


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


def test_a_categorical_field_takes_only_its_declared_values(contract):
    assert contract.violation(_record(state="open")) is None
    assert contract.violation(_record(state="")) is None  # optional
    assert contract.violation(_record(channel=2)) is None  # a JSON number reads as '2' in SQL
    assert contract.violation(_record(state="Open")) == "state: 'Open' is not one of open, closed"
    assert contract.violation(_record(state=" open")) == "state: ' open' is not one of open, closed"
    assert contract.violation(_record(channel=True)) == "channel: True is not one of 1, 2, 3"
    assert contract.violation(_record(channel="4")) == "channel: '4' is not one of 1, 2, 3"
    assert contract.violation(_record(channel=None)) == "missing required field(s): channel"


def test_a_categorical_field_needs_values(tmp_path):
    path = tmp_path / "sources.yml"
    path.write_text(SPEC_YML.replace("one_of(1|2|3)", "one_of(1||3)"))
    with pytest.raises(SpecError, match="empty value"):
        load_sources(path)
