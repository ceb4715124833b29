"""Default values of every ``STRANGLER_*`` setting, in one place (read them with ``conf.get``)."""

from __future__ import annotations

# Where the carved service listens, per service name used by remote implementations.
SERVICE_TARGETS: dict[str, str] = {"sales": "127.0.0.1:50051"}

# Shadow runs (strangler.shadow): the background pool that calls the remote side off the
# request path, and how long the differences it finds are kept.
SHADOW_WORKERS: int = 4
SHADOW_QUEUE_SIZE: int = 200
# Share of shadowed requests that also call the remote side; per route in SHADOW_SAMPLE_RATES.
SHADOW_SAMPLE_RATE: float = 1.0
SHADOW_SAMPLE_RATES: dict[str, float] = {}
SHADOW_FLUSH_SECONDS: float = 5.0
SHADOW_MAX_MISMATCHES_PER_ROUTE: int = 100
SHADOW_RETENTION_DAYS: float = 14.0

# When a route may advance (strangler.shadow.readiness.report).
READINESS: dict[str, float] = {
    "window_hours": 24,
    "min_compared": 1000,
    "max_unexplained_mismatches": 0,
    "max_remote_error_rate": 0.001,
    "max_p99_ratio": 2.0,
}
