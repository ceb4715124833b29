"""``manage.py strangler split ACTION``: drive the staged DB split of a carved service."""

from __future__ import annotations

import argparse
import math
from contextlib import ExitStack
from typing import Any, TextIO

from django.core.exceptions import ImproperlyConfigured
from rich.console import Console
from rich.table import Table

from strangler import cli, split_actions
from strangler.api.v1 import split_admin_pb2 as pb
from strangler.split.progress import RichProgress

HELP = "The staged DB split: status, advance, rollback, copy, verify, cleanup."

ACTIONS = {
    "status": "Show the stage of a split group, what each side holds and what comes next.",
    "advance": "Move a split group to its next stage (the service checks it may).",
    "rollback": "Move a split group back one stage, losing nothing.",
    "copy": "Copy the old tables into the service's own, resuming an interrupted copy.",
    "verify": "Compare both sides row by row (exit 1 if they differ); --repair fixes the new side.",
    "cleanup": "Drop the old tables of a frozen group, archiving them first with --archive-dir.",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in ACTIONS.items():
        child = actions.add_parser(name, help=text, description=text)
        child.add_argument("--group", default="sales", help="split group (default: sales)")
        child.add_argument(
            "--service",
            default="sales",
            help="service whose database is split, a key of STRANGLER_SERVICE_TARGETS "
            "(default: sales)",
        )
        child.add_argument("--json", action="store_true", help="print JSON instead of tables")
        if name in ("advance", "rollback", "cleanup"):
            child.add_argument("--reason", default="", help="why, kept in the service's audit")
        if name == "advance":
            child.add_argument(
                "--to", metavar="STAGE", help="the stage to reach; must be the next one"
            )
        if name == "copy":
            child.add_argument(
                "--batch-size", type=int, default=0, help="rows per batch (default: service's)"
            )
            child.add_argument(
                "--rows-per-second", type=float, default=0, help="throttle (default: none)"
            )
        if name == "verify":
            child.add_argument(
                "--repair", action="store_true", help="make the new side match the old one"
            )
        if name == "cleanup":
            child.add_argument(
                "--archive-dir", default="", help="directory on the service's host for archives"
            )


def run(options: dict[str, Any], out: TextIO) -> int:
    where = {"service": options["service"]}
    try:
        return _RUN[options["action"]](options["group"], options, where, out)
    except (split_actions.SplitAdminError, ImproperlyConfigured) as exc:
        raise cli.Failure(str(exc)) from None


def _status(group: str, options: dict, where: dict, out: TextIO) -> int:
    found = split_actions.status(group, **where)
    if options["json"]:
        out.write(split_actions.as_json(found) + "\n")
    else:
        _print_status(found, _console(out))
    return 0


def _advance(group: str, options: dict, where: dict, out: TextIO) -> int:
    done = split_actions.advance(group, to=options["to"], reason=options["reason"], **where)
    return _stage_changed(done, options, out)


def _rollback(group: str, options: dict, where: dict, out: TextIO) -> int:
    done = split_actions.rollback(group, reason=options["reason"], **where)
    return _stage_changed(done, options, out)


def _copy(group: str, options: dict, where: dict, out: TextIO) -> int:
    if options["batch_size"] < 0:
        raise cli.Failure("--batch-size must not be negative (0: the service's default)")
    if not math.isfinite(options["rows_per_second"]):
        raise cli.Failure("--rows-per-second must be a finite number (0: no throttle)")
    if options["rows_per_second"] < 0:
        raise cli.Failure("--rows-per-second must not be negative (0: no throttle)")
    console = _console(out)
    bars = RichProgress("copy", console)  # the engine's renderer, fed from the stream
    with ExitStack() as drawing:

        def progress(batch: pb.SplitCopyBatch) -> None:
            if options["json"]:
                return
            if not bars.tasks:  # the first batch: a copy refused at once prints only its error
                drawing.enter_context(bars)
            eta = None if batch.eta_seconds < 0 else batch.eta_seconds
            bars(batch.table, batch.rows_done, batch.rows_total, batch.rows_per_second, eta)

        summary = split_actions.copy(
            group,
            batch_size=options["batch_size"],
            rows_per_second=options["rows_per_second"],
            progress=progress,
            **where,
        )
    if options["json"]:
        out.write(split_actions.as_json(summary) + "\n")
        return 0 if summary.complete else 1
    copied = ", ".join(f"{t.table} {t.rows_copied}/{t.rows_total}" for t in summary.tables)
    state = "complete" if summary.complete else "stopped early (run it again to resume)"
    console.print(f"copy of {group} {state} in {summary.seconds:.1f}s: {copied}")
    return 0 if summary.complete else 1


def _verify(group: str, options: dict, where: dict, out: TextIO) -> int:
    report = split_actions.verify(group, repair=options["repair"], **where)
    left = 0 if report.repaired else report.differences
    if options["json"]:
        out.write(split_actions.as_json(report) + "\n")
        return 1 if left else 0
    table = Table(title=f"verify {group}", title_justify="left")
    for column in ("table", "compared", "missing", "extra", "different"):
        table.add_column(column, justify="left" if column == "table" else "right")
    table.add_column("examples (keys)", overflow="fold")
    for t in report.tables:
        examples = "; ".join(
            f"{kind}: {', '.join(keys)}"
            for kind, keys in (
                ("missing", t.missing_examples),
                ("extra", t.extra_examples),
                ("different", t.different_examples),
            )
            if keys
        )
        table.add_row(
            t.table, *map(str, (t.rows_compared, t.missing, t.extra, t.different)), examples
        )
    console = _console(out)
    console.print(table)
    done = "found and repaired" if report.repaired else f"(against the {report.truth} side)"
    console.print(f"{report.differences} differences {done}")
    return 1 if left else 0


def _cleanup(group: str, options: dict, where: dict, out: TextIO) -> int:
    done = split_actions.cleanup(
        group, archive_dir=options["archive_dir"], reason=options["reason"], **where
    )
    if options["json"]:
        out.write(split_actions.as_json(done) + "\n")
        return 0
    console = _console(out)
    for note in done.status.last_change.notes:
        console.print(note)
    console.print(f"{group}: old tables dropped; stage {done.status.stage}")
    return 0


def _stage_changed(done: pb.SplitStatus, options: dict, out: TextIO) -> int:
    if options["json"]:
        out.write(split_actions.as_json(done) + "\n")
    else:
        _console(out).print(
            f"{done.group}: {done.last_change.from_stage} -> {done.stage} "
            f"(reads {done.reads_from}, writes {done.writes_to})"
        )
    return 0


def _print_status(found: pb.SplitStatus, console: Console) -> None:
    table = Table(title=f"split group {found.group}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value")
    stages = " > ".join(s.upper() if s == found.stage else s for s in found.stages)
    table.add_row("stage", found.stage)
    table.add_row("stages", stages)
    table.add_row("reads from", found.reads_from)
    table.add_row("writes to", found.writes_to)
    table.add_row("next", found.next_stage or "-")
    table.add_row("rollback to", found.previous_stage or "-")
    table.add_row(
        "pending sync", f"{found.pending_forward} old -> new, {found.pending_reverse} new -> old"
    )
    if found.writes_to == "new" and found.pending_forward:
        table.add_row(
            "LEAKED WRITES",
            f"{found.pending_forward} writes reached the old tables after the write cutover "
            "(recorded, not applied): find who writes them; see verify",
        )
    change = found.last_change
    if change.to_stage:
        table.add_row(
            "last change",
            f"{change.changed_at} {change.actor}: {change.from_stage} -> {change.to_stage}"
            + (f" ({change.reason})" if change.reason else ""),
        )
    console.print(table)
    rows = Table(title="tables", title_justify="left")
    for column in ("table", "key", "old rows", "new rows", "copied"):
        rows.add_column(column, justify="left" if column in ("table", "key") else "right")
    for t in found.tables:
        copied = f"{t.rows_copied:,}" + (" (done)" if t.copy_done else "")
        rows.add_row(t.name, t.key, _count(t.old_rows), _count(t.new_rows), copied)
    console.print(rows)


def _count(rows: int) -> str:
    return "absent" if rows < 0 else f"{rows:,}"


def _console(out: TextIO) -> Console:
    return Console(file=out, width=160, soft_wrap=True, highlight=False)


_RUN = {
    "status": _status,
    "advance": _advance,
    "rollback": _rollback,
    "copy": _copy,
    "verify": _verify,
    "cleanup": _cleanup,
}
