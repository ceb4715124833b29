"""``manage.py strangler kill``: send every route to local at once (``--off`` to undo)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from strangler.routing import actions

HELP = "Kill switch: every route serves local at once; --off routes as configured again."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--off", action="store_true", help="turn the kill switch off")
    parser.add_argument("--reason", default="", help="why, kept in the audit log")


def run(options: dict[str, Any], out: Any) -> int:
    active = not options["off"]
    actions.set_kill_switch(active, reason=options["reason"], source="command")
    if active:
        out.write("kill switch ON: every route serves local (within the route table TTL)")
    else:
        out.write("kill switch off: routes serve their configured modes")
    return 0
