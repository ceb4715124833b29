"""Fixtures of the shadow tests: pools of their own, route tables and breakers reset, and
services whose data (or speed) differs from the monolith's."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import grpc
import pytest
from django.db.models import Sum

from sales_api.v1 import channels_pb2, channels_pb2_grpc
from strangler.client import breakers
from strangler.client import channels as client_channels
from strangler.models import RouteMinute, ShadowMismatch
from strangler.routing import table
from strangler.server import serve
from strangler.shadow.pool import ShadowPool, get_pool, reset_pool


@pytest.fixture(autouse=True)
def _gate_passes(gate_passes) -> None:
    """Switching routes is not what these tests test (see tests/gate)."""


@pytest.fixture(autouse=True)
def no_inherited_evidence(request) -> None:
    """Start from no shadow evidence: other tests' shadow calls ran in the process's pool,
    whose threads write outside any test transaction."""
    reset_pool(write_evidence=False)
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        RouteMinute.objects.all().delete()
        ShadowMismatch.objects.all().delete()


def minute_totals(**filters: str) -> SimpleNamespace:
    """The counters of the matching routes summed over minutes: a test may cross a minute."""
    fields = ("local_calls", "remote_calls", "remote_errors", "compared", "mismatches", "dropped")
    sums = RouteMinute.objects.filter(**filters).aggregate(**{f: Sum(f) for f in fields})
    return SimpleNamespace(**{f: sums[f] or 0 for f in fields})


@pytest.fixture
def pool() -> Iterator[ShadowPool]:
    """A pool of the test's own, whose evidence is written only when the test flushes it."""
    shadow_pool = ShadowPool(workers=2, queue_size=50, flush_seconds=3600)
    yield shadow_pool
    shadow_pool.shutdown(wait=False)


@pytest.fixture
def process_pool(settings) -> Iterator[Callable[[], ShadowPool]]:
    """The process's pool as routing uses it; ``settle()`` waits for it and writes evidence."""
    settings.STRANGLER_SHADOW_FLUSH_SECONDS = 3600
    table._set(None)

    def settle() -> ShadowPool:
        shadow_pool = get_pool()
        shadow_pool.join()
        shadow_pool.flush()
        return shadow_pool

    yield settle
    reset_pool(write_evidence=False)
    table._set(None)
    breakers.forget_all()
    client_channels.close_all()


@pytest.fixture
def split_service(service, settings):
    """A service on its own, empty database: its rows can drift from the monolith's."""
    settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
    return service


class SlowChannels(channels_pb2_grpc.ChannelServiceServicer):
    """A channel service that takes ``delay`` seconds to say a channel does not exist."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def GetChannel(self, request, context):  # noqa: N802 - gRPC's method name
        time.sleep(self.delay)
        context.abort(grpc.StatusCode.NOT_FOUND, f"channel {request.id} does not exist")


@pytest.fixture
def slow_service(settings) -> Iterator[float]:
    """A real gRPC server on loopback whose every answer takes 0.3 s; yields the delay."""
    delay = 0.3
    running = serve.start(
        [
            (
                SlowChannels(delay),
                channels_pb2_grpc.add_ChannelServiceServicer_to_server,
                channels_pb2.DESCRIPTOR.services_by_name["ChannelService"].full_name,
            )
        ],
        port=0,
        workers=4,
    )
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{running.port}"}
    yield delay
    running.stop(0)
