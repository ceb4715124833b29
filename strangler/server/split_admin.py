"""The ``SplitAdmin`` servicer: the monolith drives the split engine of this service.

Thin: each method translates a request into an ``Engine`` call on the group named in
``STRANGLER_SPLIT_GROUPS`` and its answer into a message. Errors: an unknown group is
NOT_FOUND, a bad argument INVALID_ARGUMENT, a step the stage does not allow
(``SplitError``) FAILED_PRECONDITION with the engine's one-line message. Only admin tokens
get here (``strangler.server.auth``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import grpc
from django.db import InterfaceError, OperationalError, close_old_connections, connections

from strangler.api.v1 import split_admin_pb2 as pb
from strangler.api.v1 import split_admin_pb2_grpc
from strangler.errors import FailedPrecondition, InvalidArgument, UseCaseError
from strangler.server import split_groups
from strangler.server.errors import rpc, status_for
from strangler.split import Engine, GroupStatus, SplitError, Stage, Transition, VerifyReport
from strangler.split.stages import (
    ORDER,
    next_stage,
    parse,
    previous_stage,
    reads_from,
    writes_to,
)

log = logging.getLogger("strangler.server.split")

Context = grpc.ServicerContext
T = TypeVar("T")
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION

DEFAULT_BATCH_SIZE = 5_000
DEFAULT_EXAMPLES = 10
MAX_EXAMPLES = 1000


class SplitAdminService(split_admin_pb2_grpc.SplitAdminServicer):
    @rpc
    def GetStatus(self, request, context: Context) -> pb.SplitStatus:
        engine = _engine(request.group)
        if request.stage_only:
            return _stage_status(engine, _refused(lambda: engine.stage))
        return _status(engine, _refused(engine.status))

    @rpc
    def Advance(self, request, context: Context) -> pb.SplitStatus:
        engine = _engine(request.group)
        if request.to:
            try:
                parse(request.to)
            except SplitError as exc:
                raise InvalidArgument(str(exc)) from None
        change = _refused(
            engine.advance,
            to=request.to or None,
            actor=_actor(request, context),
            reason=request.reason,
        )
        return _changed(engine, change)

    @rpc
    def Rollback(self, request, context: Context) -> pb.SplitStatus:
        engine = _engine(request.group)
        change = _refused(engine.rollback, actor=_actor(request, context), reason=request.reason)
        return _changed(engine, change)

    @rpc
    def Verify(self, request, context: Context) -> pb.SplitVerifyReport:
        if request.max_examples < 0:
            raise InvalidArgument("max_examples must not be negative")
        engine = _engine(request.group)
        report = _refused(engine.verify, repair=request.repair)
        return _report(report, min(request.max_examples or DEFAULT_EXAMPLES, MAX_EXAMPLES))

    @rpc
    def Cleanup(self, request, context: Context) -> pb.CleanupSplitResponse:
        engine = _engine(request.group)
        change = _refused(
            engine.cleanup,
            archive_dir=request.archive_dir or None,
            actor=_actor(request, context),
            reason=request.reason,
        )
        return pb.CleanupSplitResponse(status=_changed(engine, change))

    def Copy(self, request, context: Context) -> Iterator[pb.CopySplitProgress]:
        """One message per batch, then a summary. The engine copies in a thread of its own
        and hands its progress over a queue; it stops after the batch in hand once the
        caller has gone away (cancelled, disconnected), and the next Copy resumes."""
        try:
            if request.batch_size < 0 or request.rows_per_second < 0:
                raise InvalidArgument("batch_size and rows_per_second must not be negative")
            if not math.isfinite(request.rows_per_second):
                raise InvalidArgument("rows_per_second must be a finite number")
            engine = _engine(request.group)
            yield from _copy(engine, request, context)
        except (UseCaseError, SplitError) as exc:
            code = FAILED_PRECONDITION if isinstance(exc, SplitError) else status_for(exc)
            context.abort(code, _one_line(exc))
        except (OperationalError, InterfaceError) as exc:
            log.warning("database unavailable in SplitAdmin/Copy: %s", exc)
            context.abort(grpc.StatusCode.UNAVAILABLE, "database unavailable; retry later")
        except Exception:
            if context.code() is not None:
                raise
            log.exception("unhandled error in SplitAdmin/Copy")
            context.abort(grpc.StatusCode.INTERNAL, "internal error; see the service log")
        finally:
            close_old_connections()


_DONE = object()


def _copy(engine: Engine, request, context: Context) -> Iterator[pb.CopySplitProgress]:
    started = time.monotonic()
    events: queue.Queue = queue.Queue()

    def progress(table: str, done: int, total: int, rate: float, eta: float | None) -> None:
        events.put(
            pb.SplitCopyBatch(
                table=table,
                rows_done=done,
                rows_total=total,
                rows_per_second=rate,
                eta_seconds=-1 if eta is None else eta,
            )
        )

    def work() -> None:
        try:
            engine.copy(
                batch_size=request.batch_size or DEFAULT_BATCH_SIZE,
                rows_per_second=request.rows_per_second or None,
                progress=progress,
                should_stop=lambda: not context.is_active(),
            )
            events.put(_DONE)
        except BaseException as exc:  # handed to the call's thread, which reports it
            events.put(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work, name="split-copy", daemon=True)
    worker.start()
    while (event := events.get()) is not _DONE:
        if isinstance(event, BaseException):
            raise event
        yield pb.CopySplitProgress(batch=event)
    worker.join()
    yield pb.CopySplitProgress(summary=_summary(engine.status(), time.monotonic() - started))


def _summary(status: GroupStatus, seconds: float) -> pb.SplitCopySummary:
    return pb.SplitCopySummary(
        tables=[
            pb.SplitCopyTableSummary(
                table=t.name, rows_copied=t.rows_copied, rows_total=_rows(t.old_rows)
            )
            for t in status.tables
        ],
        seconds=seconds,
        complete=all(t.copy_done for t in status.tables),
    )


def _engine(group: str) -> Engine:
    if not group:
        raise InvalidArgument("group must be set")
    return split_groups.engine(group)


def _refused(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an engine call; a SplitError becomes FAILED_PRECONDITION with its message."""
    try:
        return call(*args, **kwargs)
    except SplitError as exc:
        raise FailedPrecondition(_one_line(exc)) from None


