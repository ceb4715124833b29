"""Rollout stages: named sets of routes that move together, smallest blast radius first.

A project lists its stages as data (see the example's ``monolith/rollout.py``), so that
people, runbooks and checks can move or inspect a whole stage at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from strangler.routing.names import RouteKey


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    routes: tuple[RouteKey, ...]
    note: str = ""

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(sorted({key.controller for key in self.routes}))


def routes_of(use_cases: Iterable[Any], controllers: Iterable[str]) -> tuple[RouteKey, ...]:
    """Every (use case, controller) pair of the given use cases and controllers."""
    controllers = tuple(controllers)
    return tuple(
        RouteKey(getattr(uc, "name", uc), controller)
        for controller in controllers
        for uc in use_cases
    )
