"""The split's state machine as pure functions: which stage follows which, and which side
holds the truth, serves reads and takes writes at each stage."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from strangler.split.errors import SplitError

Side = Literal["old", "new"]


class Stage(StrEnum):
    SHARED = "shared"
    COPY = "copy"
    SYNC = "sync"
    VERIFIED = "verified"
    READS_CUTOVER = "reads-cutover"
    WRITES_CUTOVER = "writes-cutover"
    FROZEN = "frozen"
    CLEANED = "cleaned"


ORDER: tuple[Stage, ...] = tuple(Stage)


def parse(value: str | Stage) -> Stage:
    """A stage from its value, with the list of valid values when it is not one."""
    try:
        return Stage(value)
    except ValueError:
        valid = ", ".join(s.value for s in ORDER)
        raise SplitError(f"unknown stage {value!r}: one of {valid}") from None


def next_stage(stage: Stage) -> Stage | None:
    """The only stage ``advance`` may go to; None after ``cleaned``."""
    index = ORDER.index(stage)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_stage(stage: Stage) -> Stage | None:
    """The stage ``rollback`` returns to; None for ``shared`` and for ``cleaned`` (the old
    tables are gone: nothing to return to)."""
    if stage in (Stage.SHARED, Stage.CLEANED):
        return None
    return ORDER[ORDER.index(stage) - 1]


def at_least(stage: Stage, other: Stage) -> bool:
    return ORDER.index(stage) >= ORDER.index(other)


def truth_side(stage: Stage) -> Side:
    """Where the latest version of every row is: old until the service writes its own DB."""
    return "new" if at_least(stage, Stage.WRITES_CUTOVER) else "old"


def reads_from(stage: Stage) -> Side:
    return "new" if at_least(stage, Stage.READS_CUTOVER) else "old"


def writes_to(stage: Stage) -> Side:
    return truth_side(stage)


def applies(stage: Stage) -> bool:
    """Whether the outbox of the truth side is applied to the other side at this stage.

    Not during copy (a row deleted after the copy read it would come back), not while
    frozen (the old tables reject writes: reverse sync waits and catches up on rollback).
    """
    return stage in (Stage.SYNC, Stage.VERIFIED, Stage.READS_CUTOVER, Stage.WRITES_CUTOVER)
