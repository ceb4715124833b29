"""Change capture: triggers record the key of every written row into an outbox table in the
same database (same transaction as the write), and an applier copies the CURRENT row of
each recorded key to the other side.

Why this shape (see docs/db-split.md): a trigger cannot be forgotten by a code path (dual
writes can), commits or rolls back with the write it records, and needs no replication
privileges or WAL settings (logical replication does, and SQLite has none). The outbox holds
keys, not row images: the applier re-reads the row when it applies, so applying an entry
twice, or two entries of one key in any order, gives the same result (idempotent and
order-robust), and a deleted row is deleted on the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError

from strangler.split.db import SQLITE_MAX_PARAMS, Side, Table, chunks


def outbox_name(group: str) -> str:
    return f"strangler_split_outbox_{group}"


# Set (transaction-local) by the applier: its own writes are not changes to capture. Needs no
# privilege, unlike session_replication_role (which also silences the triggers).
APPLYING = "strangler.split_applying"


def _function(group: str) -> str:
    return f"strangler_split_capture_{group}"


def _guard(group: str) -> str:
    """After ``strangler_split_frozen_*`` in trigger order (names sort), so that a frozen
    table says it is frozen."""
    return f"strangler_split_truncate_{group}"


def install(side: Side, group: str, tables: Sequence[Table]) -> None:
    """Create the outbox and a capture trigger on each table (idempotent)."""
    side.run_ddl(_install_sql(side, group, tables))


def refresh(side: Side, group: str) -> None:
    """Replace the capture function with this version's (a group whose capture was installed
    by an older version), leaving the triggers and the outbox as they are."""
    if side.is_pg and side.table_exists(outbox_name(group)):
        side.run_ddl(_install_sql(side, group, [])[:1])


def remove(side: Side, group: str, tables: Sequence[Table], *, keep_outbox: bool = False) -> None:
    """Drop the capture triggers (and the outbox unless asked to keep it). Dropping a
    trigger waits for transactions that are writing the table: once it returns, nothing
    more is recorded."""
    batches = []
    for table in tables:
        if not side.table_exists(table.name):
            continue
        if side.is_pg:
            batches.append(
                [
                    f"DROP TRIGGER IF EXISTS {_function(group)} ON {side.q(table.name)}",
                    f"DROP TRIGGER IF EXISTS {_guard(group)} ON {side.q(table.name)}",
                ]
            )
        else:
            batches.append(
                [f"DROP TRIGGER IF EXISTS {_function(group)}_{table.name}_{op}" for op in "iud"]
            )
    if side.is_pg:
        batches.append(
            [
                f"DROP FUNCTION IF EXISTS {_function(group)}()",
                f"DROP FUNCTION IF EXISTS {_guard(group)}()",
            ]
        )
    if not keep_outbox:
        batches.append([f"DROP TABLE IF EXISTS {outbox_name(group)}"])
    side.run_ddl(batches)


def _install_sql(side: Side, group: str, tables: Sequence[Table]) -> list[list[str]]:
    outbox = outbox_name(group)
    fn = _function(group)
    if side.is_pg:
        batches = [
            [
                f"CREATE TABLE IF NOT EXISTS {outbox} (id BIGSERIAL PRIMARY KEY, tbl TEXT NOT NULL,"
                " key TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now())",
                f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE old_key text; new_key text;
BEGIN
  IF current_setting('{APPLYING}', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN old_key := to_jsonb(OLD) ->> TG_ARGV[0]; END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN new_key := to_jsonb(NEW) ->> TG_ARGV[0]; END IF;
  IF old_key IS NOT NULL THEN
    INSERT INTO {outbox} (tbl, key) VALUES (TG_TABLE_NAME, old_key);
  END IF;
  IF new_key IS NOT NULL AND new_key IS DISTINCT FROM old_key THEN
    INSERT INTO {outbox} (tbl, key) VALUES (TG_TABLE_NAME, new_key);
  END IF;
  RETURN NULL;
END $$""",
                # TRUNCATE fires no row trigger: refuse it rather than lose it.
                f"CREATE OR REPLACE FUNCTION {_guard(group)}() RETURNS trigger LANGUAGE plpgsql"
                " AS $$ BEGIN RAISE EXCEPTION 'TRUNCATE of % is not captured by strangler"
                " split: delete the rows instead', TG_TABLE_NAME; END $$",
            ]
        ]
        for table in tables:
            name = side.q(table.name)
            batches.append(
                [
                    f"DROP TRIGGER IF EXISTS {fn} ON {name}",
                    f"CREATE TRIGGER {fn} AFTER INSERT OR UPDATE OR DELETE ON {name}"
                    f" FOR EACH ROW EXECUTE FUNCTION {fn}('{table.key}')",
                    f"DROP TRIGGER IF EXISTS {_guard(group)} ON {name}",
                    f"CREATE TRIGGER {_guard(group)} BEFORE TRUNCATE ON {name}"
                    f" FOR EACH STATEMENT EXECUTE FUNCTION {_guard(group)}()",
                ]
            )
        return batches
    batches = [
        [
            f"CREATE TABLE IF NOT EXISTS {outbox} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " tbl TEXT NOT NULL, key TEXT NOT NULL, at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ]
    ]
    for table in tables:
        name, key, t = side.q(table.name), side.q(table.key), table.name
        put = f"INSERT INTO {outbox} (tbl, key)"
        batches.append(
            [
                f"CREATE TRIGGER IF NOT EXISTS {fn}_{t}_i AFTER INSERT ON {name}"
                f" BEGIN {put} VALUES ('{t}', NEW.{key}); END",
                f"CREATE TRIGGER IF NOT EXISTS {fn}_{t}_u AFTER UPDATE ON {name}"
                f" BEGIN {put} VALUES ('{t}', OLD.{key});"
                f" {put} SELECT '{t}', NEW.{key} WHERE NEW.{key} IS NOT OLD.{key}; END",
                f"CREATE TRIGGER IF NOT EXISTS {fn}_{t}_d AFTER DELETE ON {name}"
                f" BEGIN {put} VALUES ('{t}', OLD.{key}); END",
            ]
        )
    return batches


