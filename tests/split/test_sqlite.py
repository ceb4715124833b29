"""The whole walk on SQLite (the demo's databases): two database files, one per side."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections

from strangler.split import Engine, SplitError, Stage
from tests.split.conftest import register_alias
from tests.split.tables import GROUP, NASTY, SQLITE_DDL

OLD, NEW = "split_sqlite_old", "split_sqlite_new"


class Files:
    def __init__(self, directory: Path) -> None:
        self.paths = {"old": directory / "monolith.sqlite3", "new": directory / "service.sqlite3"}

    def run(self, side: str, statement: str, params: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(self.paths[side])
        try:
            with conn:
                return conn.execute(statement, params).fetchall()
        finally:
            conn.close()

    def rows(self, side: str, table: str, key: str) -> list[tuple]:
        return self.run(side, f"SELECT * FROM {table} ORDER BY {key}")


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Files]:
    result = Files(tmp_path)
    for side in ("old", "new"):
        conn = sqlite3.connect(result.paths[side])
        for statement in SQLITE_DDL:
            conn.execute(statement)
        conn.commit()
        conn.close()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    conn = sqlite3.connect(result.paths["old"])
    with conn:
        conn.executemany(
            "INSERT INTO split_parent (code, name, created_at, note, score) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    f"p{i}",
                    f"{NASTY}{i}",
                    (start + timedelta(minutes=i)).isoformat(),
                    None if i % 3 == 0 else NASTY,
                    None if i % 5 == 0 else i / 7,
                )
                for i in range(1, 401)
            ],
        )
        conn.executemany(
            "INSERT INTO split_child (parent_id, body, at, flag) VALUES (?, ?, ?, ?)",
            [(None if i % 10 == 0 else 1 + i % 400, f"child {i}", None, i % 2) for i in range(800)],
        )
        conn.executemany(
            "INSERT INTO split_tag VALUES (?, ?)", [(f"tag-{i:05d}", NASTY) for i in range(50)]
        )
    conn.close()
    register_alias(OLD, f"sqlite:///{result.paths['old']}")
    register_alias(NEW, f"sqlite:///{result.paths['new']}")
    yield result
    for alias in (OLD, NEW):
        connections[alias].close()


def same(files: Files) -> None:
    for spec in GROUP.tables:
        assert files.rows("old", spec.name, spec.key) == files.rows("new", spec.name, spec.key)


def test_the_whole_walk_on_sqlite(files: Files, tmp_path: Path) -> None:
    engine = Engine(GROUP, old=OLD, new=NEW, retention_seconds=0, fence_seconds=0.02)
    engine.advance(actor="demo", reason="start")
    engine.copy(batch_size=150)
    files.run("old", "UPDATE split_parent SET name = 'during copy' WHERE id = 3")
    files.run("old", "UPDATE split_tag SET code = 'renamed' WHERE code = 'tag-00007'")
    engine.advance(actor="demo", reason="sync")
    engine.drain()
    same(files)
    files.run("new", "DELETE FROM split_child WHERE id = 5")  # behind the engine's back
    report = engine.verify()
    assert report.tables[1].missing == ["5"]
    assert engine.verify(repair=True).ok
    for stage in ("verified", "reads-cutover", "writes-cutover"):
        engine.advance(to=stage, actor="demo", reason=stage)
    files.run("new", "INSERT INTO split_parent (code, name, created_at) VALUES ('svc', 's', 'x')")
    engine.advance(to="frozen", actor="demo", reason="freeze")
    assert files.run("old", "SELECT name FROM split_parent WHERE code = 'svc'") == [("s",)]
    assert engine.status().pending_forward == 0, "applied changes must not echo back"
    with pytest.raises(sqlite3.IntegrityError, match="split_parent is frozen by strangler"):
        files.run("old", "UPDATE split_parent SET name = 'leak' WHERE id = 1")
    files.run("new", "UPDATE split_parent SET name = 'held' WHERE id = 1")
    assert engine.verify().tables[0].pending == 1
    engine.rollback(actor="demo", reason="check rollback")
    assert files.run("old", "SELECT name FROM split_parent WHERE id = 1") == [("held",)]
    engine.rollback(actor="demo", reason="back to the old side")
    files.run("old", "INSERT INTO split_parent (code, name, created_at) VALUES ('mono', 'm', 'x')")
    engine.advance(to="writes-cutover", actor="demo", reason="again")
    engine.advance(to="frozen", actor="demo", reason="again")
    same(files)
    with pytest.raises(SplitError, match="cannot go from frozen to shared: next is cleaned"):
        engine.advance(to="shared", actor="demo", reason="no")
    engine.cleanup(archive_dir=tmp_path / "archive", actor="demo", reason="done")
    assert engine.stage is Stage.CLEANED
    assert files.run("old", "SELECT name FROM sqlite_master WHERE name LIKE 'split_%'") == []
    assert files.run("new", "SELECT count(*) FROM split_parent") == [(402,)]
    archived = list((tmp_path / "archive").glob("splittest-*.sqlite3"))
    assert len(archived) == 1
    conn = sqlite3.connect(archived[0])
    assert conn.execute("SELECT count(*) FROM split_parent").fetchone() == (402,)
    conn.close()
