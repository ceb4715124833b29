"""Deadlines and retry rules of a call, read from ``STRANGLER_*`` settings."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fnmatch import fnmatchcase

import grpc

from strangler import conf, methods


def deadline_for(method: str) -> float:
    """Seconds a call to ``method`` may take, retries included."""
    overrides: dict[str, float] = conf.get("METHOD_DEADLINES")
    if method in overrides:
        return float(overrides[method])
    for pattern, seconds in overrides.items():
        if fnmatchcase(method, pattern):
            return float(seconds)
    return float(conf.get("DEFAULT_DEADLINE"))


@dataclass(frozen=True)
class RetryRule:
    attempts: int
    initial_backoff: float
    max_backoff: float
    codes: frozenset[grpc.StatusCode]


def retry_rule(method: str, has_idempotency_key: bool) -> RetryRule:
    """May this call be tried again, and on which codes?

    A read can always be repeated. A write only when it carries an idempotency key, so that
    the service applies it once however many times it arrives; and never after a timeout
    without a key, since the first attempt may have been applied. A timed-out write with a
    key is not retried either: the deadline it ran into is the whole call's deadline.
    """
    settings = conf.get("RETRY")
    return _rule(
        method,
        has_idempotency_key,
        int(settings["attempts"]),
        float(settings["initial_backoff"]),
        float(settings["max_backoff"]),
    )


@functools.lru_cache(maxsize=1024)
def _rule(
    method: str,
    has_idempotency_key: bool,
    attempts: int,
    initial_backoff: float,
    max_backoff: float,
) -> RetryRule:
    """The rule from the settings' values (read on every call, so that a change applies)."""
    read = methods.is_read(method)
    codes: set[grpc.StatusCode] = set()
    if read or has_idempotency_key:
        codes.add(grpc.StatusCode.UNAVAILABLE)
    if read:
        codes.add(grpc.StatusCode.DEADLINE_EXCEEDED)
    return RetryRule(
        attempts=attempts if codes else 1,
        initial_backoff=initial_backoff,
        max_backoff=max_backoff,
        codes=frozenset(codes),
    )
