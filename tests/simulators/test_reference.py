"""Reference figures: the simulators size their data on the pipeline's population seed."""

from __future__ import annotations

import csv
from itertools import pairwise

from dti_pipeline import reference
from dti_simulators.reference import commune_population, dti_2022, province_population


def test_the_simulators_use_exactly_the_pipelines_population_seed():
    with (reference.SEEDS_DIR / "ref_commune_population.csv").open(encoding="utf-8") as f:
        seed = {r["commune_code"]: (int(r["population"]), int(r["households"])) for r in csv.DictReader(f)}
    assert {c: (p.population, p.households) for c, p in commune_population().items()} == seed
    assert commune_population is reference.commune_population  # one definition, read by both


def commune_population_rows():
    return reference.commune_population_rows()


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
