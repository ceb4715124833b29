"""Names of routes and of the waffle flags and switch that drive them.

The convention: route ``sales_status.read:car-list`` is driven by the waffle flag
``strangler:sales_status.read:car-list``; the switch ``strangler:kill`` sends every route to
local. The set of routes is declared by the project (``STRANGLER_ROUTES``, a dotted path to a
list of ``(use case, controller)`` pairs), so a typo in a command is an error, not a new route.
"""

from __future__ import annotations

import fnmatch
import functools
from typing import Any, NamedTuple

from django.utils.module_loading import import_string

from strangler import conf

FLAG_PREFIX = "strangler:"
KILL_SWITCH = "strangler:kill"


class RouteKey(NamedTuple):
    """A (use case, controller) pair; a plain tuple, so that lookups need not build one."""

    use_case: str
    controller: str

    @property
    def name(self) -> str:
        return f"{self.use_case}:{self.controller}"

    @property
    def flag(self) -> str:
        return flag_name(self.use_case, self.controller)


def flag_name(use_case: str, controller: str) -> str:
    return f"{FLAG_PREFIX}{use_case}:{controller}"


def route_of_flag(name: str) -> RouteKey | None:
    """The route a strangler flag selects for (``flag_name`` backwards); None for others."""
    if not name.startswith(FLAG_PREFIX) or name == KILL_SWITCH:
        return None
    use_case, _, controller = name[len(FLAG_PREFIX) :].partition(":")
    return RouteKey(use_case, controller)


@functools.cache
def declared_routes() -> tuple[RouteKey, ...]:
    """Every route the project declares, sorted; empty when ``STRANGLER_ROUTES`` is unset."""
    path = conf.get("ROUTES")
    if not path:
        return ()
    pairs = import_string(path) if isinstance(path, str) else path
    # A pair may name its use case or hold the use case itself (then importing the routes
    # also defines the use cases).
    return tuple(sorted({RouteKey(getattr(uc, "name", uc), ctrl) for uc, ctrl in pairs}))


@functools.cache
def _declared_set() -> frozenset[RouteKey]:
    return frozenset(declared_routes())


def is_declared(use_case: str, controller: str) -> bool:
    return (use_case, controller) in _declared_set()


def matching(pattern: str) -> list[RouteKey]:
    """Declared routes named by a glob (``*:car-*``, ``channels.*``) or a stage (``stage:3``)."""
    if pattern.startswith("stage:"):
        stage = stages().get(pattern.removeprefix("stage:"))
        return sorted(stage.routes) if stage else []
    return [key for key in declared_routes() if fnmatch.fnmatchcase(key.name, pattern)]


@functools.cache
def stages() -> dict[str, Any]:
    """The project's rollout stages by number (``STRANGLER_STAGES``), empty when unset."""
    path = conf.get("STAGES")
    return {str(stage.number): stage for stage in (import_string(path) if path else ())}


def stage_of(key: RouteKey) -> str:
    """The number of the stage a route belongs to, or "" if none."""
    return next((n for n, stage in stages().items() if key in stage.routes), "")
