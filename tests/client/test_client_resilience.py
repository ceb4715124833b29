"""Deadlines, retries, the circuit breaker and metadata of strangler.client, over real gRPC."""

from __future__ import annotations

import re
import threading
import time

import grpc
import pytest

import strangler.client
from sales_api.v1 import channels_pb2
from strangler import request_id
from strangler.client import ServiceClient, channels
from strangler.errors import NotFound, ServiceUnavailable
from tests.client.scripted import ScriptedServer, free_port

GET = "sales.v1.ChannelService/GetChannel"
CREATE = "sales.v1.ChannelService/CreateChannel"
LIST = "sales.v1.ChannelService/ListChannels"


@pytest.fixture
def scripted(settings):
    with ScriptedServer() as server:
        settings.STRANGLER_SERVICE_TARGETS = {"demo": server.target}
        settings.STRANGLER_SERVICE_TOKENS = {"demo": "t0ken"}
        settings.STRANGLER_RETRY = {"attempts": 3, "initial_backoff": 0.01, "max_backoff": 0.05}
        yield server


def get(channel_id: int = 1, **options):
    return ServiceClient("demo").call(GET, channels_pb2.GetChannelRequest(id=channel_id), **options)


def create(key: str = ""):
    request = channels_pb2.CreateChannelRequest(code="web", idempotency_key=key)
    return ServiceClient("demo").call(CREATE, request)


def test_every_call_carries_token_and_request_id(scripted):
    with request_id.bound("req-42"):
        get()
    get()
    first, second = scripted.servicer.metadata
    assert first["authorization"] == "Bearer t0ken"
    assert first["x-request-id"] == "req-42"
    assert re.fullmatch(r"[0-9a-f]{32}", second["x-request-id"])


@pytest.mark.django_db
def test_request_id_comes_from_the_http_request(scripted, client):
    response = client.get("/api/channels/", HTTP_X_REQUEST_ID="from-the-caller")
    assert response["X-Request-ID"] == "from-the-caller"
    assert client.get("/api/channels/", HTTP_X_REQUEST_ID="bad id!")["X-Request-ID"] != "bad id!"


def test_reads_are_retried_on_unavailable(scripted):
    scripted.servicer.fail_first = 2
    assert get().code == "web"
    assert scripted.servicer.calls == 3


def test_writes_without_key_are_not_retried(scripted):
    scripted.servicer.fail_first = 1
    with pytest.raises(ServiceUnavailable):
        create()
    assert scripted.servicer.calls == 1


def test_writes_with_key_are_retried_with_the_same_key(scripted):
    scripted.servicer.fail_first = 2
    assert create(key="k-1").code == "web"
    assert scripted.servicer.keys == ["k-1", "k-1", "k-1"]


def test_retries_stop_after_the_configured_attempts(scripted):
    scripted.servicer.fail_first = 10
    with pytest.raises(ServiceUnavailable) as info:
        get()
    assert scripted.servicer.calls == 3
    assert info.value.retry_after == 1
    assert "UNAVAILABLE" in str(info.value)


def test_a_hanging_service_answers_unavailable_within_the_deadline(scripted, settings):
    settings.STRANGLER_DEFAULT_DEADLINE = 0.3
    scripted.servicer.delay = 5
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="did not answer within the deadline"):
        get()
    assert time.monotonic() - started < 1.0  # one deadline, not the 5 s hang nor 3 attempts


def test_per_method_deadlines_override_the_default(scripted, settings):
    settings.STRANGLER_DEFAULT_DEADLINE = 5
    settings.STRANGLER_METHOD_DEADLINES = {"*/Get*": 0.2}
    scripted.servicer.delay = 3
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        get()
    assert time.monotonic() - started < 1.0


def test_an_unreachable_service_answers_unavailable_quickly(settings):
    settings.STRANGLER_SERVICE_TARGETS = {"demo": f"127.0.0.1:{free_port()}"}
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="demo service is unavailable"):
        get()
    assert time.monotonic() - started < 1.5


def test_an_unimplemented_method_is_unavailable_not_a_crash(scripted):
    with pytest.raises(ServiceUnavailable, match="does not implement"):
        ServiceClient("demo").call(LIST, channels_pb2.ListChannelsRequest())


def test_service_answers_keep_their_domain_error(scripted):
    with pytest.raises(NotFound, match="channel 404 does not exist"):
        get(404)


def test_missing_target_is_a_configuration_error(settings):
    settings.STRANGLER_SERVICE_TARGETS = {}
    with pytest.raises(Exception, match="no address for the 'demo' service"):
        get()


def breaker_state():
    (state,) = strangler.client.breaker_states()
    return state


def test_breaker_opens_fails_fast_and_recovers_through_half_open(scripted, settings):
    settings.STRANGLER_BREAKER = {"fail_max": 3, "reset_timeout": 1.0}
    settings.STRANGLER_RETRY = {"attempts": 1, "initial_backoff": 0.01, "max_backoff": 0.05}
    scripted.servicer.fail_first = 3
    for _ in range(3):
        with pytest.raises(ServiceUnavailable, match="UNAVAILABLE"):
            get()
    assert breaker_state().state == "open"
    assert breaker_state().retry_after == 1

    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="circuit breaker") as info:
        get()
    assert time.monotonic() - started < 0.2
    assert scripted.servicer.calls == 3  # the service was not called
    assert info.value.retry_after == 1

    time.sleep(1.1)  # half-open: the next call is a trial
    assert get().code == "web"
    assert breaker_state().state == "closed" and breaker_state().failures == 0


def test_a_failed_trial_opens_the_breaker_again(scripted, settings):
    settings.STRANGLER_BREAKER = {"fail_max": 2, "reset_timeout": 1.0}
    settings.STRANGLER_RETRY = {"attempts": 1, "initial_backoff": 0.01, "max_backoff": 0.05}
    scripted.servicer.fail_first = 3
    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            get()
    time.sleep(1.1)
    with pytest.raises(ServiceUnavailable):
        get()  # the trial fails
    assert breaker_state().state == "open"
    with pytest.raises(ServiceUnavailable, match="circuit breaker"):
        get()
    assert scripted.servicer.calls == 3


def test_answers_of_the_service_do_not_open_the_breaker(scripted, settings):
    settings.STRANGLER_BREAKER = {"fail_max": 2, "reset_timeout": 30}
    for _ in range(5):
        with pytest.raises(NotFound):
            get(404)
    assert breaker_state().state == "closed"


def test_one_channel_per_target_shared_by_threads(scripted):
    results, seen = [], []

    def work():
        seen.append(channels.channel(scripted.target))
        results.extend(get(n).id for n in range(20))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 160
    assert all(channel is seen[0] for channel in seen)


def test_rpc_errors_never_escape(scripted):
    scripted.servicer.fail_first = 10
    scripted.servicer.fail_code = grpc.StatusCode.INTERNAL
    with pytest.raises(ServiceUnavailable, match="demo service failed"):
        get()
