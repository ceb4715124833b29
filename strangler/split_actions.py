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
from collections.abc import Callable

from google.protobuf import json_format
from google.protobuf.message import Message

from strangler import data_shared
from strangler.api.v1 import split_admin_pb2 as pb
from strangler.client.split_admin import SplitAdminClient, SplitAdminError
from strangler.routing import table as route_table
from strangler.routing.actions import actor_name

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
    """Move to the next stage; ``to`` must name it (a guard against skipping by mistake)."""
    done = SplitAdminClient(service).advance(group, to or "", actor_name(actor), reason)
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


def _stage_changed(group: str, stage: str) -> None:
    """This process routes by the new stage at once (others within the TTLs)."""
    data_shared.remember(group, stage)
    route_table.invalidate()
