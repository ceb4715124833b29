"""Log each call with the caller's request id, and put the id on every log line of the call.

The monolith sends ``x-request-id`` (see ``strangler.request_id``); with the
``RequestIdFilter`` on a handler, ``%(request_id)s`` in a log format shows it, so one HTTP
request can be followed through the service's log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import grpc

from strangler import request_id
from strangler.server import handlers

log = logging.getLogger("strangler.server.calls")


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` ("-" outside a call) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.current() or "-"
        return True


class RequestLogInterceptor(grpc.ServerInterceptor):
    """Bind the caller's request id for the call and log its outcome and duration (DEBUG)."""

    def __init__(self) -> None:
        self._wrapped = handlers.Wrapped(_logging)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        return self._wrapped(continuation(details), details.method)


def _logging(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    """The handler binding each call's request id (read from its metadata when it runs)."""

    def make(behavior: handlers.Behavior) -> handlers.Behavior:
        def logged(request: Any, context: grpc.ServicerContext) -> Any:
            rid = request_id.accept(
                handlers.find(context.invocation_metadata(), request_id.METADATA_KEY)
            )
            if not log.isEnabledFor(logging.DEBUG):
                with request_id.bound(rid):
                    return behavior(request, context)
            started = time.perf_counter()
            with request_id.bound(rid):
                try:
                    return behavior(request, context)
                finally:
                    code = context.code() or grpc.StatusCode.OK
                    log.debug(
                        "%s %s %.1fms",
                        method,
                        getattr(code, "name", code),
                        (time.perf_counter() - started) * 1000,
                    )

        return logged

    return handlers.wrap(handler, make)
