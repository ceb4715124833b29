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
from collections.abc import Callable, Iterable
from functools import cached_property
from types import ModuleType, SimpleNamespace
from typing import Any

from django.http import HttpRequest

from strangler import shadow
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
        registry[name] = self

    def __repr__(self) -> str:
        return f"<UseCase {self.name}>"

    def on(self, request: HttpRequest) -> Any:
        """The implementation that serves this request (an object with the operations)."""
        mode = decide(request, self.name)
        if mode is Mode.LOCAL:
            return self.local
        if mode is Mode.REMOTE:
            return self.remote
        route = f"{self.name}:{controller_of(request)}"
        if mode is Mode.SHADOW:
            return self.local if self.writes else self._shadowed(route)
        return self._with_fallback(route)

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
                    shadow.ShadowCall(route, name, outcome, lambda: remote(*args, **kwargs))
                )

            return call

        return SimpleNamespace(**{op: operation(op) for op in self.operations})

    def _with_fallback(self, route: str) -> SimpleNamespace:
        def operation(name: str) -> Callable[..., Any]:
            local, remote = getattr(self.local, name), getattr(self.remote, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                try:
                    return remote(*args, **kwargs)
                except ServiceUnavailable as exc:
                    log.warning("fallback to local on %s %s: %s", route, name, exc)
                    return local(*args, **kwargs)

            return call

        return SimpleNamespace(**{op: operation(op) for op in self.operations})


def _resolve(ref: Implementation) -> Any:
    return importlib.import_module(ref) if isinstance(ref, str) else ref


registry: dict[str, UseCase] = {}
"""Every use case by name, filled as use cases are defined (routing checks read it)."""
