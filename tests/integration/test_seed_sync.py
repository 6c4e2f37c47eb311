"""Reference seeds are loaded when missing or changed, and left alone otherwise."""

import psycopg

from dti_pipeline.transform.seeds import CHECKSUMS, manifest_seeds, sync_seeds


def test_seeds_load_once_and_again_only_when_their_file_changes(warehouse, airflow_db):
    names = set(manifest_seeds())
    assert {"ref_admin_units", "ref_admin_units_legacy", "dti_indicators"} <= names
    assert set(sync_seeds(warehouse)) == names
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from dti_reference.ref_admin_units").fetchone() == (3321,)
    assert sync_seeds(warehouse) == []
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(f"update {CHECKSUMS} set checksum = 'edited' where seed = 'dti_pillars'")
        conn.execute("delete from dti_reference.dti_pillars")
    assert sync_seeds(warehouse) == ["dti_pillars"]
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from dti_reference.dti_pillars").fetchone() == (3,)
