"""Turn domain errors into gRPC status codes, a database outage into UNAVAILABLE (a client
may retry) and anything else into a bare INTERNAL.

A caller gets a status code and a message it can act on; a stack trace stays in the
service's log.
"""

from __future__ import annotations

import functools
import logging
import select
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from django.db import InterfaceError, OperationalError, connections

from strangler import errors

log = logging.getLogger("strangler.server")

STATUS_OF: dict[type[errors.UseCaseError], grpc.StatusCode] = {
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.ServiceUnavailable: grpc.StatusCode.UNAVAILABLE,
}

Handler = TypeVar("Handler", bound=Callable[..., Any])


def status_for(exc: errors.UseCaseError) -> grpc.StatusCode:
    for kind in type(exc).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return grpc.StatusCode.INTERNAL


def rpc(handler: Handler) -> Handler:
    """Decorate a servicer method: map domain errors to status codes, hide crashes.

    Like Django's request signals, it drops broken or expired DB connections around each call
    (``drop_old_connections``).
    """

    @functools.wraps(handler)
    def wrapped(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        drop_old_connections()
        try:
            return handler(self, request, context)
        except errors.UseCaseError as exc:
            context.abort(status_for(exc), str(exc))
        except (OperationalError, InterfaceError) as exc:  # the database is down or restarting
            log.warning("database unavailable in %s: %s", handler.__qualname__, exc)
            context.abort(grpc.StatusCode.UNAVAILABLE, "database unavailable; retry later")
        except Exception:
            if context.code() is not None:  # context.abort() was called by the handler
                raise
            log.exception("unhandled error in %s", handler.__qualname__)
            context.abort(grpc.StatusCode.INTERNAL, "internal error; see the service log")
        finally:
            drop_old_connections()

    return wrapped  # type: ignore[return-value]


def drop_old_connections() -> None:
    """Django's ``close_old_connections``, with a health check that costs no round trip when
    the database has said nothing.

    Django closes connections that had errors or outlived ``CONN_MAX_AGE``, and with
    ``CONN_HEALTH_CHECKS`` runs ``SELECT 1`` before the next query of every connection: a
    round trip per call (~0.2 ms, as long as the read it guards). A PostgreSQL server that
    ends a connection (restart, ``pg_terminate_backend``, idle timeout) sends an error and
    closes the socket, which makes it readable; an idle connection's socket is not. So when
    the socket is closed or readable, Django's ``SELECT 1`` runs as before (and reconnects if
    the connection is gone); when it is quiet, the check is counted as done.
    """
    unchecked: dict[int, Any] = {}  # socket: connection whose health check is due
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()  # what close_old_connections() does
        if (
            connection.connection is not None
            and connection.health_check_enabled
            and not connection.health_check_done
        ):
            fileno = _socket_of(connection)
            if fileno is not None:
                unchecked[fileno] = connection
    if not unchecked:
        return
    try:
        readable, _, _ = select.select(list(unchecked), [], [], 0)
    except (OSError, ValueError):
        return
    for fileno in unchecked.keys() - set(readable):
        unchecked[fileno].health_check_done = True


def _socket_of(connection: Any) -> int | None:
    """The socket of an open PostgreSQL connection (None otherwise: Django checks it)."""
    if connection.vendor != "postgresql":
        return None
    raw = connection.connection
    try:
        return None if raw.closed else raw.fileno()
    except (OSError, ValueError, AttributeError):
        return None
