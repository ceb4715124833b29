"""Routing adds no database query to a request once the route table is loaded."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monolith.sales.models import Channel
from strangler.routing import actions, table

pytestmark = pytest.mark.django_db


def queries_of(api, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


shadowed = []


def record_shadow(call) -> None:
    """A shadow runner that only records: this test is about the decision, not the service."""
    shadowed.append(call.route)


def test_a_routed_request_costs_what_the_controller_costs(api, user, settings):
    settings.STRANGLER_SHADOW_RUNNER = f"{__name__}.record_shadow"
    channel = Channel.objects.create(code="web", name="Web", kind="web")
    beta = Group.objects.create(name="beta")
    user.groups.add(beta)
    path = f"/api/channels/{channel.pk}/"
    actions.set_kill_switch(False)
    # A percentage and a group: the costly kinds of waffle flag (cache reads, a group query).
    actions.change_routes("channels.read:channel-detail", "shadow", percent=30, groups=["beta"])
    actions.change_routes("channels.read:channel-list", "remote", percent=50)
    table.current()  # loaded once per TTL, not per request

    routed = queries_of(api, path)
    assert shadowed == ["channels.read:channel-detail"]  # alice is in by her group
    assert not [q for q in routed if "waffle_" in q or "strangler_" in q or "auth_group" in q]
    # Basic auth's user lookup and the channel read: nothing else.
    assert len(routed) == 2, routed


def test_unchanged_routes_cost_nothing_either(api, django_assert_num_queries):
    channel = Channel.objects.create(code="web", name="Web", kind="web")
    table.current()
    with django_assert_num_queries(2):  # the user of Basic auth, the channel
        assert api.get(f"/api/channels/{channel.pk}/").status_code == 200
