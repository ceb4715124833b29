"""Use cases: named operations on a carved resource, with a local and a remote implementation.

A controller asks a use case for the implementation serving its request::

    channels = channels_read.on(request)
    channel = channels.get_channel(channel_id)

and gets an object with the use case's operations. Both implementations return the same
domain values and raise the same ``strangler.errors``, so the controller cannot tell which one
answered. Which one does is decided per request by ``strangler.routing`` for the pair
(use case, controller): local, shadow (local answers, remote is compared), remote, or remote
with fallback to local while the data is still shared.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterable
from functools import cached_property
from types import ModuleType, SimpleNamespace
from typing import Any

from django.http import HttpRequest

from strangler import metrics, shadow
from strangler.errors import ServiceUnavailable
from strangler.routing import Mode, controller_of, decide

log = logging.getLogger("strangler.usecases")

Implementation = ModuleType | object | str  # an object with the operations, or a module path


class UseCase:
    """One resource operation (``channels.read``) with its two implementations.

    ``writes`` marks use cases that change data: they are never shadowed, because calling
    both sides would write twice.
    """

    def __init__(
        self,
        name: str,
        *,
        operations: Iterable[str],
        local: Implementation,
        remote: Implementation,
        writes: bool = False,
    ) -> None:
        self.name = name
        self.operations = tuple(operations)
        self.writes = writes
        self._local = local
        self._remote = remote
        self._wrapped: dict[tuple[str, str], SimpleNamespace] = {}
        registry[name] = self

    def __repr__(self) -> str:
        return f"<UseCase {self.name}>"

    def on(self, request: HttpRequest) -> Any:
        """The implementation that serves this request (an object with the operations)."""
        mode = decide(request, self.name)
        if mode is Mode.LOCAL:
            return self.local
        route = f"{self.name}:{controller_of(request)}"
        if mode is Mode.REMOTE:
            return self._per_route("remote", route, self._counted_remote)
        if mode is Mode.SHADOW:
            return self.local if self.writes else self._per_route("shadow", route, self._shadowed)
        return self._per_route("fallback", route, self._with_fallback)

    @cached_property
    def local(self) -> SimpleNamespace:
        return self._bind(self._local, "local")

    @cached_property
    def remote(self) -> SimpleNamespace:
        return self._bind(self._remote, "remote")

    def required_rpcs(self) -> frozenset[str]:
        """The RPCs the remote implementation calls for this use case's operations."""
        from strangler.client import rpcs_of  # loads grpc: only when someone asks

        return frozenset(rpc for op in self.operations for rpc in rpcs_of(getattr(self.remote, op)))

    def _per_route(
        self, kind: str, route: str, build: Callable[[str], SimpleNamespace]
    ) -> SimpleNamespace:
        """Build a route's wrapped implementation once, not on every request."""
        key = (kind, route)
        found = self._wrapped.get(key)
        if found is None:
            found = self._wrapped[key] = build(route)
        return found

    def _bind(self, ref: Implementation, side: str) -> SimpleNamespace:
        impl = _resolve(ref)
        missing = [op for op in self.operations if not callable(getattr(impl, op, None))]
        if missing:
            raise TypeError(f"{side} implementation of {self.name} lacks {', '.join(missing)}")
        return SimpleNamespace(**{op: getattr(impl, op) for op in self.operations})

    def _shadowed(self, route: str) -> SimpleNamespace:
        def operation(name: str) -> Callable[..., Any]:
            local, remote = getattr(self.local, name), getattr(self.remote, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                outcome = shadow.Outcome.of(lambda: local(*args, **kwargs))
                return shadow.run(
                    shadow.ShadowCall(
                        route,
                        name,
                        outcome,
                        lambda: remote(*args, **kwargs),
                        request_keys={"args": args, "kwargs": kwargs},
                    )
                )

            return call

        return SimpleNamespace(**{op: operation(op) for op in self.operations})

    def _counted_remote(self, route: str) -> SimpleNamespace:
        """The remote side, each call counted in metrics and readiness evidence."""

        def operation(name: str) -> Callable[..., Any]:
            remote = getattr(self.remote, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                return _timed(route, "remote", remote, args, kwargs)

            return call

        return SimpleNamespace(**{op: operation(op) for op in self.operations})

    def _with_fallback(self, route: str) -> SimpleNamespace:
        """Remote first; local when the service cannot answer.

        A write falls back only when it surely never ran on the service: one that may have
        been applied (a deadline, a connection lost after sending) is not repeated locally,
        which on shared data could apply it twice; the caller gets 503 and may retry.
        """

        def operation(name: str) -> Callable[..., Any]:
            local, remote = getattr(self.local, name), getattr(self.remote, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                try:
                    return _timed(route, "remote", remote, args, kwargs)
                except ServiceUnavailable as exc:
                    if self.writes and exc.maybe_applied:
                        log.warning(
                            "no fallback on %s %s (may have been applied): %s", route, name, exc
                        )
                        raise
                    log.warning("fallback to local on %s %s: %s", route, name, exc)
                    use_case, _, controller = route.partition(":")
                    metrics.fallback(use_case, controller, "unavailable")
                    return _timed(route, "local", local, args, kwargs)

            return call

        return SimpleNamespace(**{op: operation(op) for op in self.operations})


def _timed(route: str, side: str, func: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Call ``func`` and record its time and outcome for ``route``'s ``side``."""
    use_case, _, controller = route.partition(":")
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        return func(*args, **kwargs)
    except BaseException as exc:
        error = exc
        raise
    finally:
        shadow.record_call(use_case, controller, side, time.perf_counter() - started, error)


def _resolve(ref: Implementation) -> Any:
    return importlib.import_module(ref) if isinstance(ref, str) else ref


registry: dict[str, UseCase] = {}
"""Every use case by name, filled as use cases are defined (routing checks read it)."""
