"""Going back loses nothing; frozen old tables refuse writes; cleanup waits and archives."""

from __future__ import annotations

import shutil
import subprocess

import psycopg2
import pytest

from strangler.split import SplitError, Stage
from strangler.split.stages import next_stage, writes_to
from tests.split.conftest import Pair, same_rows, walk

FROZEN = "split_parent is frozen by strangler split: the service owns this data now"


def write_at(pair: Pair, stage: Stage, label: str) -> tuple[str, str]:
    """A write of each kind on the side that takes writes at ``stage``: insert a parent
    (the side's own sequence picks its id), rename parent 1, delete one child."""
    side = writes_to(stage)
    code = f"w-{label}"
    pair.run(side, "INSERT INTO split_parent (code, name) VALUES (%s, %s)", [code, label])
    pair.run(side, "UPDATE split_parent SET name = %s WHERE id = 1", [label])
    pair.run(side, "DELETE FROM split_child WHERE id = (SELECT min(id) FROM split_child)")
    return side, code


def test_rollback_from_every_stage_before_cleaned_loses_nothing(pair: Pair) -> None:
    engine = pair.engine()
    codes, last_name = [], None

    def write(stage: Stage, label: str) -> None:
        nonlocal last_name
        codes.append(write_at(pair, stage, label)[1])
        last_name = label

    deleted_before = pair.run("old", "SELECT count(*) FROM split_child")[0][0]
    walk(engine, "frozen", between=lambda s: write(Stage(s), f"fwd-{s}"))
    assert engine.stage is Stage.FROZEN
    while engine.stage is not Stage.SHARED:
        before = engine.stage
        transition = engine.rollback(actor="test", reason="step back")
        assert (transition.from_stage, transition.to_stage) == (
            before.value,
            engine.stage.value,
        )
        assert next_stage(engine.stage) is before
        if engine.stage not in (Stage.SHARED, Stage.COPY):
            assert engine.verify().ok, f"differences after rolling back to {engine.stage}"
        # Not applied by anyone but the next rollback (or, at copy, the next sync).
        write(engine.stage, f"back-{engine.stage}")
    # The old tables hold every write made anywhere on the way.
    found = {row[0] for row in pair.run("old", "SELECT code FROM split_parent")}
    assert set(codes) <= found
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 1") == [(last_name,)]
    children = pair.run("old", "SELECT count(*) FROM split_child")[0][0]
    assert children == deleted_before - len(codes)
    ids = [row[0] for row in pair.run("old", "SELECT id FROM split_parent")]
    assert len(ids) == len(set(ids))
    # Back at shared: nothing of the split is left but its history.
    assert not pair.run("old", "SELECT 1 FROM pg_trigger WHERE tgname LIKE 'strangler%%'")
    assert not pair.run("new", "SELECT 1 FROM pg_trigger WHERE tgname LIKE 'strangler%%'")
    assert pair.run("new", "SELECT count(*) FROM split_parent") == [(0,)]
    assert len(engine.history()) == 12
    # And the walk can start again.
    walk(engine, "sync")
    engine.drain()
    same_rows(pair)


def test_a_write_to_a_frozen_old_table_fails_loudly(pair: Pair) -> None:
    engine = pair.engine()
    walk(engine, "frozen")
    for statement in (
        "INSERT INTO split_parent (code, name) VALUES ('leak', 'leak')",
        "UPDATE split_parent SET name = 'leak' WHERE id = 1",
        "DELETE FROM split_parent WHERE id = -1",
        "TRUNCATE split_parent CASCADE",
    ):
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction, match=FROZEN):
            pair.run("old", statement)
    assert pair.run("old", "SELECT count(*) FROM split_parent WHERE code = 'leak'") == [(0,)]
    # The service keeps writing its own tables; the old side catches up on a rollback.
    pair.run("new", "UPDATE split_parent SET name = 'while frozen' WHERE id = 2")
    status = engine.status()
    assert status.pending_reverse == 1
    report = engine.verify()
    assert report.ok and report.tables[0].pending == 1
    with pytest.raises(SplitError, match="repair would write the frozen old tables"):
        engine.verify(repair=True)
    engine.rollback(actor="test", reason="unfreeze")
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 2") == [("while frozen",)]
    pair.run("old", "UPDATE split_parent SET name = 'writable again' WHERE id = 3")


