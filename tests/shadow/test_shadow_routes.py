"""Shadow mode end to end: HTTP controllers routed through use cases, the monolith's
PostgreSQL database, a real service process, the pool and the evidence tables."""

from __future__ import annotations

import io
import json
import socket
import statistics
import time

import pytest
from django.core.management import call_command
from prometheus_client import REGISTRY
from waffle.models import Flag

from monolith.sales import local, remote
from monolith.sales.models import Channel
from sales_api.v1 import channels_pb2
from strangler.models import Route, ShadowMismatch
from strangler.routing import actions
from strangler.shadow import (
    Outcome,
    ShadowCall,
    WriteNotShadowed,
    readiness,
    run_in_pool,
    submit,
)
from tests.shadow.conftest import minute_totals

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

DETAIL = "channels.read:channel-detail"


def status_json(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("strangler", "status", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def create_on_service(service, code: str, name: str) -> None:
    from sales_api.v1 import channels_pb2_grpc

    stub = channels_pb2_grpc.ChannelServiceStub(service.channel())
    stub.CreateChannel(
        channels_pb2.CreateChannelRequest(
            code=code, name=name, kind=channels_pb2.CHANNEL_KIND_WEB, active=True
        ),
        timeout=5,
    )


def test_a_seeded_difference_is_found_stored_once_with_a_count_and_shown(
    api, split_service, process_pool, settings
):
    settings.STRANGLER_SHADOW_RULES = {"channels.read": {"ignore": ["created_at", "updated_at"]}}
    local.create_channel(code="web", name="Web shop", kind="web")
    create_on_service(split_service, "web", "Web Shop")  # the copy drifted: one capital
    actions.change_routes(DETAIL, "shadow")

    for _ in range(30):
        assert api.get("/api/channels/1/").json()["name"] == "Web shop"
    process_pool()

    (row,) = ShadowMismatch.objects.all()
    assert (row.use_case, row.controller, row.operation) == (
        "channels.read",
        "channel-detail",
        "get_channel",
    )
    assert row.count == 30
    assert row.diff == "name: local 'Web shop', remote 'Web Shop'"
    (route,) = [r for r in status_json() if r["route"] == DETAIL]
    assert (route["mode"], route["compared"], route["mismatches"]) == ("shadow", 30, 30)
    assert route["unexplained"] == 30
    assert "30 unexplained mismatches" in route["verdict"]

    out = io.StringIO()
    call_command("strangler", "mismatches", stdout=out)
    assert "Web Shop" in out.getvalue() and "30" in out.getvalue()


def test_ignored_fields_do_not_count(api, split_service, process_pool, settings):
    local.create_channel(code="web", name="Web shop", kind="web")
    create_on_service(split_service, "web", "Web shop")  # same data, other timestamps
    actions.change_routes(DETAIL, "shadow")

    api.get("/api/channels/1/")
    process_pool()
    (row,) = ShadowMismatch.objects.all()
    assert row.diff.splitlines() == [f"{field}: local {value}" for field, value in []] or {
        line.split(":")[0] for line in row.diff.splitlines()
    } == {"created_at", "updated_at"}

    ShadowMismatch.objects.all().delete()
    settings.STRANGLER_SHADOW_RULES = {"channels.read": {"ignore": ["created_at", "updated_at"]}}
    for _ in range(5):
        api.get("/api/channels/1/")
    process_pool()
    assert not ShadowMismatch.objects.exists()
    assert minute_totals(controller="channel-detail").compared == 6


def test_the_user_gets_the_local_answer_whatever_the_remote_side_says(
    api, split_service, process_pool, settings
):
    settings.STRANGLER_SHADOW_RULES = {"channels.read": {"ignore": ["created_at", "updated_at"]}}
    local.create_channel(code="web", name="Web shop", kind="web")
    create_on_service(split_service, "web", "Web Shop")
    create_on_service(split_service, "store", "Only on the service")
    local_answers = [api.get(f"/api/channels/{i}/") for i in (1, 2)]
    actions.change_routes(DETAIL, "shadow")
    shadow_answers = [api.get(f"/api/channels/{i}/") for i in (1, 2)]
    process_pool()

    for before, after in zip(local_answers, shadow_answers, strict=True):
        assert (after.status_code, after.json()) == (before.status_code, before.json())
    assert shadow_answers[1].status_code == 404
    diffs = sorted(ShadowMismatch.objects.values_list("diff", flat=True))
    assert diffs[0].startswith(
        "(value): local raised NotFound('channel 2 does not exist'), remote returned Channel("
    )
    assert diffs[1] == "name: local 'Web shop', remote 'Web Shop'"


def timed_gets(api, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        assert api.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return times


def test_a_slow_service_does_not_slow_the_shadowed_request_and_the_pool_bound_holds(
    api, slow_service, process_pool, settings
):
    settings.STRANGLER_SHADOW_WORKERS = 1
    settings.STRANGLER_SHADOW_QUEUE_SIZE = 3
    local.create_channel(code="web", name="Web shop", kind="web")
    local_times = timed_gets(api, "/api/channels/1/", 10)
    actions.change_routes(DETAIL, "shadow")
    shadow_times = timed_gets(api, "/api/channels/1/", 20)
    pool = process_pool()

    assert max(shadow_times) < slow_service, "a request waited for the remote side"
    assert statistics.median(shadow_times) < statistics.median(local_times) * 2 + 0.01
    # One call runs and three wait while the burst arrives: the rest are dropped and counted.
    assert pool.stats.submitted <= 5
    assert pool.stats.dropped >= 15
    minute = minute_totals(controller="channel-detail")
    assert minute.dropped == pool.stats.dropped
    assert minute.remote_calls == pool.stats.submitted
    # The slow side answered NotFound while the local side found the channel: a difference.
    assert ShadowMismatch.objects.get().count == pool.stats.submitted


@pytest.fixture
def dead_service(settings) -> None:
    """A loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{port}"}


def test_a_dead_service_does_not_slow_the_shadowed_request(api, dead_service, process_pool):
    local.create_channel(code="web", name="Web shop", kind="web")
    local_times = timed_gets(api, "/api/channels/1/", 10)
    actions.change_routes(DETAIL, "shadow")
    shadow_times = timed_gets(api, "/api/channels/1/", 10)
    process_pool()

    assert statistics.median(shadow_times) < statistics.median(local_times) * 2 + 0.01
    minute = minute_totals(controller="channel-detail")
    assert minute.remote_errors == minute.remote_calls == 10
    assert minute.compared == 0, "no answer is not a difference"
    assert not ShadowMismatch.objects.exists()
    (route,) = status_json("--route", DETAIL)
    assert "remote error rate 100.00%" in route["verdict"]


def test_a_write_is_never_executed_twice(api, split_service, process_pool):
    with pytest.raises(actions.RouteError, match="never shadowed"):
        actions.change_routes("channels.write:channel-create", "shadow")
    # Someone forces it anyway, behind strangler's back (the admin, a SQL console).
    Route.objects.create(use_case="channels.write", controller="channel-create", mode="shadow")
    Flag.objects.create(name="strangler:channels.write:channel-create", everyone=True)

    response = api.post(
        "/api/channels/add/",
        {"code": "web", "name": "Web shop", "kind": "web"},
        content_type="application/json",
    )
    process_pool()
    assert response.status_code == 201
    assert Channel.objects.count() == 1
    assert split_service_channels(split_service) == 0

    # And a write handed to the shadow runner directly is not sent to the remote side.
    remote_calls = []
    run_in_pool(
        ShadowCall(
            "channels.write:channel-create",
            "create_channel",
            Outcome(value=None),
            lambda: remote_calls.append(1),
        )
    )
    process_pool()
    assert remote_calls == []


def test_submit_refuses_a_registered_write_the_caller_did_not_mark(process_pool):
    remote_calls = []
    with pytest.raises(WriteNotShadowed, match="channels.write writes"):
        submit(
            "channels.write",
            "channel-create",
            "create_channel",
            Outcome(value=None),
            lambda: remote_calls.append(1),
        )
    process_pool()
    assert remote_calls == []


def split_service_channels(service) -> int:
    from sales_api.v1 import channels_pb2_grpc

    stub = channels_pb2_grpc.ChannelServiceStub(service.channel())
    return len(stub.ListChannels(channels_pb2.ListChannelsRequest(), timeout=5).channels)


def test_readiness_flips_from_not_ready_to_ready_as_evidence_arrives(
    api, remote_sales, process_pool, settings
):
    # With 20 calls a p99 is the single slowest call (a connection, a busy core): the
    # latency rule is tested on synthetic evidence in test_readiness_cli, not here.
    settings.STRANGLER_READINESS = {"min_compared": 20, "max_p99_ratio": 1000}
    local.create_channel(code="web", name="Web shop", kind="web")
    remote.get_channel(1)  # connect before the evidence starts, as a running monolith has
    actions.change_routes(DETAIL, "shadow")
    with pytest.raises(readiness.NotReady, match="0 of 20 compared calls"):
        readiness.check(DETAIL)

    for _ in range(10):
        api.get("/api/channels/1/")
    process_pool()
    with pytest.raises(readiness.NotReady, match="10 of 20 compared calls"):
        readiness.check(DETAIL)

    for _ in range(10):
        api.get("/api/channels/1/")
    process_pool()
    result = readiness.check(DETAIL)
    assert result.verdict == "ready"
    assert (result.compared, result.mismatches, result.remote.errors) == (20, 0, 0)
    assert result.local.p50_ms and result.remote.p99_ms


def test_a_mistake_in_the_comparison_rules_fails_the_shadow_task_not_the_request(
    api, remote_sales, process_pool, settings
):
    settings.STRANGLER_SHADOW_RULES = {"channels.read": {"ignored": ["updated_at"]}}
    local.create_channel(code="web", name="Web shop", kind="web")
    actions.change_routes(DETAIL, "shadow")
    failures = REGISTRY.get_sample_value("strangler_shadow_task_failures_total")
    assert api.get("/api/channels/1/").json()["name"] == "Web shop"
    assert process_pool().stats.failed == 1
    assert REGISTRY.get_sample_value("strangler_shadow_task_failures_total") == failures + 1
