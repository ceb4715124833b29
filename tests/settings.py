"""Test settings: the monolith on real PostgreSQL.

Database names carry a suffix per checkout, so that two checkouts on one machine (or two
CI runs) never share a test database.
"""

import hashlib
import os

from monolith.settings import *  # noqa: F403
from monolith.settings import BASE_DIR

PG_HOST = os.environ.get("STRANGLER_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("STRANGLER_PG_PORT", "5432")
PG_USER = os.environ.get("STRANGLER_PG_USER", "postgres")
DB_SUFFIX = os.environ.get(
    "STRANGLER_TEST_DB_SUFFIX", hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]
)

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": f"strangler_monolith_{DB_SUFFIX}",
        "USER": PG_USER,
        "HOST": PG_HOST,
        "PORT": PG_PORT,
        "TEST": {"NAME": f"test_strangler_monolith_{DB_SUFFIX}"},
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pg_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


# Tokens the test services accept (see tests.service_process): one may write, one only read,
# one may also drive the DB split (SplitAdmin).
SERVICE_TOKEN = "test-write-token"
SERVICE_READ_TOKEN = "test-read-token"
SERVICE_ADMIN_TOKEN = "test-admin-token"
STRANGLER_SERVICE_TOKENS = {"sales": SERVICE_TOKEN}
STRANGLER_SERVICE_ADMIN_TOKENS = {"sales": SERVICE_ADMIN_TOKEN}
