"""What people do to routes: list them, change them, pull the kill switch.

Plain functions (as alembic's ``command`` module) that the management command, the Python
API, and later the admin and runbooks all call, so every path validates the same way and
leaves the same audit row. Each validates everything first and changes nothing on error.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max, Subquery
from waffle import get_waffle_flag_model, get_waffle_switch_model

from strangler.models import Route, RouteChange
from strangler.routing import outside
from strangler.routing import table as route_table
from strangler.routing.decide import Mode
from strangler.routing.flags import Rollout
from strangler.routing.names import (
    KILL_SWITCH,
    RouteKey,
    declared_routes,
    matching,
    stage_of,
)

KILL_ROUTE = "*"


class RouteError(ValueError):
    """A change that cannot be made; the message is one line a person can act on."""


@dataclass(frozen=True)
class RolloutSpec:
    """Who gets a route's mode: everyone, a percentage, users and groups (by name)."""

    everyone: bool | None = True
    percent: Decimal | None = None
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteState:
    key: RouteKey
    stage: str
    mode: str
    rollout: str
    changed_outside: bool
    last_change: RouteChange | None

    def as_json(self) -> dict[str, Any]:
        last = self.last_change
        return {
            "route": self.key.name,
            "use_case": self.key.use_case,
            "controller": self.key.controller,
            "stage": self.stage,
            "flag": self.key.flag,
            "mode": self.mode,
            "rollout": self.rollout,
            "changed_outside_strangler": self.changed_outside,
            "last_change": None
            if last is None
            else {"at": last.changed_at.isoformat(), "by": last.actor, "reason": last.reason},
        }


# Reading


def route_states() -> list[RouteState]:
    """Every declared route as stored now (read from the database, not the cached table)."""
    rows = {(r.use_case, r.controller): r for r in Route.objects.all()}
    rollouts = route_table.load_rollouts()
    names = _names(rollouts.values())
    last = _last_changes()
    states = []
    for key in declared_routes():
        row, rollout = rows.get(key), rollouts.get(key, Rollout(key.flag))
        states.append(
            RouteState(
                key=key,
                stage=stage_of(key),
                mode=row.mode if row else Mode.LOCAL.value,
                rollout=describe(rollout, names),
                changed_outside=_changed_outside(row, rollout),
                last_change=last.get(key.name),
            )
        )
    return states


def kill_switch_active() -> bool:
    return get_waffle_switch_model().objects.filter(name=KILL_SWITCH, active=True).exists()


def describe(rollout: Rollout, names: dict[str, dict[Any, str]]) -> str:
    """Who is in, in words: ``everyone``, ``nobody``, ``10%``, ``users: alice``..."""
    if not rollout.exists or rollout.everyone is False:
        return "nobody"
    if rollout.everyone:
        return "everyone"
    parts = []
    if rollout.percent:
        parts.append(f"{rollout.percent.normalize():f}%")
    if rollout.user_ids:
        parts.append("users: " + _joined(rollout.user_ids, names["users"]))
    if rollout.group_ids:
        parts.append("groups: " + _joined(rollout.group_ids, names["groups"]))
    for attribute in ("authenticated", "staff", "superusers", "testing"):
        if getattr(rollout, attribute):
            parts.append(attribute)
    if rollout.languages:
        parts.append("languages: " + ",".join(sorted(rollout.languages)))
    return "; ".join(parts) or "nobody"


def _joined(ids: frozenset[Any], names: dict[Any, str]) -> str:
    return ",".join(sorted(names.get(i, str(i)) for i in ids))


# Changing


def change_routes(
    pattern: str,
    mode: str,
    *,
    percent: str | Decimal | None = None,
    users: tuple[str, ...] | list[str] = (),
    groups: tuple[str, ...] | list[str] = (),
    testing: bool | None = None,
    reason: str = "",
    actor: Any = None,
    source: str = "python",
) -> list[RouteChange]:
    """Set the mode and rollout of every declared route matching ``pattern`` (a name or glob).

    Without percent, users or groups the mode applies to everyone; ``local`` takes no rollout.
    """
    keys = matching(pattern)
    if not keys:
        raise RouteError(f"unknown route {pattern!r}; `strangler routes` lists them")
    mode = _check_mode(mode)
    spec = _rollout_spec(mode, percent, users, groups)
    for key in keys:
        _check_allowed(key, mode)
    user_rows, group_rows = _lookup(spec)
    if mode is not Mode.LOCAL:
        _check_gate(keys)
    who = actor_name(actor)
    with outside.strangler_writing(), transaction.atomic():
        before = {s.key: s for s in route_states() if s.key in keys}
        for key in keys:
            _write_route(key, mode, spec, user_rows, group_rows, testing)
        after = {s.key: s for s in route_states() if s.key in keys}
        changes = [
            RouteChange.objects.create(
                route=key.name,
                actor=who,
                source=source,
                before=_audit_state(before[key]),
                after=_audit_state(after[key]),
                reason=reason,
            )
            for key in keys
        ]
    route_table.invalidate()
    return changes


def set_kill_switch(
    active: bool, *, reason: str = "", actor: Any = None, source: str = "python"
) -> RouteChange:
    """Turn the kill switch on (every route serves local) or off (routes as configured).

    Turning it off sends routes to the service again, so the version gate checks them first.
    """
    if not active:
        _check_gate(
            [RouteKey(r.use_case, r.controller) for r in Route.objects.exclude(mode="local")]
        )
    Switch = get_waffle_switch_model()
    with outside.strangler_writing(), transaction.atomic():
        switch, _ = Switch.objects.select_for_update().get_or_create(
            name=KILL_SWITCH,
            defaults={"note": "strangler: when on, every route is served by the monolith"},
        )
        before = switch.active
        switch.active = active
        switch.save()
        change = RouteChange.objects.create(
            route=KILL_ROUTE,
            actor=actor_name(actor),
            source=source,
            before={"kill_switch": "on" if before else "off"},
            after={"kill_switch": "on" if active else "off"},
            reason=reason,
        )
    route_table.invalidate()
    return change


