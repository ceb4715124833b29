"""A bounded background pool for shadow calls.

The request path only enqueues: it never waits for the remote side. When the queue is full
the shadow call is dropped and counted, because a queue without bound would turn a slow
service into memory growth and stale comparisons. A worker that took a task waits for a
moment without requests in flight (``strangler.shadow.foreground``, at most ``defer_seconds``)
so that shadow work runs between requests rather than against them. The flush thread also
deletes evidence past its retention, at most once an hour per process. Worker threads close
their Django DB connections after each task, since a thread that outlives a request keeps its
connection open otherwise.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from strangler import conf, metrics
from strangler.shadow import foreground as requests_in_flight
from strangler.shadow import mismatches
from strangler.shadow.evidence import Buffer
from strangler.shadow.evidence import delete_older_than as delete_old_minutes
from strangler.shadow.foreground import Foreground

log = logging.getLogger("strangler.shadow")

# How often the flush thread deletes evidence older than STRANGLER_SHADOW_RETENTION_DAYS:
# at most once per this many seconds per process (two DELETEs on indexed time columns).
RETENTION_SECONDS = 3600.0
_retention_lock = threading.Lock()
_retention_due = 0.0  # time.monotonic() from which the next purge may run

Task = Callable[[], None]


@dataclass
class PoolStats:
    submitted: int = 0
    sampled_out: int = 0
    dropped: int = 0
    done: int = 0
    failed: int = 0


class ShadowPool:
    """``workers`` threads taking tasks from a queue of at most ``queue_size``.

    At most ``queue_size + workers`` tasks are held at once (queued, or taken and waiting).
    """

    def __init__(
        self,
        workers: int,
        queue_size: int,
        evidence: Buffer | None = None,
        flush_seconds: float = 5.0,
        defer_seconds: float = 0.0,
        foreground: Foreground | None = None,
        drop_when_busy: bool = False,
    ) -> None:
        if workers < 1 or queue_size < 1:
            raise ValueError("a shadow pool needs at least one worker and one queue slot")
        self.evidence = evidence or Buffer()
        self.stats = PoolStats()
        self._queue: queue.Queue[tuple[str, str, Task] | None] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._turn = threading.Lock()
        self._stop = threading.Event()
        self._flush_seconds = flush_seconds
        self._defer_seconds = defer_seconds
        self._drop_when_busy = drop_when_busy
        self._foreground = foreground or requests_in_flight.foreground
        self._threads = [
            threading.Thread(target=self._work, name=f"shadow-{i}", daemon=True)
            for i in range(workers)
        ]
        self._threads.append(
            threading.Thread(target=self._flusher, name="shadow-flush", daemon=True)
        )
        for thread in self._threads:
            thread.start()

    def submit(self, use_case: str, controller: str, task: Task, sample_rate: float = 1.0) -> bool:
        """Queue ``task`` unless sampled out or the queue is full; never blocks."""
        if sample_rate < 1.0 and random.random() >= sample_rate:
            self._count("sampled_out")
            return False
        try:
            self._queue.put_nowait((use_case, controller, task))
        except queue.Full:
            self._drop(use_case, controller)
            return False
        self._count("submitted")
        metrics.QUEUE_DEPTH.set(self._queue.qsize())
        return True

    def join(self) -> None:
        """Wait until every queued task has run (tests, benchmarks, shutdown)."""
        self._queue.join()

    def flush(self) -> None:
        """Write buffered evidence now (uses the calling thread's DB connection)."""
        self.evidence.flush()

    def shutdown(self, wait: bool = True) -> None:
        self._stop.set()
        for _ in range(len(self._threads) - 1):
            self._queue.put(None)
        if wait:
            for thread in self._threads:
                thread.join(timeout=10)
            self.flush()

    def _drop(self, use_case: str, controller: str) -> None:
        self._count("dropped")
        metrics.dropped(use_case, controller)
        self.evidence.dropped(use_case, controller)

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                use_case, controller, task = item
                if self._defer_seconds:
                    with self._turn:  # one worker watches for a gap, the others sleep
                        idle = self._foreground.wait_idle(self._defer_seconds)
                    if not idle and self._drop_when_busy:
                        self._drop(use_case, controller)  # no gap came: users go first
                        continue
                task()
                self._count("done")
            except Exception:
                self._count("failed")
                metrics.TASK_FAILURES.inc()
                log.exception("shadow task failed")
            finally:
                connections.close_all()
                metrics.QUEUE_DEPTH.set(self._queue.qsize())
                self._queue.task_done()

    def _flusher(self) -> None:
        while not self._stop.wait(self._flush_seconds):
            try:
                self.flush()
            except Exception:
                log.exception("writing shadow evidence failed; kept for the next flush")
            try:
                purge_old_evidence()
            except Exception:
                log.exception("deleting old shadow evidence failed; tried again next time")
            finally:
                connections.close_all()


def purge_old_evidence() -> tuple[int, int] | None:
    """Retention without anyone running ``mismatches --cleanup``: delete differences and
    evidence minutes older than ``STRANGLER_SHADOW_RETENTION_DAYS``, at most once every
    ``RETENTION_SECONDS`` per process. Returns (differences, minutes) deleted, or None when
    it is not due yet."""
    global _retention_due
    with _retention_lock:
        now = time.monotonic()
        if now < _retention_due:
            return None
        _retention_due = now + RETENTION_SECONDS
    days = float(conf.get("SHADOW_RETENTION_DAYS"))
    return mismatches.delete_older_than(days), delete_old_minutes(days)


_pool: ShadowPool | None = None
_pool_lock = threading.Lock()


def get_pool() -> ShadowPool:
    """The process's pool, started on first use with the ``STRANGLER_SHADOW_*`` settings."""
    global _pool
    with _pool_lock:
        if _pool is None:
            requests_in_flight.connect()
            _pool = ShadowPool(
                conf.get("SHADOW_WORKERS"),
                conf.get("SHADOW_QUEUE_SIZE"),
                flush_seconds=conf.get("SHADOW_FLUSH_SECONDS"),
                defer_seconds=conf.get("SHADOW_DEFER_SECONDS"),
                drop_when_busy=_when_busy() == "drop",
            )
        return _pool


def _when_busy() -> str:
    value = conf.get("SHADOW_WHEN_BUSY")
    if value not in ("drop", "run"):
        raise ImproperlyConfigured(
            f"STRANGLER_SHADOW_WHEN_BUSY must be 'drop' or 'run', not {value!r}"
        )
    return value


def reset_pool(write_evidence: bool = True) -> None:
    """Stop the process's pool; the next use starts a new one.

    Its buffered evidence is written first unless ``write_evidence`` is False (tests that
    must not inherit another test's figures).
    """
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        if not write_evidence:
            pool.evidence = Buffer()
        pool.shutdown()


def sample_rate(use_case: str, controller: str) -> float:
    """The share of shadowed calls of a route that call the remote side."""
    rates = conf.get("SHADOW_SAMPLE_RATES")
    return rates.get(
        f"{use_case}:{controller}", rates.get(use_case, conf.get("SHADOW_SAMPLE_RATE"))
    )
