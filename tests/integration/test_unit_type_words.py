"""One list of unit-type words, and the SQL and Python normalisations of place names agree.

The Voso place matching (dbt macro normalise_vn_name) and the loader's check of names
(dti_pipeline.units.name_keys) both read the seed ref_unit_type_words.csv; the simulators'
spelling of names too. The same names go through both, and their keys must be equal.
"""

from __future__ import annotations

import json

import psycopg

from dti_pipeline import runtime
from dti_pipeline.paths import DBT_PROJECT_DIR
from dti_pipeline.units import name_keys, unit_type_words
from dti_simulators import placenames

NAMES = [
    "Xã Tú Lệ",
    "xa tu le",
    "TP. Lào Cai",
    "tp Lào Cai",
    "Thành phố Hà Nội",
    "Thị xã Sa Pa",
    "Thị trấn Bát Xát",
    "Phường Phương Viên",
    "Phương Viên",
    "T. Hà Tĩnh",
    "Tỉnh Hà Tĩnh",
    "Huyện Bát Xát",
    "Quận Ba Đình",
    "Đặc khu Phú Quốc",
    "  Xã   Bản  Xèo ",
    "ĐỨC THỌ",
    "Xã Ea H'leo",
]


def test_every_reader_uses_the_seeds_words():
    words = unit_type_words()
    assert {"xa", "phuong", "thi xa", "tp.", "t."} <= set(words)
    assert list(words) == sorted(words, key=lambda w: (-len(w), w)), "longest first"
    # the simulators strip the same words (their own spelling rules besides)
    assert placenames.normalise("Thị xã Sa Pa") == "sa pa" and placenames.normalise("T. Hà Tĩnh") == "ha tinh"


def test_sql_and_python_normalise_place_names_alike(postgres_server):
    url = postgres_server("names")
    runtime.run_dbt(["seed", "--select", "ref_unit_type_words", "--quiet"], url)
    variables = json.dumps({"names": NAMES})
    runtime.run_dbt(["compile", "--select", "normalised_place_names", "--vars", variables, "--quiet"], url)
    compiled = next((DBT_PROJECT_DIR / "target" / "compiled").rglob("normalised_place_names.sql"))
    with psycopg.connect(url) as conn:
        rows = conn.execute(compiled.read_text(encoding="utf-8")).fetchall()
    assert [name for name, *_ in rows] == NAMES
    for name, as_typed, stripped in rows:
        assert {as_typed, stripped} == name_keys(name), name
    assert dict((n, s) for n, _, s in rows)["Thị xã Sa Pa"] == "sapa"
