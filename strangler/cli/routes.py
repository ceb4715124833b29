"""``manage.py strangler routes``: every route with its mode and rollout."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from rich.console import Console
from rich.table import Table

from strangler.models import RouteChange
from strangler.routing import actions, outside

HELP = "List every route (use case x controller) with its mode, rollout and last change."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(options: dict[str, Any], out: Any) -> int:
    states = actions.route_states()
    killed = actions.kill_switch_active()
    kill_outside = kill_switch_changed_outside(killed)
    if options["json"]:
        document = {
            "kill_switch": killed,
            "kill_switch_changed_outside_strangler": kill_outside,
            "routes": [s.as_json() for s in states],
        }
        out.write(json.dumps(document, indent=2))
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
    outside = " (CHANGED OUTSIDE STRANGLER)" if kill_outside else ""
    console.print(f"kill switch: {'ON: every route serves local' if killed else 'off'}{outside}")
    return 0


def kill_switch_changed_outside(killed: bool) -> bool:
    """The switch was last set outside strangler (waffle's admin or command, audited as
    ``outside``), or differs from what strangler last recorded (a write without signals)."""
    last = RouteChange.objects.filter(route=actions.KILL_ROUTE).first()  # newest first
    if last is None:
        return killed
    recorded = (last.after or {}).get("kill_switch") == "on"
    return last.source == outside.SOURCE or recorded != killed


def _last(state: actions.RouteState) -> str:
    change = state.last_change
    if change is None:
        return ""
    return f"{change.changed_at:%Y-%m-%d %H:%M} {change.actor} {change.reason}".strip()
