"""Compare what the local and the remote side answered, as domain values, and say how they differ.

A shadow run is only useful if a difference it reports is a real one: two sides that agree
must compare equal even when they order a list differently or stamp a time a few
milliseconds apart, and two sides that disagree must produce a diff a person can read.
Everything here is plain Python (no Django, no gRPC), so it is unit-tested without a database.

Paths name a place in a value: ``name``, ``channels[].kind``, ``channels[id=3].kind``. A
rule given as a bare field name (``updated_at``) applies to that field at any depth; a rule
with a dot or brackets applies to that path only (item positions and keys written ``[]``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

Comparator = Callable[[Any, Any], bool]

_ITEM = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class Rules:
    """How one use case's two answers are compared.

    ``ignore``: fields that may differ (e.g. a cache timestamp). ``unordered``: lists whose
    order carries no meaning (``"*"`` for every list). ``item_keys``: for an unordered list, the
    field that identifies an item, so that a diff says *which* item differs. ``time_tolerance``:
    how far apart two timestamps may be. ``comparators``: a function that decides equality at a
    path where no general rule fits.
    """

    ignore: Collection[str] = ()
    unordered: Collection[str] = ()
    item_keys: Mapping[str, str] = field(default_factory=dict)
    time_tolerance: timedelta = timedelta(0)
    comparators: Mapping[str, Comparator] = field(default_factory=dict)

    def _matches(self, patterns: Collection[str], path: str) -> bool:
        generic = _ITEM.sub("[]", path)
        name = generic.rsplit(".", 1)[-1].removesuffix("[]")
        for pattern in patterns:
            if pattern in (generic, "*") or (
                "." not in pattern and "[" not in pattern and pattern == name
            ):
                return True
        return False

    def ignored(self, path: str) -> bool:
        return self._matches(self.ignore, path)

    def is_unordered(self, path: str) -> bool:
        return self._matches(self.unordered, path)

    def comparator(self, path: str) -> Comparator | None:
        generic = _ITEM.sub("[]", path)
        return self.comparators.get(generic) or self.comparators.get(generic.rsplit(".", 1)[-1])

    def item_key(self, path: str) -> str | None:
        return self.item_keys.get(_ITEM.sub("[]", path)) or self.item_keys.get("*")


EXACT = Rules()


@dataclass(frozen=True)
class Outcome:
    """What one side produced: a value, or the exception it raised, and how long it took."""

    value: Any = None
    error: BaseException | None = None
    seconds: float | None = None

    @classmethod
    def of(cls, call: Callable[[], Any]) -> Outcome:
        started = time.perf_counter()
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001 - an exception is an answer to compare
            return cls(error=exc, seconds=time.perf_counter() - started)
        return cls(value=value, seconds=time.perf_counter() - started)

    def unwrap(self) -> Any:
        """The value, or raise the error: what the caller of this side gets."""
        if self.error is not None:
            raise self.error
        return self.value

    def describe(self) -> str:
        if self.error is not None:
            return f"raised {type(self.error).__name__}({str(self.error)!r})"
        return f"returned {_short(self.value)}"


@dataclass(frozen=True)
class Difference:
    path: str
    local: str
    remote: str

    def __str__(self) -> str:
        return f"{self.path or '(value)'}: local {self.local}, remote {self.remote}"


@dataclass(frozen=True)
class Diff:
    differences: tuple[Difference, ...]

    @property
    def equal(self) -> bool:
        return not self.differences

    def text(self) -> str:
        """One line per difference, for a person to read."""
        return "\n".join(str(d) for d in self.differences)

    def fingerprint(self) -> str:
        """The same for every occurrence of one kind of difference, whatever the values.

        Item keys and positions are blanked so that "name differs" on channel 3 and on
        channel 4 count as one difference seen twice, not two differences.
        """
        shape = sorted(
            {
                f"{_ITEM.sub('[]', d.path)}|{_kind(d.local)}|{_kind(d.remote)}"
                for d in self.differences
            }
        )
        return hashlib.sha256("\n".join(shape).encode()).hexdigest()[:32]


def compare(local: Outcome, remote: Outcome, rules: Rules = EXACT) -> Diff:
    """Compare two outcomes. The same error type on both sides is agreement."""
    if local.error is not None or remote.error is not None:
        if (
            local.error is not None
            and remote.error is not None
            and type(local.error) is type(remote.error)
        ):
            return Diff(())
        return Diff((Difference("", local.describe(), remote.describe()),))
    found: list[Difference] = []
    _compare(normalise(local.value), normalise(remote.value), "", rules, found)
    return Diff(tuple(found))


def normalise(value: Any) -> Any:
    """Dataclasses become dicts, tuples and sets become lists: the shape both sides share."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: normalise(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {key: normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((normalise(item) for item in value), key=repr)
    return value


