"""The service refuses calls without a valid token, and writes with a read-only token."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from monolith.sales import remote
from sales_api.v1 import channels_pb2, channels_pb2_grpc
from strangler.errors import ServiceUnavailable
from strangler.server import auth
from tests import settings as test_settings


def code_and_message(stub, method: str, request) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        getattr(stub, method)(request)
    return info.value.code(), info.value.details()


def channels(service, token):
    return channels_pb2_grpc.ChannelServiceStub(service.channel(token=token))


GET = ("GetChannel", channels_pb2.GetChannelRequest(id=1))
CREATE = ("CreateChannel", channels_pb2.CreateChannelRequest(code="web", name="Web", kind=1))


@pytest.mark.parametrize(
    ("token", "call", "expected"),
    [
        (None, GET, (grpc.StatusCode.UNAUTHENTICATED, "missing bearer token")),
        ("", GET, (grpc.StatusCode.UNAUTHENTICATED, "missing bearer token")),
        ("wrong", GET, (grpc.StatusCode.UNAUTHENTICATED, "invalid token")),
        ("wrong", CREATE, (grpc.StatusCode.UNAUTHENTICATED, "invalid token")),
        (
            test_settings.SERVICE_READ_TOKEN,
            CREATE,
            (
                grpc.StatusCode.PERMISSION_DENIED,
                "a read token may not call sales.v1.ChannelService/CreateChannel",
            ),
        ),
    ],
)
def test_refused_calls(service, token, call, expected):
    assert code_and_message(channels(service, token), *call) == expected


def test_a_read_token_reads_and_a_write_token_writes(service):
    created = channels(service, test_settings.SERVICE_TOKEN).CreateChannel(CREATE[1])
    read = channels(service, test_settings.SERVICE_READ_TOKEN).GetChannel(
        channels_pb2.GetChannelRequest(id=created.id)
    )
    assert read.code == "web"


def test_a_refused_call_changes_nothing(service):
    code_and_message(channels(service, test_settings.SERVICE_READ_TOKEN), *CREATE)
    listed = channels(service, test_settings.SERVICE_TOKEN).ListChannels(
        channels_pb2.ListChannelsRequest()
    )
    assert list(listed.channels) == []


def test_an_unknown_method_is_unimplemented_not_a_crash(service):
    for token in (None, test_settings.SERVICE_TOKEN):
        for path in ("/sales.v1.ChannelService/Nope", "/garbage"):
            unknown = service.channel(token=token).unary_unary(path)
            with pytest.raises(grpc.RpcError) as info:
                unknown(b"")
            assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED, path


def test_health_checks_need_no_token(service):
    health = health_pb2_grpc.HealthStub(service.channel(token=None))
    answer = health.Check(health_pb2.HealthCheckRequest(service="sales.v1.ChannelService"))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_the_monolith_reports_a_refused_token_as_unavailable(service, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
    settings.STRANGLER_SERVICE_TOKENS = {"sales": "stale-token"}
    with pytest.raises(ServiceUnavailable, match="refused our credentials"):
        remote.get_channel(1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "must be 'token:scope'"),
        ("s3cret:root", "has scope 'root'; expected one of read, write, admin"),
        ("", "no auth tokens configured"),
    ],
)
def test_bad_token_settings_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        auth.parse_tokens(text)


def test_token_settings_are_parsed():
    assert auth.parse_tokens(" a1:write , b2:read,") == {"a1": "write", "b2": "read"}
