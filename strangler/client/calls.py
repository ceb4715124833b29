"""Call a carved service: deadline, retries, circuit breaker, auth and request id, mapped errors.

``ServiceClient("sales").call("sales.v1.ChannelService/GetChannel", request)`` returns the
response message or raises a ``strangler.errors`` error; no ``grpc.RpcError`` escapes.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import grpc
import pybreaker
import tenacity
from django.core.exceptions import ImproperlyConfigured
from google.protobuf.message import Message

from strangler import conf, methods, request_id
from strangler.client import breakers, channels, policy
from strangler.client.errors import from_rpc_error, maybe_applied, unavailable

log = logging.getLogger("strangler.client")

# An attempt needs at least this much of the deadline left to be worth starting.
MIN_ATTEMPT_SECONDS = 0.01


def target_of(service: str) -> str:
    """The address of ``service`` in ``STRANGLER_SERVICE_TARGETS``."""
    targets: dict[str, str] = conf.get("SERVICE_TARGETS")
    try:
        return targets[service]
    except KeyError:
        raise ImproperlyConfigured(
            f"STRANGLER_SERVICE_TARGETS has no address for the {service!r} service"
        ) from None


def metadata_for(
    service: str, tokens_setting: str = "SERVICE_TOKENS"
) -> tuple[tuple[str, str], ...]:
    """The request id and the bearer token ``STRANGLER_<tokens_setting>`` holds for
    ``service`` (none: no header), sent with every call."""
    rid = (request_id.METADATA_KEY, request_id.current() or request_id.new())
    token = conf.get(tokens_setting).get(service)
    if token:
        return (rid, ("authorization", f"Bearer {token}"))
    return (rid,)


class ServiceClient:
    """Calls to one named service, whose address is ``STRANGLER_SERVICE_TARGETS[name]``."""

    def __init__(self, service: str) -> None:
        self.service = service

    @property
    def target(self) -> str:
        return target_of(self.service)

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Auth and request id, sent with every call."""
        return metadata_for(self.service)

    def call(self, method: str, request: Message, *, deadline: float | None = None) -> Message:
        """Send ``request`` to ``method`` ("pkg.Service/Method") and return the response.

        ``deadline`` (seconds, default per method from settings) bounds the whole call,
        retries and their waits included.
        """
        target = self.target
        budget = policy.deadline_for(method) if deadline is None else deadline
        ends_at = time.monotonic() + budget
        rule = policy.retry_rule(method, bool(methods.idempotency_key(request)))
        breaker = breakers.breaker_for(target)
        attempts = _Attempts(
            ends_at, channels.unary(target, method), request, self.metadata(), breaker
        )
        try:
            return _retrying(rule)(_attempt, attempts)
        except pybreaker.CircuitBreakerError:
            retry_after = breaker.retry_after()
            raise unavailable(
                f"{self.service} service at {target} is failing; calls are suspended by its "
                f"circuit breaker for {retry_after}s: {method}",
                retry_after,
                maybe_applied=attempts.reached,
            ) from None
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                from strangler.client import service_info  # imports this module

                service_info.not_served(self.service, method)
            raise from_rpc_error(
                exc, service=self.service, method=method, maybe_applied=attempts.reached
            ) from None


class _Attempts:
    """What every attempt of one call needs, and what the attempts learnt."""

    __slots__ = ("breaker", "ends_at", "metadata", "reached", "request", "send")

    def __init__(
        self,
        ends_at: float,
        send: Callable[..., Message],
        request: Message,
        metadata: tuple[tuple[str, str], ...],
        breaker: breakers.Breaker,
    ) -> None:
        self.ends_at = ends_at
        self.send = send
        self.request = request
        self.metadata = metadata
        self.breaker = breaker
        self.reached = False  # whether any attempt may have run on the service


def _attempt(attempts: _Attempts) -> Message:
    timeout = attempts.ends_at - time.monotonic()
    try:
        return attempts.breaker.call(
            attempts.send, attempts.request, timeout=timeout, metadata=attempts.metadata
        )
    except (grpc.RpcError, pybreaker.CircuitBreakerError) as exc:
        # The breaker raises its own error for the failure that opens it.
        failed = exc if isinstance(exc, grpc.RpcError) else exc.__context__
        if isinstance(failed, grpc.RpcError):
            attempts.reached = attempts.reached or maybe_applied(
                failed.code(), failed.details() or ""
            )
        raise


def _ends_at(state: tenacity.RetryCallState) -> float:
    return state.args[0].ends_at


def _out_of_time(state: tenacity.RetryCallState) -> bool:
    return _ends_at(state) - time.monotonic() <= MIN_ATTEMPT_SECONDS


@functools.lru_cache(maxsize=64)
def _retrying(rule: policy.RetryRule) -> tenacity.Retrying:
    """The retry loop of a rule, built once and shared: a call's deadline travels with its
    ``_Attempts`` (the loop's argument), and tenacity keeps a loop's state per thread."""
    # "Full jitter": a random wait up to an exponentially growing cap, so that clients that
    # failed together do not retry together.
    backoff = tenacity.wait_random_exponential(
        multiplier=rule.initial_backoff, max=rule.max_backoff
    )

    def wait(state: tenacity.RetryCallState) -> float:
        # Never sleep past the deadline: the last attempt gets what is left.
        left = _ends_at(state) - time.monotonic() - MIN_ATTEMPT_SECONDS
        return max(0.0, min(backoff(state), left))

    codes = rule.codes
    return tenacity.Retrying(
        stop=tenacity.stop_after_attempt(rule.attempts) | _out_of_time,
        wait=wait,
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, grpc.RpcError) and exc.code() in codes
        ),
        before_sleep=_log_retry,
        reraise=True,
    )


def _log_retry(state: tenacity.RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    code = exc.code().name if isinstance(exc, grpc.RpcError) else exc
    log.info("retrying after %s (attempt %d)", code, state.attempt_number)