def actor_name(actor: Any) -> str:
    """``user:<username>`` for a Django user, the string as given, else the OS account."""
    if actor is None:
        return f"os:{getpass.getuser()}"
    if isinstance(actor, str):
        return actor
    return f"user:{actor.get_username()}"


# Checks


def _check_mode(mode: str) -> Mode:
    try:
        return Mode(mode)
    except ValueError:
        modes = ", ".join(m.value for m in Mode)
        raise RouteError(f"unknown mode {mode!r}; expected one of {modes}") from None


def _rollout_spec(mode: Mode, percent: Any, users: Any, groups: Any) -> RolloutSpec:
    users, groups = tuple(users or ()), tuple(groups or ())
    if mode is Mode.LOCAL:
        if percent is not None or users or groups:
            raise RouteError("mode local takes no --percent, --users or --groups")
        return RolloutSpec(everyone=False)
    if percent is None and not users and not groups:
        return RolloutSpec(everyone=True)
    value = _percent(percent) if percent is not None else None
    if value == 100:
        return RolloutSpec(everyone=True)
    return RolloutSpec(everyone=None, percent=value or None, users=users, groups=groups)


def _percent(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise RouteError(f"percent must be a number from 0 to 100, not {raw!r}") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise RouteError(f"percent must be from 0 to 100, not {raw}")
    if value != value.quantize(Decimal("0.1")):
        raise RouteError(f"percent takes at most one decimal (waffle stores 0.1 steps), not {raw}")
    return value.quantize(Decimal("0.1"))


def _check_allowed(key: RouteKey, mode: Mode) -> None:
    from strangler.usecases import registry  # the use cases register when routes import them

    use_case = registry.get(key.use_case)
    if mode is Mode.SHADOW and use_case is not None and use_case.writes:
        raise RouteError(
            f"{key.name}: {key.use_case} writes, and writes are never shadowed "
            "(both sides would write); use remote-fallback or remote"
        )
    if mode is Mode.REMOTE_FALLBACK and not route_table.data_shared_check()(key.use_case):
        raise RouteError(
            f"{key.name}: the data of {key.use_case} is no longer shared, so local cannot "
            "serve it; use remote"
        )


def _check_gate(keys: list[RouteKey]) -> None:
    """Ask the live service whether it serves what the routes call (see strangler.gate)."""
    if not keys:
        return
    from strangler import gate  # loads the gRPC client: only when a route goes remote

    try:
        gate.check_switch(keys)
    except gate.GateRefused as exc:
        raise RouteError(str(exc)) from None


def _lookup(spec: RolloutSpec) -> tuple[list[Any], list[Group]]:
    User = get_user_model()
    users = list(User.objects.filter(**{f"{User.USERNAME_FIELD}__in": spec.users}))
    unknown = set(spec.users) - {u.get_username() for u in users}
    if unknown:
        raise RouteError(f"unknown user(s): {', '.join(sorted(unknown))}")
    groups = list(Group.objects.filter(name__in=spec.groups))
    unknown = set(spec.groups) - {g.name for g in groups}
    if unknown:
        raise RouteError(f"unknown group(s): {', '.join(sorted(unknown))}")
    return users, groups


# Writing


def _write_route(
    key: RouteKey,
    mode: Mode,
    spec: RolloutSpec,
    users: list[Any],
    groups: list[Group],
    testing: bool | None,
) -> None:
    Flag = get_waffle_flag_model()
    flag, _ = Flag.objects.get_or_create(
        name=key.flag,
        defaults={"note": f"strangler route {key.name}: who gets the mode strangler stores"},
    )
    flag.everyone = spec.everyone
    flag.percent = spec.percent
    flag.superusers = flag.staff = flag.authenticated = flag.rollout = False
    flag.languages = ""
    if testing is not None:
        flag.testing = testing
    flag.save()
    flag.users.set(users)
    flag.groups.set(groups)
    rollout = route_table.compile_flag(flag, {u.pk for u in users}, {g.pk for g in groups}, {})
    Route.objects.update_or_create(
        use_case=key.use_case,
        controller=key.controller,
        defaults={"mode": mode.value, "flag_fingerprint": rollout.fingerprint(mode.value)},
    )


def _changed_outside(row: Route | None, rollout: Rollout) -> bool:
    if row is None:
        return rollout.exists  # a flag strangler never wrote
    # The fingerprint covers the mode too; rows written before it did match without a mode.
    return row.flag_fingerprint not in (rollout.fingerprint(row.mode), rollout.fingerprint())


def _audit_state(state: RouteState) -> dict[str, Any]:
    return {"mode": state.mode, "rollout": state.rollout}


def _names(rollouts: Any) -> dict[str, dict[Any, str]]:
    user_ids = {u for r in rollouts for u in r.user_ids}
    group_ids = {g for r in rollouts for g in r.group_ids}
    User = get_user_model()
    return {
        "users": {u.pk: u.get_username() for u in User.objects.filter(pk__in=user_ids)},
        "groups": dict(Group.objects.filter(pk__in=group_ids).values_list("pk", "name")),
    }


def _last_changes() -> dict[str, RouteChange]:
    latest = RouteChange.objects.values("route").annotate(last=Max("id")).values("last")
    return {c.route: c for c in RouteChange.objects.filter(id__in=Subquery(latest))}
