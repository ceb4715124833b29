"""Shadow benchmarks: what shadow mode costs the user, and how much the pool absorbs.

``python -m bench shadow [--requests N] [--seconds S]`` prints:

- ``shadow_vs_local_p50`` (and ``_p99``): request latency of the read controller
  ``channel-detail`` through the whole Django stack, for a user in the shadow rollout vs a
  user outside it (local), same route, same run, requests back to back (the worst case: the
  process never has a gap for shadow work, which then runs when its wait for one times out).
  Requests alternate in blocks; after each shadow block the pool is drained untimed, so a
  shadow block carries the background work of its own shadow calls (remote call, comparison,
  evidence) and a local block carries none.
- ``shadow_vs_local_p50_paced`` (and ``_p99_paced``): the same with ``--gap-ms`` between
  requests, as in a process that is not saturated.
- ``shadow_calls_per_s_before_drop``: shadow calls per second the pool completes (real
  remote calls to the service, compared) while a producer keeps it full, with the default
  ``STRANGLER_SHADOW_WORKERS`` and queue; beyond this rate calls are dropped and counted.

It creates its own databases (``strangler_bench_*``) and starts the service on the
monolith's database (shared) on loopback.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from typing import Any

CHANNEL_PATH = "/api/channels/{id}/"
ROUTE = "channels.read:channel-detail"
# Requests per block: a block lasts about a second, five times STRANGLER_SHADOW_DEFER_SECONDS,
# so that back to back most shadow work runs (after its wait times out) inside the timed
# block that caused it, not in the untimed drain after it.
BLOCK = 400


def main(argv: list[str]) -> dict:
    options = _parse(argv)
    monolith_url, service_url = _databases()
    from tests.service_process import start_service

    service = start_service(service_url, shared_url=monolith_url)
    try:
        from django.conf import settings

        settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
        figures: dict[str, Any] = {}
        figures.update(request_latency(options.requests, options.gap_ms))
        figures.update(pool_throughput(options.seconds))
    finally:
        from strangler.shadow.pool import reset_pool

        reset_pool()
        service.stop()
    return figures


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench shadow", description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=2000, help="timed requests per side and pattern (2000)"
    )
    parser.add_argument(
        "--gap-ms", type=float, default=5.0, help="pause between paced requests (5 ms)"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run (5 s)")
    options = parser.parse_args(argv)
    if options.requests < BLOCK or options.seconds <= 0 or options.gap_ms <= 0:
        parser.error(f"--requests must be >= {BLOCK}, --gap-ms and --seconds > 0")
    return options


def _databases() -> tuple[str, str]:
    """Fresh monolith and service databases; Django configured on the monolith's."""
    from tests import settings as test_settings
    from tests.service_process import migrate_service_db, recreate_database

    monolith = f"strangler_bench_monolith_{test_settings.DB_SUFFIX}"
    monolith_url = recreate_database(monolith)
    service_url = recreate_database(f"strangler_bench_service_{test_settings.DB_SUFFIX}")
    test_settings.DATABASES["default"]["NAME"] = monolith
    test_settings.DATABASES["default"]["CONN_MAX_AGE"] = None
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    migrate_service_db(service_url)
    return monolith_url, service_url


def request_latency(n: int, gap_ms: float) -> dict[str, float]:
    """Back to back (the worst case: no gap for shadow work) and paced by ``gap_ms``."""
    clients, path = _shadow_route_and_clients()
    figures = {}
    for label, gap in (("", 0.0), ("_paced", gap_ms / 1000)):
        times = _alternating_blocks(clients, path, n, gap)
        local_p50, shadow_p50 = (
            statistics.median(times["local"]),
            statistics.median(times["shadow"]),
        )
        ratio_p50, ratio_p99 = shadow_p50 / local_p50, _p99(times["shadow"]) / _p99(times["local"])
        print(
            f"channel-detail{label or ' back to back'}: p50 local {local_p50 * 1e3:.2f} ms, "
            f"shadow {shadow_p50 * 1e3:.2f} ms ({ratio_p50:.3f}x); p99 ratio {ratio_p99:.3f}",
            file=sys.stderr,
        )
        figures[f"local_request_p50_ms{label}"] = round(local_p50 * 1e3, 3)
        figures[f"shadow_vs_local_p50{label}"] = round(ratio_p50, 3)
        figures[f"shadow_vs_local_p99{label}"] = round(ratio_p99, 3)
    from strangler.shadow.pool import get_pool

    figures["shadow_calls_dropped_in_latency_runs"] = get_pool().stats.dropped
    return figures


def _shadow_route_and_clients() -> tuple[dict[str, Any], str]:
    """A channel, two logged-in users, and the route in shadow for one of them only."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from monolith.sales import local
    from strangler.routing import actions

    channel = local.create_channel(code="web", name="Web shop", kind="web")
    clients = {}
    for side in ("local", "shadow"):
        clients[side] = Client()
        clients[side].force_login(get_user_model().objects.create_user(f"bench-{side}"))
    actions.change_routes(ROUTE, "shadow", users=["bench-shadow"], reason="bench")
    return clients, CHANNEL_PATH.format(id=channel.id)


def _alternating_blocks(
    clients: dict[str, Any], path: str, n: int, gap: float
) -> dict[str, list[float]]:
    """Blocks of local and shadow requests in turn; the pool is drained (untimed) after each
    shadow block, so its work is charged to the shadow block that caused it."""
    from strangler.shadow.pool import get_pool

    def block(side: str, size: int) -> list[float]:
        times = []
        for _ in range(size):
            started = time.perf_counter()
            response = clients[side].get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content
            if gap:
                time.sleep(gap)
        return times

    block("local", 50)  # warm-up: connections, caches, the route table
    block("shadow", 50)
    get_pool().join()
    times: dict[str, list[float]] = {"local": [], "shadow": []}
    for _ in range(n // BLOCK):
        times["local"] += block("local", BLOCK)
        times["shadow"] += block("shadow", BLOCK)
        get_pool().join()
    return times


def pool_throughput(seconds: float) -> dict[str, float]:
    """Keep the pool full of real shadow calls for ``seconds``; count what it completes."""
    from monolith.sales import local, remote
    from monolith.sales.models import Channel
    from strangler.shadow import Outcome, ShadowCall, run_in_pool
    from strangler.shadow.pool import get_pool, reset_pool

    reset_pool()
    pool = get_pool()
    channel_id = Channel.objects.values_list("id", flat=True).first()
    answer = Outcome.of(lambda: local.get_channel(channel_id))
    call = ShadowCall(ROUTE, "get_channel", answer, lambda: remote.get_channel(channel_id))
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            run_in_pool(call)
            if pool.stats.dropped:
                time.sleep(0.0005)  # full: offer again soon, as requests would

    producer = threading.Thread(target=produce, name="bench-producer")
    producer.start()
    time.sleep(0.5)  # let the queue fill
    done_before, started = pool.stats.done, time.perf_counter()
    time.sleep(seconds)
    done, elapsed = pool.stats.done - done_before, time.perf_counter() - started
    stop.set()
    producer.join()
    pool.join()
    rate = done / elapsed
    print(
        f"pool: {rate:.0f} shadow calls/s completed while full; dropped {pool.stats.dropped} "
        f"of {pool.stats.dropped + pool.stats.submitted} offered; failed {pool.stats.failed}",
        file=sys.stderr,
    )
    return {
        "shadow_calls_per_s_before_drop": round(rate, 1),
        "shadow_pool_failed": pool.stats.failed,
    }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]
