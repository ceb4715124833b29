"""Whether a route may advance: its figures over a window and a verdict against thresholds.

A runbook gate calls ``report`` (or ``check``) rather than reading dashboards, so that the
decision to move a route from shadow to remote rests on the same figures every time:
enough compared calls, no unexplained difference, a remote side that answers and is not
much slower than the local one. Thresholds come from ``STRANGLER_READINESS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from strangler import conf, defaults
from strangler.models import RouteMinute, ShadowMismatch
from strangler.shadow import latency


@dataclass(frozen=True)
class RouteInfo:
    """What routing knows of a route; the evidence tables know the rest."""

    use_case: str
    controller: str
    mode: str = "unknown"
    rollout: str = ""
    writes: bool = False


@dataclass(frozen=True)
class Side:
    calls: int
    errors: int
    error_rate: float | None
    p50_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class Readiness:
    use_case: str
    controller: str
    mode: str
    rollout: str
    writes: bool
    local: Side
    remote: Side
    compared: int
    mismatches: int
    mismatch_rate: float | None
    unexplained: int
    dropped: int
    reasons: list[str] = field(default_factory=list)

    @property
    def route(self) -> str:
        return f"{self.use_case}:{self.controller}"

    @property
    def ready(self) -> bool:
        return not self.reasons

    @property
    def verdict(self) -> str:
        return "ready" if self.ready else f"not ready ({'; '.join(self.reasons)})"

    def as_dict(self) -> dict:
        return {**asdict(self), "route": self.route, "ready": self.ready, "verdict": self.verdict}


class NotReady(Exception):
    """A runbook gate refused to advance a route."""


def thresholds() -> dict[str, float]:
    return {**defaults.READINESS, **conf.get("READINESS")}


def known_routes() -> list[RouteInfo]:
    """Every declared route with the mode and rollout routing stored for it."""
    from strangler.routing import actions  # routing imports the use cases, which import us
    from strangler.usecases import registry

    killed = actions.kill_switch_active()
    return [
        RouteInfo(
            use_case=state.key.use_case,
            controller=state.key.controller,
            mode=f"local (killed; set {state.mode})" if killed else state.mode,
            rollout=state.rollout,
            writes=getattr(registry.get(state.key.use_case), "writes", False),
        )
        for state in actions.route_states()
    ]


def report(routes: Iterable[RouteInfo] = (), window: timedelta | None = None) -> list[Readiness]:
    """Readiness of ``routes`` plus every route that has evidence in the window."""
    limits = thresholds()
    window = window or timedelta(hours=limits["window_hours"])
    since = timezone.now() - window
    known = {(r.use_case, r.controller): r for r in routes}
    minutes = RouteMinute.objects.filter(minute__gte=since)
    for use_case, controller in minutes.values_list("use_case", "controller").distinct():
        known.setdefault((use_case, controller), RouteInfo(use_case, controller))
    return [_assess(info, minutes, since, limits) for _, info in sorted(known.items())]


def check(route: str, window: timedelta | None = None) -> Readiness:
    """The readiness of one route (``use_case:controller``), for a runbook gate.

    Raises ``NotReady`` with the reasons if it is not ready, ``LookupError`` if no such route.
    """
    use_case, _, controller = route.partition(":")
    found = [
        r
        for r in report(known_routes(), window)
        if (r.use_case, r.controller) == (use_case, controller)
    ]
    if not found:
        raise LookupError(f"no route {route!r} is declared or has evidence")
    if not found[0].ready:
        raise NotReady(f"{route}: {found[0].verdict}")
    return found[0]


def _assess(info: RouteInfo, minutes, since, limits: dict[str, float]) -> Readiness:
    rows = list(minutes.filter(use_case=info.use_case, controller=info.controller))
    local = _side(rows, "local")
    remote = _side(rows, "remote")
    compared = sum(r.compared for r in rows)
    mismatched = sum(r.mismatches for r in rows)
    unexplained = (
        ShadowMismatch.objects.filter(
            use_case=info.use_case,
            controller=info.controller,
            explained=False,
            last_seen__gte=since,
        ).aggregate(n=Sum("count"))["n"]
        or 0
    )
    result = Readiness(
        use_case=info.use_case,
        controller=info.controller,
        mode=info.mode,
        rollout=info.rollout,
        writes=info.writes,
        local=local,
        remote=remote,
        compared=compared,
        mismatches=mismatched,
        mismatch_rate=mismatched / compared if compared else None,
        unexplained=unexplained,
        dropped=sum(r.dropped for r in rows),
    )
    result.reasons.extend(_reasons(result, limits))
    return result


def _side(rows: list[RouteMinute], side: str) -> Side:
    calls = sum(getattr(r, f"{side}_calls") for r in rows)
    errors = sum(getattr(r, f"{side}_errors") for r in rows)
    buckets = latency.empty()
    for row in rows:
        buckets = latency.add(buckets, getattr(row, f"{side}_latency"))
    return Side(
        calls=calls,
        errors=errors,
        error_rate=errors / calls if calls else None,
        p50_ms=_ms(latency.percentile(buckets, 0.50)),
        p99_ms=_ms(latency.percentile(buckets, 0.99)),
    )


def _reasons(r: Readiness, limits: dict[str, float]) -> list[str]:
    """Every threshold the route misses, each said so that a person knows what to do."""
    reasons = []
    needed = int(limits["min_compared"])
    if r.writes:
        # Writes are never shadowed: their evidence is real remote traffic (a small rollout).
        if r.remote.calls < needed:
            reasons.append(
                f"write route: {r.remote.calls} of {needed} remote calls "
                "(writes are not shadowed; verify the DB split and roll out a small share)"
            )
    elif r.compared < needed:
        reasons.append(f"{r.compared} of {needed} compared calls")
    if r.unexplained > limits["max_unexplained_mismatches"]:
        reasons.append(f"{r.unexplained} unexplained mismatches")
    max_rate = limits["max_remote_error_rate"]
    if r.remote.error_rate is not None and r.remote.error_rate >= max_rate:
        reasons.append(f"remote error rate {r.remote.error_rate:.2%} >= {max_rate:.2%}")
    ratio = limits["max_p99_ratio"]
    if r.remote.p99_ms is not None and r.local.p99_ms is not None:
        if r.remote.p99_ms > ratio * r.local.p99_ms:
            reasons.append(
                f"remote p99 {r.remote.p99_ms:.1f} ms > {ratio:g}x local p99 "
                f"{r.local.p99_ms:.1f} ms"
            )
    elif r.remote.calls and not r.local.calls:
        reasons.append("no local latency to compare the remote side with")
    return reasons


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)
