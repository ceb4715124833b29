"""What moves: tables and their keys, given as data so the engine knows no example model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from strangler.split.errors import SplitError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str, what: str) -> str:
    """Names end up in SQL (quoted, but also in trigger and outbox names): keep them plain."""
    if not _IDENTIFIER.match(name or ""):
        raise SplitError(f"{what} {name!r} is not a plain SQL identifier")
    return name


@dataclass(frozen=True)
class TableSpec:
    """One table that moves: ``key`` is one ordered, unique column (integer or text) used for
    keyset batches, checkpoints, outbox rows and verify ranges. ``columns`` None: every
    column of the old table, read when the engine first needs them."""

    name: str
    key: str = "id"
    columns: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check_identifier(self.name, "table")
        check_identifier(self.key, "key column")
        for column in self.columns or ():
            check_identifier(column, "column")
        if self.columns is not None and self.key not in self.columns:
            raise SplitError(f"table {self.name}: columns must include the key {self.key}")


@dataclass(frozen=True)
class SplitGroup:
    """Tables that move together, in dependency order: parents before children."""

    name: str
    tables: tuple[TableSpec, ...]

    def __post_init__(self) -> None:
        check_identifier(self.name, "group")
        if not self.tables:
            raise SplitError(f"group {self.name} has no tables")
        names = [t.name for t in self.tables]
        if len(set(names)) != len(names):
            raise SplitError(f"group {self.name} lists a table twice")

    def table(self, name: str) -> TableSpec:
        for spec in self.tables:
            if spec.name == name:
                return spec
        raise SplitError(f"group {self.name} has no table {name}")
