"""Who gets which side: waffle's rollout rules, sticky percentages, the kill switch."""

from __future__ import annotations

import time
from concurrent import futures

import grpc
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from waffle.models import Flag

from strangler.routing import Mode, actions, decide, for_job

ROUTE = "sales_status.read:car-list"
USE_CASE, CONTROLLER = ROUTE.split(":")

pytestmark = pytest.mark.django_db


def remote_share(make_request, users: range) -> float:
    hits = sum(decide(make_request(CONTROLLER, u), USE_CASE) is Mode.REMOTE for u in users)
    return hits / len(users)


def test_a_route_nobody_touched_is_local(make_request):
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.LOCAL


@pytest.mark.parametrize("percent", [10, 30, 75])
def test_percentage_splits_users_near_the_percentage(make_request, percent):
    actions.change_routes(ROUTE, "remote", percent=percent)
    share = remote_share(make_request, range(1, 3001))
    assert abs(share - percent / 100) < 0.03


def test_a_user_stays_on_one_side_across_requests_and_raising_only_adds(make_request):
    actions.change_routes(ROUTE, "remote", percent=20)
    first = {u: decide(make_request(CONTROLLER, u), USE_CASE) for u in range(1, 501)}
    again = {u: decide(make_request(CONTROLLER, u), USE_CASE) for u in range(1, 501)}
    assert first == again
    actions.change_routes(ROUTE, "remote", percent=50)
    later = {u: decide(make_request(CONTROLLER, u), USE_CASE) for u in range(1, 501)}
    assert all(later[u] is Mode.REMOTE for u in first if first[u] is Mode.REMOTE)
    assert sum(m is Mode.REMOTE for m in later.values()) > sum(
        m is Mode.REMOTE for m in first.values()
    )


def test_the_decision_is_made_once_per_request(make_request):
    actions.change_routes(ROUTE, "remote")
    request = make_request(CONTROLLER, 1)
    assert decide(request, USE_CASE) is Mode.REMOTE
    actions.change_routes(ROUTE, "local")
    assert decide(request, USE_CASE) is Mode.REMOTE
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.LOCAL


def test_users_and_groups_are_in_the_rollout():
    User = get_user_model()
    alice = User.objects.create_user("alice")
    bob = User.objects.create_user("bob")
    carol = User.objects.create_user("carol")
    beta = Group.objects.create(name="beta")
    carol.groups.add(beta)
    actions.change_routes(ROUTE, "shadow", users=["alice"], groups=["beta"])
    sides = {}
    for user in (alice, bob, carol):
        request = for_job(CONTROLLER, user)
        request.strangler_bucket = None
        sides[user.username] = decide(request, USE_CASE)
    assert sides == {"alice": Mode.SHADOW, "bob": Mode.LOCAL, "carol": Mode.SHADOW}


def test_a_group_joined_later_counts_at_once():
    dave = get_user_model().objects.create_user("dave")
    beta = Group.objects.create(name="beta")
    actions.change_routes(ROUTE, "remote", groups=["beta"])
    assert decide(for_job(CONTROLLER, dave), USE_CASE) is Mode.LOCAL
    dave.groups.add(beta)
    assert decide(for_job(CONTROLLER, dave), USE_CASE) is Mode.REMOTE


def test_waffle_testing_override_by_query_header_and_cookie(make_request):
    actions.change_routes(ROUTE, "remote", percent=0, testing=True)
    cookie = f"dwft_strangler:{ROUTE}"
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.LOCAL
    by_query = make_request(CONTROLLER, 1, path=f"/?{cookie}=1")
    assert decide(by_query, USE_CASE) is Mode.REMOTE
    assert by_query.waffle_tests == {f"strangler:{ROUTE}": True}  # waffle sets the cookie
    header = {f"HTTP_{cookie.replace('_', '-').upper().replace('-', '_')}": "1"}
    assert decide(make_request(CONTROLLER, 1, **header), USE_CASE) is Mode.REMOTE
    by_cookie = make_request(CONTROLLER, 1)
    by_cookie.COOKIES[cookie] = "True"
    assert decide(by_cookie, USE_CASE) is Mode.REMOTE


@override_settings(WAFFLE_OVERRIDE=True)
def test_waffle_override_parameter(make_request):
    actions.change_routes(ROUTE, "remote", percent=0)
    flag = f"strangler:{ROUTE}"
    assert decide(make_request(CONTROLLER, 1, path=f"/?{flag}=1"), USE_CASE) is Mode.REMOTE
    assert decide(make_request(CONTROLLER, 1, path=f"/?{flag}=0"), USE_CASE) is Mode.LOCAL


