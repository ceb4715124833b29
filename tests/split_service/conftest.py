"""Fixtures for driving a real service's DB split from the monolith.

Each test gets two fresh PostgreSQL databases cloned from migrated templates: ``old`` (the
monolith's schema, which the split moves away from and may drop) and ``new`` (the service's
own). A real service process runs on both; the monolith's ORM reaches ``old`` through the
connection alias ``OLD``, so monolith writes are real ORM writes. The pytest-django test
database stays untouched, whatever stage a test leaves behind.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dj_database_url
import psycopg2
import pytest
from django.db import connections
from django.db.utils import load_backend
from psycopg2 import sql

from sales_api.v1 import channels_pb2, channels_pb2_grpc, sales_status_pb2, sales_status_pb2_grpc
from strangler.client import channels as client_channels
from strangler.routing import table as route_table
from tests import settings as test_settings
from tests.service_process import (
    REPO,
    ServiceProcess,
    migrate_service_db,
    recreate_database,
    service_env,
    start_service,
)

OLD = "split_old"
# Cleanup may drop the old tables as soon as they are frozen.
SERVICE_ENV = {"CARVED_SPLIT_RETENTION_SECONDS": "0"}
SUFFIX = test_settings.DB_SUFFIX


def clone(template: str, name: str) -> str:
    conn = psycopg2.connect(
        host=test_settings.PG_HOST,
        port=test_settings.PG_PORT,
        user=test_settings.PG_USER,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    conn.close()
    return test_settings.pg_url(name)


@pytest.fixture(scope="session")
def split_templates() -> tuple[str, str]:
    """Migrated template databases: the monolith's schema and the service's."""
    old, new = f"strangler_split_old_tmpl_{SUFFIX}", f"strangler_split_new_tmpl_{SUFFIX}"
    env = {k: v for k, v in service_env("").items() if not k.startswith("MONOLITH_")}
    env["MONOLITH_DATABASE_URL"] = recreate_database(old)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    migrate_service_db(recreate_database(new))
    return old, new


@dataclass
class Split:
    old_url: str
    new_url: str
    service: ServiceProcess
    settings: Any  # pytest-django's settings fixture

    def restart(self) -> None:
        """Start the service again on the same databases (after a stop or a kill)."""
        if self.service.process.poll() is None:
            self.service.stop()
        self.service = start_service(self.new_url, shared_url=self.old_url, **SERVICE_ENV)
        client_channels.close_all()  # the monolith reconnects to the new port
        self.settings.STRANGLER_SERVICE_TARGETS = {"sales": self.service.target}

    @property
    def channels(self) -> channels_pb2_grpc.ChannelServiceStub:
        return channels_pb2_grpc.ChannelServiceStub(self.service.channel())

    @property
    def statuses(self) -> sales_status_pb2_grpc.SalesStatusServiceStub:
        return sales_status_pb2_grpc.SalesStatusServiceStub(self.service.channel())

    def service_channel_codes(self) -> set[str]:
        answer = self.channels.ListChannels(channels_pb2.ListChannelsRequest(page_size=1000))
        return {c.code for c in answer.channels}

    def service_statuses(self) -> dict[int, int]:
        """{sale id: state} of every car sale, read through the service."""
        answer = self.statuses.ListSalesStatuses(
            sales_status_pb2.ListSalesStatusesRequest(page_size=1000)
        )
        return {s.sale.id: s.state for s in answer.statuses}


@pytest.fixture
def split(split_templates, settings) -> Iterator[Split]:
    """A service on fresh old and new databases, with the monolith pointed at it."""
    old_url = clone(split_templates[0], f"strangler_split_old_{SUFFIX}")
    new_url = clone(split_templates[1], f"strangler_split_new_{SUFFIX}")
    _add_alias(old_url)
    route_table._set(None)
    service = start_service(new_url, shared_url=old_url, **SERVICE_ENV)
    settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
    found = Split(old_url, new_url, service, settings)
    try:
        yield found
    finally:
        if found.service.process.poll() is None:
            found.service.stop()
        client_channels.close_all()
        connections[OLD].close()
        del connections[OLD]
        route_table._set(None)


def _add_alias(url: str) -> None:
    """Give the monolith's ORM a connection to the old database, as alias ``OLD``.

    Only the connection is registered, not a setting: Django lets a test use such a
    dynamically created connection without listing it in the test's databases.
    """
    both = {"default": dict(connections.settings["default"]), OLD: dj_database_url.parse(url)}
    config = connections.configure_settings(both)[OLD]
    connections[OLD] = load_backend(config["ENGINE"]).DatabaseWrapper(config, OLD)
