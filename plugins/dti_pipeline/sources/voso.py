"""Voso's request signing: the one part of its contract that needs code.

Every request carries the key id, a timestamp in epoch milliseconds and
hex(HMAC-SHA256(secret, METHOD + "\\n" + PATH_WITH_QUERY + "\\n" + TIMESTAMP)).
The signature is computed on the prepared request, after the paginator set the query,
and again on every retry (a retry is a new timestamp).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlsplit

from dti_pipeline.extract.auth import Auth, register_auth


def signature(secret: str, method: str, path_with_query: str, timestamp_ms: str) -> str:
    message = f"{method.upper()}\n{path_with_query}\n{timestamp_ms}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class VosoSignature(Auth):
    def apply(self, request):
        key_id = self._require(self.endpoint.login, "login (the Voso key id)")
        secret = self._require(self.endpoint.password, "password (the Voso signing secret)")
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp = str(int(time.time() * 1000))
        request.headers["X-Voso-Key"] = key_id
        request.headers["X-Voso-Timestamp"] = timestamp
        request.headers["X-Voso-Signature"] = signature(secret, request.method, path, timestamp)


register_auth("voso_hmac", VosoSignature)
