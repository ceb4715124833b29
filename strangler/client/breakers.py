"""A circuit breaker per service target (pybreaker), and a view of their states.

Closed: calls go through and consecutive failures are counted. Open: calls fail at once,
giving the service time to recover and keeping the monolith responsive. After the reset
timeout the breaker is half-open: one trial call goes through; success closes it, failure
opens it again. Only failures of the service itself count (unavailable, timed out, crashed),
never answers such as NOT_FOUND.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
import pybreaker

from strangler import conf, methods

T = TypeVar("T")

FAILURE_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.DATA_LOSS,
    }
)


def is_service_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the service is failing (a "busy, retry" answer does not)."""
    if not isinstance(exc, grpc.RpcError) or exc.code() not in FAILURE_CODES:
        return False
    trailing = getattr(exc, "trailing_metadata", lambda: ())() or ()
    return not any(key == methods.BUSY_METADATA_KEY for key, _ in trailing)


class Breaker(pybreaker.CircuitBreaker):
    """pybreaker's breaker without its global lock around closed-state calls.

    pybreaker holds one lock for the whole guarded call, which would let only one call per
    service run at a time. Here a closed breaker only takes the lock to update its counters;
    while open or half-open, calls are serialised, and a call that finds the trial already in
    flight fails fast instead of waiting for it.
    """

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._lock:
            state = self.state
        if state.name != pybreaker.STATE_CLOSED:
            if not self._lock.acquire(blocking=False):
                raise pybreaker.CircuitBreakerError("a trial call is already in flight")
            try:
                return self.state.call(func, *args, **kwargs)
            finally:
                self._lock.release()
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            with self._lock:
                state._handle_error(exc)  # counts it, may open the breaker; re-raises
            raise
        with self._lock:
            state._handle_success()
        return result

    def retry_after(self) -> int:
        """Whole seconds until an open breaker lets a trial call through (at least 1)."""
        opened_at = self._state_storage.opened_at
        if self.current_state != pybreaker.STATE_OPEN or opened_at is None:
            return 1
        left = self.reset_timeout - (datetime.now(UTC) - opened_at).total_seconds()
        return max(1, math.ceil(left))


@dataclass(frozen=True)
class BreakerState:
    target: str
    state: str  # "closed", "open" or "half-open"
    failures: int  # consecutive failures counted so far
    fail_max: int
    reset_timeout: float
    retry_after: int | None  # seconds until a trial call, when open


_lock = threading.Lock()
_breakers: dict[str, Breaker] = {}


def breaker_for(target: str) -> Breaker:
    found = _breakers.get(target)
    if found is not None:
        return found
    with _lock:
        if target not in _breakers:
            settings = conf.get("BREAKER")
            _breakers[target] = Breaker(
                fail_max=int(settings["fail_max"]),
                reset_timeout=float(settings["reset_timeout"]),
                exclude=[lambda exc: not is_service_failure(exc)],
                throw_new_error_on_trip=False,
                name=target,
            )
        return _breakers[target]


def states() -> list[BreakerState]:
    """The state of every breaker this process has used, for status commands and metrics."""
    with _lock:
        breakers = list(_breakers.values())
    return [
        BreakerState(
            target=b.name or "",
            state=b.current_state,
            failures=b.fail_counter,
            fail_max=b.fail_max,
            reset_timeout=b.reset_timeout,
            retry_after=b.retry_after() if b.current_state == pybreaker.STATE_OPEN else None,
        )
        for b in breakers
    ]


def forget_all() -> None:
    """Drop every breaker; the next call builds a new one from the current settings."""
    with _lock:
        _breakers.clear()
