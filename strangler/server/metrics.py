"""Server-side Prometheus metrics of a carved service, as a gRPC interceptor.

The service's own view of its calls (by method and status code) is what tells a failing
service apart from a failing network when the client's figures go bad. An interceptor keeps
this out of the servicers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from prometheus_client import Counter, Histogram

from strangler.metrics import LATENCY_BUCKETS, child
from strangler.server import handlers

CALLS = Counter(
    "strangler_grpc_server_calls",
    "RPCs a carved service handled, by method and status code.",
    ["method", "code"],
)
LATENCY = Histogram(
    "strangler_grpc_server_seconds",
    "Time a carved service spent on an RPC, by method.",
    ["method"],
    buckets=LATENCY_BUCKETS,
)


class MetricsInterceptor(grpc.ServerInterceptor):
    """Count and time every RPC (unary and streaming) by full method name and status code."""

    def __init__(self) -> None:
        self._wrapped = handlers.Wrapped(_instrumented)

    def intercept_service(
        self, continuation: Callable, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        return self._wrapped(continuation(handler_call_details), handler_call_details.method)


def _instrumented(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    streams = handler.unary_stream is not None or handler.stream_stream is not None
    timed = _streaming if streams else _unary
    return handlers.wrap(handler, lambda behavior: timed(behavior, method))


def _unary(behavior: Callable, method: str) -> Callable:
    def wrapped(request: Any, context: grpc.ServicerContext) -> Any:
        started = time.perf_counter()
        failed = False
        try:
            return behavior(request, context)
        except BaseException:
            failed = True
            raise
        finally:
            _observe(method, context, failed, started)

    return wrapped


def _streaming(behavior: Callable, method: str) -> Callable:
    def wrapped(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        started = time.perf_counter()
        failed = False
        try:
            yield from behavior(request, context)
        except BaseException:
            failed = True
            raise
        finally:
            _observe(method, context, failed, started)

    return wrapped


def _observe(method: str, context: grpc.ServicerContext, failed: bool, started: float) -> None:
    code = context.code()
    if code is None:
        code = grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK
    child(CALLS, method, code.name).inc()
    child(LATENCY, method).observe(time.perf_counter() - started)
