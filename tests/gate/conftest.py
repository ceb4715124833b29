"""Fixtures of the version gate tests: two real builds of the service with different RPC sets,
and a deployment that can be replaced by another build at the same address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import strangler.client
from strangler import gate
from strangler.routing import table
from tests.service_process import ServiceProcess, start_service

MISSING = "sales.v1.ChannelService/GetChannel"  # what the older build lacks


@pytest.fixture(autouse=True)
def fresh_gate() -> Iterator[None]:
    """No route table, channel, breaker or service info carried over from another test."""
    table._set(None)
    strangler.client.reset()
    gate.forget()
    yield
    table._set(None)
    strangler.client.reset()
    gate.forget()


@pytest.fixture(scope="module")
def full_build(service_db_url: str) -> Iterator[ServiceProcess]:
    """Today's build: every RPC, version 1.3.0."""
    service = start_service(service_db_url, CARVED_VERSION="1.3.0", CARVED_BUILD_ID="full")
    yield service
    service.stop()


@pytest.fixture(scope="module")
def older_build(service_db_url: str) -> Iterator[ServiceProcess]:
    """An older build: no ChannelService/GetChannel, version 0.0.9 (before include_channels,
    which ``get_statuses_with_channels`` declares it needs from 0.1.0)."""
    service = start_service(
        service_db_url,
        args=("--disable-rpc", MISSING),
        CARVED_VERSION="0.0.9",
        CARVED_BUILD_ID="older",
    )
    yield service
    service.stop()


class Deployment:
    """One address whose service can be replaced by another build, as a deploy or rollback."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.service: ServiceProcess | None = None
        self.port = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def deploy(self, *args: str, **env: str) -> ServiceProcess:
        if self.service is not None:
            self.service.stop()
        port = ("--port", str(self.port)) if self.port else ()
        self.service = start_service(self.database_url, args=(*port, *args), **env)
        self.port = self.service.port
        return self.service


@pytest.fixture
def deployment(service, service_db_url: str) -> Iterator[Deployment]:
    """An empty service database and a deployment of the full build on it."""
    found = Deployment(service_db_url)
    found.deploy(CARVED_VERSION="1.3.0", CARVED_BUILD_ID="full")
    yield found
    if found.service is not None:
        found.service.stop()