def pending(side: Side, group: str) -> int:
    """Outbox rows not applied yet (0 when there is no outbox on this side)."""
    if not side.table_exists(outbox_name(group)):
        return 0
    with side.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {outbox_name(group)}")
        return int(cur.fetchone()[0])


def pending_keys(side: Side, group: str, table: Table, keys: Sequence[Any]) -> set[Any]:
    """Which of ``keys`` have a change recorded and not applied yet."""
    if not keys or not side.table_exists(outbox_name(group)):
        return set()
    found: set[Any] = set()
    with side.cursor() as cur:
        for chunk in chunks([str(k) for k in keys], SQLITE_MAX_PARAMS):
            marks = ", ".join(["%s"] * len(chunk))
            cur.execute(
                f"SELECT DISTINCT key FROM {outbox_name(group)} WHERE tbl = %s"
                f" AND key IN ({marks})",
                [table.name, *chunk],
            )
            found.update(table.key_from_text(row[0]) for row in cur.fetchall())
    return found


def last_id(side: Side, group: str) -> int:
    """The newest outbox row now: a drain stops there, so that it ends even while writes
    keep arriving."""
    if not side.table_exists(outbox_name(group)):
        return 0
    with side.cursor() as cur:
        cur.execute(f"SELECT max(id) FROM {outbox_name(group)}")
        return int(cur.fetchone()[0] or 0)


