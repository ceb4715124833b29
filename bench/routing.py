"""Routing benchmarks: what the use case and the remote route cost, on PostgreSQL.

``python -m bench routing [--gets N] [--lists N] [--seconds S] [--only PART]`` prints, each
against a baseline measured in the same run (interleaved, so that drift hits both alike):

- ``local_overhead_p50/p99``: get a channel by id through the use case on a local route
  (a percentage rollout the caller is outside of: the full rule is evaluated) vs the ORM
  ``Channel.objects.get(pk=...)``;
- ``remote_vs_bare_p50``: the same get through a remote route (client, auth, request log,
  idempotency interceptor, domain values) vs a bare grpcio unary call to a minimal servicer
  doing the same ORM query (``bench/_bare_sales.py``);
- ``list_remote_vs_local``: a page of 1,000 car sales with statuses and channels through
  remote routes vs the local ``select_related`` query, and ``list_round_trips``;
- ``remote_rps_8_threads``: gets per second through the remote route from 8 threads (and
  ``bare_rps_8_threads``, the bare server's, for scale).

It creates its own databases (``strangler_bench_*``) and starts the service and the bare
server as processes on loopback.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

CARS = 1000


def main(argv: list[str]) -> dict:
    options = _parse(argv)
    monolith_url, service_url = _databases()
    from django.core.management import call_command

    call_command("seed", sales=2 * CARS, users=50, verbosity=0, stdout=io.StringIO())  # half cars
    with _processes(monolith_url, service_url) as (service_target, bare_target):
        from django.conf import settings

        settings.STRANGLER_SERVICE_TARGETS = {"sales": service_target}
        only = options.only
        figures: dict[str, Any] = {}
        if only in (None, "gets"):
            figures.update(local_overhead(options.gets))
            figures.update(remote_vs_bare(options.gets, bare_target))
        if only in (None, "list"):
            figures.update(list_remote_vs_local(options.lists))
        if only in (None, "throughput"):
            figures.update(remote_throughput(options.seconds, bare_target))
    return figures


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench routing", description=__doc__)
    parser.add_argument("--gets", type=int, default=3000, help="timed gets per side (3000)")
    parser.add_argument("--lists", type=int, default=30, help="timed 1,000-sale lists (30)")
    parser.add_argument("--seconds", type=float, default=5.0, help="throughput run (5 s)")
    parser.add_argument(
        "--only",
        choices=("gets", "list", "throughput"),
        help="run one part only (default: all); its figures are the same as in a full run",
    )
    options = parser.parse_args(argv)
    if options.gets < 100 or options.lists < 3 or options.seconds <= 0:
        parser.error("--gets must be >= 100, --lists >= 3 and --seconds > 0")
    return options


# Set-up


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
    print(f"databases ready: {monolith_url}", file=sys.stderr)
    return monolith_url, service_url


@contextmanager
def _processes(monolith_url: str, service_url: str) -> Iterator[tuple[str, str]]:
    from tests.service_process import REPO, start_service

    service = start_service(service_url, shared_url=monolith_url)
    bare = subprocess.Popen(
        [sys.executable, "-m", "bench._bare_sales", monolith_url],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = bare.stdout.readline()
        if not line.startswith("bare listening on "):
            raise RuntimeError(f"bare server did not start: {line!r}")
        yield service.target, line.rsplit(" ", 1)[1].strip()
    finally:
        bare.terminate()
        bare.wait(10)
        service.stop()


def _request(path: str, user_id: int) -> Any:
    """A request as a view sees it: resolved to its controller, with a user."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    request.user = get_user_model()(pk=user_id, username=f"user{user_id}")
    return request


def _channel_id() -> int:
    from monolith.sales.models import Channel

    return Channel.objects.order_by("id").values_list("id", flat=True).first()


# Measuring


def _interleaved(
    n: int, baseline: Callable[[int], Any], measured: Callable[[int], Any]
) -> tuple[list[float], list[float]]:
    """Times of n calls of each, alternating, after a warm-up."""
    for i in range(min(200, n)):
        baseline(i)
        measured(i)
    base, meas = [], []
    clock = time.perf_counter
    for i in range(n):
        start = clock()
        baseline(i)
        middle = clock()
        measured(i)
        end = clock()
        base.append(middle - start)
        meas.append(end - middle)
    return base, meas


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, base: list[float], meas: list[float]) -> dict[str, float]:
    p50b, p50m = statistics.median(base), statistics.median(meas)
    p99b, p99m = _quantile(base, 0.99), _quantile(meas, 0.99)
    print(
        f"{name}: baseline p50 {p50b * 1e6:.0f} us p99 {p99b * 1e6:.0f} us; "
        f"measured p50 {p50m * 1e6:.0f} us p99 {p99m * 1e6:.0f} us",
        file=sys.stderr,
    )
    return {"p50": round(p50m / p50b, 3), "p99": round(p99m / p99b, 3)}


