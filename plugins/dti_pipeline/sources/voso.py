"""Voso's request signature: the one part of its contract that needs code.

Every request carries the key id, a timestamp in epoch milliseconds and
hex(HMAC-SHA256(secret, METHOD + "\\n" + PATH_WITH_QUERY + "\\n" + TIMESTAMP)), in lower-case
hexadecimal (Voso refuses upper case). The client's `voso_hmac` auth scheme
(dti_pipeline.extract.auth) calls this for every prepared request.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: str, method: str, path_with_query: str, timestamp_ms: str) -> str:
    message = f"{method.upper()}\n{path_with_query}\n{timestamp_ms}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, method: str, path_with_query: str) -> dict[str, str]:
    """The three headers of a signed request, stamped now."""
    timestamp = str(int(time.time() * 1000))
    return {
        "X-Voso-Key": key_id,
        "X-Voso-Timestamp": timestamp,
        "X-Voso-Signature": signature(secret, method, path_with_query, timestamp),
    }
