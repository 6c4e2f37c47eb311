"""Administrative units the sources may name, from the committed reference seeds.

The loader uses them to tell a record about a real unit from one about no unit at all
(quarantined); matching names and codes to post-merger units is dbt's job.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from dti_pipeline.reference import SEEDS_DIR

# Words that say what kind of unit a name is (people type them or leave them out), without
# diacritics: the seed ref_unit_type_words.csv, which dbt's normalise_vn_name and the
# simulators read too.
UNIT_TYPE_WORDS_SEED = "ref_unit_type_words.csv"


@cache
def unit_type_words() -> tuple[str, ...]:
    """The type words, longest first (so that 'thi xa' goes before 'xa')."""
    with (SEEDS_DIR / UNIT_TYPE_WORDS_SEED).open(encoding="utf-8", newline="") as handle:
        words = [row["word"] for row in csv.DictReader(handle)]
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


@cache
def _unit_type_words() -> re.Pattern:
    return re.compile(r"^(" + "|".join(re.escape(w) for w in unit_type_words()) + r")\s+")


# Vietnamese diacritics decompose (NFD) into the Combining Diacritical Marks block; one
# regular expression drops them (a loop over characters made loading the names take 0.4 s)
_COMBINING_MARKS = re.compile("[\u0300-\u036f]")
_SPACES = re.compile(r"\s+")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]")


def _without_marks(text: str) -> str:
    """Lower case without diacritics; đ (a letter of its own, not a mark) as d."""
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFD", text.lower()).replace("đ", "d"))


def _plain(name: str) -> str:
    return _SPACES.sub(" ", _without_marks(name.strip()))


def normalise_name(name: str) -> str:
    """'Phương Viên', 'phuong vien' -> 'phuongvien': letters and digits, no diacritics."""
    return _NOT_LETTER_OR_DIGIT.sub("", _plain(name))


@lru_cache(maxsize=1 << 16)  # the loader asks for every record; people type the same few names
def name_keys(name: str) -> frozenset[str]:
    """The keys a typed name may match: as typed, and without a leading type word
    ('Xã Phương Viên' -> 'xaphuongvien', 'phuongvien'; 'Phương Viên' stays 'phuongvien',
    since Phương is also a name)."""
    plain = _plain(name)
    return frozenset(
        {_NOT_LETTER_OR_DIGIT.sub("", plain), _NOT_LETTER_OR_DIGIT.sub("", _unit_type_words().sub("", plain))}
    )


@cache  # four lookups read the same two files: once each per process
def _columns(name: str) -> dict[str, tuple[str, ...]]:
    """A seed file as its columns (csv.reader and one zip: a dict per row cost 0.05 s)."""
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return dict(zip(header, zip(*reader, strict=True), strict=True))


_FILES = ("ref_admin_units.csv", "ref_admin_units_legacy.csv")


def _distinct(column: str) -> set[str]:
    """The values of a column in the units of both generations (they overlap; either is a
    real unit)."""
    return {value for file in _FILES for value in _columns(file)[column]}


def normalise_names(names: Iterable[str]) -> set[str]:
    """normalise_name of many names in one pass over them joined: thousands of calls made
    the reference names take a tenth of a second to load, in every extract task."""
    names = [name.replace("\n", " ") for name in names]
    if not names:
        return set()
    joined = "\n".join(names)
    return {_NOT_LETTER_OR_DIGIT.sub("", line) for line in _without_marks(joined).split("\n")}


@cache
def commune_codes() -> frozenset[str]:
    """Commune codes of both generations."""
    return frozenset(_distinct("commune_code"))


@cache
def province_codes() -> frozenset[str]:
    return frozenset(_distinct("province_code"))


@cache
def commune_names() -> frozenset[str]:
    """Normalised short names of the communes of both generations."""
    return frozenset(normalise_names(_distinct("commune_short_name")))


@cache
def province_names() -> frozenset[str]:
    """Normalised names of the provinces of both generations, full and short."""
    full = {key for name in _distinct("province_name") for key in name_keys(name)}
    return frozenset(full | normalise_names(_distinct("province_short_name")))
