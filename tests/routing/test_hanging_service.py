"""A service that hangs costs a request one deadline, never more, and never a hang."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from monolith.sales.models import Channel, SalesStatus
from strangler import client
from strangler.routing import actions
from tests.client.scripted import ScriptedServer
from tests.routing.test_controllers import SALE_ID, _post, world  # noqa: F401 - the fixture
from tests.service_process import ServiceProcess, start_service

pytestmark = pytest.mark.django_db
DEADLINE = 0.5


@pytest.fixture
def hanging_service(service_db_url: str, settings) -> Iterator[ServiceProcess]:
    """A real service process, stopped with SIGSTOP: it accepts connections, answers nothing."""
    hung = start_service(service_db_url)
    hung.process.send_signal(signal.SIGSTOP)
    settings.STRANGLER_SERVICE_TARGETS = {"sales": hung.target}
    settings.STRANGLER_DEFAULT_DEADLINE = DEADLINE
    settings.STRANGLER_METHOD_DEADLINES = {}
    client.reset()
    yield hung
    hung.process.kill()  # graceful shutdown is not what this tests
    hung.process.wait(10)
    client.reset()


def _timed_get(api, path: str):
    started = time.monotonic()
    response = api.get(path)
    return response, time.monotonic() - started


def test_remote_route_answers_503_within_the_deadline(world, hanging_service):  # noqa: F811
    actions.change_routes("*:channel-detail", "remote")
    response, elapsed = _timed_get(world.api, "/api/channels/1/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert elapsed < DEADLINE + 1.0


def test_fallback_route_answers_from_local_within_the_deadline(world, hanging_service):  # noqa: F811
    actions.change_routes("*:channel-detail", "remote-fallback")
    response, elapsed = _timed_get(world.api, "/api/channels/1/")
    assert response.status_code == 200
    assert response.json()["name"] == "Local web"
    assert elapsed < DEADLINE + 1.0


def _fallbacks(controller: str) -> float:
    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == "strangler_fallbacks_total" and sample.labels["controller"] == controller
    )


def test_fallback_is_counted(world, hanging_service):  # noqa: F811
    actions.change_routes("*:channel-detail", "remote-fallback")
    before = _fallbacks("channel-detail")
    assert world.api.get("/api/channels/1/").status_code == 200
    assert _fallbacks("channel-detail") == before + 1


def test_write_that_may_have_run_is_not_repeated_locally(world, settings):  # noqa: F811
    """A write that reached the service and timed out may have been applied: repeating it
    locally could apply it twice on shared data, so the user gets 503 and no local row."""
    with ScriptedServer() as slow:
        slow.servicer.delay = DEADLINE * 3
        settings.STRANGLER_SERVICE_TARGETS = {"sales": slow.target}
        settings.STRANGLER_DEFAULT_DEADLINE = DEADLINE
        client.reset()
        actions.change_routes("*:channel-create", "remote-fallback")
        response = _post(world, "/api/channels/add/", {"code": "new", "name": "N", "kind": "web"})
        client.reset()
    assert response.status_code == 503
    assert slow.servicer.keys, "the write reached the service"
    assert not Channel.objects.filter(code="new").exists()


def test_write_that_never_reached_the_service_falls_back(world, hanging_service):  # noqa: F811
    """A stopped service never completes the connection: nothing was sent, local is safe."""
    actions.change_routes("*:car-update", "remote-fallback")
    response = _post(world, f"/api/cars/{SALE_ID}/change/", {"state": "withdrawn"})
    assert response.status_code == 200
    assert SalesStatus.objects.get(sale_kind="car", sale_id=SALE_ID).state == "withdrawn"
