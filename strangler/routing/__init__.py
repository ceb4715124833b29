"""Per-request routing of use cases between the monolith and the carved service.

A *route* is a (use case, controller) pair. Its mode (local, shadow, remote, remote-fallback)
is stored by strangler; the waffle flag named after it selects who is in the rollout; one
waffle switch sends every route back to local. See ``docs/routing.md``.
"""

from strangler.routing.decide import Mode, controller_of, decide, for_job
from strangler.routing.names import KILL_SWITCH, RouteKey, declared_routes, flag_name

__all__ = [
    "KILL_SWITCH",
    "Mode",
    "RouteKey",
    "controller_of",
    "decide",
    "declared_routes",
    "flag_name",
    "for_job",
]