def _compare(local: Any, remote: Any, path: str, rules: Rules, found: list[Difference]) -> None:
    if path and rules.ignored(path):
        return
    custom = rules.comparator(path) if path else None
    if custom is not None:
        if not custom(local, remote):
            found.append(Difference(path, _short(local), _short(remote)))
        return
    if isinstance(local, dict) and isinstance(remote, dict):
        for key in sorted(local.keys() | remote.keys(), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in remote:
                if not rules.ignored(child):
                    found.append(Difference(child, _short(local[key]), "has no such field"))
            elif key not in local:
                if not rules.ignored(child):
                    found.append(Difference(child, "has no such field", _short(remote[key])))
            else:
                _compare(local[key], remote[key], child, rules, found)
    elif isinstance(local, list) and isinstance(remote, list):
        _compare_lists(local, remote, path, rules, found)
    elif not _scalars_equal(local, remote, rules.time_tolerance):
        found.append(Difference(path, _short(local), _short(remote)))


def _compare_lists(
    local: list, remote: list, path: str, rules: Rules, found: list[Difference]
) -> None:
    key = rules.item_key(path) if rules.is_unordered(path) else None
    if key is not None and _all_keyed(local, key) and _all_keyed(remote, key):
        _compare_keyed(local, remote, path, key, rules, found)
        return
    if rules.is_unordered(path):
        local, remote = sorted(local, key=_sort_key), sorted(remote, key=_sort_key)
    if len(local) != len(remote):
        found.append(Difference(f"{path}.length", str(len(local)), str(len(remote))))
    for index, (mine, theirs) in enumerate(zip(local, remote, strict=False)):
        _compare(mine, theirs, f"{path}[{index}]", rules, found)


def _compare_keyed(
    local: list, remote: list, path: str, key: str, rules: Rules, found: list[Difference]
) -> None:
    mine = {item[key]: item for item in local}
    theirs = {item[key]: item for item in remote}
    for item_id in sorted(mine.keys() | theirs.keys(), key=repr):
        child = f"{path}[{key}={item_id}]"
        if item_id not in theirs:
            found.append(Difference(child, "has this item", "has no such item"))
        elif item_id not in mine:
            found.append(Difference(child, "has no such item", "has this item"))
        else:
            _compare(mine[item_id], theirs[item_id], child, rules, found)


def _scalars_equal(local: Any, remote: Any, tolerance: timedelta) -> bool:
    if isinstance(local, datetime) and isinstance(remote, datetime):
        if (local.tzinfo is None) != (remote.tzinfo is None):
            return False
        return abs(local - remote) <= tolerance
    if isinstance(local, date) and isinstance(remote, date):
        return local == remote
    if isinstance(local, bool) or isinstance(remote, bool):
        return type(local) is type(remote) and local == remote
    return local == remote


def _all_keyed(items: list, key: str) -> bool:
    return all(isinstance(item, dict) and key in item for item in items)


def _sort_key(item: Any) -> str:
    return repr(item)


def _kind(described: str) -> str:
    """The type part of a described value: ``raised NotFound(...)`` -> ``raised NotFound``."""
    if described.startswith("raised "):
        return described.split("(", 1)[0]
    if described.startswith(("has ", "returned ")):
        return described.split(" ", 1)[0] + " " + described.split(" ", 2)[1].split("(", 1)[0]
    return "value"


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
