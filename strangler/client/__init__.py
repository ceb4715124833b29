"""A resilient gRPC client for calling carved services from the monolith.

- ``ServiceClient(name).call("pkg.Service/Method", request)``: one shared channel per target,
  a deadline on every call, retries with backoff and jitter where safe, a circuit breaker per
  target, ``authorization`` and ``x-request-id`` metadata, errors mapped to ``strangler.errors``.
- ``calls(...)``: declare the RPCs a remote implementation uses (read by the version gate).
- ``service_info``: what a service says it serves (``live`` for the version gate, ``cached``
  for the run-time guard).
- ``breaker_states()``: the state of each breaker, for status commands and metrics.
- ``reset()``: forget channels and breakers (done automatically when a ``STRANGLER_*``
  setting changes in tests).
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver

from strangler.client import breakers, channels, service_info
from strangler.client.breakers import BreakerState
from strangler.client.calls import ServiceClient
from strangler.client.declare import calls, declarations, rpcs_of

__all__ = [
    "BreakerState",
    "ServiceClient",
    "breaker_states",
    "calls",
    "declarations",
    "reset",
    "rpcs_of",
]

breaker_states = breakers.states


def reset() -> None:
    """Close channels, drop breakers and what services said they serve; all are rebuilt from
    settings on the next call."""
    channels.close_all()
    breakers.forget_all()
    service_info.forget()


@receiver(setting_changed)
def _settings_changed(setting: str, **_: object) -> None:
    if setting.startswith("STRANGLER_"):
        breakers.forget_all()
        service_info.forget()
