"""The decision: which side serves a use case for this request.

Made once per (request, use case) and remembered on the request, so one request never mixes
sides for a use case even if the table changes while it runs.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from strangler.routing import table as route_table
from strangler.routing.names import is_declared


class Mode(StrEnum):
    LOCAL = "local"
    SHADOW = "shadow"
    REMOTE = "remote"
    REMOTE_FALLBACK = "remote-fallback"


_MEMO = "_strangler_routes"


def controller_of(request: HttpRequest) -> str:
    """The controller a route is chosen for: a job's explicit name, else the URL name."""
    explicit = getattr(request, "strangler_controller", None)
    if explicit:
        return explicit
    match = getattr(request, "resolver_match", None)
    if match is None or not match.view_name:
        raise ImproperlyConfigured(
            "a use case was called outside a named view: give the URL a name, or route "
            "code that is not a view through strangler.routing.for_job(name)"
        )
    return match.view_name


def decide(request: HttpRequest, use_case: str) -> Mode:
    """The mode serving ``use_case`` for this request, stable for the request's lifetime."""
    memo = request.__dict__.get(_MEMO)
    if memo is None:
        memo = request.__dict__[_MEMO] = {}
    mode = memo.get(use_case)
    if mode is None:
        mode = memo[use_case] = _decide(request, use_case, controller_of(request))
    return mode


def _decide(request: HttpRequest, use_case: str, controller: str) -> Mode:
    table = route_table.current()
    entry = table.entry(use_case, controller)
    if entry.mode == Mode.LOCAL and not is_declared(use_case, controller):
        raise ImproperlyConfigured(
            f"route {use_case}:{controller} is not declared in STRANGLER_ROUTES"
        )
    if (
        table.killed
        or entry.mode == Mode.LOCAL
        or not entry.rollout.includes(request, table.settings)
    ):
        return Mode.LOCAL
    if entry.mode == Mode.REMOTE_FALLBACK and not entry.shared:
        return Mode.REMOTE  # falling back to data that is no longer shared would serve stale rows
    return Mode(entry.mode)


def for_job(controller: str, user: object | None = None) -> HttpRequest:
    """A request for code that is not a view (a report job), routed as ``controller``.

    It carries a user (waffle's rollouts need one) and buckets by the job's name, so a job
    in a percentage rollout stays on one side from run to run.
    """
    request = HttpRequest()
    request.user = user if user is not None else AnonymousUser()
    request.strangler_controller = controller
    request.strangler_bucket = controller
    return request
