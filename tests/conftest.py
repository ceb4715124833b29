"""Fixtures: the monolith's test DB (pytest-django), the service's own PostgreSQL database,
and a real carved service process on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import psycopg2
import pytest
from django.contrib.auth import get_user_model

from sales_api.v1 import channels_pb2_grpc, sales_status_pb2_grpc
from tests import settings
from tests.service_process import (
    ServiceProcess,
    migrate_service_db,
    recreate_database,
    start_service,
)

SERVICE_TABLES = ("sales_status", "sales_channel", "strangler_idempotency_record")


@pytest.fixture(scope="session")
def service_db_url() -> str:
    """The carved service's own database, migrated once per test session."""
    url = recreate_database(f"test_strangler_service_{settings.DB_SUFFIX}")
    migrate_service_db(url)
    return url


@pytest.fixture(scope="session")
def service_process(service_db_url: str) -> Iterator[ServiceProcess]:
    service = start_service(service_db_url)
    yield service
    service.stop()


@pytest.fixture
def service(service_process: ServiceProcess, service_db_url: str) -> ServiceProcess:
    """The running service with empty tables."""
    conn = psycopg2.connect(service_db_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(SERVICE_TABLES)} RESTART IDENTITY CASCADE")
    conn.close()
    return service_process


@pytest.fixture
def channel_stub(service: ServiceProcess) -> channels_pb2_grpc.ChannelServiceStub:
    return channels_pb2_grpc.ChannelServiceStub(service.channel())


@pytest.fixture
def status_stub(service: ServiceProcess) -> sales_status_pb2_grpc.SalesStatusServiceStub:
    return sales_status_pb2_grpc.SalesStatusServiceStub(service.channel())


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("alice", password="secret")


@pytest.fixture
def api(client, user):
    """A Django test client that sends the monolith's API Basic auth as alice."""
    token = base64.b64encode(b"alice:secret").decode()
    client.defaults["HTTP_AUTHORIZATION"] = f"Basic {token}"
    return client


@pytest.fixture(scope="session")
def shared_service(django_db_setup, django_db_blocker, service_db_url) -> Iterator[ServiceProcess]:
    """A service on the shared database: the monolith's test DB holds its channels and
    statuses (use ``django_db(transaction=True)`` so that it sees the test's rows)."""
    from django.db import connection

    with django_db_blocker.unblock():
        monolith_db = settings.pg_url(connection.settings_dict["NAME"])
    service = start_service(service_db_url, shared_url=monolith_db)
    yield service
    service.stop()


@pytest.fixture
def remote_sales(shared_service: ServiceProcess, settings) -> ServiceProcess:
    """Point the monolith's ``sales`` service at ``shared_service`` (token from test settings)."""
    settings.STRANGLER_SERVICE_TARGETS = {"sales": shared_service.target}
    return shared_service


@pytest.fixture
def gate_passes(monkeypatch):
    """For tests about something else than the version gate: the live service is taken to
    serve every RPC the use cases declare, so routes switch without one (tests/gate checks
    the gate against real services)."""
    from strangler.client import service_info
    from strangler.usecases import registry

    def live(service: str, **_: object) -> service_info.ServiceInfo:
        methods = frozenset(
            rpc for uc in registry.values() if uc.service == service for rpc in uc.required_rpcs()
        )
        return service_info.ServiceInfo(service, "gate-passes", "999.0.0", "test", methods)

    monkeypatch.setattr(service_info, "live", live)
