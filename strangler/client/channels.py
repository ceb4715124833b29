"""One gRPC channel per service target, shared by every thread of the process.

A grpc channel is thread-safe and multiplexes calls over one HTTP/2 connection; opening one
per call would pay a TCP (and later TLS) handshake each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import grpc

from strangler import methods

# Reconnect quickly after the service comes back: grpc's default backoff grows to 120 s,
# which would keep failing calls (and a half-open breaker's trial) long after a restart.
OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 2000),
)

_lock = threading.Lock()
_channels: dict[str, grpc.Channel] = {}
_callables: dict[tuple[str, str], grpc.UnaryUnaryMultiCallable] = {}


def channel(target: str) -> grpc.Channel:
    """The process's channel to ``target`` ("host:port"), opened on first use."""
    found = _channels.get(target)
    if found is not None:
        return found
    with _lock:
        if target not in _channels:
            _channels[target] = grpc.insecure_channel(target, options=OPTIONS)
        return _channels[target]


def unary(target: str, method: str) -> Callable[..., object]:
    """A reusable callable for a unary method on ``target``, built from the method's name."""
    key = (target, method)
    found = _callables.get(key)
    if found is None:
        request_class, response_class = methods.message_classes(method)
        found = channel(target).unary_unary(
            "/" + method,
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        _callables[key] = found
    return found


def close_all() -> None:
    """Close every channel (tests, or a process shutting down)."""
    with _lock:
        for opened in _channels.values():
            opened.close()
        _channels.clear()
        _callables.clear()
