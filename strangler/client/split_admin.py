"""Call a carved service's ``SplitAdmin`` RPC: the monolith's side of the staged DB split.

The token is the service's admin token (``STRANGLER_SERVICE_ADMIN_TOKENS[name]``), never the
everyday one. Unlike ``ServiceClient`` there are no retries and no circuit breaker: an operator
runs these calls one at a time and must see each failure as it is. A failure is a
``SplitAdminError`` whose message is one line an operator can act on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import grpc
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from strangler.api.v1 import split_admin_pb2 as pb
from strangler.api.v1 import split_admin_pb2_grpc
from strangler.client import channels
from strangler.client.calls import metadata_for, target_of

# Seconds per call (``STRANGLER_SPLIT_DEADLINES`` overrides any of them). Advance and rollback
# may drain a minute of changes and verify whole tables (entering verified), so they get the
# long deadline too; verify and cleanup read or archive whole tables. Copy streams without a
# deadline: its progress shows it is alive, and cancelling it (Ctrl-C) stops the copy in the
# service.
DEADLINES = {"status": 5.0, "stage": 3600.0, "long": 3600.0}


def deadline_for(kind: str) -> float:
    """The deadline of a kind of call, from ``STRANGLER_SPLIT_DEADLINES`` or ``DEADLINES``."""
    custom = getattr(settings, "STRANGLER_SPLIT_DEADLINES", None) or {}
    try:
        value = float(custom.get(kind, DEADLINES[kind]))
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"STRANGLER_SPLIT_DEADLINES[{kind!r}] must be seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ImproperlyConfigured(f"STRANGLER_SPLIT_DEADLINES[{kind!r}] must be positive")
    return value


class SplitAdminError(Exception):
    """A refused or failed admin call; ``code`` is the gRPC status code."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


class SplitAdminClient:
    """Admin calls to the service named ``service`` in ``STRANGLER_SERVICE_TARGETS``."""

    def __init__(self, service: str = "sales") -> None:
        self.service = service
        self.target = target_of(service)
        self.stub = split_admin_pb2_grpc.SplitAdminStub(channels.channel(self.target))

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return metadata_for(self.service, "SERVICE_ADMIN_TOKENS")

    def status(
        self, group: str, *, deadline: float | None = None, stage_only: bool = False
    ) -> pb.SplitStatus:
        request = pb.GetSplitStatusRequest(group=group, stage_only=stage_only)
        return self._unary("GetStatus", request, deadline or deadline_for("status"))

    def advance(self, group: str, to: str, actor: str, reason: str) -> pb.SplitStatus:
        request = pb.AdvanceSplitRequest(group=group, to=to, actor=actor, reason=reason)
        return self._unary("Advance", request, deadline_for("stage"))

    def rollback(self, group: str, actor: str, reason: str) -> pb.SplitStatus:
        request = pb.RollbackSplitRequest(group=group, actor=actor, reason=reason)
        return self._unary("Rollback", request, deadline_for("stage"))

    def copy(
        self, group: str, batch_size: int, rows_per_second: float
    ) -> Iterator[pb.CopySplitProgress]:
        """The service's progress messages as they come; closing the iterator cancels."""
        request = pb.CopySplitRequest(
            group=group, batch_size=batch_size, rows_per_second=rows_per_second
        )
        stream = self.stub.Copy(request, metadata=self.metadata())
        try:
            yield from stream
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        finally:
            stream.cancel()

    def verify(self, group: str, repair: bool) -> pb.SplitVerifyReport:
        request = pb.VerifySplitRequest(group=group, repair=repair)
        return self._unary("Verify", request, deadline_for("long"))

    def cleanup(
        self, group: str, archive_dir: str, actor: str, reason: str
    ) -> pb.CleanupSplitResponse:
        request = pb.CleanupSplitRequest(
            group=group, archive_dir=archive_dir, actor=actor, reason=reason
        )
        return self._unary("Cleanup", request, deadline_for("long"))

    def _unary(self, method: str, request, deadline: float):
        try:
            return getattr(self.stub, method)(request, timeout=deadline, metadata=self.metadata())
        except grpc.RpcError as exc:
            error = self._error(exc)
            if error.code == grpc.StatusCode.DEADLINE_EXCEEDED and method != "GetStatus":
                error = SplitAdminError(
                    f"{error} ({deadline:g} s): the service may still complete the step;"
                    " check `strangler split status` before retrying",
                    error.code,
                )
            raise error from None

    def _error(self, exc: grpc.RpcError) -> SplitAdminError:
        code, details = exc.code(), (exc.details() or "").strip()
        where = f"the {self.service} service at {self.target}"
        if code == grpc.StatusCode.UNAVAILABLE:
            message = f"cannot reach {where}: {_first_line(details) or code.name}"
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
            message = f"{where} did not answer in time"
        elif code == grpc.StatusCode.UNAUTHENTICATED:
            message = (
                f"{where} refused our admin token ({details}; check STRANGLER_SERVICE_ADMIN_TOKENS)"
            )
        elif code == grpc.StatusCode.PERMISSION_DENIED:
            message = f"{where} refused the call: {details} (an admin token is needed)"
        elif code == grpc.StatusCode.UNIMPLEMENTED:
            message = f"{where} has no SplitAdmin RPC (is it an older version?)"
        elif code == grpc.StatusCode.CANCELLED:
            message = "cancelled"
        else:
            message = _first_line(details) or code.name
        return SplitAdminError(message, code)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""
