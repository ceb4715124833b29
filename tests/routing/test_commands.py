"""``strangler routes / route / kill``: changes, audit rows, errors that change nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from waffle.models import Flag, Switch

from strangler.models import Route, RouteChange
from strangler.routing import actions
from tests.commands import strangler

pytestmark = pytest.mark.django_db


def routes_json() -> dict:
    code, out, _ = strangler("routes", "--json")
    assert code == 0
    return {r["route"]: r for r in json.loads(out)["routes"]}


def test_routes_lists_every_declared_route_local_by_default():
    from monolith.rollout import ROUTES

    routes = routes_json()
    assert set(routes) == {key.name for key in ROUTES}
    assert {r["mode"] for r in routes.values()} == {"local"}
    code, table, _ = strangler("routes")
    assert code == 0 and "sales_status.read:car-list" in table and "kill switch: off" in table


def test_route_changes_a_glob_and_audits_each_route():
    code, out, _ = strangler(
        "route",
        "sales_status.*:car-*",
        "--mode",
        "remote",
        "--percent",
        "12.5",
        "--reason",
        "stage 3",
    )
    assert code == 0
    assert "sales_status.read:car-list: local (nobody) -> remote (12.5%)" in out
    changed = {k for k, r in routes_json().items() if r["mode"] == "remote"}
    assert changed == {
        f"sales_status.{op}:car-{action}"
        for op, action in [
            ("read", "list"),
            ("read", "detail"),
            ("read", "create"),
            ("read", "update"),
            ("write", "create"),
            ("write", "update"),
            ("write", "delete"),
        ]
    }
    change = RouteChange.objects.get(route="sales_status.read:car-list")
    assert change.actor.startswith("os:")
    assert change.source == "command"
    assert change.before == {"mode": "local", "rollout": "nobody"}
    assert change.after == {"mode": "remote", "rollout": "12.5%"}
    assert change.reason == "stage 3"


def test_python_api_records_the_django_user():
    admin = get_user_model().objects.create_user("ops")
    get_user_model().objects.create_user("alice")
    actions.change_routes(
        "channels.read:channel-list", "shadow", users=["alice"], actor=admin, reason="try"
    )
    change = RouteChange.objects.get()
    assert (change.actor, change.source, change.after["rollout"]) == (
        "user:ops",
        "python",
        "users: alice",
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["route", "no.such:route", "--mode", "remote"], "unknown route 'no.such:route'"),
        (["route", "*:car-list", "--mode", "sideways"], "unknown mode 'sideways'"),
        (["route", "*:car-list", "--mode", "remote", "--percent", "101"], "from 0 to 100"),
        (["route", "*:car-list", "--mode", "remote", "--percent", "-1"], "from 0 to 100"),
        (["route", "*:car-list", "--mode", "remote", "--percent", "ten"], "must be a number"),
        (["route", "*:car-list", "--mode", "remote", "--percent", "1.25"], "one decimal"),
        (["route", "*:car-list", "--mode", "remote", "--users", "nobody"], "unknown user"),
        (["route", "*:car-list", "--mode", "remote", "--groups", "nope"], "unknown group"),
        (["route", "*:car-list", "--mode", "local", "--percent", "5"], "takes no --percent"),
        (["route", "channels.write:*", "--mode", "shadow"], "never shadowed"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_no_change(args, message):
    code, out, err = strangler(*args)
    assert code == 1
    assert message in err and err.count("\n") <= 1 and err.startswith("strangler route: ")
    assert not Route.objects.exists()
    assert not Flag.objects.exists()
    assert not RouteChange.objects.exists()


def test_remote_fallback_is_refused_once_data_is_split(settings):
    settings.STRANGLER_DATA_SHARED = False
    code, _, err = strangler("route", "channels.read:channel-list", "--mode", "remote-fallback")
    assert code == 1 and "no longer shared" in err
    assert not Route.objects.exists()


def test_percent_100_is_everyone_and_local_is_nobody():
    actions.change_routes("channels.read:channel-list", "remote", percent="100")
    assert routes_json()["channels.read:channel-list"]["rollout"] == "everyone"
    actions.change_routes("channels.read:channel-list", "local")
    route = routes_json()["channels.read:channel-list"]
    assert (route["mode"], route["rollout"]) == ("local", "nobody")


def test_kill_and_off_are_audited():
    code, out, _ = strangler("kill", "--reason", "service on fire")
    assert code == 0 and "ON" in out
    assert Switch.objects.get(name="strangler:kill").active
    assert json.loads(strangler("routes", "--json")[1])["kill_switch"] is True
    code, _, _ = strangler("kill", "--off")
    assert code == 0 and not Switch.objects.get(name="strangler:kill").active
    changes = list(RouteChange.objects.order_by("id").values_list("route", "after", "reason"))
    assert changes == [
        ("*", {"kill_switch": "on"}, "service on fire"),
        ("*", {"kill_switch": "off"}, ""),
    ]


def test_a_flag_changed_behind_strangler_shows_in_routes():
    actions.change_routes("channels.read:channel-*", "remote", percent=10)
    assert not routes_json()["channels.read:channel-list"]["changed_outside_strangler"]
    flag = Flag.objects.get(name="strangler:channels.read:channel-list")
    flag.percent = 90
    flag.save()
    Flag.objects.create(name="strangler:sales_status.read:car-list", everyone=True)
    routes = routes_json()
    assert routes["channels.read:channel-list"]["changed_outside_strangler"]
    assert routes["channels.read:channel-list"]["rollout"] == "90%"
    assert routes["sales_status.read:car-list"]["changed_outside_strangler"]
    assert not routes["channels.read:channel-detail"]["changed_outside_strangler"]
    actions.change_routes("channels.read:channel-list", "remote", percent=10)
    assert not routes_json()["channels.read:channel-list"]["changed_outside_strangler"]


def test_waffle_group_added_in_its_admin_counts_as_outside():
    from django.contrib.auth.models import Group

    actions.change_routes("channels.read:channel-list", "remote", percent=10)
    flag = Flag.objects.get(name="strangler:channels.read:channel-list")
    flag.groups.add(Group.objects.create(name="beta"))
    assert routes_json()["channels.read:channel-list"]["changed_outside_strangler"]


def test_the_real_command_line_exits_1_with_one_line(tmp_path):
    """Through manage.py in a process of its own, as an operator types it."""
    result = subprocess.run(
        [sys.executable, "-m", "django", "strangler", "route", "x", "--mode", "remote"],
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "strangler route: unknown route 'x'; `strangler routes` lists them"
    )


def test_a_whole_stage_moves_at_once():
    from monolith.rollout import stage

    code, _, err = strangler("route", "stage:4", "--mode", "shadow")
    assert code == 1 and "never shadowed" in err  # stage 4 writes statuses
    assert not Route.objects.exists()
    code, out, err = strangler("route", "stage:3", "--mode", "remote", "--reason", "stage 3")
    assert code == 0, err
    routes = routes_json()
    moved = {name for name, r in routes.items() if r["mode"] == "remote"}
    assert moved == {key.name for key in stage(3).routes}
    assert moved == {"sales_status.read:car-list", "sales_status.read:car-detail"}
    assert {r["stage"] for name, r in routes.items() if name in moved} == {"3"}
    assert strangler("route", "stage:9", "--mode", "remote")[0] == 1
