"""The stages in order: copy, sync, verify, cutovers, freeze, cleanup on PostgreSQL."""

from __future__ import annotations

import pytest

from strangler.split import SplitError, Stage
from tests.split.conftest import Pair, same_rows, walk


def test_copy_and_sync_make_both_sides_equal(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    assert engine.stage is Stage.COPY
    seen = []
    copied = engine.copy(batch_size=500, progress=lambda *args: seen.append(args))
    assert copied == 1500 + 3000 + 300
    assert seen[-1][0] == "split_tag" and seen[-1][1] == 300
    pair.run("old", "UPDATE split_parent SET name = 'changed' WHERE id = 7")
    pair.run("old", "DELETE FROM split_child WHERE id = 9")
    engine.advance(actor="test", reason="sync")
    assert engine.drain() == 2
    same_rows(pair)