def apply_batch(
    source: Side,
    target: Side,
    group: str,
    tables: Sequence[Table],
    limit: int,
    up_to: int | None = None,
) -> int:
    """Apply up to ``limit`` outbox rows of ``source`` to ``target``; return how many.

    One applier at a time per group (a lock on the source, held for the batch): two
    appliers could otherwise each read a version of one row and write them in the wrong
    order. The target commits before the outbox rows are deleted: a crash in between
    applies them again, which changes nothing.
    """
    outbox = outbox_name(group)
    with source.atomic(), source.cursor() as cur:
        _lock_applier(source, cur, group)
        bound = "" if up_to is None else f" WHERE id <= {int(up_to)}"
        cur.execute(f"SELECT id, tbl, key FROM {outbox}{bound} ORDER BY id LIMIT %s", [limit])
        entries = cur.fetchall()
        if not entries:
            return 0
        keys: dict[str, dict[Any, None]] = {}
        by_name = {t.name: t for t in tables}
        for _id, name, key in entries:
            if name in by_name:
                keys.setdefault(name, {})[by_name[name].key_from_text(key)] = None
        plans = [(t, list(keys[t.name])) for t in tables if t.name in keys]
        write_keys(source, target, group, plans)
        source.delete_keys(outbox, "id", [entry[0] for entry in entries])  # same transaction
    return len(entries)


def _lock_applier(side: Side, cur: Any, group: str) -> None:
    if side.is_pg:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"strangler_split:{group}"])
    else:  # a write takes SQLite's write lock until the transaction ends
        cur.execute(f"UPDATE {outbox_name(group)} SET id = id WHERE id = -1")


def write_keys(
    source: Side, target: Side, group: str, plans: Sequence[tuple[Table, list[Any]]]
) -> int:
    """Make ``target`` hold ``source``'s current version of each key (upsert it, or delete
    it when the source has none), in one target transaction; return rows written.

    Rows already equal are not written. Deletes run children first, upserts parents first.
    Our own writes must not be captured on the target as if someone had made them (they
    would echo back, and on the old side at writes-cutover show as leaked writes):
    PostgreSQL writes as a replica, whose writes fire no trigger, and sets ``APPLYING``,
    which the capture function obeys when the replica role is not permitted; SQLite (one
    writer at a time) deletes what its triggers recorded in this transaction.
    """
    work = []
    for table, keys in plans:
        have = source.rows_by_keys(table.name, table.key, table.columns, keys)
        theirs = target.rows_by_keys(table.name, table.key, table.columns, keys)
        gone = [k for k in keys if k not in have and k in theirs]
        changed = [have[k] for k in keys if k in have and theirs.get(k) != have[k]]
        work.append((table, gone, changed))
    written = 0
    with target.no_fk_checks(), target.atomic(), target.cursor() as cur:
        target.replica(cur)
        if target.is_pg:  # without the replica role the capture triggers still fire
            cur.execute(f"SET LOCAL {APPLYING} = 'on'")
        echo_after = _echo_mark(target, cur, group)
        for table, gone, _changed in reversed(work):
            written += target.delete_keys(table.name, table.key, gone) if gone else 0
        for table, _gone, changed in work:
            _upsert(target, table, changed)
            written += len(changed)
        if echo_after is not None:
            cur.execute(f"DELETE FROM {outbox_name(group)} WHERE id > %s", [echo_after])
    return written


def _echo_mark(side: Side, cur: Any, group: str) -> int | None:
    """SQLite only, inside the write transaction: the last outbox id before our writes."""
    if not side.is_sqlite or not side.table_exists(outbox_name(group)):
        return None
    cur.execute(f"SELECT COALESCE(max(id), 0) FROM {outbox_name(group)}")
    return int(cur.fetchone()[0])


def _upsert(target: Side, table: Table, rows: list[tuple]) -> None:
    """Upsert; if another unique constraint is hit (two rows swapped a unique value
    between applies), delete those keys and insert the rows instead."""
    if not rows:
        return
    try:
        with target.atomic():
            target.upsert(table.name, table.key, table.columns, rows)
    except IntegrityError:
        keys = [row[table.key_index] for row in rows]
        target.delete_keys(table.name, table.key, keys)
        target.insert(table.name, table.columns, rows)
