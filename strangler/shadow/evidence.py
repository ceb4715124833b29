"""Per-minute counters of every route, buffered in memory and written to the database in
batches, so that the request path never waits on an extra write.

Each process adds its own counts to the same ``RouteMinute`` row (locked for the update),
so readiness sees the sum over all workers, and over restarts.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from strangler.models import RouteMinute
from strangler.shadow import latency

Key = tuple[str, str, datetime]  # use_case, controller, minute


@dataclass
class Counts:
    local_calls: int = 0
    local_errors: int = 0
    local_latency: list[int] = field(default_factory=latency.empty)
    remote_calls: int = 0
    remote_errors: int = 0
    remote_latency: list[int] = field(default_factory=latency.empty)
    compared: int = 0
    mismatches: int = 0
    dropped: int = 0


SIDES = ("local", "remote")


class Buffer:
    """Counts not yet written; thread-safe; ``flush`` writes and empties it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Key, Counts] = defaultdict(Counts)

    def call(self, use_case: str, controller: str, side: str, seconds: float, failed: bool) -> None:
        """One call of one side. ``failed``: it could not answer (not a domain error)."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, not {side!r}")
        with self._lock:
            counts = self._counts[_key(use_case, controller)]
            setattr(counts, f"{side}_calls", getattr(counts, f"{side}_calls") + 1)
            if failed:
                setattr(counts, f"{side}_errors", getattr(counts, f"{side}_errors") + 1)
            getattr(counts, f"{side}_latency")[latency.bucket(seconds)] += 1

    def comparison(self, use_case: str, controller: str, equal: bool) -> None:
        with self._lock:
            counts = self._counts[_key(use_case, controller)]
            counts.compared += 1
            counts.mismatches += 0 if equal else 1

    def dropped(self, use_case: str, controller: str) -> None:
        with self._lock:
            self._counts[_key(use_case, controller)].dropped += 1

    def pending(self) -> int:
        with self._lock:
            return len(self._counts)

    def flush(self) -> int:
        """Add the buffered counts to the database; returns the number of rows touched.

        If the write fails the counts are put back, to be written by the next flush.
        """
        with self._lock:
            taken, self._counts = self._counts, defaultdict(Counts)
        try:
            for key, counts in sorted(taken.items()):
                _write(key, counts)
        except Exception:
            with self._lock:
                for key, counts in taken.items():
                    _merge(self._counts[key], counts)
            raise
        return len(taken)


def _key(use_case: str, controller: str) -> Key:
    return use_case, controller, timezone.now().replace(second=0, microsecond=0)


def _write(key: Key, counts: Counts) -> None:
    use_case, controller, minute = key
    with transaction.atomic():
        row, _ = RouteMinute.objects.select_for_update().get_or_create(
            use_case=use_case, controller=controller, minute=minute
        )
        row.local_calls += counts.local_calls
        row.local_errors += counts.local_errors
        row.local_latency = latency.add(row.local_latency, counts.local_latency)
        row.remote_calls += counts.remote_calls
        row.remote_errors += counts.remote_errors
        row.remote_latency = latency.add(row.remote_latency, counts.remote_latency)
        row.compared += counts.compared
        row.mismatches += counts.mismatches
        row.dropped += counts.dropped
        row.save()


def _merge(into: Counts, more: Counts) -> None:
    for name in (
        "local_calls",
        "local_errors",
        "remote_calls",
        "remote_errors",
        "compared",
        "mismatches",
        "dropped",
    ):
        setattr(into, name, getattr(into, name) + getattr(more, name))
    into.local_latency = latency.add(into.local_latency, more.local_latency)
    into.remote_latency = latency.add(into.remote_latency, more.remote_latency)


def delete_older_than(days: float) -> int:
    """Retention: drop minutes older than ``days``; returns how many rows went."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = RouteMinute.objects.filter(minute__lt=cutoff).delete()
    return deleted
