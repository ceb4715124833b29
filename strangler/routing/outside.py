"""Audit the changes made outside strangler: waffle's admin, ``manage.py waffle_flag`` and
``waffle_switch``, a shell. Each leaves a ``RouteChange`` with ``source="outside"``.

Signal handlers on waffle's Flag (strangler's flags, with their users and groups), Switch (the
kill switch) and strangler's ``Route`` read the route's state from the database before the
write (``pre_*``) and after it (``post_*``) and record the difference. Strangler's own writes
(``actions.change_routes``, ``actions.set_kill_switch``) record their own rows, so they run
inside ``strangler_writing()``, which silences these handlers in that thread.

The actor is the user of the web request making the change when
``strangler.routing.outside.ActorMiddleware`` is installed (waffle's admin), else the OS
account of the process (a command, a shell).
Writes that send no signal (``QuerySet.update``, SQL) are not recorded here; ``strangler
routes`` still shows them as changed outside strangler through the stored fingerprint.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_save,
    pre_delete,
    pre_save,
)
from waffle import get_waffle_flag_model, get_waffle_switch_model

from strangler.models import Route, RouteChange
from strangler.routing.names import KILL_SWITCH, RouteKey, route_of_flag

SOURCE = "outside"
REASON = "changed outside strangler (waffle admin or command)"

_local = threading.local()

State = tuple[dict[str, Any], str]  # the audit state, and the fingerprint of every field


class ActorMiddleware:
    """Remember the authenticated user of this request, so that a flag or switch changed in
    waffle's admin is audited under that user's name, not the server's OS account."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        _local.user = user if user is not None and user.is_authenticated else None
        try:
            return self.get_response(request)
        finally:
            _local.user = None


@contextmanager
def strangler_writing() -> Iterator[None]:
    """Strangler writes (and audits) routes in this thread: the handlers stay silent."""
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        yield
    finally:
        _local.depth -= 1


def _silent(kwargs: dict[str, Any]) -> bool:
    return getattr(_local, "depth", 0) > 0 or bool(kwargs.get("raw"))


def connect_signals() -> None:
    Flag, Switch = get_waffle_flag_model(), get_waffle_switch_model()
    uid = "strangler-outside-"
    for model, before, after in (
        (Flag, _flag_before, _flag_after),
        (Route, _route_before, _route_after),
        (Switch, _switch_before, _switch_after),
    ):
        pre_save.connect(before, sender=model, dispatch_uid=f"{uid}pre-{model}")
        pre_delete.connect(before, sender=model, dispatch_uid=f"{uid}pre-d-{model}")
        post_save.connect(after, sender=model, dispatch_uid=f"{uid}post-{model}")
        post_delete.connect(after, sender=model, dispatch_uid=f"{uid}post-d-{model}")
    for through in (Flag.users.through, Flag.groups.through):
        m2m_changed.connect(_members_changed, sender=through, dispatch_uid=f"{uid}{through}")


# Routes and their flags


def _route_state(key: RouteKey) -> State:
    """The route as stored now: its mode and, in words, who is in its flag."""
    from strangler.routing import actions
    from strangler.routing import table as route_table
    from strangler.routing.flags import Rollout

    row = Route.objects.filter(use_case=key.use_case, controller=key.controller).first()
    flag = get_waffle_flag_model().objects.filter(name=key.flag).first()
    if flag is None:
        rollout = Rollout(key.flag)
    else:
        users = set(flag.users.values_list("pk", flat=True))
        groups = set(flag.groups.values_list("pk", flat=True))
        rollout = route_table.compile_flag(flag, users, groups, {})
    mode = row.mode if row else Route.Mode.LOCAL.value
    state = {"mode": mode, "rollout": actions.describe(rollout, actions._names([rollout]))}
    return state, f"{mode}:{rollout.fingerprint()}"


def _remember(instance: Any, key: RouteKey | None) -> None:
    if key is not None:
        instance._strangler_before = (key, _route_state(key))


def _record_after(instance: Any) -> None:
    remembered = instance.__dict__.pop("_strangler_before", None)
    if remembered is not None:
        key, before = remembered
        _record(key.name, before, _route_state(key))


def _flag_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not _silent(kwargs):
        _remember(instance, route_of_flag(instance.name))


def _flag_after(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not _silent(kwargs):
        _record_after(instance)


def _route_before(sender: Any, instance: Route, **kwargs: Any) -> None:
    if not _silent(kwargs):
        _remember(instance, RouteKey(instance.use_case, instance.controller))


def _route_after(sender: Any, instance: Route, **kwargs: Any) -> None:
    if not _silent(kwargs):
        _record_after(instance)


def _members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """Users or groups added to or removed from a strangler flag (either side of the m2m)."""
    if _silent(kwargs):
        return
    when, _, _ = action.partition("_")
    if when == "pre":
        Flag = get_waffle_flag_model()
        if not reverse:
            flags = [instance]
        elif pk_set is not None:
            flags = list(Flag.objects.filter(pk__in=pk_set))
        else:  # cleared from the user's or group's side
            column = "user" if sender is Flag.users.through else "group"
            flag_ids = sender.objects.filter(**{column: instance}).values("flag_id")
            flags = list(Flag.objects.filter(pk__in=flag_ids))
        keys = {key for key in (route_of_flag(f.name) for f in flags) if key is not None}
        instance._strangler_members = {key: _route_state(key) for key in keys}
    elif when == "post":
        for key, before in instance.__dict__.pop("_strangler_members", {}).items():
            _record(key.name, before, _route_state(key))


# The kill switch


def _switch_state(active: bool) -> State:
    state = {"kill_switch": "on" if active else "off"}
    return state, state["kill_switch"]


def _switch_before(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _silent(kwargs) or instance.name != KILL_SWITCH:
        return
    stored = sender.objects.filter(name=KILL_SWITCH).values_list("active", flat=True).first()
    instance._strangler_before = (KILL_SWITCH, _switch_state(bool(stored)))


def _switch_after(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _silent(kwargs):
        return
    remembered = instance.__dict__.pop("_strangler_before", None)
    if remembered is not None:
        exists = sender.objects.filter(pk=instance.pk).exists() if instance.pk else False
        from strangler.routing.actions import KILL_ROUTE

        _record(KILL_ROUTE, remembered[1], _switch_state(exists and bool(instance.active)))


def _record(route: str, before: State, after: State) -> None:
    if before == after:
        return  # saved without a change
    from strangler.routing.actions import actor_name

    RouteChange.objects.create(
        route=route,
        actor=actor_name(getattr(_local, "user", None)),
        source=SOURCE,
        before=before[0],
        after=after[0],
        reason=REASON,
    )
