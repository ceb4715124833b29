"""A service that hangs costs a request one deadline, never more, and never a hang."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from strangler import client
from strangler.routing import actions
from tests.routing.test_controllers import world  # noqa: F401 - the fixture
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
