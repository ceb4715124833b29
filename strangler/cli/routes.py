"""``manage.py strangler routes``: every route with its mode and rollout."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from rich.console import Console
from rich.table import Table

from strangler.routing import actions

HELP = "List every route (use case x controller) with its mode, rollout and last change."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(options: dict[str, Any], out: Any) -> int:
    states = actions.route_states()
    killed = actions.kill_switch_active()
    if options["json"]:
        out.write(
            json.dumps({"kill_switch": killed, "routes": [s.as_json() for s in states]}, indent=2)
        )
        return 0
    table = Table(title="strangler routes", title_justify="left")
    for column in ("stage", "route", "mode", "rollout", "outside", "last change"):
        table.add_column(column)
    for state in sorted(states, key=lambda s: (s.stage or "~", s.key)):
        table.add_row(
            state.stage,
            state.key.name,
            f"local (killed; set {state.mode})" if killed and state.mode != "local" else state.mode,
            state.rollout,
            "CHANGED OUTSIDE STRANGLER" if state.changed_outside else "",
            _last(state),
        )
    console = Console(file=out, width=160, soft_wrap=True)
    console.print(table)
    console.print(f"kill switch: {'ON: every route serves local' if killed else 'off'}")
    return 0


def _last(state: actions.RouteState) -> str:
    change = state.last_change
    if change is None:
        return ""
    return f"{change.changed_at:%Y-%m-%d %H:%M} {change.actor} {change.reason}".strip()
