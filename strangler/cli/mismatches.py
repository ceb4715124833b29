"""``manage.py strangler mismatches``: read, explain and clean up the differences shadow runs
found."""

from __future__ import annotations

import argparse
from typing import TextIO

from rich.console import Console
from rich.table import Table

from strangler import cli, conf
from strangler.cli import status
from strangler.models import ShadowMismatch
from strangler.routing.names import declared_routes
from strangler.shadow import evidence, mismatches

HELP = "List the differences shadow runs found; explain one; delete old evidence."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--use-case", help="only this use case")
    parser.add_argument("--all", action="store_true", help="include explained differences")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--explain",
        nargs=2,
        metavar=("ID", "NOTE"),
        help="accept difference ID as understood, saying why; it stops blocking readiness",
    )
    action.add_argument(
        "--cleanup",
        action="store_true",
        help="delete differences and per-minute evidence older than --days",
    )
    parser.add_argument(
        "--days",
        type=float,
        help="retention for --cleanup (default: STRANGLER_SHADOW_RETENTION_DAYS)",
    )


def run(options: dict, out: TextIO) -> int:
    if options.get("explain"):
        return _explain(*options["explain"], out)
    if options.get("cleanup"):
        return _cleanup(options.get("days"), out)
    if options.get("days") is not None:
        raise cli.Failure("--days goes with --cleanup")
    rows = ShadowMismatch.objects.all()
    if options.get("use_case"):
        _check_use_case(options["use_case"])
        rows = rows.filter(use_case=options["use_case"])
    if not options.get("all"):
        rows = rows.filter(explained=False)
    _table(list(rows), out)
    return 0


def _check_use_case(name: str) -> None:
    """An unknown use case is a typo, not an empty list (as ``status --route``)."""
    from strangler.usecases import registry

    known = {key.use_case for key in declared_routes()} | set(registry)
    known |= set(ShadowMismatch.objects.values_list("use_case", flat=True).distinct())
    if name not in known:
        raise cli.Failure(f"unknown use case {name!r}; `strangler routes` lists them")


def _explain(mismatch_id: str, note: str, out: TextIO) -> int:
    if not mismatch_id.isdigit():
        raise cli.Failure(f"ID must be a number, not {mismatch_id!r}")
    try:
        row = mismatches.explain(int(mismatch_id), note)
    except ShadowMismatch.DoesNotExist:
        raise cli.Failure(f"no difference with id {mismatch_id}") from None
    except ValueError as exc:
        raise cli.Failure(str(exc)) from None
    out.write(f"difference {row.pk} of {row.use_case} {row.controller} explained: {row.note}\n")
    return 0


def _cleanup(days: float | None, out: TextIO) -> int:
    days = conf.get("SHADOW_RETENTION_DAYS") if days is None else days
    status.check_period("--days", days, status.MAX_HOURS / 24)
    gone = mismatches.delete_older_than(days)
    minutes = evidence.delete_older_than(days)
    out.write(
        f"deleted {gone} differences and {minutes} evidence minutes older than {days:g} days\n"
    )
    return 0


def _table(rows: list[ShadowMismatch], out: TextIO) -> None:
    console = Console(file=out, width=200, force_terminal=False, color_system=None)
    if not rows:
        console.print("no differences")
        return
    table = Table(title="shadow differences", show_lines=True)
    for column in (
        "id",
        "route",
        "operation",
        "count",
        "first seen",
        "last seen",
        "request",
        "diff",
        "note",
    ):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.pk),
            f"{row.use_case}:{row.controller}",
            row.operation,
            str(row.count),
            f"{row.first_seen:%Y-%m-%d %H:%M:%S}",
            f"{row.last_seen:%Y-%m-%d %H:%M:%S}",
            str(row.last_request_keys),
            row.diff,
            row.note,
        )
    console.print(table)
