"""The shadow path of a route: answer from the local side, check the remote side in the
background.

What the user gets is always the local outcome, returned (or raised) before the remote side
is even called; the remote call, the comparison and the bookkeeping run in the pool.

Writes are never shadowed. Calling the remote side of a write would perform the write a
second time (on the shared database, or on the service's own copy that the DB split then
finds different). The equivalence of writes is proven by the DB split's verification and
a small remote rollout instead; ``submit`` refuses a write outright so that no
configuration mistake can get one through.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from strangler import metrics
from strangler.shadow import mismatches
from strangler.shadow.compare import EXACT, Outcome, Rules, compare
from strangler.shadow.pool import ShadowPool, get_pool, sample_rate


class WriteNotShadowed(Exception):
    """A write use case was given to the shadow path, which would execute it twice."""

    def __init__(self, route: str) -> None:
        super().__init__(
            f"{route} writes; writes are never shadowed (the remote side would write a second "
            "time). Prove it with the DB split's verification and a small remote rollout."
        )


def check_shadowable(route: str, writes: bool) -> None:
    """Raise ``WriteNotShadowed`` for a write: call it before putting a route in shadow."""
    if writes:
        raise WriteNotShadowed(route)


def record_call(
    route: str,
    controller: str,
    side: str,
    seconds: float,
    error: BaseException | None,
    pool: ShadowPool | None = None,
) -> None:
    """Count one call of one side in metrics and in the evidence behind readiness.

    Routing calls this for every call it makes outside the shadow path too (local,
    remote, remote-fallback), so that readiness sees the remote side's real traffic.
    """
    metrics.call(route, controller, side, seconds, error)
    (pool or get_pool()).evidence.call(
        route, controller, side, seconds, metrics.outcome(error) == "error"
    )


def run_shadowed(
    route: str,
    controller: str,
    local_call: Callable[[], Any],
    remote_call: Callable[[], Any],
    *,
    rules: Rules = EXACT,
    request_keys: dict[str, Any] | None = None,
    writes: bool = False,
    pool: ShadowPool | None = None,
) -> Any:
    """Run ``local_call`` for the user, shadow ``remote_call``; return or raise the local side."""
    check_shadowable(route, writes)
    started = time.perf_counter()
    local = Outcome.of(local_call)
    seconds = time.perf_counter() - started
    submit(
        route,
        controller,
        local,
        seconds,
        remote_call,
        rules=rules,
        request_keys=request_keys,
        pool=pool,
    )
    if local.error is not None:
        raise local.error
    return local.value


def submit(
    route: str,
    controller: str,
    local: Outcome,
    local_seconds: float,
    remote_call: Callable[[], Any],
    *,
    rules: Rules = EXACT,
    request_keys: dict[str, Any] | None = None,
    writes: bool = False,
    pool: ShadowPool | None = None,
) -> bool:
    """Record the local side and queue the remote call and comparison; never blocks.

    Returns whether the shadow call was queued (False: sampled out or pool full).
    """
    check_shadowable(route, writes)
    pool = pool or get_pool()
    record_call(route, controller, "local", local_seconds, local.error, pool)
    keys = dict(request_keys or {})

    def shadow() -> None:
        started = time.perf_counter()
        remote = Outcome.of(remote_call)
        record_call(route, controller, "remote", time.perf_counter() - started, remote.error, pool)
        if metrics.outcome(remote.error) == "error":
            return  # no answer to compare: counted as a remote error, not a mismatch
        diff = compare(local, remote, rules)
        metrics.compared(route, controller, diff.equal)
        pool.evidence.comparison(route, controller, diff.equal)
        if not diff.equal:
            mismatches.record(route, controller, diff, keys)

    return pool.submit(route, controller, shadow, sample_rate(route))
