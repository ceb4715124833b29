"""Both processes serve metrics a Prometheus scraper can read."""

from __future__ import annotations

import urllib.request

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sales_api.v1 import channels_pb2, channels_pb2_grpc
from strangler import metrics
from strangler.client import breakers
from tests.service_process import run_service_cli, start_service


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_the_monolith_serves_its_metrics(client):
    metrics.call("channels.read", "channel-detail", "remote", 0.003, None)
    metrics.dropped("channels.read", "channel-detail")
    breakers.breaker_for("127.0.0.1:9").open()
    try:
        response = client.get("/metrics")
    finally:
        breakers.forget_all()
    assert response.status_code == 200
    found = samples(response.content.decode())
    use_case = {("use_case", "channels.read"), ("controller", "channel-detail")}
    assert (
        found[
            ("strangler_calls_total", frozenset(use_case | {("side", "remote"), ("outcome", "ok")}))
        ]
        >= 1
    )
    assert found[("strangler_shadow_dropped_total", frozenset(use_case))] >= 1
    assert found[("strangler_breaker_state", frozenset({("target", "127.0.0.1:9")}))] == 2
    assert any(name == "strangler_call_seconds_bucket" for name, _ in found)


@pytest.fixture
def service_with_metrics(service_db_url):
    service = start_service(service_db_url, args=("--metrics-port", "0"))
    yield service
    service.stop()


def test_the_service_serves_server_side_metrics_on_its_own_port(service_with_metrics):
    (line,) = [x for x in service_with_metrics.output if " metrics on " in x]
    url = f"http://{line.rsplit(' ', 1)[1].strip()}/metrics"
    stub = channels_pb2_grpc.ChannelServiceStub(service_with_metrics.channel())
    stub.ListChannels(channels_pb2.ListChannelsRequest(), timeout=5)
    with pytest.raises(grpc.RpcError):
        stub.GetChannel(channels_pb2.GetChannelRequest(id=987654), timeout=5)

    with urllib.request.urlopen(url, timeout=5) as response:
        found = samples(response.read().decode())
    method = "/sales.v1.ChannelService/GetChannel"
    assert (
        found[
            (
                "strangler_grpc_server_calls_total",
                frozenset({("method", method), ("code", "NOT_FOUND")}),
            )
        ]
        == 1
    )
    listed = "/sales.v1.ChannelService/ListChannels"
    assert (
        found[
            ("strangler_grpc_server_calls_total", frozenset({("method", listed), ("code", "OK")}))
        ]
        == 1
    )
    assert found[("strangler_grpc_server_seconds_count", frozenset({("method", method)}))] == 1


def test_a_bad_metrics_port_is_refused_in_one_line(service_db_url):
    done = run_service_cli("--port", "0", "--metrics-port", "70000", database_url=service_db_url)
    assert done.returncode == 2
    assert "--metrics-port must be between 0 and 65535" in done.stderr
