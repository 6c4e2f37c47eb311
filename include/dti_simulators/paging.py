"""The four paging styles of the contracts, over one ordered list of records.

Records of a query are an ordered, immutable list (the data stand still at the preset's
as-of moment), so every style is a position in that list: an offset (e-office), an opaque
cursor (DVC), a page number (Postmart) or a `next` link (Voso).
"""

from __future__ import annotations

import base64
import hashlib

from dti_simulators.httpkit import ApiError


def _fingerprint(query: str) -> str:
    return hashlib.blake2b(query.encode(), digest_size=6).hexdigest()


def encode_cursor(position: int, query: str) -> str:
    """An opaque token for `position` that is only valid for the same query."""
    return base64.urlsafe_b64encode(f"{position}:{_fingerprint(query)}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, query: str, name: str = "cursor") -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        position_text, fingerprint = text.split(":")
        position = int(position_text)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", f"{name} is not a cursor this server issued") from None
    if fingerprint != _fingerprint(query) or position < 0:
        raise ApiError(400, "invalid_cursor", f"{name} belongs to another query")
    return position


def page_count(total: int, size: int) -> int:
    return -(-total // size)
