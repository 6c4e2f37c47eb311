"""The reference names the loader accepts: the one-pass normalisation of many names gives
what normalising each name alone gives."""

from __future__ import annotations

import pytest

from dti_pipeline import units


@pytest.mark.parametrize(
    "names",
    [
        ["Đắk Lắk", "  Xã  Phương Viên ", "TP. Hồ Chí Minh", "Phường 12", "Thừa Thiên Huế"],
        ["Hòa Bình", "Hoà Bình", "HÒA BÌNH", "hoa binh"],
        ["a name\nwith a line break", "Quỳnh Lưu"],
        [],
    ],
    ids=["diacritics-and-type-words", "spellings-of-one-name", "line-break", "none"],
)
def test_normalising_many_names_at_once_matches_one_by_one(names):
    assert units.normalise_names(names) == {units.normalise_name(name) for name in names}


def test_the_reference_names_are_those_of_every_unit_of_both_generations():
    short_names = units._distinct("commune_short_name")
    assert units.commune_names() == {units.normalise_name(name) for name in short_names}
    assert len(units.commune_names()) > 3000  # both generations: ~3,300 now, ~10,000 before
    assert {"hanoi", "thanhphohanoi", "daklak"} <= units.province_names()