def _one_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _actor(request, context: Context) -> str:
    """Who the caller says it is, with the token it proved it by: the name is the caller's
    word, the token's fingerprint (never the token) is what the service checked."""
    header = dict(context.invocation_metadata()).get("authorization", "")
    token = header.removeprefix("Bearer ").strip()
    proof = hashlib.sha256(token.encode()).hexdigest()[:12] if token else "none"
    return f"{request.actor or 'unknown'} (token sha256:{proof})"


def _changed(engine: Engine, change: Transition) -> pb.SplitStatus:
    """The status after a stage change, which this process routes by from now on."""
    split_groups.remember(engine.group.name, change.to_stage)
    status = _status(engine, engine.status(), with_last_change=False)
    status.last_change.CopyFrom(
        pb.SplitStageChange(
            from_stage=change.from_stage,
            to_stage=change.to_stage,
            actor=change.actor,
            reason=change.reason,
            changed_at=change.at.isoformat(),
            notes=list(change.notes),
        )
    )
    return status


def _stage_status(engine: Engine, current: Stage) -> pb.SplitStatus:
    """The stage and what follows from it, read from the state row alone."""
    stage = split_groups.remember(engine.group.name, current)
    following, before = next_stage(stage), previous_stage(stage)
    return pb.SplitStatus(
        group=engine.group.name,
        stage=stage.value,
        stages=[s.value for s in ORDER],
        next_stage=following.value if following else "",
        previous_stage=before.value if before else "",
        reads_from=reads_from(stage),
        writes_to=writes_to(stage),
    )


def _status(engine: Engine, status: GroupStatus, with_last_change: bool = True) -> pb.SplitStatus:
    reply = _stage_status(engine, status.stage)
    keys = {t.name: t.key for t in engine.group.tables}
    reply.MergeFrom(
        pb.SplitStatus(
            tables=[
                pb.SplitTableState(
                    name=t.name,
                    key=keys.get(t.name, ""),
                    old_rows=_rows(t.old_rows),
                    new_rows=_rows(t.new_rows),
                    rows_copied=t.rows_copied,
                    copy_done=t.copy_done,
                )
                for t in status.tables
            ],
            pending_forward=status.pending_forward,
            pending_reverse=status.pending_reverse,
        )
    )
    if with_last_change:
        reply.last_change.CopyFrom(_last_change(engine))
    return reply


def _last_change(engine: Engine) -> pb.SplitStageChange:
    """The latest entry of the engine's audit of stage changes; empty if none yet."""
    history = engine.history(last=1)
    if not history:
        return pb.SplitStageChange()
    last = history[-1]
    return pb.SplitStageChange(
        from_stage=last["from_stage"],
        to_stage=last["to_stage"],
        actor=last["actor"],
        reason=last["reason"],
        changed_at=str(last["at"]),
    )


def _rows(count: int | None) -> int:
    return -1 if count is None else count


def _report(report: VerifyReport, examples: int) -> pb.SplitVerifyReport:
    return pb.SplitVerifyReport(
        group=report.group,
        stage=report.stage,
        truth=report.truth,
        differences=report.differences,
        repaired=report.repaired,
        seconds=report.seconds,
        tables=[
            pb.SplitTableDifferences(
                table=t.table,
                rows_compared=t.rows_compared,
                missing=t.missing_count,
                extra=t.extra_count,
                different=t.different_count,
                missing_examples=t.missing[:examples],
                extra_examples=t.extra[:examples],
                different_examples=t.different[:examples],
                repaired=t.repaired,
            )
            for t in report.tables
        ],
    )
