"""What an operator can do to a staged DB split, from the monolith: plain functions.

The management command (``manage.py strangler split ...``), the admin and the runbook
runner all call these, so every path behaves the same. Each one asks the carved service
through its SplitAdmin RPC (``strangler.client.split_admin``); the service does the work on
its databases and refuses what its stage does not allow. A failure raises
``SplitAdminError`` with a one-line message, and the service changed nothing.
"""

from __future__ import annotations

import inspect
import json
import math
from collections.abc import Callable

from google.protobuf import json_format
from google.protobuf.message import Message

from strangler import data_shared
from strangler.api.v1 import split_admin_pb2 as pb
from strangler.client.split_admin import SplitAdminClient, SplitAdminError
from strangler.routing import table as route_table
from strangler.routing.actions import actor_name
from strangler.routing.decide import Mode
from strangler.routing.names import declared_routes
from strangler.split.errors import SplitError
from strangler.split.stages import parse as parse_stage

__all__ = [
    "SplitAdminError",
    "advance",
    "as_json",
    "cleanup",
    "copy",
    "rollback",
    "status",
    "verify",
]

Progress = Callable[[pb.SplitCopyBatch], None]


def status(group: str = "sales", *, service: str = "sales") -> pb.SplitStatus:
    found = SplitAdminClient(service).status(group)
    data_shared.remember(group, found.stage)
    return found


def advance(
    group: str = "sales",
    *,
    to: str | None = None,
    actor: object = None,
    reason: str = "",
    service: str = "sales",
) -> pb.SplitStatus:
    """Move to the next stage; ``to`` must name it (a guard against skipping by mistake).

    The monolith refuses, before asking the service, to move the truth to the service while
    some of its own routes would still write the old tables (``writes-cutover``: every
    route of a writing use case of the group must be ``remote`` for everyone), or to freeze
    the old tables while some route still reads or writes them (``frozen``: every route).
    """
    if to:
        try:
            parse_stage(to)  # an unknown stage needs no service to be refused
        except SplitError as exc:
            raise SplitAdminError(str(exc)) from None
    client = SplitAdminClient(service)
    target = to or client.status(group).next_stage
    _check_routes(group, target)
    # Always the stage checked above: a concurrent advance must not carry this one further.
    done = client.advance(group, target, actor_name(actor), reason)
    _stage_changed(group, done.stage)
    return done


def rollback(
    group: str = "sales", *, actor: object = None, reason: str = "", service: str = "sales"
) -> pb.SplitStatus:
    done = SplitAdminClient(service).rollback(group, actor_name(actor), reason)
    _stage_changed(group, done.stage)
    return done


def copy(
    group: str = "sales",
    *,
    batch_size: int = 0,
    rows_per_second: float = 0,
    progress: Progress | None = None,
    service: str = "sales",
) -> pb.SplitCopySummary:
    """Copy (or resume copying) the old tables into the new ones; ``progress`` gets each
    batch. Interrupting the caller cancels the call, which stops the copy in the service."""
    if not math.isfinite(rows_per_second):
        raise SplitAdminError(f"rows_per_second must be a finite number, not {rows_per_second}")
    summary = None
    for event in SplitAdminClient(service).copy(group, batch_size, rows_per_second):
        if event.HasField("batch") and progress is not None:
            progress(event.batch)
        elif event.HasField("summary"):
            summary = event.summary
    if summary is None:
        raise SplitAdminError("the copy ended without a summary: run it again to resume")
    return summary


def verify(
    group: str = "sales", *, repair: bool = False, service: str = "sales"
) -> pb.SplitVerifyReport:
    return SplitAdminClient(service).verify(group, repair)


def cleanup(
    group: str = "sales",
    *,
    archive_dir: str = "",
    actor: object = None,
    reason: str = "",
    service: str = "sales",
) -> pb.CleanupSplitResponse:
    """Drop the old tables of a frozen group (cannot be undone; archive them first)."""
    done = SplitAdminClient(service).cleanup(group, archive_dir, actor_name(actor), reason)
    _stage_changed(group, done.status.stage)
    return done


def as_json(message: Message) -> str:
    """The answer as JSON with every field present, for ``--json`` and scripts."""
    data = json_format.MessageToDict(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
        **_UNQUOTED,
    )
    return json.dumps(data, indent=2)


# Counts as JSON numbers, not the strings proto3's JSON mapping uses for int64 (protobuf >= 6).
_UNQUOTED = (
    {"unquote_int64_if_possible": True}
    if "unquote_int64_if_possible" in inspect.signature(json_format.MessageToDict).parameters
    else {}
)


def routes_serving_locally(group: str, *, writes_only: bool) -> list[str]:
    """Declared routes of the group's use cases that may still serve someone locally."""
    from strangler.usecases import registry  # the use cases register when routes import them

    table = route_table.current()
    left = []
    for key in declared_routes():
        if data_shared.group_of(key.use_case) != group:
            continue
        use_case = registry.get(key.use_case)
        if writes_only and not (use_case is not None and use_case.writes):
            continue
        entry = table.entry(key.use_case, key.controller)
        remote = entry.mode in (Mode.REMOTE, Mode.REMOTE_FALLBACK)  # no fallback once split
        if table.killed or not remote or entry.rollout.everyone is not True:
            mode = "killed" if table.killed else entry.mode
            left.append(f"{key.name} ({mode})")
    return left


def _check_routes(group: str, target: str) -> None:
    if target not in ("writes-cutover", "frozen"):
        return
    writes_only = target == "writes-cutover"
    left = routes_serving_locally(group, writes_only=writes_only)
    if left:
        what = "write" if writes_only else "use"
        more = f" and {len(left) - 3} more" if len(left) > 3 else ""
        raise SplitAdminError(
            f"cannot advance to {target}: routes still {what} the old tables locally: "
            f"{', '.join(left[:3])}{more} (route them to remote for everyone first)"
        )


def _stage_changed(group: str, stage: str) -> None:
    """This process routes by the new stage at once (others within the TTLs)."""
    data_shared.remember(group, stage)
    route_table.invalidate()
