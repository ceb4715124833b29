"""Turn domain errors into gRPC status codes, a database outage into UNAVAILABLE (a client
may retry) and anything else into a bare INTERNAL.

A caller gets a status code and a message it can act on; a stack trace stays in the
service's log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import grpc
from django.db import InterfaceError, OperationalError, close_old_connections

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

    Like Django's request signals, it drops broken or expired DB connections around each call.
    """

    @functools.wraps(handler)
    def wrapped(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        close_old_connections()
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
            close_old_connections()

    return wrapped  # type: ignore[return-value]
