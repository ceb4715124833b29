"""The split groups a carved service knows, their engines, and the stage each is at.

Read from the service's settings::

    STRANGLER_SPLIT_GROUPS = {
        "sales": {
            "tables": [{"name": "sales_channel", "key": "id"}, ...],  # parents first
            "old": "sales",      # alias of the monolith's database (default "sales")
            "new": "default",    # alias of the service's own database (default "default")
            "retention_seconds": 604800,  # frozen this long before cleanup (engine default)
            "fence_seconds": 2.0,  # writes move: both sides captured this long (2 x STAGE_TTL)
        }
    }

A group is *active* only when its old alias is configured: a service running on its own
database alone has nothing to split, and routes as if no group existed.

The stage is read from the engine's state (in the service's own database) and kept
``STAGE_TTL`` seconds per process; a stage change made in this process is seen at once.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

from strangler.errors import NotFound
from strangler.server import split_sync
from strangler.split import Engine, SplitError, SplitGroup, Stage, TableSpec
from strangler.split.stages import applies

STAGE_TTL = 1.0

_lock = threading.Lock()
_stages: dict[str, tuple[Stage, float]] = {}  # group -> (stage, monotonic time read)
_engines: dict[str, Engine] = {}


@functools.cache
def groups() -> dict[str, tuple[SplitGroup, str, str, dict[str, Any]]]:
    """{name: (group, old alias, new alias, engine options)} from ``STRANGLER_SPLIT_GROUPS``."""
    found = {}
    for name, spec in getattr(settings, "STRANGLER_SPLIT_GROUPS", {}).items():
        try:
            tables = tuple(
                TableSpec(t["name"], t.get("key", "id"), _columns(t)) for t in spec["tables"]
            )
            group = SplitGroup(name, tables)
        except (KeyError, TypeError, SplitError) as exc:
            raise ImproperlyConfigured(f"STRANGLER_SPLIT_GROUPS[{name!r}]: {exc}") from None
        # The fence outlasts this module's stage cache (see Engine's fence_seconds).
        options = {"fence_seconds": float(spec.get("fence_seconds", STAGE_TTL * 2))}
        if "retention_seconds" in spec:
            options["retention_seconds"] = float(spec["retention_seconds"])
        found[name] = (group, spec.get("old", "sales"), spec.get("new", "default"), options)
    return found


def _columns(table: dict[str, Any]) -> tuple[str, ...] | None:
    columns = table.get("columns")
    return None if columns is None else tuple(columns)


def engine(name: str) -> Engine:
    """The engine of group ``name``; NotFound if the service knows no such group.

    Without the old database (before the split is set up, or once the group is cleaned and
    the setting removed) the engine still reports its status; steps that need the old side
    are refused by the engine, naming the missing alias.
    """
    found = groups().get(name)
    if found is None:
        known = ", ".join(sorted(groups())) or "none"
        raise NotFound(f"no split group {name!r} (known: {known})")
    with _lock:
        built = _engines.get(name)
        if built is None:
            group, old, new, options = found
            # One per group and process: it reads the tables' columns once, and is safe to
            # share between threads.
            built = _engines[name] = Engine(group, old=old, new=new, **options)
    return built


def group_of_table(table: str) -> str | None:
    """The active group that moves ``table``, if any."""
    for name, (group, old, _new, _options) in groups().items():
        if old in settings.DATABASES and any(t.name == table for t in group.tables):
            return name
    return None


def is_active(name: str) -> bool:
    """Whether group ``name`` is active: its old database is configured."""
    return groups()[name][1] in settings.DATABASES


def aliases(name: str) -> tuple[str, str]:
    _group, old, new, _options = groups()[name]
    return old, new


def stage(name: str) -> Stage:
    """The group's stage, at most ``STAGE_TTL`` seconds old."""
    with _lock:
        cached = _stages.get(name)
    if cached is not None and time.monotonic() - cached[1] < STAGE_TTL:
        return cached[0]
    return remember(name, engine(name).stage)


def remember(name: str, value: Stage | str) -> Stage:
    """Record a stage just read or set; routing in this process uses it at once."""
    current = Stage(value)
    with _lock:
        _stages[name] = (current, time.monotonic())
    if applies(current):
        split_sync.ensure_running()
    return current


def forget(**_: Any) -> None:
    with _lock:
        _stages.clear()
        _engines.clear()
    groups.cache_clear()


setting_changed.connect(forget, dispatch_uid="strangler-split-groups")
