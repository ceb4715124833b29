"""Settings of the example monolith.

The database comes from ``MONOLITH_DATABASE_URL`` (any URL dj-database-url reads); the default is
a SQLite file under ``var/`` so that the demo needs nothing installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from strangler import defaults as strangler_defaults

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("STRANGLER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("MONOLITH_SECRET_KEY", "dev-only-not-secret")
DEBUG = os.environ.get("MONOLITH_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "waffle",
    "strangler",
    "monolith.sales",
    "monolith.catalog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "strangler.request_id.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "monolith.http.BasicAuthMiddleware",
    "strangler.routing.outside.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

ROOT_URLCONF = "monolith.urls"
WSGI_APPLICATION = "monolith.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("MONOLITH_DATABASE_URL", f"sqlite:///{VAR_DIR / 'monolith.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's service reads the same file while the monolith writes it.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS: list[dict] = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MONOLITH_LOG_LEVEL", "WARNING")},
}

# Every (use case, controller) pair that strangler may switch, grouped in rollout stages.
STRANGLER_ROUTES = "monolith.rollout.ROUTES"
STRANGLER_STAGES = "monolith.rollout.STAGES"

# How fresh each process's view of routes and shadow evidence is (the demo shortens them so
# that a flip made by one command is seen by the running server at once).
STRANGLER_ROUTE_TABLE_TTL = float(os.environ.get("MONOLITH_ROUTE_TABLE_TTL", "5"))
STRANGLER_SHADOW_FLUSH_SECONDS = float(os.environ.get("MONOLITH_SHADOW_FLUSH_SECONDS", "5"))
STRANGLER_READINESS = {
    **strangler_defaults.READINESS,
    "min_compared": int(os.environ.get("MONOLITH_READINESS_MIN_COMPARED", "1000")),
}

# The carved sales service: where it listens and the token the monolith presents to it.
# The defaults match ``python -m carved_service`` run locally for the demo.
STRANGLER_SERVICE_TARGETS = {"sales": os.environ.get("MONOLITH_SALES_TARGET", "127.0.0.1:50051")}
STRANGLER_SERVICE_TOKENS = {"sales": os.environ.get("MONOLITH_SALES_TOKEN", "dev-only-token")}

# The staged DB split of the sales data, driven by ``manage.py strangler split`` through the
# service's SplitAdmin RPC with an admin token (the dev default matches the service's).
STRANGLER_SERVICE_ADMIN_TOKENS = {
    "sales": os.environ.get("MONOLITH_SALES_ADMIN_TOKEN", "dev-only-admin-token")
}
STRANGLER_SPLIT_USE_CASES = {"sales": ["channels.*", "sales_status.*"]}
# Fallback to local stays allowed while the split group's stage is before writes-cutover.
STRANGLER_DATA_SHARED = "strangler.data_shared.data_shared"
