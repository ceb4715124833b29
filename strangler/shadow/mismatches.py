"""Keep differences for people to read: one row per kind of difference, with a count; a cap per
route and a retention period, so that a bad deploy cannot fill the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from strangler import conf
from strangler.models import ShadowMismatch
from strangler.shadow.compare import Diff

# The row that counts the differences a route had no room left for.
OVERFLOW = "overflow"


def record(route: str, controller: str, diff: Diff, request_keys: dict[str, Any]) -> str:
    """Store one occurrence of ``diff``; returns ``new``, ``seen`` or ``overflow``."""
    now = timezone.now()
    fingerprint = diff.fingerprint()
    if _bump(route, controller, fingerprint, request_keys, now):
        return "seen"
    cap = conf.get("SHADOW_MAX_MISMATCHES_PER_ROUTE")
    if ShadowMismatch.objects.filter(route=route).exclude(fingerprint=OVERFLOW).count() >= cap:
        text = f"more kinds of difference than the cap of {cap} per route; latest:\n{diff.text()}"
        _insert_or_bump(route, controller, OVERFLOW, text, request_keys, now)
        return "overflow"
    _insert_or_bump(route, controller, fingerprint, diff.text(), request_keys, now)
    return "new"


def _bump(
    route: str, controller: str, fingerprint: str, request_keys: dict[str, Any], now: Any
) -> bool:
    return bool(
        ShadowMismatch.objects.filter(
            route=route, controller=controller, fingerprint=fingerprint
        ).update(count=F("count") + 1, last_seen=now, last_request_keys=request_keys)
    )


def _insert_or_bump(
    route: str, controller: str, fingerprint: str, text: str, request_keys: dict, now: Any
) -> None:
    try:
        with transaction.atomic():
            ShadowMismatch.objects.create(
                route=route,
                controller=controller,
                fingerprint=fingerprint,
                diff=text,
                request_keys=request_keys,
                last_request_keys=request_keys,
                first_seen=now,
                last_seen=now,
            )
    except IntegrityError:  # another worker stored it first
        _bump(route, controller, fingerprint, request_keys, now)


def explain(mismatch_id: int, note: str) -> ShadowMismatch:
    """Accept a difference as understood; it no longer blocks readiness."""
    if not note.strip():
        raise ValueError("an explanation needs a note saying why the difference is acceptable")
    row = ShadowMismatch.objects.get(pk=mismatch_id)
    row.explained, row.note = True, note.strip()
    row.save(update_fields=["explained", "note"])
    return row


def delete_older_than(days: float) -> int:
    """Retention: drop differences not seen for ``days``; returns how many rows went."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = ShadowMismatch.objects.filter(last_seen__lt=cutoff).delete()
    return deleted
