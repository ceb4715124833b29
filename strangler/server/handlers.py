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
    return find(details.invocation_metadata, key)


def find(metadata: Any, key: str) -> str | None:
    """The value of ``key`` in a call's metadata (pairs), or None."""
    for name, value in metadata or ():
        if name == key:
            return value
    return None


class Wrapped:
    """Wrapped handlers by method, reused while the continuation returns the same handler.

    gRPC asks the interceptors for a handler on every call; a wrapper that depends only on
    the method (and on what it finds in each call's context when it runs) need not be built
    again each time. A different handler (another interceptor refused the call, say) gets a
    wrapper of its own, which then replaces the remembered one.
    """

    def __init__(self, build: Callable[[grpc.RpcMethodHandler, str], Any]) -> None:
        self.build = build
        self._by_method: dict[str, tuple[grpc.RpcMethodHandler, Any]] = {}

    def __call__(self, handler: grpc.RpcMethodHandler | None, method: str) -> Any:
        if handler is None:
            return None
        found = self._by_method.get(method)
        if found is not None and found[0] is handler:
            return found[1]
        wrapped = self.build(handler, method)
        self._by_method[method] = (handler, wrapped)  # one assignment: safe across threads
        return wrapped
