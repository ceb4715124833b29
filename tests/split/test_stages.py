"""The state machine as pure functions (no database)."""

from __future__ import annotations

import pytest

from strangler.split import SplitError, SplitGroup, Stage, TableSpec
from strangler.split.stages import (
    applies,
    next_stage,
    parse,
    previous_stage,
    reads_from,
    truth_side,
    writes_to,
)


def test_each_stage_has_one_next_and_one_previous() -> None:
    walk = [Stage.SHARED]
    while (following := next_stage(walk[-1])) is not None:
        walk.append(following)
    assert [s.value for s in walk] == [
        "shared", "copy", "sync", "verified", "reads-cutover", "writes-cutover", "frozen",
        "cleaned",
    ]  # fmt: skip
    for before, after in zip(walk[:-2], walk[1:-1], strict=True):
        assert previous_stage(after) is before
    assert previous_stage(Stage.SHARED) is None and previous_stage(Stage.CLEANED) is None


def test_sides_by_stage() -> None:
    table = {s.value: (reads_from(s), writes_to(s), truth_side(s), applies(s)) for s in Stage}
    assert table == {
        "shared": ("old", "old", "old", False),
        "copy": ("old", "old", "old", False),
        "sync": ("old", "old", "old", True),
        "verified": ("old", "old", "old", True),
        "reads-cutover": ("new", "old", "old", True),
        "writes-cutover": ("new", "new", "new", True),
        "frozen": ("new", "new", "new", False),
        "cleaned": ("new", "new", "new", False),
    }


def test_bad_names_are_refused_with_what_is_valid() -> None:
    with pytest.raises(SplitError, match="unknown stage 'done': one of shared, copy, sync"):
        parse("done")
    with pytest.raises(SplitError, match="is not a plain SQL identifier"):
        TableSpec('sales"; drop table x; --')
    with pytest.raises(SplitError, match="columns must include the key id"):
        TableSpec("t", columns=("name",))
    with pytest.raises(SplitError, match="lists a table twice"):
        SplitGroup("g", (TableSpec("t"), TableSpec("t")))
