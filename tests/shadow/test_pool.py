"""The pool never blocks the request path and never grows without bound."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY

from strangler.models import RouteMinute, ShadowMismatch
from strangler.shadow import pool as pool_module
from strangler.shadow.foreground import Foreground
from strangler.shadow.pool import ShadowPool
from tests.shadow.conftest import minute_totals


def dropped_metric(use_case: str) -> float:
    value = REGISTRY.get_sample_value(
        "strangler_shadow_dropped_total", {"use_case": use_case, "controller": "c"}
    )
    return value or 0.0


@pytest.mark.django_db(transaction=True)
def test_a_burst_beyond_the_bound_is_dropped_and_counted_without_blocking():
    pool = ShadowPool(workers=1, queue_size=5, flush_seconds=3600)
    release = threading.Event()
    ran = []

    def slow_task():
        release.wait(5)
        ran.append(1)

    before = dropped_metric("burst")
    started = time.perf_counter()
    accepted = [pool.submit("burst", "c", slow_task) for _ in range(200)]
    elapsed = time.perf_counter() - started
    release.set()
    pool.join()
    pool.shutdown()

    # One task runs while five wait: at most six of the burst are ever held.
    assert 5 <= sum(accepted) <= 6
    assert len(ran) == sum(accepted)
    assert pool.stats.dropped == 200 - sum(accepted)
    assert dropped_metric("burst") - before == pool.stats.dropped
    assert minute_totals(use_case="burst").dropped == pool.stats.dropped
    assert elapsed < 0.2, f"200 submits took {elapsed:.3f}s: the request path must not wait"


def test_a_sample_rate_limits_the_shadow_calls_made(pool):
    ran = []
    accepted = sum(pool.submit("sampled", "c", lambda: ran.append(1), 0.25) for _ in range(400))
    pool.join()
    assert 250 < pool.stats.sampled_out < 350
    assert accepted + pool.stats.dropped == 400 - pool.stats.sampled_out
    assert len(ran) == accepted
    assert pool.submit("off", "c", lambda: None, 0.0) is False


@pytest.mark.django_db(transaction=True)
def test_workers_close_their_db_connection_after_each_task():
    pool = ShadowPool(workers=1, queue_size=5, flush_seconds=3600)
    seen = []

    def query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        seen.append(connection.connection is not None)

    pool.submit("db", "c", query)
    pool.submit("db", "c", lambda: seen.append(connection.connection is not None))
    pool.join()
    pool.shutdown()
    assert seen == [True, False]


def test_a_failing_task_is_counted_and_the_worker_goes_on(pool):
    def broken():
        raise RuntimeError("bug in a comparator")

    ran = []
    pool.submit("broken", "c", broken)
    pool.submit("broken", "c", lambda: ran.append(1))
    pool.join()
    assert pool.stats.failed == 1
    assert ran == [1]


def test_a_pool_needs_room():
    with pytest.raises(ValueError, match="at least one worker"):
        ShadowPool(workers=1, queue_size=0)


def test_a_task_waits_for_a_moment_without_requests_but_not_forever():
    foreground = Foreground()
    pool = ShadowPool(
        workers=1, queue_size=5, flush_seconds=3600, defer_seconds=5, foreground=foreground
    )
    ran = threading.Event()
    foreground.started()  # a request is in flight
    pool.submit("defer", "c", ran.set)
    assert not ran.wait(0.2), "shadow work ran while a request was in flight"
    foreground.finished()
    assert ran.wait(2)

    impatient = ShadowPool(
        workers=1, queue_size=5, flush_seconds=3600, defer_seconds=0.05, foreground=foreground
    )
    foreground.started()  # a request that never ends (a busy threaded server)
    done = threading.Event()
    impatient.submit("defer", "c", done.set)
    assert done.wait(2), "a task must not wait beyond defer_seconds"
    foreground.finished()
    pool.shutdown()
    impatient.shutdown()


def test_a_saturated_process_drops_shadow_work_instead_of_slowing_requests():
    """With no gap between requests within defer_seconds, the task is dropped and counted."""
    foreground = Foreground()
    pool = ShadowPool(
        workers=1,
        queue_size=5,
        flush_seconds=3600,
        defer_seconds=0.05,
        foreground=foreground,
        drop_when_busy=True,
    )
    ran = threading.Event()
    foreground.started()  # a request that never ends: no gap will come
    pool.submit("busy", "c", ran.set)
    pool.join()
    assert not ran.is_set()
    assert pool.stats.dropped == 1
    foreground.finished()
    pool.submit("busy", "c", ran.set)  # now the process has a gap: the task runs
    assert ran.wait(2)
    pool.shutdown(wait=False)  # the dropped count's evidence is not what this tests


def test_when_busy_must_be_drop_or_run(settings):
    from strangler.shadow.pool import _when_busy

    settings.STRANGLER_SHADOW_WHEN_BUSY = "later"
    with pytest.raises(ImproperlyConfigured, match="drop' or 'run'"):
        _when_busy()


def old_and_new_evidence(minute_ago: int = 0) -> None:
    now = timezone.now() - timedelta(minutes=minute_ago)
    old = now - timedelta(days=20)
    for use_case, when in (("old", old), ("new", now)):
        RouteMinute.objects.create(use_case=use_case, controller="c", minute=when)
        ShadowMismatch.objects.create(
            use_case=use_case,
            controller="c",
            operation="op",
            fingerprint=f"f{minute_ago}",
            diff="d",
            request_keys={},
            last_request_keys={},
            first_seen=when,
            last_seen=when,
        )


@pytest.mark.django_db(transaction=True)
def test_the_flush_thread_deletes_evidence_past_its_retention(monkeypatch, settings):
    settings.STRANGLER_SHADOW_RETENTION_DAYS = 14
    monkeypatch.setattr(pool_module, "RETENTION_SECONDS", 0.01)
    monkeypatch.setattr(pool_module, "_retention_due", 0.0)
    old_and_new_evidence()
    pool = ShadowPool(workers=1, queue_size=5, flush_seconds=0.02)
    try:
        deadline = time.monotonic() + 5
        while RouteMinute.objects.filter(use_case="old").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        pool.shutdown()
    assert list(RouteMinute.objects.values_list("use_case", flat=True)) == ["new"]
    assert list(ShadowMismatch.objects.values_list("use_case", flat=True)) == ["new"]


@pytest.mark.django_db
def test_retention_runs_at_most_once_per_interval(monkeypatch):
    monkeypatch.setattr(pool_module, "_retention_due", 0.0)
    old_and_new_evidence()
    assert pool_module.purge_old_evidence() == (1, 1)
    old_and_new_evidence(minute_ago=1)
    assert pool_module.purge_old_evidence() is None  # not due for another hour
    assert RouteMinute.objects.filter(use_case="old").count() == 1