def local_overhead(n: int) -> dict[str, Any]:
    from monolith.sales.models import Channel
    from monolith.sales.use_cases import channels_read
    from strangler.routing import Mode, actions, decide

    channel_id = _channel_id()
    path = f"/api/channels/{channel_id}/"
    actions.change_routes("channels.read:channel-detail", "remote", percent=50, reason="bench")
    outside = [
        u for u in range(1, 4000) if decide(_request(path, u), "channels.read") is Mode.LOCAL
    ]
    requests = [_request(path, outside[i % len(outside)]) for i in range(n + 200)]
    base, meas = _interleaved(
        n,
        lambda i: Channel.objects.get(pk=channel_id),
        lambda i: channels_read.on(requests[i]).get_channel(channel_id),
    )
    ratio = _report("local route vs ORM get", base, meas)
    return {
        "local_overhead_p50": ratio["p50"],
        "local_overhead_p99": ratio["p99"],
        "orm_get_p50_us": round(statistics.median(base) * 1e6),
    }


def remote_vs_bare(n: int, bare_target: str) -> dict[str, Any]:
    import grpc

    from monolith.sales.use_cases import channels_read
    from sales_api.v1 import channels_pb2, channels_pb2_grpc
    from strangler.routing import actions

    channel_id = _channel_id()
    path = f"/api/channels/{channel_id}/"
    actions.change_routes("channels.read:channel-detail", "remote", reason="bench")
    requests = [_request(path, 1 + i % 50) for i in range(n + 200)]
    stub = channels_pb2_grpc.ChannelServiceStub(grpc.insecure_channel(bare_target))
    message = channels_pb2.GetChannelRequest(id=channel_id)
    base, meas = _interleaved(
        n,
        lambda i: stub.GetChannel(message),
        lambda i: channels_read.on(requests[i]).get_channel(channel_id),
    )
    ratio = _report("remote route vs bare grpcio", base, meas)
    return {
        "remote_vs_bare_p50": ratio["p50"],
        "remote_vs_bare_p99": ratio["p99"],
        "bare_grpc_get_p50_us": round(statistics.median(base) * 1e6),
        "remote_get_p50_us": round(statistics.median(meas) * 1e6),
    }


def list_remote_vs_local(n: int) -> dict[str, Any]:
    from monolith.catalog import sales
    from monolith.catalog.models import CarSale
    from monolith.sales import remote
    from monolith.sales.models import SalesStatus
    from strangler.routing import actions

    def select_related(_: int) -> list:
        rows = list(CarSale.objects.order_by("id")[:CARS])
        statuses = SalesStatus.objects.select_related("channel").filter(
            sale_kind="car", sale_id__in=[r.pk for r in rows]
        )
        by_id = {s.sale_id: s for s in statuses}
        return [(row, by_id.get(row.pk)) for row in rows]

    actions.change_routes("*:car-list", "remote", reason="bench")
    requests = [_request("/api/cars/", 1) for _ in range(n + 10)]
    sent: list[str] = []
    real_call = remote.client.call
    remote.client.call = lambda method, request, **kw: (
        sent.append(method) or real_call(method, request, **kw)
    )
    try:
        page = sales.list_sales(requests[-1], "car", limit=CARS)
    finally:
        remote.client.call = real_call
    assert len(page) == CARS and all(v.status for v in page), "seeded cars have statuses"
    base, meas = _interleaved(
        n, select_related, lambda i: sales.list_sales(requests[i], "car", limit=CARS)
    )
    ratio = _report(f"list of {CARS} cars: remote vs local select_related", base, meas)
    return {
        "list_remote_vs_local": ratio["p50"],
        "list_round_trips": len(sent),
        "list_local_ms": round(statistics.median(base) * 1e3, 2),
        "list_remote_ms": round(statistics.median(meas) * 1e3, 2),
    }


def remote_throughput(seconds: float, bare_target: str, threads: int = 8) -> dict[str, Any]:
    """Gets per second from 8 threads: through the remote route, then bare grpcio."""
    import grpc

    from monolith.sales.use_cases import channels_read
    from sales_api.v1 import channels_pb2, channels_pb2_grpc

    channel_id = _channel_id()
    path = f"/api/channels/{channel_id}/"
    stub = channels_pb2_grpc.ChannelServiceStub(grpc.insecure_channel(bare_target))
    message = channels_pb2.GetChannelRequest(id=channel_id)
    routed = _rate(
        seconds,
        threads,
        lambda slot: channels_read.on(_request(path, 1 + slot)).get_channel(channel_id),
    )
    bare = _rate(seconds, threads, lambda slot: stub.GetChannel(message))
    print(f"{threads} threads: remote route {routed:.0f} gets/s, bare {bare:.0f}", file=sys.stderr)
    return {"remote_rps_8_threads": round(routed), "bare_rps_8_threads": round(bare)}


def _rate(seconds: float, threads: int, call: Callable[[int], Any]) -> float:
    from django.db import connections

    counts = [0] * threads
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        while time.perf_counter() < stop:
            call(slot)
            counts[slot] += 1
        connections.close_all()

    started = time.perf_counter()
    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)
