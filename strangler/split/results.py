"""Plain values the engine returns: a group's status, a transition, a verify report."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# A report names at most this many keys per kind and table; counts are always exact.
MAX_KEYS_LISTED = 1000


@dataclass(frozen=True)
class TableStatus:
    name: str
    old_rows: int | None  # None: the table does not exist (anymore) on that side
    new_rows: int | None
    rows_copied: int
    copy_done: bool
    last_key: str | None
    estimated: bool = False  # row counts from the planner's statistics, not count(*)


@dataclass(frozen=True)
class GroupStatus:
    group: str
    stage: str
    changed_at: datetime | None
    verified_at: datetime | None
    frozen_at: datetime | None
    tables: tuple[TableStatus, ...]
    pending_forward: int  # outbox rows on the old side (old -> new)
    pending_reverse: int  # outbox rows on the new side (new -> old)
    last_verify: dict[str, Any] | None = None
    next_stage: str | None = None
    previous_stage: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class Transition:
    group: str
    from_stage: str
    to_stage: str
    actor: str
    reason: str
    at: datetime
    notes: tuple[str, ...] = ()  # what the transition did (drained N changes, dropped ...)

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass
class TableDiff:
    """Differences of one table. Keys are as text (the outbox's and checkpoint's form)."""

    table: str
    rows_compared: int = 0
    ranges: int = 0
    ranges_differing: int = 0
    missing: list[str] = field(default_factory=list)  # on the other side, not on the truth
    extra: list[str] = field(default_factory=list)  # on the other side only
    different: list[str] = field(default_factory=list)
    missing_count: int = 0
    extra_count: int = 0
    different_count: int = 0
    repaired: int = 0
    # Keys that differ only because their change waits in the truth side's outbox (in
    # flight, or held while frozen): applying the outbox brings them in line; not a loss.
    pending: int = 0

    @property
    def differences(self) -> int:
        return self.missing_count + self.extra_count + self.different_count

    @property
    def unrepaired(self) -> int:
        return self.differences - self.repaired

    def add(self, kind: str, key: str) -> None:
        setattr(self, f"{kind}_count", getattr(self, f"{kind}_count") + 1)
        keys = getattr(self, kind)
        if len(keys) < MAX_KEYS_LISTED:
            keys.append(key)


@dataclass
class VerifyReport:
    """Truth side vs the other side. ``missing``: rows the truth has and the other lacks."""

    group: str
    stage: str
    truth: str
    tables: list[TableDiff]
    seconds: float = 0.0
    repaired: bool = False

    @property
    def differences(self) -> int:
        return sum(t.differences for t in self.tables)

    @property
    def ok(self) -> bool:
        """True when no difference is left: none found, or every one repaired."""
        return all(t.unrepaired == 0 for t in self.tables)

    @property
    def rows_compared(self) -> int:
        return sum(t.rows_compared for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        data = _jsonable(asdict(self))
        data["ok"] = self.ok
        data["differences"] = self.differences
        return data

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