def test_anonymous_callers_are_sticky_by_session(make_request):
    actions.change_routes(ROUTE, "remote", percent=50)
    sides = set()
    for session_key in ("a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32, "f" * 32):
        seen = set()
        for _ in range(3):
            request = make_request(CONTROLLER)
            request.session = type("S", (), {"session_key": session_key})()
            seen.add(decide(request, USE_CASE))
        assert len(seen) == 1
        sides |= seen
    assert sides == {Mode.LOCAL, Mode.REMOTE}


def test_a_request_without_user_is_local_as_in_waffle(make_request):
    actions.change_routes(ROUTE, "remote", percent=99)
    request = make_request(CONTROLLER, 1)
    del request.user
    assert decide(request, USE_CASE) is Mode.LOCAL


def test_a_job_is_routed_by_its_name_and_stays_on_its_side():
    job_route = "sales_status.read:report-sales-by-state"
    actions.change_routes(job_route, "remote", percent=50)
    sides = {decide(for_job("report-sales-by-state"), "sales_status.read") for _ in range(5)}
    assert len(sides) == 1


def test_kill_switch_sends_every_route_local_and_back(make_request):
    actions.change_routes("*:car-*", "remote")
    actions.change_routes("channels.read:channel-*", "shadow")
    actions.set_kill_switch(True, reason="incident")
    for use_case, controller in (
        ("sales_status.read", "car-list"),
        ("sales_status.write", "car-create"),
        ("channels.read", "channel-list"),
    ):
        assert decide(make_request(controller, 1), use_case) is Mode.LOCAL
    actions.set_kill_switch(False)
    assert decide(make_request("car-list", 1), "sales_status.read") is Mode.REMOTE
    assert decide(make_request("channel-list", 1), "channels.read") is Mode.SHADOW


def test_a_flag_changed_in_waffle_still_routes(make_request):
    actions.change_routes(ROUTE, "remote", users=[])
    flag = Flag.objects.get(name=f"strangler:{ROUTE}")
    flag.everyone = False
    flag.save()
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.LOCAL
    flag.everyone = None
    flag.percent = 50
    flag.save()
    assert 0.4 < remote_share(make_request, range(1, 1001)) < 0.6


def test_fallback_becomes_remote_once_the_data_is_split(make_request):
    actions.change_routes(ROUTE, "remote-fallback")
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.REMOTE_FALLBACK
    with override_settings(STRANGLER_DATA_SHARED=False):
        from strangler.routing import table

        table.invalidate()
        assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.REMOTE


def test_an_undeclared_route_is_a_programming_error(make_request):
    with pytest.raises(ImproperlyConfigured, match="not declared"):
        decide(make_request("car-list", 1), "no_such.use_case")


class _Slow(grpc.GenericRpcHandler):
    """Every method answers UNAVAILABLE after most of a second."""

    def service(self, handler_call_details):
        def answer(request, context):
            time.sleep(0.8)
            context.abort(grpc.StatusCode.UNAVAILABLE, "slow")

        return grpc.unary_unary_rpc_method_handler(answer)


@pytest.fixture
def slow_service(settings):
    """A service that takes most of a second to answer anything: asking it costs that."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_Slow(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{port}"}
    settings.STRANGLER_DATA_SHARED = "strangler.data_shared.data_shared"
    settings.STRANGLER_SPLIT_USE_CASES = {"sales": ["sales_status.*"]}
    yield
    server.stop(0)


def test_a_local_route_never_waits_to_learn_the_split_stage(make_request, slow_service):
    from strangler.routing import table

    actions.change_routes(ROUTE, "local")
    table.invalidate()
    started = time.monotonic()
    assert decide(make_request(CONTROLLER, 1), USE_CASE) is Mode.LOCAL
    assert time.monotonic() - started < 0.5


def test_a_stale_stage_is_refreshed_in_the_background(make_request, slow_service, settings):
    """Once known, the stage is served from memory while a thread asks the service again."""
    from strangler import data_shared

    settings.STRANGLER_SPLIT_STAGE_TTL = 0.0
    started = time.monotonic()
    assert data_shared.data_shared(USE_CASE) is True  # never answered: asked, and waited
    assert time.monotonic() - started > 0.5
    data_shared.remember("sales", "writes-cutover")
    started = time.monotonic()
    assert data_shared.data_shared(USE_CASE) is False
    assert time.monotonic() - started < 0.5
