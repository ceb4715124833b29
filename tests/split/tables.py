"""The test group: a parent, a child with a foreign key, and a table with a text key, with
values that exercise COPY's escaping (unicode, commas, quotes, newlines, backslashes, tabs),
NULLs and time zones."""

from __future__ import annotations

from strangler.split import SplitGroup, TableSpec

GROUP = SplitGroup(
    "splittest",
    (TableSpec("split_parent"), TableSpec("split_child"), TableSpec("split_tag", key="code")),
)
OLD, NEW = "split_old", "split_new"

PG_DDL = [
    "CREATE TABLE split_parent (id BIGSERIAL PRIMARY KEY, code VARCHAR(50) NOT NULL UNIQUE,"
    " name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), note TEXT NULL,"
    " score NUMERIC(10, 2) NULL)",
    "CREATE TABLE split_child (id BIGSERIAL PRIMARY KEY, parent_id BIGINT NULL"
    " REFERENCES split_parent (id) DEFERRABLE INITIALLY DEFERRED, body TEXT NOT NULL,"
    " at TIMESTAMPTZ NULL, flag BOOLEAN NOT NULL DEFAULT false)",
    "CREATE TABLE split_tag (code VARCHAR(40) PRIMARY KEY, label TEXT NULL)",
]

SQLITE_DDL = [
    "CREATE TABLE split_parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(50) NOT NULL"
    " UNIQUE, name TEXT NOT NULL, created_at TEXT NOT NULL, note TEXT NULL, score REAL NULL)",
    "CREATE TABLE split_child (id INTEGER PRIMARY KEY AUTOINCREMENT, parent_id INTEGER NULL"
    " REFERENCES split_parent (id) DEFERRABLE INITIALLY DEFERRED, body TEXT NOT NULL,"
    " at TEXT NULL, flag BOOLEAN NOT NULL DEFAULT 0)",
    "CREATE TABLE split_tag (code VARCHAR(40) PRIMARY KEY, label TEXT NULL)",
]

NASTY = "línea, \"quoted\" 'single' back\\slash\nnew line\ttab ✓ 東京"

PG_SEED = [
    "INSERT INTO split_parent (code, name, created_at, note, score)"
    " SELECT 'p' || i, %(nasty)s || i, timestamptz '2026-01-01 10:00:00+02' + i * interval '1 min',"
    " CASE WHEN i %% 3 = 0 THEN NULL ELSE %(nasty)s END, CASE WHEN i %% 5 = 0 THEN NULL"
    " ELSE i / 7.0 END FROM generate_series(1, %(parents)s) i",
    "INSERT INTO split_child (parent_id, body, at, flag)"
    " SELECT CASE WHEN i %% 10 = 0 THEN NULL ELSE 1 + i %% %(parents)s END,"
    " 'child ' || i || E'\\\\N not null' || %(nasty)s,"
    " CASE WHEN i %% 4 = 0 THEN NULL ELSE now() - i * interval '1 s' END, i %% 2 = 0"
    " FROM generate_series(1, %(children)s) i",
    "INSERT INTO split_tag (code, label) SELECT 'tag-' || lpad(i::text, 5, '0'),"
    " CASE WHEN i %% 7 = 0 THEN NULL ELSE 'Tag ' || i || %(nasty)s END"
    " FROM generate_series(1, %(tags)s) i",
]
