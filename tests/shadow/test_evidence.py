"""Evidence outlives the process that gathered it, and differences are kept in check."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from strangler.models import RouteMinute, ShadowMismatch
from strangler.shadow import evidence, latency, mismatches
from strangler.shadow.compare import Outcome, compare

pytestmark = pytest.mark.django_db


def test_two_workers_add_to_the_same_minute(monkeypatch):
    minute = timezone.now().replace(second=30)
    monkeypatch.setattr(evidence.timezone, "now", lambda: minute)  # no minute boundary
    first, second = evidence.Buffer(), evidence.Buffer()
    for _ in range(3):
        first.call("r", "c", "remote", 0.002, failed=False)
    second.call("r", "c", "remote", 0.2, failed=True)
    second.comparison("r", "c", equal=False)
    first.flush()
    second.flush()
    (row,) = RouteMinute.objects.filter(use_case="r")
    assert (row.remote_calls, row.remote_errors, row.compared, row.mismatches) == (4, 1, 1, 1)
    assert latency.total(row.remote_latency) == 4
    assert latency.percentile(row.remote_latency, 0.5) == pytest.approx(0.002, rel=0.25)
    assert first.pending() == second.pending() == 0


def test_an_unknown_side_is_refused():
    with pytest.raises(ValueError, match="side must be one of"):
        evidence.Buffer().call("r", "c", "middle", 0.1, failed=False)


def name_diff(local: str, remote: str):
    return compare(Outcome(value={"name": local}), Outcome(value={"name": remote}))


def test_a_thousand_copies_of_one_difference_are_one_row_with_a_count():
    for i in range(1000):
        mismatches.record(
            "channels.read", "channel-detail", "get_channel", name_diff(f"a{i}", f"b{i}"), {"i": i}
        )
    (row,) = ShadowMismatch.objects.all()
    assert row.count == 1000
    assert row.request_keys == {"i": 0} and row.last_request_keys == {"i": 999}
    assert row.diff == "name: local 'a0', remote 'b0'"


@override_settings(STRANGLER_SHADOW_MAX_MISMATCHES_PER_ROUTE=2)
def test_beyond_the_cap_new_kinds_of_difference_only_bump_an_overflow_row():
    for field in ("a", "b", "c", "d"):
        diff = compare(Outcome(value={field: 1}), Outcome(value={field: 2}))
        mismatches.record("r", "c", "op", diff, {})
    rows = {row.fingerprint: row for row in ShadowMismatch.objects.filter(use_case="r")}
    assert len(rows) == 3
    assert rows[mismatches.OVERFLOW].count == 2
    assert rows[mismatches.OVERFLOW].diff.startswith("more kinds of difference than the cap of 2")


def test_retention_deletes_old_differences_and_old_minutes():
    mismatches.record("r", "c", "op", name_diff("a", "b"), {})
    buffer = evidence.Buffer()
    buffer.call("r", "c", "local", 0.001, failed=False)
    buffer.flush()
    long_ago = timezone.now() - timedelta(days=30)
    ShadowMismatch.objects.update(last_seen=long_ago)
    RouteMinute.objects.update(minute=long_ago)
    mismatches.record("fresh", "c", "op", name_diff("a", "b"), {})
    assert mismatches.delete_older_than(14) == 1
    assert evidence.delete_older_than(14) == 1
    assert list(ShadowMismatch.objects.values_list("use_case", flat=True)) == ["fresh"]


def test_explaining_needs_a_note():
    mismatches.record("r", "c", "op", name_diff("a", "b"), {})
    row = ShadowMismatch.objects.get()
    with pytest.raises(ValueError, match="needs a note"):
        mismatches.explain(row.pk, "  ")
    assert mismatches.explain(row.pk, "service trims names").explained


@pytest.mark.django_db(transaction=True)
def test_workers_flushing_at_once_lose_no_count():
    """Each thread has its own DB connection, as each worker process has."""

    def worker() -> None:
        buffer = evidence.Buffer()
        try:
            for _ in range(25):
                buffer.call("busy", "c", "local", 0.001, failed=False)
                buffer.flush()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert RouteMinute.objects.filter(use_case="busy").aggregate(n=Sum("local_calls"))["n"] == 100


def test_request_keys_are_kept_as_json_and_cut_when_large():
    assert mismatches.json_safe({"ids": (1, 2), "at": timedelta(0)}) == {
        "ids": [1, 2],
        "at": "0:00:00",
    }
    big = mismatches.json_safe({"ids": list(range(5000))})
    assert set(big) == {"truncated"} and len(big["truncated"]) == 2000
