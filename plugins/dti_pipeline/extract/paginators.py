"""Pagination styles, looked up by name from a source's spec.

A paginator asks the client for one page after another and yields `Page`s; it knows how
the source says where the next page is and how many records the query holds in all.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dti_pipeline.extract.errors import ContractChanged, ExportNotReady
from dti_pipeline.pages import MalformedRow, Page
from dti_pipeline.sources.client_config import (
    CursorPaginator,
    ExportFilesPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    PageNumberPaginator,
)

if TYPE_CHECKING:
    from dti_pipeline.extract.client import SourceClient
    from dti_pipeline.sources.spec import EntitySpec


def dig(document: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if not isinstance(document, dict) or part not in document:
            return None
        document = document[part]
    return document


def _records(client: SourceClient, entity: EntitySpec, body: Any, path: str) -> list[Any]:
    records = dig(body, path)
    if not isinstance(records, list):
        keys = sorted(body)[:10] if isinstance(body, dict) else type(body).__name__
        raise ContractChanged(
            f"{client.spec.name}.{entity.name}: the response has no list at {path!r} (found: {keys}). "
            "The source's contract changed: update include/config/sources.yml."
        )
    return records


def _int_or_none(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def offset_pages(client, entity, params, cfg: OffsetPaginator) -> Iterator[Page]:
    """offset + limit, with the query's total in the body."""
    limit, offset, number = cfg.limit, 0, 0
    while True:
        body, _ = client.get_json(
            entity.path, {**params, cfg.offset_param: offset, cfg.limit_param: limit}, entity
        )
        records = _records(client, entity, body, cfg.records_path)
        total = _int_or_none(dig(body, cfg.total_path))
        number += 1
        yield Page(number, records, total)
        # a page holds at most `limit` distinct records: one served twice over (a repeated
        # page) must not move the offset past records never seen
        offset += min(len(records), limit)
        if not records or (total is not None and offset >= total):
            return


def cursor_pages(client, entity, params, cfg: CursorPaginator) -> Iterator[Page]:
    """An opaque cursor to the next page; the total in a response header."""
    cursor, number = None, 0
    while True:
        query = {**params, cfg.size_param: cfg.size}
        if cursor:
            query[cfg.cursor_param] = cursor
        body, headers = client.get_json(entity.path, query, entity)
        records = _records(client, entity, body, cfg.records_path)
        total = _int_or_none(headers.get(cfg.total_header)) if cfg.total_header else None
        number += 1
        yield Page(number, records, total)
        cursor = dig(body, cfg.next_cursor_path)
        if not cursor:
            return


def page_number_pages(client, entity, params, cfg: PageNumberPaginator) -> Iterator[Page]:
    """Numbered pages, with the number of pages and of records in the body."""
    page, number = cfg.first_page, 0
    while True:
        body, _ = client.get_json(
            entity.path,
            {**params, cfg.page_param: page, cfg.size_param: cfg.size},
            entity,
        )
        records = _records(client, entity, body, cfg.records_path)
        total = _int_or_none(dig(body, cfg.total_path))
        pages = _int_or_none(dig(body, cfg.total_pages_path))
        number += 1
        yield Page(number, records, total)
        if not records or (pages is not None and page >= pages):
            return
        page += 1


def next_link_pages(client, entity, params, cfg: NextLinkPaginator) -> Iterator[Page]:
    """Follow the `next` link the source gives, as given; no total."""
    target, query, number = entity.path, {**params, cfg.size_param: cfg.size}, 0
    while True:
        body, _ = client.get_json(target, query, entity)
        records = _records(client, entity, body, cfg.records_path)
        number += 1
        yield Page(number, records, None)
        link = dig(body, cfg.next_path)
        if not link:
            return
        target, query = link, None


def export_file_pages(client, entity, params, cfg: ExportFilesPaginator) -> Iterator[Page]:
    """A month's export file: listed, downloaded whole, checked, then read in chunks.

    The download goes to a temporary file (bounded memory) and is verified against the
    size and SHA-256 the listing announces, so a truncated transfer is retried instead of
    loaded; the file is then parsed as gzip CSV in pages of `rows_per_page`.
    """
    month: date = params["month"]
    listing, _ = client.get_json(cfg.list_path, None, entity)
    wanted = f"{month:%Y-%m}"
    months = [m for m in listing if isinstance(m, dict) and m.get("month") == wanted]
    files = [f for m in months for f in m.get("files", []) if f.get("entity") == entity.export_entity]
    if not files:
        published = sorted(m.get("month") for m in listing if isinstance(m, dict))
        raise ExportNotReady(
            f"{client.spec.name}.{entity.name}: no {entity.export_entity!r} export for {wanted} in the "
            f"listing (published months: {', '.join(published[-3:]) or 'none'}). The month may not be "
            "exported yet: Airflow retries the task later."
        )
    meta = files[0]
    path = client.download(meta["url"], entity, check=_file_check(meta))
    try:
        yield from _csv_pages(path, cfg, int(meta["rows"]) if meta.get("rows") is not None else None)
    finally:
        path.unlink(missing_ok=True)


def _file_check(meta: dict) -> Callable[[Path], str | None]:
    def check(path: Path) -> str | None:
        size = path.stat().st_size
        if meta.get("bytes") is not None and size != int(meta["bytes"]):
            return f"got {size} bytes, the listing announced {meta['bytes']}"
        if meta.get("sha256"):
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != meta["sha256"]:
                return "SHA-256 differs from the listing's"
        return None

    return check


def _csv_pages(path: Path, cfg: ExportFilesPaginator, total: int | None) -> Iterator[Page]:
    rows_per_page = cfg.rows_per_page
    with gzip.open(path, "rb") as raw:
        # surrogateescape keeps a line with invalid UTF-8 readable, so that only that
        # record is quarantined instead of the whole file failing
        text = codecs.getreader("utf-8-sig")(raw, errors="surrogateescape")
        reader = csv.reader(text, delimiter=cfg.delimiter)
        header = next(reader, [])
        number, batch = 0, []
        for values in reader:
            row = dict(zip(header, values, strict=False))
            if len(values) != len(header):
                row = MalformedRow(row, f"the row has {len(values)} fields, the header has {len(header)}")
            batch.append(row)
            if len(batch) >= rows_per_page:
                number += 1
                yield Page(number, batch, total)
                batch = []
        number += 1
        yield Page(number, batch, total)


# every paginator of the spec's client_config has its implementation here (a test checks)
PAGINATORS = {
    OffsetPaginator: offset_pages,
    CursorPaginator: cursor_pages,
    PageNumberPaginator: page_number_pages,
    NextLinkPaginator: next_link_pages,
    ExportFilesPaginator: export_file_pages,
}
