"""Superset's configuration for the DTI dashboards (SUPERSET_CONFIG_PATH points here).

Local state lives in DTI_SUPERSET_HOME (`dti bi`: .dti/superset/; docker-compose: a volume):
the SQLite metadata database and, unless SUPERSET_SECRET_KEY is set, a secret key generated
once. Nothing is fetched from the internet at run time: telemetry is off, and the pages' web
fonts fall back to local fonts.
"""

import os
import secrets
from pathlib import Path

HOME = Path(os.environ.get("DTI_SUPERSET_HOME", Path.cwd() / ".dti" / "superset"))
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(42))
    return path.read_text().strip()


APP_NAME = "DTI — Chuyển đổi số / Digital transformation"
SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URI", f"sqlite:///{HOME / 'superset.db'}")

# No cache anywhere: a dashboard refresh always reads the mart as it is now, so that it shows
# one publication of a month or the next (never a cached mixture of both).
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
RATELIMIT_STORAGE_URI = "memory://"

# Offline: no telemetry pixel, no calls home.
SCARF_ANALYTICS = False
os.environ.setdefault("SCARF_ANALYTICS", "false")

# Charts are queried synchronously; SQL Lab runs without Celery.
SQLLAB_ASYNC_TIME_LIMIT_SEC = 60
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000

# Every chart of a dashboard loads at once (not only those scrolled into view): a dashboard
# is small, and a refresh then shows one state of the mart in every chart.
FEATURE_FLAGS = {"DASHBOARD_VIRTUALIZATION": False}

# The pages may load from this server only: Superset's default policy allows a telemetry
# pixel, map tiles and web fonts from the internet. Fonts fall back to local ones.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG
