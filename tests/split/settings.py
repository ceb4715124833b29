"""Django settings of a process that runs the split engine on the test databases (the
kill -9 test's copy subprocess): SPLIT_OLD_URL and SPLIT_NEW_URL name them."""

import os

import dj_database_url

SECRET_KEY = "split-tests"
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS: list[str] = []
DATABASES = {
    "default": dj_database_url.parse(os.environ["SPLIT_NEW_URL"]),
    "split_old": dj_database_url.parse(os.environ["SPLIT_OLD_URL"]),
    "split_new": dj_database_url.parse(os.environ["SPLIT_NEW_URL"]),
}
