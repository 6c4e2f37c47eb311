"""Auth schemes: what a request carries, from the Connection's credentials.

One implementation per auth config of the spec (dti_pipeline.sources.client_config), listed
statically below. Code specific to one vendor's contract (Voso's signature) lives with that
source in dti_pipeline.sources and is called from here.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import requests

from dti_pipeline.extract.endpoint import Endpoint
from dti_pipeline.extract.errors import AuthFailed, SourceUnreachable, TransientError
from dti_pipeline.sources import voso
from dti_pipeline.sources.client_config import (
    ApiKeyAuth,
    AuthConfig,
    BasicAuth,
    BearerAuth,
    OAuth2ClientCredentialsAuth,
    VosoHmacAuth,
)


class Auth:
    """Adds credentials to a prepared request; may refresh them once when they expire."""

    def __init__(self, source: str, endpoint: Endpoint, config: AuthConfig, session: requests.Session):
        self.source, self.endpoint, self.config, self.session = source, endpoint, config, session

    def apply(self, request: requests.PreparedRequest) -> None:
        raise NotImplementedError

    def refresh(self) -> bool:
        """Renew expired credentials; False when there is nothing to renew."""
        return False

    def _require(self, value: str | None, what: str) -> str:
        if not value:
            raise AuthFailed(
                f"{self.source}: Airflow Connection {self.endpoint.connection_id!r} has no {what}; "
                "set it in the Connection."
            )
        return value


class ApiKeyHeader(Auth):
    def apply(self, request):
        request.headers[self.config.header] = self._require(self.endpoint.password, "password (the API key)")


class Bearer(Auth):
    def apply(self, request):
        token = self._require(self.endpoint.password, "password (the bearer token)")
        request.headers["Authorization"] = f"Bearer {token}"


class Basic(Auth):
    def apply(self, request):
        login = self._require(self.endpoint.login, "login")
        password = self._require(self.endpoint.password, "password")
        request.prepare_auth((login, password))


class OAuth2ClientCredentials(Auth):
    """Client-credentials grant; the token is kept until it expires or is refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token: str | None = None
        self.expires_at = 0.0

    def apply(self, request):
        if self.token is None or time.monotonic() >= self.expires_at:
            self._fetch_token()
        request.headers["Authorization"] = f"Bearer {self.token}"

    def refresh(self) -> bool:
        self._fetch_token()
        return True

    def _fetch_token(self) -> None:
        url = self.endpoint.base_url + self.config.token_path
        data = {
            "grant_type": "client_credentials",
            "client_id": self._require(self.endpoint.login, "login (the OAuth2 client id)"),
            "client_secret": self._require(self.endpoint.password, "password (the OAuth2 client secret)"),
        }
        try:
            response = self.session.post(url, data=data, timeout=30)
        except requests.exceptions.ConnectionError as exc:
            raise SourceUnreachable(
                f"{self.source}: cannot reach the token endpoint {url} (Airflow Connection "
                f"{self.endpoint.connection_id!r}): {exc.__class__.__name__}."
            ) from exc
        except requests.exceptions.Timeout as exc:
            raise TransientError("timeout on the token endpoint") from exc
        if response.status_code in (400, 401, 403):
            raise AuthFailed(
                f"{self.source}: the token endpoint refused the client credentials of Airflow "
                f"Connection {self.endpoint.connection_id!r} (HTTP {response.status_code}: "
                f"{response.text[:200]}). Update the Connection's login and password."
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"HTTP {response.status_code} from the token endpoint")
        try:
            body = response.json()
            self.token = body["access_token"]
        except (ValueError, KeyError) as exc:
            raise TransientError("broken token response") from exc
        # renew a little before the server would refuse the token
        self.expires_at = time.monotonic() + max(1.0, float(body.get("expires_in", 300)) - 10)


class VosoSignature(Auth):
    """Voso's signed requests, signed on the prepared request (after the paginator set the
    query) and again on every retry (a retry is a new timestamp)."""

    def apply(self, request):
        key_id = self._require(self.endpoint.login, "login (the Voso key id)")
        secret = self._require(self.endpoint.password, "password (the Voso signing secret)")
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        request.headers.update(voso.signed_headers(key_id, secret, request.method, path))


# every auth config of the spec has its implementation here (a test checks)
AUTH_SCHEMES: dict[type, type[Auth]] = {
    ApiKeyAuth: ApiKeyHeader,
    BearerAuth: Bearer,
    BasicAuth: Basic,
    OAuth2ClientCredentialsAuth: OAuth2ClientCredentials,
    VosoHmacAuth: VosoSignature,
}


def make_auth(source: str, endpoint: Endpoint, config: AuthConfig, session: requests.Session) -> Auth:
    return AUTH_SCHEMES[type(config)](source, endpoint, config, session)
