"""``manage.py strangler route NAME --mode MODE``: switch one route or a glob of them."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from strangler.cli import Failure
from strangler.routing import actions

HELP = "Set the mode and rollout of a route, or of every route matching a glob."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "name",
        help="route name (use_case:controller), a glob such as '*:car-*', or a stage: 'stage:3'",
    )
    parser.add_argument("--mode", required=True, help="local, shadow, remote or remote-fallback")
    parser.add_argument(
        "--percent", help="share of users (0-100, one decimal) that get the mode; others local"
    )
    parser.add_argument("--users", nargs="+", default=[], metavar="USERNAME")
    parser.add_argument("--groups", nargs="+", default=[], metavar="GROUP")
    parser.add_argument(
        "--testing",
        choices=("on", "off"),
        help="allow waffle's testing override (?dwft_<flag>=1) for the route's flag",
    )
    parser.add_argument("--reason", default="", help="why, kept in the audit log")


def run(options: dict[str, Any], out: Any) -> int:
    testing = None if options["testing"] is None else options["testing"] == "on"
    try:
        changes = actions.change_routes(
            options["name"],
            options["mode"],
            percent=options["percent"],
            users=options["users"],
            groups=options["groups"],
            testing=testing,
            reason=options["reason"],
            source="command",
        )
    except actions.RouteError as exc:
        raise Failure(str(exc)) from None
    for change in changes:
        before, after = change.before, change.after
        out.write(
            f"{change.route}: {before['mode']} ({before['rollout']}) -> "
            f"{after['mode']} ({after['rollout']})"
        )
    return 0
