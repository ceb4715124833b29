"""Default values of every ``STRANGLER_*`` setting, in one place (read them with ``conf.get``)."""

from __future__ import annotations

# Where the carved service listens, per service name used by remote implementations.
SERVICE_TARGETS: dict[str, str] = {"sales": "127.0.0.1:50051"}
