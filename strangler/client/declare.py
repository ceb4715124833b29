"""Declarations of the RPCs a remote implementation calls, kept as data.

The version gate reads them before a route is switched to a service: every declared method
must exist in the deployed service, so the monolith never calls an RPC the service lacks.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from strangler import methods

ATTRIBUTE = "__strangler_rpcs__"
F = TypeVar("F", bound=Callable)


def calls(*rpcs: str) -> Callable[[F], F]:
    """Declare the fully qualified methods a function calls: ``@calls("pkg.Svc/Method")``."""
    for rpc in rpcs:
        methods.split(rpc)  # refuse a malformed name at import time

    def declare(func: F) -> F:
        setattr(func, ATTRIBUTE, tuple(rpcs))
        return func

    return declare


def rpcs_of(obj: Callable | ModuleType) -> tuple[str, ...]:
    """The methods a function declares, or all those its module's functions declare."""
    if isinstance(obj, ModuleType):
        found: dict[str, None] = {}
        for _, member in inspect.getmembers(obj, callable):
            found.update(dict.fromkeys(getattr(member, ATTRIBUTE, ())))
        return tuple(found)
    return getattr(obj, ATTRIBUTE, ())


def declarations(module: ModuleType) -> dict[str, tuple[str, ...]]:
    """{function name: methods it calls} for every declaring function of a module."""
    return {
        name: getattr(member, ATTRIBUTE)
        for name, member in inspect.getmembers(module, callable)
        if getattr(member, ATTRIBUTE, None) is not None
    }
