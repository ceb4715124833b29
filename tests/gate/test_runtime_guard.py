"""Run time: when the deployed service stops serving an RPC a route calls (a rollback),
requests go local while the data is shared, else 503; never a 500; logged and counted once."""

from __future__ import annotations

import logging
import time

import pytest
from prometheus_client import REGISTRY

from monolith.sales.models import Channel
from monolith.sales.use_cases import channels_read
from sales_api.v1 import channels_pb2, channels_pb2_grpc
from strangler import gate
from strangler.routing import actions, for_job
from tests.gate.conftest import MISSING

pytestmark = pytest.mark.django_db
TTL = 0.5


@pytest.fixture
def world(api, deployment, settings):
    """'Local web' in the monolith, 'Remote web' on the service: answers tell the side."""
    settings.STRANGLER_SERVICE_TARGETS = {"sales": deployment.target}
    settings.STRANGLER_SERVICE_INFO_TTL = TTL
    Channel.objects.create(id=1, code="web", name="Local web", kind="web")
    channels_pb2_grpc.ChannelServiceStub(deployment.service.channel()).CreateChannel(
        channels_pb2.CreateChannelRequest(code="web", name="Remote web", kind=1, active=True)
    )
    return api


def names(api, n: int) -> list[tuple[int, str]]:
    answers = [api.get("/api/channels/1/") for _ in range(n)]
    return [(a.status_code, a.json().get("name") or a.json()["error"]) for a in answers]


def closed_within(seconds: float, api) -> bool:
    """Serve requests until the guard has closed channels.read (every answer must be sane)."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        for status, _ in names(api, 1):
            assert status in (200, 503)  # never a 500, whatever the moment
        if gate.closed(channels_read) is not None:
            return True
        time.sleep(0.05)
    return False


def closings() -> float:
    labels = {"use_case": "channels.read", "service": "sales"}
    return REGISTRY.get_sample_value("strangler_gate_closed_total", labels) or 0.0


def test_a_rollback_sends_requests_local_while_data_is_shared(world, deployment, caplog):
    actions.change_routes("channels.read:channel-detail", "remote-fallback")
    assert names(world, 3) == [(200, "Remote web")] * 3
    before = closings()
    caplog.set_level(logging.INFO)

    deployment.deploy("--disable-rpc", MISSING, CARVED_VERSION="1.2.0", CARVED_BUILD_ID="old")

    assert closed_within(TTL + 5, world)
    assert names(world, 30) == [(200, "Local web")] * 30
    warnings = [
        r for r in caplog.records if "closing the remote side of channels.read" in r.message
    ]
    assert len(warnings) == 1 and MISSING in warnings[0].message
    assert closings() - before == 1

    deployment.deploy(CARVED_VERSION="1.3.0", CARVED_BUILD_ID="full")  # rolled forward again
    ends = time.monotonic() + TTL + 5
    while gate.closed(channels_read) is not None and time.monotonic() < ends:
        names(world, 1)
        time.sleep(0.05)
    assert names(world, 3) == [(200, "Remote web")] * 3
    assert any("reopening the remote side of channels.read" in r.message for r in caplog.records)


def test_once_the_data_is_split_it_answers_503(world, deployment, settings, caplog):
    actions.change_routes("channels.read:channel-detail", "remote")
    settings.STRANGLER_DATA_SHARED = False
    assert names(world, 2) == [(200, "Remote web")] * 2

    deployment.deploy("--disable-rpc", MISSING, CARVED_VERSION="1.2.0", CARVED_BUILD_ID="old")

    assert closed_within(TTL + 5, world)
    caplog.clear()
    for status, message in names(world, 10):
        assert status == 503
        # the user learns nothing of the service's insides, only the id to find them with
        assert MISSING not in message and "request id" in message
    logged = [r.getMessage() for r in caplog.records if r.name == "monolith.http"]
    assert len(logged) == 10
    assert all(f"channels.read needs {MISSING}, which the sales service at" in m for m in logged)


def test_shadow_skips_the_remote_side_of_a_closed_use_case(world, deployment, settings):
    actions.change_routes("channels.read:channel-detail", "shadow")
    deployment.deploy("--disable-rpc", MISSING, CARVED_VERSION="1.2.0", CARVED_BUILD_ID="old")
    assert closed_within(TTL + 5, world)
    assert names(world, 3) == [(200, "Local web")] * 3
    assert channels_read.on(for_job("channel-detail")) is channels_read.local  # no remote call
