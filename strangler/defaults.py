"""Default values of every ``STRANGLER_*`` setting, in one place (read them with ``conf.get``)."""

from __future__ import annotations

# Where the carved service listens, per service name used by remote implementations.
SERVICE_TARGETS: dict[str, str] = {"sales": "127.0.0.1:50051"}

# Dotted path to the project's list of routes: (use case name, controller name) pairs.
ROUTES: str | None = None

# Dotted path to the project's rollout stages (strangler.routing.stages.Stage objects), so that
# `strangler route stage:3 ...` moves a whole stage and `strangler routes` shows each route's.
STAGES: str | None = None

# Seconds a process keeps its route table before reading flags and modes again. Changes made
# in the same process apply at once; other processes see them within this time.
ROUTE_TABLE_TTL: float = 5.0

# Percentage rollouts put a user in a bucket from a hash of this salt and the user's id, so a
# user stays on one side across requests and routes. Change it to reshuffle everyone.
BUCKET_SALT: str = "strangler"

# Whether the monolith and the service still share the carved data: True, False, or a dotted
# path to a callable(use_case_name) -> bool (the DB split fills it). Fallback to local is
# allowed only while the data is shared.
DATA_SHARED: bool | str = True

# Dotted path to the callable that runs the remote side of a shadowed call: it takes a
# strangler.shadow.ShadowCall and must not block (the default queues it in a bounded pool).
SHADOW_RUNNER: str = "strangler.shadow.run_in_pool"

# Seconds a process trusts what a service last said it serves (its ServiceInfo) before asking
# again in the background; a route whose RPCs the service stopped serving goes local (or 503
# once the data is split) within this time. Switching a route always asks the live service.
SERVICE_INFO_TTL: float = 10.0

# Bearer token sent to each service (``authorization: Bearer <token>``); no entry: no header.
SERVICE_TOKENS: dict[str, str] = {}

# The DB split: the admin-scoped token per service that ``strangler split`` presents to the
# service's SplitAdmin RPC, the split groups each use case's data belongs to (use case name
# globs per group), and seconds a process trusts the stage it last read (``data_shared``).
SERVICE_ADMIN_TOKENS: dict[str, str] = {}
SPLIT_USE_CASES: dict[str, list[str]] = {}
SPLIT_STAGE_TTL: float = 5.0

# Deadline of one call in seconds, retries included, unless METHOD_DEADLINES says otherwise.
DEFAULT_DEADLINE: float = 2.0

# Per-method deadlines; keys are method names or fnmatch patterns ("*/List*"); exact names win.
METHOD_DEADLINES: dict[str, float] = {"*/BatchGet*": 5.0, "*/List*": 5.0}

# Retries of reads and of writes that carry an idempotency key: at most ``attempts`` tries,
# waiting an exponentially growing, jittered time between them (seconds).
RETRY: dict[str, float] = {"attempts": 3, "initial_backoff": 0.05, "max_backoff": 1.0}

# Circuit breaker per service target: open after ``fail_max`` failures in a row, try again
# (half-open) after ``reset_timeout`` seconds.
BREAKER: dict[str, float] = {"fail_max": 5, "reset_timeout": 30.0}

# Seconds a caller is told to wait (Retry-After) when a service is unavailable.
UNAVAILABLE_RETRY_AFTER: int = 1

# Service side: hours an idempotency key is remembered, and seconds after which a claim whose
# call never answered (a crash) may be taken over by a retry.
IDEMPOTENCY_RETENTION: float = 24.0
IDEMPOTENCY_LEASE: float = 30.0

# Shadow runs (strangler.shadow): the background pool that calls the remote side off the
# request path, and how long the differences it finds are kept.
SHADOW_WORKERS: int = 4
SHADOW_QUEUE_SIZE: int = 200
# Share of shadowed requests that also call the remote side; SHADOW_SAMPLE_RATES overrides it
# per route ("channels.read:channel-list") or per use case ("channels.read").
SHADOW_SAMPLE_RATE: float = 1.0
SHADOW_SAMPLE_RATES: dict[str, float] = {}
# Comparison rules per use case name (see strangler.shadow.rules).
SHADOW_RULES: dict[str, dict] = {}
SHADOW_FLUSH_SECONDS: float = 5.0
# Longest a shadow task waits for a moment when this process serves no request, so that it
# does not compete with requests for the GIL (0: run at once).
SHADOW_DEFER_SECONDS: float = 0.2
# What a shadow task does when no such moment came within SHADOW_DEFER_SECONDS (the process
# is saturated): "drop" it (counted as dropped; users' latency first) or "run" it anyway
# (more evidence, slower requests while saturated).
SHADOW_WHEN_BUSY: str = "drop"
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
