"""Every Prometheus metric of the toolkit's client side, defined once, with one small function
per event so that routing, the client and the shadow pool never touch label sets directly.

Outcomes: ``ok`` (an answer), ``rejected`` (a domain error such as NotFound: an answer too),
``error`` (no answer: unavailable, timeout, a bug).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from strangler.errors import ServiceUnavailable, UseCaseError

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
BREAKER_STATES = {"closed": 0, "half-open": 1, "open": 2}

CALLS = Counter(
    "strangler_calls",
    "Calls of a route's implementation, by side (local/remote) and outcome.",
    ["use_case", "controller", "side", "outcome"],
)
LATENCY = Histogram(
    "strangler_call_seconds",
    "Latency of a route's implementation, by side.",
    ["use_case", "side"],
    buckets=LATENCY_BUCKETS,
)
COMPARED = Counter(
    "strangler_shadow_compared",
    "Shadow calls whose two answers were compared.",
    ["use_case", "controller"],
)
MISMATCHES = Counter(
    "strangler_shadow_mismatches",
    "Shadow comparisons that found a difference.",
    ["use_case", "controller"],
)
DROPPED = Counter(
    "strangler_shadow_dropped",
    "Shadow calls not made because the pool was full (the request was served anyway).",
    ["use_case", "controller"],
)
TASK_FAILURES = Counter(
    "strangler_shadow_task_failures",
    "Shadow tasks that raised (a comparator or rules mistake): no evidence from them.",
)
QUEUE_DEPTH = Gauge("strangler_shadow_queue_depth", "Shadow calls waiting in the pool.")
FALLBACKS = Counter(
    "strangler_fallbacks",
    "Calls served by the local side because the remote side failed (remote-fallback mode).",
    ["use_case", "controller", "reason"],
)
GATE_CLOSED = Counter(
    "strangler_gate_closed",
    "Times a use case's remote side was closed at run time because its service stopped "
    "serving an RPC it needs or is too old (once per change seen by the process).",
    ["use_case", "service"],
)


def outcome(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, UseCaseError) and not isinstance(error, ServiceUnavailable):
        return "rejected"
    return "error"


def child(metric: MetricWrapperBase, *labels: str) -> Any:
    """``metric.labels(*labels)``, remembered: prometheus_client validates and joins the labels
    under a lock on every ``labels()``, which costs more than the ``inc()`` itself. A child
    stays its metric's until removed, which the toolkit never does."""
    key = (id(metric), labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


_children: dict[tuple[int, tuple[str, ...]], Any] = {}


def call(
    use_case: str, controller: str, side: str, seconds: float, error: BaseException | None
) -> None:
    child(CALLS, use_case, controller, side, outcome(error)).inc()
    child(LATENCY, use_case, side).observe(seconds)


def compared(use_case: str, controller: str, equal: bool) -> None:
    COMPARED.labels(use_case, controller).inc()
    if not equal:
        MISMATCHES.labels(use_case, controller).inc()


def dropped(use_case: str, controller: str) -> None:
    DROPPED.labels(use_case, controller).inc()


def fallback(use_case: str, controller: str, reason: str) -> None:
    FALLBACKS.labels(use_case, controller, reason).inc()


def gate_closed(use_case: str, service: str) -> None:
    GATE_CLOSED.labels(use_case, service).inc()


class BreakerCollector(Collector):
    """The client's circuit breakers, read when scraped: 0 closed, 1 half-open, 2 open.

    Reading at scrape time means the client need not report every transition, and a
    breaker's state can never be stale in the metrics.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from strangler.client import breakers  # the client is optional for this module

        family = GaugeMetricFamily(
            "strangler_breaker_state",
            "Circuit breaker of a service target: 0 closed, 1 half-open, 2 open.",
            labels=["target"],
        )
        for state in breakers.states():
            family.add_metric([state.target], BREAKER_STATES.get(state.state, -1))
        yield family


REGISTRY.register(BreakerCollector())
