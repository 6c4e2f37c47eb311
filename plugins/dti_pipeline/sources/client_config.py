"""Typed client settings of a source: its auth scheme and paginator, checked when sources.yml
is read.

As in dlt's rest_api source, each scheme and paginator is a small dataclass looked up by the
`type` name in sources.yml: a key the type does not know, a required key left out or a value
of the wrong kind fails when the spec is parsed, naming the key, instead of on the first page.
Plain data only: the client (dti_pipeline.extract) maps each class to its implementation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, get_type_hints

from dti_pipeline.errors import SpecError


# -- auth schemes -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiKeyAuth:
    """The Connection's password in a request header."""

    type: ClassVar[str] = "api_key"
    header: str = "X-API-Key"


@dataclass(frozen=True)
class BearerAuth:
    """The Connection's password as an `Authorization: Bearer` token."""

    type: ClassVar[str] = "bearer"


@dataclass(frozen=True)
class BasicAuth:
    """HTTP Basic with the Connection's login and password."""

    type: ClassVar[str] = "basic"


@dataclass(frozen=True)
class OAuth2ClientCredentialsAuth:
    """A client-credentials token from `token_path` (login = client id, password = secret)."""

    type: ClassVar[str] = "oauth2_client_credentials"
    token_path: str = "/oauth/token"


@dataclass(frozen=True)
class VosoHmacAuth:
    """Voso's signed requests (dti_pipeline.sources.voso): login = key id, password = secret."""

    type: ClassVar[str] = "voso_hmac"


AuthConfig = ApiKeyAuth | BearerAuth | BasicAuth | OAuth2ClientCredentialsAuth | VosoHmacAuth
AUTH_TYPES: dict[str, type] = {
    c.type: c for c in (ApiKeyAuth, BearerAuth, BasicAuth, OAuth2ClientCredentialsAuth, VosoHmacAuth)
}


# -- paginators --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OffsetPaginator:
    """`offset` + `limit`; the query's total in the body. The next offset is the last offset
    plus the records the page held (a page never holds more than `limit` distinct records)."""

    type: ClassVar[str] = "offset"
    offset_param: str
    limit_param: str
    limit: int = 100
    records_path: str = ""
    total_path: str = ""


@dataclass(frozen=True)
class CursorPaginator:
    """An opaque cursor to the next page; the query's total in a response header."""

    type: ClassVar[str] = "cursor"
    cursor_param: str
    size_param: str
    next_cursor_path: str
    size: int = 100
    records_path: str = ""
    total_header: str = ""


@dataclass(frozen=True)
class PageNumberPaginator:
    """Numbered pages; the number of pages and of records in the body."""

    type: ClassVar[str] = "page_number"
    page_param: str
    size_param: str
    size: int = 100
    first_page: int = 1
    records_path: str = ""
    total_path: str = ""
    total_pages_path: str = ""


@dataclass(frozen=True)
class NextLinkPaginator:
    """Follow the `next` link the source gives, as given; no total."""

    type: ClassVar[str] = "next_link"
    size_param: str
    next_path: str
    size: int = 100
    records_path: str = ""


@dataclass(frozen=True)
class ExportFilesPaginator:
    """A month's export file from a listing, downloaded whole and read in chunks of rows."""

    type: ClassVar[str] = "export_files"
    list_path: str = "/exports"
    rows_per_page: int = 2000
    delimiter: str = ";"


PaginatorConfig = (
    OffsetPaginator | CursorPaginator | PageNumberPaginator | NextLinkPaginator | ExportFilesPaginator
)
PAGINATOR_TYPES: dict[str, type] = {
    c.type: c
    for c in (OffsetPaginator, CursorPaginator, PageNumberPaginator, NextLinkPaginator, ExportFilesPaginator)
}


def typed_config(kinds: dict[str, type], raw: Any, where: str) -> Any:
    """The dataclass of `raw['type']`, built from the other keys; SpecError names what is wrong."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: a mapping with a `type`, got {raw!r}")
    kind = raw.get("type")
    if kind not in kinds:
        raise SpecError(f"{where}.type: {kind!r} is not one of {', '.join(sorted(kinds))}")
    cls = kinds[kind]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = get_type_hints(cls)
    unknown = sorted(set(raw) - {"type"} - set(fields))
    if unknown:
        raise SpecError(
            f"{where}: {kind} does not take {', '.join(unknown)}; it takes: {', '.join(fields) or 'nothing'}"
        )
    missing = [
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and name not in raw
    ]
    if missing:
        raise SpecError(f"{where}: {kind} needs {', '.join(missing)}")
    values = {}
    for name in set(raw) - {"type"}:
        value, expected = raw[name], hints[name]
        if expected is int and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise SpecError(f"{where}.{name}: a whole number >= 1, got {value!r}")
        if expected is str and not isinstance(value, str):
            raise SpecError(f"{where}.{name}: text, got {value!r}")
        values[name] = value
    return cls(**values)
