"""Changes made outside strangler (waffle's admin and commands, the ORM) are audited too."""

from __future__ import annotations

import getpass
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from waffle.models import Flag, Switch

from strangler.models import Route, RouteChange
from strangler.routing import actions
from strangler.routing.outside import REASON
from tests.commands import strangler

pytestmark = pytest.mark.django_db

LIST = "channels.read:channel-list"
OS_USER = f"os:{getpass.getuser()}"


def outside_changes(actor: str = OS_USER) -> list[tuple[str, dict, dict]]:
    rows = RouteChange.objects.filter(source="outside").order_by("id")
    assert all(r.actor == actor and r.reason == REASON for r in rows)
    return [(r.route, r.before, r.after) for r in rows]


def routes_document() -> dict:
    code, out, _ = strangler("routes", "--json")
    assert code == 0
    return json.loads(out)


def test_strangler_own_changes_are_recorded_once():
    actions.change_routes(LIST, "remote", percent=10, reason="start")
    actions.set_kill_switch(True, reason="fire")
    actions.set_kill_switch(False)
    assert RouteChange.objects.count() == 3
    assert outside_changes() == []
    assert not routes_document()["kill_switch_changed_outside_strangler"]


def test_waffle_flag_command_is_audited_as_outside():
    actions.change_routes(LIST, "remote", percent=10)
    call_command("waffle_flag", f"strangler:{LIST}", "--percent", "50")
    assert outside_changes() == [
        (LIST, {"mode": "remote", "rollout": "10%"}, {"mode": "remote", "rollout": "50%"})
    ]


def test_a_new_flag_its_users_and_its_deletion_are_audited():
    user = get_user_model().objects.create(username="alice")
    flag = Flag.objects.create(name=f"strangler:{LIST}", everyone=None, superusers=False)
    flag.users.add(user)
    user.flag_set.remove(flag)  # from the other side of the relation
    flag.save()  # saved without a change: no row
    flag.delete()
    nobody = {"mode": "local", "rollout": "nobody"}
    alice = {"mode": "local", "rollout": "users: alice"}
    assert outside_changes() == [
        (LIST, nobody, nobody),  # the flag appeared (who is in: still nobody)
        (LIST, nobody, alice),
        (LIST, alice, nobody),
        (LIST, nobody, nobody),  # the flag went
    ]
    Flag.objects.create(name="not-strangler", everyone=True)
    assert len(outside_changes()) == 4


def test_kill_switch_from_waffle_command_is_audited_and_flagged_in_routes():
    call_command("waffle_switch", "strangler:kill", "on", "--create")
    assert outside_changes() == [("*", {"kill_switch": "off"}, {"kill_switch": "on"})]
    document = routes_document()
    assert document["kill_switch"] and document["kill_switch_changed_outside_strangler"]
    code, table, _ = strangler("routes")
    assert code == 0 and "kill switch: ON: every route serves local (CHANGED OUTSIDE" in table
    actions.set_kill_switch(False, reason="back")
    assert not routes_document()["kill_switch_changed_outside_strangler"]


def test_kill_switch_written_without_signals_is_flagged_in_routes():
    actions.set_kill_switch(False)
    Switch.objects.filter(name="strangler:kill").update(active=True)
    assert routes_document()["kill_switch_changed_outside_strangler"]


def test_waffle_admin_is_audited(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    actions.change_routes(LIST, "remote", percent=10)
    flag = Flag.objects.get(name=f"strangler:{LIST}")
    response = client.post(
        "/admin/waffle/flag/", {"action": "enable_for_all", "_selected_action": [flag.pk]}
    )
    assert response.status_code == 302
    # who: the admin's user, not the web server's OS account
    assert outside_changes(actor="user:root") == [
        (LIST, {"mode": "remote", "rollout": "10%"}, {"mode": "remote", "rollout": "everyone"})
    ]
    assert {r["route"]: r for r in routes_document()["routes"]}[LIST]["changed_outside_strangler"]


def test_a_mode_edited_directly_is_audited_and_shows_as_outside():
    actions.change_routes(LIST, "remote", percent=10)
    route = {r["route"]: r for r in routes_document()["routes"]}[LIST]
    assert not route["changed_outside_strangler"]
    row = Route.objects.get(use_case="channels.read", controller="channel-list")
    row.mode = "shadow"
    row.save()
    assert outside_changes() == [
        (LIST, {"mode": "remote", "rollout": "10%"}, {"mode": "shadow", "rollout": "10%"})
    ]
    route = {r["route"]: r for r in routes_document()["routes"]}[LIST]
    assert route["changed_outside_strangler"] and route["mode"] == "shadow"
    actions.change_routes(LIST, "remote", percent=10)
    route = {r["route"]: r for r in routes_document()["routes"]}[LIST]
    assert not route["changed_outside_strangler"]


def test_a_route_written_before_the_fingerprint_covered_the_mode_is_not_flagged():
    actions.change_routes(LIST, "remote", percent=10)
    rollout = actions.route_table.load_rollouts()[("channels.read", "channel-list")]
    Route.objects.filter(use_case="channels.read").update(flag_fingerprint=rollout.fingerprint())
    route = {r["route"]: r for r in routes_document()["routes"]}[LIST]
    assert not route["changed_outside_strangler"]
