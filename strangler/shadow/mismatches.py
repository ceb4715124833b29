"""Keep differences for people to read: one row per kind of difference, with a count; a cap per
route and a retention period, so that a bad deploy cannot fill the database."""

from __future__ import annotations

import json
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


def record(
    use_case: str, controller: str, operation: str, diff: Diff, request_keys: dict[str, Any]
) -> str:
    """Store one occurrence of ``diff``; returns ``new``, ``seen`` or ``overflow``."""
    now = timezone.now()
    site = {"use_case": use_case, "controller": controller, "operation": operation}
    keys = json_safe(request_keys)
    if _bump(site, diff.fingerprint(), keys, now):
        return "seen"
    cap = conf.get("SHADOW_MAX_MISMATCHES_PER_ROUTE")
    stored = ShadowMismatch.objects.filter(use_case=use_case, controller=controller)
    if stored.exclude(fingerprint=OVERFLOW).count() >= cap:
        text = f"more kinds of difference than the cap of {cap} per route; latest:\n{diff.text()}"
        _insert_or_bump(site, OVERFLOW, text, keys, now)
        return "overflow"
    _insert_or_bump(site, diff.fingerprint(), diff.text(), keys, now)
    return "new"


def json_safe(request_keys: dict[str, Any], limit: int = 2000) -> dict[str, Any]:
    """Request keys as JSON can hold them (tuples become lists, anything else its text),
    cut to ``limit`` characters: a batch of a thousand ids is a sample, not a payload."""
    text = json.dumps(request_keys, default=str)
    if len(text) > limit:
        return {"truncated": text[:limit]}
    return json.loads(text)


def _bump(site: dict[str, str], fingerprint: str, keys: dict[str, Any], now: Any) -> bool:
    return bool(
        ShadowMismatch.objects.filter(**site, fingerprint=fingerprint).update(
            count=F("count") + 1, last_seen=now, last_request_keys=keys
        )
    )


def _insert_or_bump(
    site: dict[str, str], fingerprint: str, text: str, keys: dict[str, Any], now: Any
) -> None:
    try:
        with transaction.atomic():
            ShadowMismatch.objects.create(
                **site,
                fingerprint=fingerprint,
                diff=text,
                request_keys=keys,
                last_request_keys=keys,
                first_seen=now,
                last_seen=now,
            )
    except IntegrityError:  # another worker stored it first
        _bump(site, fingerprint, keys, now)


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
