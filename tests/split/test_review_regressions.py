"""Regressions found in review: writes routed by a stale cached stage around the moves of
the writes, a cleanup killed after its drop, and key sequences at the write cutover."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from strangler.split import cleanup as cleanup_mod
from strangler.split import engine as engine_mod
from strangler.split import state as state_mod
from strangler.split.errors import SplitError
from strangler.split.stages import Stage
from tests.split.conftest import Pair, walk

# A service process's stage cache in these tests: it writes by the old stage this long after
# the change is saved. The engine's fence must outlast it.
STALE = 0.15
FENCE = 0.5


def _after_saving(monkeypatch, target: Stage, write: Any) -> list[threading.Timer]:
    """Run ``write`` STALE seconds after the transition to ``target`` is recorded, as a
    process that has not seen the change yet would."""
    timers: list[threading.Timer] = []
    real = state_mod.record

    def record(side, group, current, to, *args, **kwargs):
        real(side, group, current, to, *args, **kwargs)
        if to is target:
            timers.append(threading.Timer(STALE, write))
            timers[-1].start()

    monkeypatch.setattr(state_mod, "record", record)
    return timers


def test_rollback_of_writes_cutover_keeps_a_write_routed_by_a_stale_stage(pair: Pair, monkeypatch):
    e = pair.engine()
    walk(e, "writes-cutover")
    e.fence_seconds = FENCE
    timers = _after_saving(
        monkeypatch,
        Stage.READS_CUTOVER,
        lambda: pair.run("new", "UPDATE split_parent SET name = 'stale-routed' WHERE id = 5"),
    )
    e.rollback(actor="t")
    for timer in timers:
        timer.join()
    assert e.stage is Stage.READS_CUTOVER
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 5") == [("stale-routed",)]
    assert e.verify().ok


def test_writes_cutover_applies_old_side_writes_routed_by_a_stale_stage(pair: Pair, monkeypatch):
    e = pair.engine()
    walk(e, "reads-cutover")
    e.fence_seconds = FENCE

    def both_sides() -> None:
        # a process still at reads-cutover inserts on the old side and updates a row that a
        # process already at writes-cutover then updates on the new side
        pair.run("old", "INSERT INTO split_parent (code, name) VALUES ('stale', 'stale')")
        pair.run("old", "UPDATE split_parent SET name = 'old-stale' WHERE id = 7")
        pair.run("new", "UPDATE split_parent SET name = 'new-fresh' WHERE id = 7")

    timers = _after_saving(monkeypatch, Stage.WRITES_CUTOVER, both_sides)
    e.advance(actor="t")
    for timer in timers:
        timer.join()
    assert e.stage is Stage.WRITES_CUTOVER
    assert pair.run("new", "SELECT count(*) FROM split_parent WHERE code = 'stale'") == [(1,)]
    assert pair.run("new", "SELECT name FROM split_parent WHERE id = 7") == [("new-fresh",)]
    e.drain()
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 7") == [("new-fresh",)]
    # the service's next insert gets a key past the late row
    pair.run("new", "INSERT INTO split_parent (code, name) VALUES ('svc', 'svc')")


def test_late_old_insert_at_writes_cutover_does_not_collide_with_new_sequence(
    pair: Pair, monkeypatch
):
    e = pair.engine()
    walk(e, "reads-cutover")
    real = engine_mod.Engine._require_drained

    def late(self, label):
        real(self, label)
        if label == "old":  # a write that commits between the drain and the flip
            pair.run("old", "INSERT INTO split_parent (code, name) VALUES ('late', 'late')")

    monkeypatch.setattr(engine_mod.Engine, "_require_drained", late)
    e.advance(actor="t")
    assert e.stage is Stage.WRITES_CUTOVER
    assert pair.run("new", "SELECT count(*) FROM split_parent WHERE code = 'late'") == [(1,)]
    pair.run("new", "INSERT INTO split_parent (code, name) VALUES ('svc', 'svc')")  # no clash


def test_cleanup_killed_after_the_drop_finishes_when_run_again(pair: Pair, monkeypatch):
    e = pair.engine(retention_seconds=0)
    walk(e, "frozen")
    real = cleanup_mod.drop_tables

    def dying(side, tables):
        real(side, tables)
        raise RuntimeError("killed after drop")

    monkeypatch.setattr(cleanup_mod, "drop_tables", dying)
    with pytest.raises(RuntimeError):
        e.cleanup(retention_seconds=0, actor="t")
    monkeypatch.setattr(cleanup_mod, "drop_tables", real)
    again = pair.engine()
    assert again.stage is Stage.FROZEN
    again.cleanup(retention_seconds=0, actor="t")
    assert again.stage is Stage.CLEANED
    for side in ("old", "new"):
        leftovers = pair.run(
            side,
            "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'strangler_split_%%'"
            " UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'strangler_split_%%'"
            " UNION ALL SELECT tablename FROM pg_tables"
            " WHERE tablename LIKE 'strangler_split_outbox%%'",
        )
        assert leftovers == [], (side, leftovers)
    assert pair.run("old", "SELECT to_regclass('split_parent')") == [(None,)]


@pytest.mark.parametrize("rate", [float("nan"), float("inf")])
def test_engine_copy_refuses_a_rate_that_is_not_finite(pair: Pair, rate: float):
    e = pair.engine()
    walk(e, "copy")
    with pytest.raises(SplitError, match="finite"):
        e.copy(rows_per_second=rate)


def test_reverse_sync_without_the_replica_role_is_not_a_leaked_write(pair: Pair):
    e = pair.engine()
    for side in e._sides.values():
        side._replica_ok = False  # as if SET session_replication_role were not permitted
    walk(e, "writes-cutover")
    pair.run("new", "UPDATE split_parent SET name = 'by the service' WHERE id = 9")
    pair.run("new", "INSERT INTO split_tag (code, label) VALUES ('svc', 'svc')")
    assert e.drain() >= 2
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 9") == [("by the service",)]
    status = e.status()
    assert (status.pending_forward, status.pending_reverse) == (0, 0)
    assert e.verify().ok
