"""Django settings of the carved sales service (ORM only: no HTTP views).

``CARVED_DATABASE_URL`` is the service's own database. While the database is still shared,
``CARVED_SHARED_DATABASE_URL`` names the monolith's database, whose channel and status tables
the service then uses (see ``carved_service.router``).
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STRANGLER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("CARVED_SECRET_KEY", "dev-only-not-secret")
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = ["strangler.server", "carved_service.sales"]


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=None, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {"timeout": 20}
    return config


DATABASES = {
    "default": _database(
        os.environ.get("CARVED_DATABASE_URL", f"sqlite:///{VAR_DIR / 'carved_service.sqlite3'}")
    )
}
if os.environ.get("CARVED_SHARED_DATABASE_URL"):
    DATABASES["sales"] = _database(os.environ["CARVED_SHARED_DATABASE_URL"])
DATABASE_ROUTERS = ["carved_service.router.SalesDataRouter"]

# The groups of tables the service moves from the monolith's database (alias ``sales``) to its
# own (``default``), one stage at a time; driven by ``manage.py strangler split`` over the
# SplitAdmin RPC (see docs/db-split-operations.md).
STRANGLER_SPLIT_GROUPS = {
    "sales": {
        "tables": [{"name": "sales_channel", "key": "id"}, {"name": "sales_status", "key": "id"}],
        # How long the old tables stay frozen before cleanup may drop them (default 7 days).
        "retention_seconds": float(os.environ.get("CARVED_SPLIT_RETENTION_SECONDS", 7 * 86400)),
    }
}

# Who may call: "token:scope,..." with scope read (Get/BatchGet/List), write (every data
# method) or admin (everything, the split's admin RPCs too).
# The default token is for the local demo only, and is reported at startup.
DEV_AUTH_TOKENS = "dev-only-token:write,dev-only-admin-token:admin"
AUTH_TOKENS = os.environ.get("CARVED_AUTH_TOKENS", DEV_AUTH_TOKENS)


def _package_version() -> str:
    try:
        return metadata.version("strangler")
    except metadata.PackageNotFoundError:
        return ""  # unknown: the gate then refuses any route that needs a minimum version


# What ServiceInfo reports (the monolith's version gate compares it with what it needs):
# the build's version (default: the installed package's) and an id such as a commit hash.
VERSION = os.environ.get("CARVED_VERSION") or _package_version()
BUILD_ID = os.environ.get("CARVED_BUILD_ID", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "strangler.server.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("CARVED_LOG_LEVEL", "INFO")},
}
