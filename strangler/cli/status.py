"""``manage.py strangler status``: every route's evidence and whether it may advance."""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
from datetime import timedelta
from typing import TextIO

from rich.console import Console
from rich.table import Table

from strangler import cli
from strangler.shadow import readiness

# Longer periods than ten years are typing mistakes, and overflow datetime arithmetic.
MAX_HOURS = 10 * 366 * 24

HELP = "Show each route's mode, calls, errors, mismatches, latency and readiness verdict."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--window-hours",
        type=float,
        help="look back this many hours (default: STRANGLER_READINESS['window_hours'])",
    )
    parser.add_argument(
        "--route", help="only routes matching this name or glob, e.g. 'channels.read:*'"
    )


def run(options: dict, out: TextIO) -> int:
    window = options.get("window_hours")
    if window is not None:
        check_period("--window-hours", window, MAX_HOURS)
    results = readiness.report(
        readiness.known_routes(), None if window is None else timedelta(hours=window)
    )
    if options.get("route"):
        results = [r for r in results if fnmatch.fnmatchcase(r.route, options["route"])]
        if not results:
            raise cli.Failure(f"no route matches {options['route']!r}")
    if options.get("json"):
        out.write(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
    else:
        _table(results, out)
    return 0


def check_period(option: str, value: float, maximum: float) -> None:
    """A look-back period must be a finite positive number no longer than ten years."""
    if not math.isfinite(value) or value <= 0:
        raise cli.Failure(f"{option} must be a positive number, not {value:g}")
    if value > maximum:
        raise cli.Failure(f"{option} must be at most {maximum:g} (ten years), not {value:g}")


def _table(results: list[readiness.Readiness], out: TextIO) -> None:
    """One line per route; pairs of figures read local / remote."""
    console = Console(file=out, width=200, force_terminal=False, color_system=None)
    if not results:
        console.print("no routes and no evidence yet")
        return
    table = Table(title="strangler status (figures: local / remote)", title_justify="left")
    table.add_column("route", no_wrap=True)
    table.add_column("mode", no_wrap=True)
    table.add_column("rollout")
    for column in (
        "calls",
        "errors",
        "compared",
        "mismatches (unexplained)",
        "dropped",
        "p50 ms",
        "p99 ms",
    ):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("verdict", overflow="fold")
    for r in results:
        table.add_row(
            r.route,
            r.mode,
            r.rollout,
            f"{r.local.calls} / {r.remote.calls}",
            f"{_rate(r.local.error_rate)} / {_rate(r.remote.error_rate)}",
            str(r.compared),
            f"{r.mismatches} ({r.unexplained})",
            str(r.dropped),
            f"{_num(r.local.p50_ms)} / {_num(r.remote.p50_ms)}",
            f"{_num(r.local.p99_ms)} / {_num(r.remote.p99_ms)}",
            r.verdict,
        )
    console.print(table)


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.2%}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
