"""Keep the other side current in the background while a split group syncs.

The service drains a group's outbox itself after each of its own writes
(``split_routing.write_transaction``); this loop applies the writes nobody in the service
made: the monolith's, on the old tables. It starts the first time this process sees a group
at a syncing stage (``sync`` to ``writes-cutover``) and runs ``sync_once`` for such groups
every ``INTERVAL`` seconds, so the monolith's writes reach the new side within about that.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections

from strangler.split.stages import applies

log = logging.getLogger("strangler.server.split")

INTERVAL = 0.5
LIMIT = 10_000

_lock = threading.Lock()
_thread: threading.Thread | None = None


def ensure_running() -> None:
    global _thread
    if _thread is not None:
        return
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_loop, name="split-sync", daemon=True)
            _thread.start()


def _loop() -> None:
    from strangler.server import split_groups

    stop = threading.Event()
    while not stop.wait(INTERVAL):
        for name in list(split_groups.groups()):
            try:
                if split_groups.is_active(name) and applies(split_groups.stage(name)):
                    split_groups.engine(name).sync_once(LIMIT)
            except Exception as exc:  # the database restarting, a rollback racing: next round
                log.warning("background sync of split group %s failed: %s", name, exc)
                connections.close_all()
