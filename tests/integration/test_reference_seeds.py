"""The committed reference seeds are exactly what the pinned vietnamadminunits gives."""

from dti_pipeline.reference import SEEDS, SEEDS_DIR, render_csv


def test_committed_seeds_match_the_reference_package():
    for name, build in SEEDS.items():
        committed = (SEEDS_DIR / name).read_text(encoding="utf-8")
        assert committed == render_csv(build()), f"{name} is stale: run `dti reference export`"


def test_the_reference_has_34_provinces_and_3321_communes():
    from dti_pipeline.reference import admin_units, admin_units_legacy

    units = admin_units()
    assert len(units) == 3321
    assert len({u["province_code"] for u in units}) == 34
    assert len({u["province_code"] for u in admin_units_legacy()}) == 63