def test_writes_cutover_needs_the_old_outbox_drained(pair: Pair) -> None:
    engine = pair.engine()
    walk(engine, "reads-cutover")
    pair.run("old", "UPDATE split_parent SET name = 'late' WHERE id = 4")
    transition = engine.advance(actor="test", reason="drains first")
    assert transition.to_stage == "writes-cutover"
    assert pair.run("new", "SELECT name FROM split_parent WHERE id = 4") == [("late",)]
    # The new side's sequence was moved past the copied keys: the service can insert.
    pair.run("new", "INSERT INTO split_parent (code, name) VALUES ('svc', 'svc')")


def test_cleanup_waits_for_retention_then_drops_the_old_tables(pair: Pair) -> None:
    engine = pair.engine(retention_seconds=3600)
    walk(engine, "frozen")
    with pytest.raises(
        SplitError, match=r"retention not over: (0:59:5\d|1:00:00) left \(frozen at "
    ):
        engine.advance(actor="test", reason="too soon")
    assert engine.stage is Stage.FROZEN
    pair.run(
        "old",
        "CREATE TABLE monolith_report (id int, parent_id bigint"
        " CONSTRAINT report_parent_fk REFERENCES split_parent (id))",
    )
    with pytest.raises(SplitError, match="constraint report_parent_fk on table monolith_report"):
        engine.cleanup(retention_seconds=0, actor="test")
    pair.run("old", "DROP TABLE monolith_report")
    rows = pair.run("new", "SELECT count(*) FROM split_child")
    transition = engine.cleanup(retention_seconds=0, actor="test", reason="done")
    assert transition.to_stage == "cleaned" and engine.stage is Stage.CLEANED
    assert not pair.run("old", "SELECT 1 FROM pg_tables WHERE tablename LIKE 'split_%%'")
    assert not pair.run("old", "SELECT 1 FROM pg_tables WHERE tablename LIKE 'strangler%%'")
    assert not pair.run("new", "SELECT 1 FROM pg_trigger WHERE tgname LIKE 'strangler%%'")
    assert pair.run("new", "SELECT count(*) FROM split_child") == rows
    with pytest.raises(SplitError, match="cleaned cannot be rolled back"):
        engine.rollback(actor="test")
    status = engine.status()
    assert status.tables[0].old_rows is None and status.tables[0].new_rows == 1500


@pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump is not installed")
def test_cleanup_archives_the_old_tables_with_pg_dump(pair: Pair, tmp_path) -> None:
    engine = pair.engine()
    walk(engine, "frozen")
    transition = engine.cleanup(archive_dir=tmp_path, retention_seconds=0, actor="test")
    dumps = list(tmp_path.glob("splittest-*.dump"))
    assert len(dumps) == 1 and any("archived" in note for note in transition.notes)
    listing = subprocess.run(
        ["pg_restore", "--list", str(dumps[0])], capture_output=True, text=True, check=True
    ).stdout
    for table in ("split_parent", "split_child", "split_tag"):
        assert f"TABLE DATA public {table}" in listing
    assert "monolith" not in listing


def test_a_copy_runs_once_at_a_time_and_blocks_rolling_back_the_copy(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    holder = psycopg2.connect(pair.new_url)
    try:
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtext('strangler_split_copy:splittest'))")
        with pytest.raises(SplitError, match="a copy of this group is already running"):
            engine.copy()
        with pytest.raises(SplitError, match="a copy of this group is already running"):
            engine.rollback(actor="test", reason="while copying")
        assert engine.stage is Stage.COPY
        with holder.cursor() as cur:
            # Released explicitly: a closed connection's backend may still hold the lock for
            # a moment after close() returns.
            cur.execute("SELECT pg_advisory_unlock(hashtext('strangler_split_copy:splittest'))")
    finally:
        holder.close()
    assert engine.copy() == 4800


def test_a_rollback_of_writes_cutover_that_died_half_way_is_finished(pair: Pair) -> None:
    engine = pair.engine()
    walk(engine, "writes-cutover")
    pair.run("new", "UPDATE split_parent SET name = 'service write' WHERE id = 8")
    # As if the rollback had saved its stage and died before applying the reverse outbox.
    pair.run("new", "UPDATE strangler_split_state SET stage = 'reads-cutover'")
    engine.rollback(actor="test", reason="after the crash")
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 8") == [("service write",)]
    assert not pair.run(
        "new", "SELECT 1 FROM pg_tables WHERE tablename LIKE 'strangler_split_out%%'"
    )
    assert engine.stage is Stage.VERIFIED
