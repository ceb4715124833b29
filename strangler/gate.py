"""The version gate: a route goes to a service only if the service serves what it calls.

The incident this prevents (see docs/version-gate.md): a controller was switched to the
service while the deployed service lacked the RPC it called. Each use case's remote side
declares its RPCs (``@calls``, with a minimum service version where behaviour changed
without a signature change); the gate compares them with what the service says it serves.

- At switch time (``check_switch``, called by every route change): the live service is asked,
  every replica of it; a missing RPC, a too old version or an unreachable service refuses.
- At run time (``closed``, called by a use case on every non-local request): what the
  process last heard from the service, a dict lookup on a cached verdict; a use case whose
  RPCs the service stopped serving is closed until the service serves them again.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from strangler import metrics, versions
from strangler.client import service_info
from strangler.client.service_info import Resolver, ServiceInfo
from strangler.errors import ServiceUnavailable

log = logging.getLogger("strangler.gate")


class GateRefused(Exception):
    """A switch the gate refuses; the message is one line naming routes, RPCs and service."""


@dataclass(frozen=True)
class Verdict:
    """Whether a use case may use its service, per what the service serves."""

    use_case: str
    service: str
    target: str
    version: str
    build_id: str
    lacks: tuple[str, ...]  # "pkg.Svc/Method" or "pkg.Svc/Method from version 1.2.0"

    @property
    def open(self) -> bool:
        return not self.lacks

    def describe(self, *routes: str) -> str:
        """One line: which routes need what, from which service (the use case if no routes)."""
        who = ", ".join(routes or (self.use_case,))
        verb = "need" if len(routes) > 1 else "needs"
        return (
            f"{who} {verb} {', '.join(self.lacks)}, which the {self.service} service at "
            f"{self.target} does not serve (version {self.version or 'unknown'}"
            + (f", build {self.build_id})" if self.build_id else ", no build id)")
        )


def requirements(use_case: Any) -> list[tuple[str, str | None]]:
    """(method, lowest service version or None) for every RPC the use case's remote calls."""
    return sorted(use_case.requirements().items())


def judge(use_case: Any, info: ServiceInfo) -> Verdict:
    lacks = []
    for method, minimum in requirements(use_case):
        if method not in info.methods:
            lacks.append(method)
        elif minimum is not None and not versions.at_least(info.version, minimum):
            lacks.append(f"{method} from version {minimum}")
    where = info.target
    if len(info.addresses) > 1:
        where += f" ({len(info.addresses)} addresses)"
    return Verdict(use_case.name, info.service, where, info.version, info.build_id, tuple(lacks))


# Switch time


def check_switch(
    route_names: Iterable[tuple[str, str]], *, resolver: Resolver | None = None
) -> list[Verdict]:
    """Refuse (GateRefused) unless the live service serves what each route's use case needs.

    ``route_names``: (use case, controller) pairs. Each service is asked once, on every
    address its target resolves to. Returns the verdicts (all open).
    """
    from strangler.usecases import registry

    by_use_case: dict[str, list[str]] = defaultdict(list)
    for use_case, controller in route_names:
        by_use_case[use_case].append(f"{use_case}:{controller}")
    by_service: dict[str, list[Any]] = defaultdict(list)
    for name in by_use_case:
        use_case = registry.get(name)
        if use_case is None:
            raise GateRefused(f"cannot tell what {name} needs: no such use case is defined")
        if not use_case.service:
            raise GateRefused(f"{name} names no service (UseCase(..., service=...))")
        by_service[use_case.service].append(use_case)
    verdicts, refusals = [], []
    for service, use_cases in sorted(by_service.items()):
        routes = [r for uc in use_cases for r in by_use_case[uc.name]]
        try:
            info = service_info.live(service, resolver=resolver)
        except (ServiceUnavailable, ImproperlyConfigured) as exc:
            raise GateRefused(
                f"cannot switch {', '.join(routes)}: {exc}; the gate refuses what it cannot prove"
            ) from None
        for use_case in use_cases:
            verdict = judge(use_case, info)
            verdicts.append(verdict)
            if not verdict.open:
                refusals.append(verdict.describe(*by_use_case[use_case.name]))
    if refusals:
        raise GateRefused("; ".join(refusals))
    return verdicts


# Run time

_lock = threading.Lock()
_last_closed: dict[str, bool] = {}


def closed(use_case: Any) -> Verdict | None:
    """The verdict that closes ``use_case``'s remote side now, or None (open, or unknown).

    Per request: a dict lookup and a TTL check. A verdict is made once per change of what
    the service serves, and a use case closing (or opening again) is logged and counted then.
    """
    info = service_info.cached(use_case.service)
    if info is None:
        return None  # nothing heard yet: the call itself will tell (UNIMPLEMENTED -> 503)
    try:
        return info.verdicts[use_case.name]  # None when open
    except KeyError:
        return _judge_once(use_case, info)


def _judge_once(use_case: Any, info: ServiceInfo) -> Verdict | None:
    with _lock:
        if use_case.name in info.verdicts:
            return info.verdicts[use_case.name]
        verdict = judge(use_case, info)
        info.verdicts[use_case.name] = None if verdict.open else verdict
        was_closed = _last_closed.get(use_case.name, False)
        _last_closed[use_case.name] = not verdict.open
    if not verdict.open and not was_closed:
        log.warning(
            "closing the remote side of %s: %s; its routes serve local while the data is "
            "shared, else answer 503",
            use_case.name,
            verdict.describe(),
        )
        metrics.gate_closed(use_case.name, info.service)
    elif verdict.open and was_closed:
        log.warning(
            "reopening the remote side of %s: the %s service serves its RPCs again",
            use_case.name,
            info.service,
        )
    return None if verdict.open else verdict


def forget() -> None:
    """Forget run-time verdicts and cached service info (tests; changed settings)."""
    with _lock:
        _last_closed.clear()
    service_info.forget()
