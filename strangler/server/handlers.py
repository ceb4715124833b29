"""Wrap the behaviour of a gRPC method handler, whatever its kind, for server interceptors.

The metadata of a call is known before its handler runs, but the request message and the
servicer's context only inside it; interceptors that need them replace the behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

Behavior = Callable[[Any, grpc.ServicerContext], Any]
KINDS = ("unary_unary", "unary_stream", "stream_unary", "stream_stream")


def wrap(handler: grpc.RpcMethodHandler | None, make: Callable[[Behavior], Behavior]):
    """The handler with its behaviour replaced by ``make(behaviour)``; None stays None."""
    if handler is None:
        return None
    for kind in KINDS:
        behavior = getattr(handler, kind)
        if behavior is not None:
            return handler._replace(**{kind: make(behavior)})
    return handler


def refuse(handler: grpc.RpcMethodHandler | None, code: grpc.StatusCode, message: str):
    """The handler made to abort every call with ``code`` before the servicer sees it."""

    def make(_behavior: Behavior) -> Behavior:
        def aborted(_request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(code, message)

        return aborted

    return wrap(handler, make)


def metadata_value(details: grpc.HandlerCallDetails, key: str) -> str | None:
    for name, value in details.invocation_metadata or ():
        if name == key:
            return value
    return None
