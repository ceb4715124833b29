"""Requests in flight in this process, so that shadow work can wait for a moment without any.

A shadow task that runs while a request runs competes with it for the GIL: measured here, a
0.5 ms pure-Python task in a worker thread added 0.75 ms to a concurrent 2.5 ms request, and
a shadowed remote call started mid-request added 1.9 ms to that very request. Waiting until
the process has had no request in flight for a moment (up to a bound, so that a busy server
still shadows) moves that work into the gaps between requests.

Only one worker waits at a time (the others sleep on a lock): a thread woken at the end of
every request competes for the GIL too (four woken workers cost a back-to-back request 13%).
The quiet time keeps a worker from starting in the instant between two back-to-back
requests.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.signals import request_finished, request_started


class Foreground:
    """A count of requests in flight, fed by Django's request signals."""

    def __init__(self, quiet_seconds: float = 0.001) -> None:
        self._in_flight = 0
        self._last_finished = 0.0
        self._quiet = quiet_seconds
        self._changed = threading.Condition()

    def started(self, **_: Any) -> None:
        with self._changed:
            self._in_flight += 1

    def finished(self, **_: Any) -> None:
        with self._changed:
            self._in_flight = max(0, self._in_flight - 1)
            self._last_finished = time.monotonic()
            self._changed.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request has been in flight for the quiet time, at most ``timeout``
        seconds; True if idle. Meant for one waiter at a time (see ``ShadowPool``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_for = now - self._last_finished
                if not self._in_flight and quiet_for >= self._quiet:
                    return True
                if now >= deadline:
                    return False
                wait = deadline - now
                if not self._in_flight:
                    wait = min(wait, self._quiet - quiet_for)
                self._changed.wait(wait)


foreground = Foreground()


def connect() -> None:
    """Count this process's requests (idempotent)."""
    request_started.connect(foreground.started, dispatch_uid="strangler-shadow-started")
    request_finished.connect(foreground.finished, dispatch_uid="strangler-shadow-finished")
