"""Backfill: copy each table from the old side to the new one in keyset batches.

Each batch and its checkpoint commit in ONE transaction on the new side, so a copy killed at
any moment (kill -9 included) resumes after the last committed batch: no row is missing,
none is copied twice. Rows written on the old side meanwhile are recorded by the capture
triggers (installed before the copy reads anything) and applied from the sync stage on.

PostgreSQL to PostgreSQL streams each batch with COPY through a pipe between two threads
(about 10x faster than batched INSERTs; memory bounded by the pipe, whatever the batch or
table size). Other pairs (SQLite, mixed) use fetchmany + executemany.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from strangler.split import state
from strangler.split.db import Side, Table

# Bytes read from the pipe per call into COPY FROM.
PIPE_CHUNK = 1 << 16


@dataclass
class Pace:
    """Rows copied in this run, for the throttle, the rate and the ETA."""

    rows_per_second: float | None
    started: float
    rows: int = 0

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.rows / elapsed if elapsed > 0 else 0.0

    def wait(self) -> None:
        """Sleep until this run's average is back at or below ``rows_per_second``."""
        if self.rows_per_second:
            due = self.started + self.rows / self.rows_per_second
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)


def copy_table(
    old: Side,
    new: Side,
    group: str,
    table: Table,
    *,
    batch_size: int,
    pace: Pace,
    progress: Callable[[str, int, int, float, float | None], None] | None,
    should_stop: Callable[[], bool] | None,
) -> bool:
    """Copy what is left of one table; return True when it is done (False: stopped)."""
    total, _ = old.count(table.name)
    if pace.rows_per_second:
        batch_size = max(1, min(batch_size, int(pace.rows_per_second)))
    batch = _pg_batch if old.is_pg and new.is_pg else _generic_batch
    while True:
        checkpoint = state.checkpoints(new, group)[table.name]
        if checkpoint.done:
            if new.is_pg and table.integer_key:
                reset_sequence(new, table)
            return True
        if should_stop and should_stop():
            return False
        last = table.key_from_text(checkpoint.last_key)
        rows = batch(old, new, group, table, last, batch_size)
        pace.rows += rows
        pace.wait()
        if progress:
            done = checkpoint.rows_copied + rows
            rate = pace.rate()
            eta = max(total - done, 0) / rate if rate else None
            progress(table.name, done, max(total, done), rate, eta)


def _pg_batch(old: Side, new: Side, group: str, table: Table, last: Any, size: int) -> int:
    """One batch by COPY: find the batch's upper key on the old side first, so that the
    bounds (and the checkpoint) come from one database's ordering, then stream it."""
    key = old.q(table.key)
    after = "" if last is None else f" AND {key} > %(last)s"
    params = {"last": last, "size": size - 1}
    with old.cursor() as cur:
        cur.execute(
            f"SELECT {key} FROM {old.q(table.name)} WHERE TRUE{after}"
            f" ORDER BY {key} OFFSET %(size)s LIMIT 1",
            params,
        )
        row = cur.fetchone()
        upper = row[0] if row else None
        bound = "" if upper is None else f" AND {key} <= %(upper)s"
        select = cur.mogrify(
            f"SELECT {old.qcols(table.columns)} FROM {old.q(table.name)}"
            f" WHERE TRUE{after}{bound} ORDER BY {key}",
            {**params, "upper": upper},
        ).decode()
    try:
        with new.atomic(), new.cursor() as cur, new.connection.wrap_database_errors:
            new.bulk(cur)
            copied = pipe(
                old.raw_connection(),
                f"COPY ({select}) TO STDOUT",
                cur.cursor,
                f"COPY {new.q(table.name)} ({new.qcols(table.columns)}) FROM STDIN",
            )
            state.advance_checkpoint(new, group, table.name, upper, copied, done=upper is None)
    except BaseException:
        # A COPY cut off half way can leave the old connection in the middle of its
        # protocol: start the next attempt on a fresh one.
        old.connection.close()
        raise
    return copied


def pipe(source_conn: Any, copy_to: str, target_cursor: Any, copy_from: str) -> int:
    """Stream ``COPY ... TO STDOUT`` on one connection into ``COPY ... FROM STDIN`` on
    another, through an OS pipe: both databases work at once and memory stays at the
    pipe's size. Returns rows loaded. A failure on either end fails the whole copy
    (the caller's transaction then rolls back), never a silent short load."""
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=PIPE_CHUNK)
    writer = os.fdopen(write_fd, "wb", buffering=PIPE_CHUNK)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with source_conn.cursor() as cur:
                cur.copy_expert(copy_to, writer, size=PIPE_CHUNK)
        except BaseException as error:  # noqa: BLE001 - re-raised by the consumer
            failure.append(error)
        finally:
            # OSError: the consumer closed its end first, so it failed already.
            with contextlib.suppress(OSError):
                writer.close()

    thread = threading.Thread(target=produce, name="split-copy-out", daemon=True)
    thread.start()
    try:
        target_cursor.copy_expert(copy_from, reader, size=PIPE_CHUNK)
    finally:
        reader.close()  # a producer blocked on a full pipe gets EPIPE and stops
        thread.join()
    if failure:
        raise failure[0]
    return target_cursor.rowcount


def _generic_batch(old: Side, new: Side, group: str, table: Table, last: Any, size: int) -> int:
    key = old.q(table.key)
    where = "" if last is None else f" WHERE {key} > %s"
    with old.cursor() as cur:
        cur.execute(
            f"SELECT {old.qcols(table.columns)} FROM {old.q(table.name)}{where}"
            f" ORDER BY {key} LIMIT %s",
            [*([] if last is None else [last]), size],
        )
        rows = [tuple(row) for row in cur.fetchall()]
    upper = rows[-1][table.key_index] if rows else None
    with new.no_fk_checks(), new.atomic(), new.cursor() as cur:
        new.bulk(cur)
        new.insert(table.name, table.columns, rows)
        state.advance_checkpoint(new, group, table.name, upper, len(rows), done=len(rows) < size)
    return len(rows)


def reset_sequence(side: Side, table: Table) -> None:
    """Move the key's sequence past the largest key, so that the next insert on this side
    (the service's, after the write cutover; the monolith's, after rolling it back) does
    not collide with a copied or synced row. SQLite needs nothing: its AUTOINCREMENT
    counter follows explicit keys."""
    if not side.is_pg:
        return
    with side.cursor() as cur:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [side.q(table.name), table.key])
        sequence = cur.fetchone()[0]
        if not sequence:
            return
        # Never backwards: inserts on this side may already have taken higher values.
        cur.execute(f"SELECT last_value, is_called FROM {sequence}")
        last, called = cur.fetchone()
        cur.execute(f"SELECT max({side.q(table.key)}) FROM {side.q(table.name)}")
        top = max(cur.fetchone()[0] or 0, last if called else last - 1)
        if top >= 1:
            cur.execute(
                "SELECT setval(%s, GREATEST(%s, last_value)) FROM " + sequence, [sequence, top]
            )
