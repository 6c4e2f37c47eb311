"""Reference figures: the commune population seed equals what the simulators size data on."""

from __future__ import annotations

import csv
from itertools import pairwise
from pathlib import Path

from dti_simulators.reference import (
    commune_population,
    commune_population_rows,
    dti_2022,
    province_population,
    write_commune_population_seed,
)

SEED = Path(__file__).parents[2] / "dbt_project" / "seeds" / "reference" / "ref_commune_population.csv"


def test_the_dbt_seed_is_exactly_what_the_simulators_use(tmp_path):
    written = tmp_path / "seed.csv"
    write_commune_population_seed(written)
    assert written.read_bytes() == SEED.read_bytes(), "run write_commune_population_seed to refresh the seed"
    with SEED.open(encoding="utf-8") as f:
        assert list(csv.DictReader(f)) == commune_population_rows()


def test_communes_add_up_to_their_province_and_wards_are_denser():
    communes = commune_population()
    assert len(communes) == 3321
    for code, figures in province_population().items():
        rows = [r for r in commune_population_rows() if r["province_code"] == code]
        assert sum(int(r["population"]) for r in rows) == figures.population
        assert sum(int(r["households"]) for r in rows) == figures.households
    assert province_population()["42"].population == 1_323_700  # Hà Tĩnh: ~1.3 million in the seeds
    assert communes["18073"].population > communes["18229"].population  # Phường Thành Sen vs Xã Đức Thọ


def test_dti_2022_has_the_63_legacy_provinces_with_the_published_anchors():
    table = dti_2022()
    assert len(table) == 63
    assert table["48"].dti == 0.8002 and table["48"].rank == 1 and table["48"].published  # Đà Nẵng
    assert [table[c].rank for c in ("19", "15", "42", "40")] == [8, 15, 37, 52]
    ranks = sorted(table.values(), key=lambda p: p.rank)
    assert all(a.dti >= b.dti for a, b in pairwise(ranks))
