"""The route table: every route's mode and rollout, held in memory for a short time.

Reading flags per request would cost a cache round trip and an unpickled model per flag
(baselines: ~58 us for a percent flag) and, for groups, a query. Instead each process builds
one table with a handful of queries, keeps it ``STRANGLER_ROUTE_TABLE_TTL`` seconds, and
drops it as soon as a route, a strangler flag or switch, or a group membership is saved in
this process. Other processes see a change within the TTL.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.module_loading import import_string
from waffle import get_waffle_flag_model, get_waffle_switch_model

from strangler import conf
from strangler.models import Route
from strangler.routing.flags import Rollout, RolloutSettings
from strangler.routing.names import FLAG_PREFIX, KILL_SWITCH, flag_name, route_of_flag


@dataclass(frozen=True)
class Entry:
    """One route: the mode strangler stored and the flag that selects who gets it."""

    mode: str
    rollout: Rollout
    shared: bool  # the data is still shared, so remote-fallback may fall back


@dataclass(frozen=True)
class Table:
    entries: dict[tuple[str, str], Entry]
    killed: bool
    settings: RolloutSettings
    expires: float

    def entry(self, use_case: str, controller: str) -> Entry:
        found = self.entries.get((use_case, controller))
        if found is None:
            return Entry(Route.Mode.LOCAL, Rollout(flag_name(use_case, controller)), True)
        return found


_lock = threading.Lock()
_current: Table | None = None


def current() -> Table:
    """The table of this process, rebuilt when it is older than the TTL or was invalidated."""
    table = _current
    if table is not None and time.monotonic() < table.expires:
        return table
    with _lock:
        table = _current
        if table is None or time.monotonic() >= table.expires:
            table = _set(load())
    return table


def invalidate(**_: Any) -> None:
    """Forget the table now and again when the transaction commits (others see it then)."""
    _set(None)
    transaction.on_commit(lambda: _set(None))


def _set(table: Table | None) -> Table | None:
    global _current
    _current = table
    return table


def load() -> Table:
    """Build the table: routes, strangler flags with their users and groups, the kill switch."""
    rollouts = load_rollouts()
    modes = {(r.use_case, r.controller): r.mode for r in Route.objects.all()}
    shared = data_shared_check()
    entries = {}
    for key in set(modes) | {k for k in rollouts}:
        flag = flag_name(*key)
        mode = modes.get(key, Route.Mode.LOCAL)
        # Only routes that may call the service read it: a local route never waits on asking.
        is_shared = shared(key[0]) if mode != Route.Mode.LOCAL else True
        entries[key] = Entry(mode, rollouts.get(key, Rollout(flag)), is_shared)
    killed = get_waffle_switch_model().objects.filter(name=KILL_SWITCH, active=True).exists()
    ttl = float(conf.get("ROUTE_TABLE_TTL"))
    return Table(entries, killed, RolloutSettings.read(), time.monotonic() + ttl)


def load_rollouts() -> dict[tuple[str, str], Rollout]:
    """Every strangler flag compiled, with group members expanded to user ids."""
    Flag = get_waffle_flag_model()
    flags = list(Flag.objects.filter(name__startswith=FLAG_PREFIX))
    users = _pairs(Flag.users.through, "user_id", [f.pk for f in flags])
    groups = _pairs(Flag.groups.through, "group_id", [f.pk for f in flags])
    all_groups = {g for ids in groups.values() for g in ids}
    members: dict[Any, set[Any]] = defaultdict(set)
    if all_groups:
        through = get_user_model().groups.through
        for group_id, user_id in through.objects.filter(group_id__in=all_groups).values_list(
            "group_id", "user_id"
        ):
            members[group_id].add(user_id)
    found = {}
    for flag in flags:
        key = route_of_flag(flag.name)
        if key is None:
            continue
        group_ids = groups.get(flag.pk, set())
        found[key] = compile_flag(flag, users.get(flag.pk, set()), group_ids, members)
    return found


def compile_flag(flag: Any, user_ids: set, group_ids: set, members: dict[Any, set[Any]]) -> Rollout:
    return Rollout(
        flag=flag.name,
        exists=True,
        everyone=flag.everyone,
        percent=flag.percent,
        testing=flag.testing,
        superusers=flag.superusers,
        staff=flag.staff,
        authenticated=flag.authenticated,
        rollout=flag.rollout,
        languages=frozenset(x.strip() for x in flag.languages.split(",") if x.strip()),
        user_ids=frozenset(user_ids),
        group_ids=frozenset(group_ids),
        group_member_ids=frozenset(u for g in group_ids for u in members.get(g, ())),
    )


def _pairs(through: Any, column: str, flag_ids: list[Any]) -> dict[Any, set[Any]]:
    found: dict[Any, set[Any]] = defaultdict(set)
    if flag_ids:
        for flag_id, other in through.objects.filter(flag_id__in=flag_ids).values_list(
            "flag_id", column
        ):
            found[flag_id].add(other)
    return found


def data_shared_check() -> Any:
    """``STRANGLER_DATA_SHARED`` as a callable(use_case_name) -> bool."""
    setting = conf.get("DATA_SHARED")
    if isinstance(setting, bool):
        return lambda _use_case: setting
    return import_string(setting)


def connect_signals() -> None:
    """Drop the table whenever something it was built from changes in this process."""
    Flag = get_waffle_flag_model()
    for model in (Route, Flag, get_waffle_switch_model()):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"strangler-routes-{model}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"strangler-routes-d-{model}")
    for through in (Flag.users.through, Flag.groups.through, get_user_model().groups.through):
        m2m_changed.connect(invalidate, sender=through, dispatch_uid=f"strangler-routes-{through}")
    setting_changed.connect(_setting_changed, dispatch_uid="strangler-routes-settings")


def _setting_changed(setting: str, **_: Any) -> None:
    if setting.startswith(("STRANGLER_", "WAFFLE_")):
        _set(None)
