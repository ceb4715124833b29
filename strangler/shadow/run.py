"""The shadow path of a route: answer from the local side, check the remote side in the
background.

What the user gets is always the local outcome, returned (or raised) before the remote side
is even called; the remote call, the comparison and the bookkeeping run in the pool.

Writes are never shadowed. Calling the remote side of a write would perform the write a
second time (on the shared database, or on the service's own copy that the DB split then
finds different). The equivalence of writes is proven by the DB split's verification and
a small remote rollout instead. Routing refuses shadow mode for a write use case and serves
a write locally whatever its mode says; ``submit`` refuses a write too, so that no
configuration or code path can get one through.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from strangler import conf, metrics
from strangler.shadow import mismatches
from strangler.shadow.compare import Outcome, Rules, compare
from strangler.shadow.pool import ShadowPool, get_pool, sample_rate
from strangler.shadow.rules import rules_for

log = logging.getLogger("strangler.shadow")


class WriteNotShadowed(Exception):
    """A write use case was given to the shadow path, which would execute it twice."""

    def __init__(self, use_case: str) -> None:
        super().__init__(
            f"{use_case} writes; writes are never shadowed (the remote side would write a "
            "second time). Prove it with the DB split's verification and a small remote rollout."
        )


@dataclass(frozen=True)
class ShadowCall:
    """One shadowed operation, as routing hands it over."""

    route: str  # "use_case:controller"
    operation: str
    local: Outcome
    call_remote: Callable[[], Any]
    request_keys: Mapping[str, Any] | None = None


def run(call: ShadowCall) -> Any:
    """Give the call to ``STRANGLER_SHADOW_RUNNER``; return (or raise) the local outcome."""
    import_string(conf.get("SHADOW_RUNNER"))(call)
    return call.local.unwrap()


def run_in_pool(call: ShadowCall, pool: ShadowPool | None = None) -> None:
    """The default runner: queue the remote call and its comparison; never blocks.

    A write that reaches it anyway is not shadowed: its local side has already written, so
    the user keeps that answer and the remote side is never called.
    """
    use_case, _, controller = call.route.partition(":")
    if _writes(use_case):
        log.error("%s reached the shadow path; its remote side was not called", call.route)
        return
    submit(
        use_case,
        controller,
        call.operation,
        call.local,
        call.call_remote,
        request_keys=call.request_keys,
        pool=pool,
    )


def check_shadowable(use_case: str, writes: bool) -> None:
    """Raise ``WriteNotShadowed`` for a write."""
    if writes:
        raise WriteNotShadowed(use_case)


def record_call(
    use_case: str,
    controller: str,
    side: str,
    seconds: float,
    error: BaseException | None,
    pool: ShadowPool | None = None,
) -> None:
    """Count one call of one side in metrics and in the evidence behind readiness.

    Routing should call this for the calls it makes outside the shadow path too (remote,
    remote-fallback), so that readiness also sees the remote side's real traffic.
    """
    metrics.call(use_case, controller, side, seconds, error)
    (pool or get_pool()).evidence.call(
        use_case, controller, side, seconds, metrics.outcome(error) == "error"
    )


def submit(
    use_case: str,
    controller: str,
    operation: str,
    local: Outcome,
    remote_call: Callable[[], Any],
    *,
    rules: Rules | None = None,
    request_keys: Mapping[str, Any] | None = None,
    writes: bool = False,
    pool: ShadowPool | None = None,
) -> bool:
    """Record the local side and queue the remote call and comparison; never blocks.

    Returns whether the shadow call was queued (False: sampled out or pool full). A write
    is refused (``WriteNotShadowed``) whether the caller says ``writes=True`` or the use
    case is registered with ``writes=True``.
    ``rules`` default to the use case's ``STRANGLER_SHADOW_RULES``, read in the pool so that a
    mistake there fails the shadow task (logged, counted), never the user's request.
    """
    check_shadowable(use_case, writes or _writes(use_case))  # the registry knows, too
    pool = pool or get_pool()
    record_call(use_case, controller, "local", local.seconds or 0.0, local.error, pool)
    keys = {"operation": operation, **(request_keys or {})}

    def shadow() -> None:
        remote = Outcome.of(remote_call)
        record_call(use_case, controller, "remote", remote.seconds or 0.0, remote.error, pool)
        if metrics.outcome(remote.error) == "error":
            return  # no answer to compare: counted as a remote error, not as a mismatch
        diff = compare(local, remote, rules if rules is not None else rules_for(use_case))
        metrics.compared(use_case, controller, diff.equal)
        pool.evidence.comparison(use_case, controller, diff.equal)
        if not diff.equal:
            mismatches.record(use_case, controller, operation, diff, keys)

    return pool.submit(use_case, controller, shadow, sample_rate(use_case, controller))


def _writes(use_case: str) -> bool:
    from strangler.routing.names import declared_routes
    from strangler.usecases import registry  # usecases imports this package

    declared_routes()  # importing the project's routes registers its use cases (cached)
    found = registry.get(use_case)
    return bool(getattr(found, "writes", False))
