"""Declarations of the RPCs a remote implementation calls, kept as data next to the code.

The version gate reads them before a route is switched to a service, and again at run time:
every declared method must be served by the deployed service, at least at the declared
version when behaviour changed without a signature change, so the monolith never calls an
RPC the service lacks.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from strangler import methods, versions

ATTRIBUTE = "__strangler_rpcs__"
MIN_VERSION = "__strangler_min_version__"
F = TypeVar("F", bound=Callable)


def calls(*rpcs: str, min_version: str | None = None) -> Callable[[F], F]:
    """Declare the fully qualified methods a function calls: ``@calls("pkg.Svc/Method")``.

    ``min_version``: the lowest service version whose answers the function relies on, when
    the service changed what the methods do without changing their signature (e.g. honours
    a field an older build would silently ignore).
    """
    for rpc in rpcs:
        methods.split(rpc)  # refuse a malformed name at import time
    if min_version is not None:
        versions.check(min_version)

    def declare(func: F) -> F:
        setattr(func, ATTRIBUTE, tuple(rpcs))
        setattr(func, MIN_VERSION, min_version)
        return func

    return declare


def rpcs_of(obj: Callable | ModuleType) -> tuple[str, ...]:
    """The methods a function declares, or all those its module's functions declare."""
    return tuple(requirements_of(obj))


def requirements_of(*objs: Callable | ModuleType) -> dict[str, str | None]:
    """{method: lowest service version needed, or None} for functions or whole modules."""
    members = [
        member
        for obj in objs
        for member in (
            [m for _, m in inspect.getmembers(obj, callable)]
            if isinstance(obj, ModuleType)
            else [obj]
        )
    ]
    found: dict[str, str | None] = {}
    for member in members:
        minimum = getattr(member, MIN_VERSION, None)
        for rpc in getattr(member, ATTRIBUTE, ()):
            found[rpc] = _higher(found.get(rpc), minimum)
    return found


def _higher(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return b if versions.at_least(b, a) else a


def declarations(module: ModuleType) -> dict[str, tuple[str, ...]]:
    """{function name: methods it calls} for every declaring function of a module."""
    return {
        name: getattr(member, ATTRIBUTE)
        for name, member in inspect.getmembers(module, callable)
        if getattr(member, ATTRIBUTE, None) is not None
    }
