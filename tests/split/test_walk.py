"""The stages in order on PostgreSQL: copy, sync, verify and repair, refusals."""

from __future__ import annotations

import io
import json

import psycopg2
import pytest
from django.db import IntegrityError
from rich.console import Console

from strangler.split import Engine, SplitError, SplitGroup, Stage, TableSpec
from strangler.split import verify as checks
from strangler.split.progress import RichProgress
from tests.split.conftest import PARENTS, Pair, same_rows, walk
from tests.split.tables import NEW, OLD


def test_copy_and_sync_make_both_sides_equal(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    assert engine.stage is Stage.COPY
    seen = []
    copied = engine.copy(batch_size=500, progress=lambda *args: seen.append(args))
    assert copied == 1500 + 3000 + 300
    table, done, total, rate, eta = seen[-1]
    assert (table, done, total, eta) == ("split_tag", 300, 300, 0) and rate > 0
    pair.run("old", "UPDATE split_parent SET name = 'changed' WHERE id = 7")
    pair.run("old", "DELETE FROM split_child WHERE id = 9")
    pair.run("old", "INSERT INTO split_tag VALUES ('new-tag', NULL)")
    assert engine.sync_once() == 0, "nothing is applied during the copy"
    engine.advance(actor="test", reason="sync")
    assert engine.drain() == 3
    same_rows(pair)
    status = engine.status()
    assert status.stage == "sync" and status.pending_forward == 0
    assert [t.copy_done for t in status.tables] == [True, True, True]
    assert [t.old_rows for t in status.tables] == [t.new_rows for t in status.tables]
    as_json = json.loads(json.dumps(status.as_dict()))
    assert as_json["stage"] == "sync" and as_json["next_stage"] == "verified"
    assert as_json["tables"][0]["name"] == "split_parent"


def test_copy_stops_when_asked_and_resumes_from_its_checkpoint(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    batches = []
    first = engine.copy(
        batch_size=200,
        should_stop=lambda: len(batches) >= 3,
        progress=lambda *args: batches.append(args),
    )
    assert first == 600
    assert engine.status().tables[0].rows_copied == 600
    with pytest.raises(SplitError, match=r"copy not done for split_parent \(600 rows so far\)"):
        engine.advance(actor="test", reason="too early")
    assert engine.copy(batch_size=1000) == 1500 + 3000 + 300 - 600
    engine.advance(actor="test", reason="copied")
    same_rows(pair)


def test_throttle_holds_the_rate(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    rates = []
    engine.copy(
        batch_size=1000,
        rows_per_second=4000,
        should_stop=lambda: len(rates) >= 3,
        progress=lambda *a: rates.append(a[3]),
    )
    assert 2000 < rates[-1] <= 4100


def test_skipping_a_stage_is_refused_with_the_reason_and_changes_nothing(pair: Pair) -> None:
    engine = pair.engine()
    with pytest.raises(SplitError, match="cannot go from shared to sync: next is copy"):
        engine.advance(to="sync", actor="test", reason="skip")
    with pytest.raises(SplitError, match="unknown stage 'later'"):
        engine.advance(to="later", actor="test", reason="typo")
    assert engine.stage is Stage.SHARED and engine.history() == []
    assert not pair.run("old", "SELECT 1 FROM pg_trigger WHERE tgname LIKE 'strangler%%'")
    walk(engine, "sync")
    with pytest.raises(SplitError, match="cannot go from sync to reads-cutover: next is verif"):
        engine.advance(to="reads-cutover", actor="test", reason="skip verify")
    with pytest.raises(SplitError, match="cannot go from sync to copy: next is verified"):
        engine.advance(to="copy", actor="test", reason="backwards")
    assert engine.stage is Stage.SYNC
    assert [h["to_stage"] for h in engine.history()] == ["copy", "sync"]


def test_copy_refuses_a_new_side_that_is_not_empty(pair: Pair) -> None:
    pair.run("new", "INSERT INTO split_tag VALUES ('left-over', NULL)")
    engine = pair.engine()
    with pytest.raises(SplitError, match="new table split_tag already holds 1 rows"):
        engine.advance(actor="test", reason="start")
    assert engine.stage is Stage.SHARED
    assert not pair.run("old", "SELECT 1 FROM pg_trigger WHERE tgname LIKE 'strangler%%'")


def test_verify_finds_rows_changed_behind_the_engines_back_and_repair_fixes_them(
    pair: Pair, monkeypatch
) -> None:
    monkeypatch.setattr(checks, "RANGE_ROWS", 128)  # many ranges, integer and text keys
    engine = pair.engine()
    walk(engine, "sync")
    engine.drain()
    assert engine.verify().ok
    pair.run("new", "UPDATE split_parent SET note = note || '!' WHERE id = 1234")
    pair.run("new", "DELETE FROM split_child WHERE id = 77")
    pair.run("new", "INSERT INTO split_tag VALUES ('zz-extra', 'x')")
    pair.run("new", "UPDATE split_tag SET label = NULL WHERE code = 'tag-00100'")

    report = engine.verify()
    assert not report.ok
    parent, child, tag = report.tables
    assert (parent.different, parent.missing, parent.extra) == (["1234"], [], [])
    assert parent.rows_compared == PARENTS and parent.ranges_differing == 1
    assert parent.ranges >= PARENTS // 128 and tag.ranges >= 300 // 128
    assert (child.missing, child.different) == (["77"], [])
    assert (tag.extra, tag.different) == (["zz-extra"], ["tag-00100"])
    assert '"different": ["1234"]' in report.as_json()
    with pytest.raises(SplitError, match=r"verify found 4 differences \(split_parent: 0 missing"):
        engine.advance(actor="test", reason="not equal")
    assert engine.stage is Stage.SYNC

    repaired = engine.verify(repair=True)
    assert repaired.ok and sum(t.repaired for t in repaired.tables) == 4
    same_rows(pair)
    assert engine.verify().ok
    engine.advance(actor="test", reason="equal now")
    assert engine.stage is Stage.VERIFIED


def test_repair_from_the_new_side_once_it_holds_the_truth(pair: Pair) -> None:
    engine = pair.engine()
    walk(engine, "writes-cutover")
    pair.run("old", "UPDATE split_parent SET name = 'stale' WHERE id = 5")  # a leaked write
    report = engine.verify(repair=True)
    assert report.truth == "new" and report.tables[0].different == ["5"]
    assert pair.run("old", "SELECT name FROM split_parent WHERE id = 5") != [("stale",)]
    same_rows(pair)


def test_truncate_of_a_captured_table_is_refused(pair: Pair) -> None:
    walk(pair.engine(), "sync")
    with pytest.raises(psycopg2.errors.RaiseException, match="TRUNCATE of split_tag is not"):
        pair.run("old", "TRUNCATE split_tag")


def test_columns_without_a_hash_function_are_compared_as_text(pair: Pair) -> None:
    for side in ("old", "new"):
        pair.run(side, "CREATE TABLE split_doc (id SERIAL PRIMARY KEY, doc JSON, at TIMESTAMPTZ)")
    pair.run(
        "old",
        "INSERT INTO split_doc (doc, at) SELECT json_build_object('n', i), now()"
        " FROM generate_series(1, 50) i",
    )
    engine = Engine(SplitGroup("docs", (TableSpec("split_doc"),)), old=OLD, new=NEW)
    walk(engine, "sync")
    assert engine.verify().ok
    pair.run("new", "UPDATE split_doc SET doc = '{\"n\": 0}' WHERE id = 3")
    assert engine.verify().tables[0].different == ["3"]


def test_progress_is_drawn_with_rich(pair: Pair) -> None:
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    with RichProgress("copy", console=console) as progress:
        engine.copy(batch_size=1000, progress=progress)
    drawn = console.file.getvalue()
    assert "copy split_parent" in drawn and "1500/1500" in drawn and "rows/s" in drawn


def test_an_unknown_alias_is_named(pair: Pair) -> None:
    engine = Engine(pair.engine().group, old="no_such_alias", new=NEW)
    with pytest.raises(SplitError, match="the old side's database alias 'no_such_alias' is not"):
        engine.advance(actor="test", reason="typo")
    assert engine.stage is Stage.SHARED


def test_a_failed_batch_commits_nothing_and_the_copy_resumes_after_the_fix(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    pair.run("new", "INSERT INTO split_tag VALUES ('tag-00150', 'in the way')")
    with pytest.raises(IntegrityError, match="split_tag_pkey"):
        engine.copy(batch_size=100)
    status = engine.status()
    assert status.tables[2].rows_copied == 100 and status.tables[2].new_rows == 101
    pair.run("new", "DELETE FROM split_tag WHERE code = 'tag-00150'")
    assert engine.copy(batch_size=100) == 200
    engine.advance(actor="test", reason="copied")
    same_rows(pair)


def test_two_rows_that_swap_a_unique_value_are_applied(pair: Pair) -> None:
    engine = pair.engine()
    walk(engine, "sync")
    pair.run(
        "old",
        "UPDATE split_parent SET code = 'swap' WHERE id = 10;"
        " UPDATE split_parent SET code = 'p10' WHERE id = 11;"
        " UPDATE split_parent SET code = 'p11' WHERE id = 10",
    )
    assert engine.drain() == 3  # three updates, two rows
    assert pair.run(
        "new", "SELECT id, code FROM split_parent WHERE id IN (10, 11) ORDER BY id"
    ) == [
        (10, "p11"),
        (11, "p10"),
    ]


def test_verify_during_the_copy_counts_every_missing_row(pair: Pair, monkeypatch) -> None:
    monkeypatch.setattr(checks, "RANGE_ROWS", 256)
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    engine.copy(batch_size=300, should_stop=lambda: engine.status().tables[0].rows_copied >= 600)
    report = engine.verify()
    parent, child, tag = report.tables
    assert (parent.missing_count, child.missing_count, tag.missing_count) == (900, 3000, 300)
    assert parent.missing[:2] == ["601", "602"] and len(child.missing) == 1000  # listed: 1,000
    assert not report.ok and report.truth == "old"


def test_a_child_copied_before_its_new_parent_is_fine_once_synced(pair: Pair) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    engine.copy(batch_size=1000, should_stop=lambda: engine.status().tables[0].copy_done)
    assert engine.status().tables[1].rows_copied == 0
    # The parent table is copied; a new parent and its child arrive on the old side.
    pair.run(
        "old",
        "WITH p AS (INSERT INTO split_parent (code, name) VALUES ('late', 'late') RETURNING id)"
        " INSERT INTO split_child (parent_id, body) SELECT id, 'child of late' FROM p",
    )
    engine.copy(batch_size=1000)  # the child reaches the new side before its parent
    engine.advance(actor="test", reason="copied")
    engine.drain()
    same_rows(pair)
