"""Is a use case's data still shared by the monolith and the service? Asked of the service.

``STRANGLER_DATA_SHARED = "strangler.data_shared.data_shared"`` makes routing ask this. The data
is shared while the split group holding it is at a stage before ``writes-cutover``: until
then the monolith's tables are the truth (or kept in step with it), so a route may fall back
to local. From ``writes-cutover`` on, the service's own tables are the truth, and a route in
``remote-fallback`` behaves as ``remote``.

A use case maps to a split group through ``STRANGLER_SPLIT_USE_CASES`` (``{"sales":
["channels.*", ...]}``, fnmatch globs); a use case in no group is shared. Groups are split
inside the service of the same name. The stage is read with
``SplitAdmin/GetStatus(stage_only)`` and kept ``STRANGLER_SPLIT_STAGE_TTL`` seconds per process.

Only the first lookup in a process waits for the service (at most ``LOOKUP_DEADLINE``); after
that a stale answer is served while a background thread asks again, so a request never waits
on the service to learn the stage.

When the service cannot be asked, the last answer seen by this process stands; if it never
answered, the data counts as shared. So a process that once saw the data split keeps
refusing fallback while the service is down, but a process started during an outage assumes
shared: fallback then serves the monolith's tables, which stay in step until ``frozen``.
"""

from __future__ import annotations

import logging
import threading
import time
from fnmatch import fnmatchcase
from typing import Any

from django.core.signals import setting_changed

from strangler import conf
from strangler.client.split_admin import SplitAdminClient, SplitAdminError
from strangler.split.stages import Stage, truth_side

log = logging.getLogger("strangler.data_shared")

# Seconds a stage lookup may take: it runs while the route table is built.
LOOKUP_DEADLINE = 1.0

_lock = threading.Lock()
_seen: dict[str, tuple[bool, float]] = {}  # group -> (shared, monotonic time read)
_unknown: set[str] = set()  # groups whose stage could not be read last time
_refreshing: set[str] = set()  # groups a background thread is asking about now


def data_shared(use_case: str) -> bool:
    group = group_of(use_case)
    if group is None:
        return True
    return _shared(group)


def group_of(use_case: str) -> str | None:
    groups: dict[str, list[str]] = conf.get("SPLIT_USE_CASES")
    for group, patterns in groups.items():
        if any(fnmatchcase(use_case, pattern) for pattern in patterns):
            return group
    return None


def is_shared_stage(stage: str) -> bool:
    """Shared while the monolith's tables are the truth (an unknown stage counts as shared)."""
    try:
        return truth_side(Stage(stage)) == "old"
    except ValueError:
        return True


def remember(group: str, stage: str) -> None:
    """Record a stage just read or set (the split commands call this), so routing uses it."""
    with _lock:
        _seen[group] = (is_shared_stage(stage), time.monotonic())
        _unknown.discard(group)


def forget(**_: Any) -> None:
    with _lock:
        _seen.clear()
        _unknown.clear()


setting_changed.connect(forget, dispatch_uid="strangler-data-shared")


def _shared(group: str) -> bool:
    ttl = float(conf.get("SPLIT_STAGE_TTL"))
    with _lock:
        seen = _seen.get(group)
        if seen is None or time.monotonic() - seen[1] < ttl:
            stale = False
        else:
            stale = group not in _refreshing
            _refreshing.add(group)
    if seen is None:
        return _lookup(group, None)
    if stale:
        threading.Thread(
            target=_refresh, args=(group, seen), name=f"strangler-stage-{group}", daemon=True
        ).start()
    return seen[0]


def _refresh(group: str, seen: tuple[bool, float]) -> None:
    try:
        _lookup(group, seen)
    except Exception:  # a background thread must not die loudly: the last answer stands
        log.warning("refreshing the split stage of %s failed", group, exc_info=True)
    finally:
        with _lock:
            _refreshing.discard(group)


def _lookup(group: str, seen: tuple[bool, float] | None) -> bool:
    """Ask the service for the group's stage and remember the answer."""
    try:
        client = SplitAdminClient(group)
        stage = client.status(group, deadline=LOOKUP_DEADLINE, stage_only=True).stage
    except SplitAdminError as exc:
        shared = True if seen is None else seen[0]
        if group not in _unknown:  # once per outage, not on every route table build
            log.warning("split stage of %s unknown (%s); assuming shared=%s", group, exc, shared)
        with _lock:  # ask again after the TTL
            _seen[group] = (shared, time.monotonic())
            _unknown.add(group)
        return shared
    remember(group, stage)
    return is_shared_stage(stage)
