"""Apply a write once, however many times it arrives with the same idempotency key.

A request message with a non-empty ``idempotency_key`` field is handled so:

1. its key is claimed by inserting a row (a unique index: of concurrent copies, one wins);
2. the winner runs the servicer and stores the answer: the response, or the error code and
   message of a domain error (NOT_FOUND, INVALID_ARGUMENT, ALREADY_EXISTS,
   FAILED_PRECONDITION), so a retry gets the same answer;
3. a retry finds the row (one select) and gets the stored answer without running anything;
   a copy arriving while the first is still running gets UNAVAILABLE (retryable);
4. the same key with a different request (another method or other fields) is refused with
   INVALID_ARGUMENT, naming the key.

A crash between the write and storing its answer leaves the claim pending; after
``STRANGLER_IDEMPOTENCY_LEASE`` seconds a retry takes it over and runs the write again.
Records older than ``STRANGLER_IDEMPOTENCY_RETENTION`` hours count as absent and are deleted
by ``manage.py purge_idempotency_keys``. The records live in the service's own database
(alias ``default``), whatever database holds the data.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import grpc
from django.db import IntegrityError, transaction
from django.utils import timezone
from google.protobuf.message import Message

from strangler import conf, methods
from strangler.server import handlers
from strangler.server.errors import drop_old_connections
from strangler.server.models import IdempotencyRecord

log = logging.getLogger("strangler.server.idempotency")

MAX_KEY_LENGTH = 200
# Answers that are the write's own outcome, stored and replayed; anything else (a crash, an
# unavailable database) releases the key so that a retry runs the write again.
FINAL_CODES = frozenset(
    {
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.FAILED_PRECONDITION,
    }
)


class Refused(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: run the write (``record`` is ours), or replay ``record``."""

    record: IdempotencyRecord
    replay: bool


def request_hash(method: str, request: Message) -> str:
    """Fingerprint of what is asked, without the key itself."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField(methods.IDEMPOTENCY_FIELD)
    digest = hashlib.sha256(method.encode() + b"\0")
    digest.update(copy.SerializeToString(deterministic=True))
    return digest.hexdigest()


def claim(key: str, method: str, fingerprint: str) -> Claim:
    """Claim ``key`` for this request, or find the earlier answer; Refused if we may not run."""
    if len(key) > MAX_KEY_LENGTH:
        raise Refused(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"idempotency_key must be at most {MAX_KEY_LENGTH} characters",
        )
    for _ in range(2):  # a second round after deleting an expired record
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key,
                    method=method,
                    request_hash=fingerprint,
                    state=IdempotencyRecord.PENDING,
                )
            return Claim(record, replay=False)
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(key=key).first()
        if record is None:
            continue  # purged in between
        if record.created_at < timezone.now() - _retention():
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            continue
        return _existing(record, method, fingerprint)
    raise Refused(grpc.StatusCode.UNAVAILABLE, f"idempotency key {key!r} is busy; retry")


def _existing(record: IdempotencyRecord, method: str, fingerprint: str) -> Claim:
    if record.method != method or record.request_hash != fingerprint:
        raise Refused(
            grpc.StatusCode.INVALID_ARGUMENT,
            f"idempotency key {record.key!r} was already used for a different request "
            f"({record.method}); use a new key for a new request",
        )
    if record.state == IdempotencyRecord.DONE:
        return Claim(record, replay=True)
    now = timezone.now()
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, state=IdempotencyRecord.PENDING, claimed_at__lt=now - _lease()
    ).update(claimed_at=now)
    if taken:  # the first attempt died before answering: run it again
        log.warning("taking over abandoned idempotency key %r", record.key)
        return Claim(record, replay=False)
    raise Refused(
        grpc.StatusCode.UNAVAILABLE,
        f"a call with idempotency key {record.key!r} is still in progress; retry",
    )


def finish(record: IdempotencyRecord, response: Message) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.DONE, code="OK", response=response.SerializeToString()
    )


def finish_with_error(record: IdempotencyRecord, code: grpc.StatusCode, details: str) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.DONE, code=code.name, details=details
    )


def release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.PENDING).delete()


def replay(record: IdempotencyRecord, method: str, context: grpc.ServicerContext) -> Message:
    if record.code == "OK":
        return methods.message_classes(method)[1].FromString(bytes(record.response))
    context.abort(grpc.StatusCode[record.code], record.details)
    raise AssertionError("context.abort() returned")  # pragma: no cover


def purge(older_than: timedelta | None = None) -> int:
    """Delete records older than the retention (or ``older_than``); return how many."""
    cutoff = timezone.now() - (older_than if older_than is not None else _retention())
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _retention() -> timedelta:
    return timedelta(hours=float(conf.get("IDEMPOTENCY_RETENTION")))


def _lease() -> timedelta:
    return timedelta(seconds=float(conf.get("IDEMPOTENCY_LEASE")))


def run_once(
    method: str, behavior: handlers.Behavior, request: Message, context: grpc.ServicerContext
) -> Any:
    """Run ``behavior`` for a keyed request at most once; replay the answer otherwise."""
    key = methods.idempotency_key(request)
    if not key:
        return behavior(request, context)
    drop_old_connections()
    try:
        outcome = claim(key, method, request_hash(method, request))
    except Refused as refused:
        if refused.code == grpc.StatusCode.UNAVAILABLE:
            # The service is fine: another copy of this write holds the key. Say so, so that
            # clients retry without counting it as the service failing.
            context.set_trailing_metadata(((methods.BUSY_METADATA_KEY, "idempotency-key"),))
        context.abort(refused.code, str(refused))
    if outcome.replay:
        return replay(outcome.record, method, context)
    try:
        response = behavior(request, context)
    except Exception:
        code = context.code()
        if code in FINAL_CODES:
            finish_with_error(outcome.record, code, _text(context.details()))
        else:
            release(outcome.record)
        raise
    finish(outcome.record, response)
    return response


def _text(details: str | bytes | None) -> str:
    """grpc keeps the details of an aborted call as bytes."""
    if isinstance(details, bytes):
        return details.decode("utf-8", "replace")
    return details or ""


class IdempotencyInterceptor(grpc.ServerInterceptor):
    """Apply ``run_once`` to every unary call (keyless requests pass straight through)."""

    def __init__(self) -> None:
        self._wrapped = handlers.Wrapped(_once)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler
        return self._wrapped(handler, details.method)


def _once(handler: grpc.RpcMethodHandler, path: str) -> grpc.RpcMethodHandler:
    method = path.lstrip("/")

    def make(behavior: handlers.Behavior) -> handlers.Behavior:
        return lambda request, context: run_once(method, behavior, request, context)

    return handlers.wrap(handler, make)
