"""A record's contract: what it must carry to be kept; anything else goes to quarantine.

The contract is the entity's field list in sources.yml: each field has a type, and a
field whose type does not end in `?` is required. Fields the contract does not know are
kept in the payload and reported as schema drift.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dti_pipeline import units
from dti_pipeline.sources.formats import parse_amount, parse_date_dmy, parse_month_my, time_parser
from dti_pipeline.sources.spec import EntitySpec, SourceSpec

_PASSED_MAX = 1 << 16  # values remembered per field: a few MB at most
# types whose values are mostly distinct (times, amounts) or need no check: remembering
# them would only cost memory; every other type's values recur thousands of times a load
_NOT_REMEMBERED = frozenset({"text", "any", "timestamp", "amount"})


def _has_broken_text(value: Any) -> bool:
    # undecodable bytes arrive as lone surrogates (decoded with surrogateescape), which
    # UTF-8 cannot encode: one C-level encode per value instead of a look at every character
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _boolean(value: Any) -> None:
    if not (isinstance(value, bool) or value in ("0", "1", "true", "false", 0, 1)):
        raise ValueError(f"not a boolean: {value!r}")


def _count(value: Any) -> None:
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValueError(f"not a non-negative whole number: {value!r}")


def _known(values: Callable[[], frozenset[str]], what: str, keys=lambda v: {v}) -> Callable:
    def check(value: Any) -> None:
        if not isinstance(value, str) or not keys(value) & values():
            raise ValueError(f"unknown {what}: {value!r}")

    return check


def _one_of(values: tuple[str, ...]) -> Callable[[Any], None]:
    """A categorical field: its text (as `payload ->> field` gives it) is one of `values`."""
    allowed = frozenset(values)

    def check(value: Any) -> None:
        text = str(value) if type(value) is int else value  # a JSON 1 reads as '1' in SQL
        if not isinstance(text, str) or text not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(values)}")

    return check


def _text(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(f"not text: {value!r}")


def validators(source: SourceSpec) -> dict[str, Callable[[Any], Any]]:
    return {
        "text": _text,
        "timestamp": time_parser(source.time_format),
        "date_dmy": parse_date_dmy,
        "month_my": parse_month_my,
        "amount": parse_amount,
        "count": _count,
        "boolean": _boolean,
        "commune_code": _known(units.commune_codes, "commune code"),
        "province_code": _known(units.province_codes, "province code"),
        "province_name": _known(units.province_names, "province name", units.name_keys),
        "commune_name": _known(units.commune_names, "commune name", units.name_keys),
        "any": lambda v: None,
    }


@dataclass(slots=True)
class FieldCheck:
    """How one field of the contract is checked, and the text values it already passed."""

    name: str
    required: bool
    check: Callable[[Any], Any]
    passed: set[str] = field(default_factory=set)  # a check is a function of the value alone
    remember: int = _PASSED_MAX  # how many passed values to keep (0: values rarely recur)


class RecordContract:
    def __init__(self, source: SourceSpec, entity: EntitySpec):
        self.entity = entity
        checks = validators(source)
        must = {*entity.key_fields, *entity.required_fields}
        self.fields = [
            FieldCheck(
                f.name,
                f.name in must,
                _one_of(f.values) if f.type == "one_of" else checks[f.type],
                remember=0 if f.type in _NOT_REMEMBERED else _PASSED_MAX,
            )
            for f in entity.fields
        ]
        # key fields the field list does not name: looked at on their own
        self.other_required = tuple(k for k in entity.key_fields if k not in entity.known_fields)

    def violation(self, record: Any, text_is_valid: bool = False) -> str | None:
        """Why `record` breaks the contract, or None when it is fine.

        text_is_valid: the caller already encoded the whole record as UTF-8 (the loader
        does, to write it), so no field needs checking one by one.
        """
        if type(record) is not dict:  # the exact type: a malformed CSV row is a dict subclass
            if not isinstance(record, dict):
                return f"not a JSON object but {type(record).__name__}"
            if getattr(record, "problem", None):
                return record.problem
        if not text_is_valid:
            broken = sorted(k for k, v in record.items() if _has_broken_text(v) or _has_broken_text(k))
            if broken:
                return f"invalid UTF-8 in field(s): {', '.join(broken)}"
        # one pass over the fields (this runs for every record a load receives); a missing
        # required field outranks a malformed one, so the first failure is only kept
        failure, get = None, record.get
        for rule in self.fields:
            value = get(rule.name)
            if value is None or value == "":
                if rule.required:
                    return self._missing(record)
                continue
            if failure is None:
                # most fields are valid text or a value seen before (text only: a remembered
                # 1 would also let True through, since True == 1)
                if type(value) is str and (rule.check is _text or value in rule.passed):
                    continue
                try:
                    rule.check(value)
                except (ValueError, TypeError) as exc:
                    failure = f"{rule.name}: {exc}"
                    continue
                if type(value) is str and len(rule.passed) < rule.remember:
                    rule.passed.add(value)
        for name in self.other_required:
            if record.get(name) in (None, ""):
                return self._missing(record)
        return failure

    def _missing(self, record: dict) -> str:
        missing = [
            f for f in (*self.entity.key_fields, *self.entity.required_fields) if record.get(f) in (None, "")
        ]
        return f"missing required field(s): {', '.join(dict.fromkeys(missing))}"

    def new_fields(self, record: Any) -> set[str]:
        """Fields the contract does not know (schema drift), when it knows any."""
        if not isinstance(record, dict) or not self.entity.fields:
            return set()
        return record.keys() - self.entity.known_fields
