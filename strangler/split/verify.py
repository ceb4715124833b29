"""Verify: are both sides equal? Checksums over key ranges first, computed in the database
(PostgreSQL: one pass per side, both sides at once), then, only for the ranges that differ,
a per-row hash to find the exact keys, then a recheck of those keys by value.

The recheck is what makes verify usable while the tables are written to: a key that differs
because its change is in flight is re-read after the outbox is drained, and one whose change
waits in the truth side's outbox (while frozen) is counted as pending, not as a loss.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from strangler.split import capture
from strangler.split.db import Side, Table
from strangler.split.results import TableDiff

# Rows per checksum range: small enough that drilling into one range is cheap, large
# enough that the per-range result set stays small on big tables.
RANGE_ROWS = 10_000
SETTLE_ROUNDS = 3


def find_candidates(truth: Side, other: Side, table: Table, diff: TableDiff) -> Iterator[list[Any]]:
    """Keys whose rows may differ between the sides (a superset of the real differences),
    one list per differing range, so that memory stays at a range even when everything
    differs (a verify during the copy)."""
    if truth.is_pg and other.is_pg:
        return _pg_candidates(truth, other, table, diff)
    return _generic_candidates(truth, other, table, diff)


# -- PostgreSQL: range checksums in the database ---------------------------------------------


def _row_hash(side: Side, table: Table, typed: bool) -> str:
    """A 64-bit hash of a row. ``typed``: each column hashed by its type's own hash function
    (``hash_record_extended``, PostgreSQL 14+): no text formatting, so about three times
    cheaper, and independent of the session's time zone and output settings. Otherwise
    (a column type without a hash function, like json): the hash of the row as text, in
    UTC."""
    row = f"ROW({side.qcols(table.columns)})"
    return f"hash_record_extended({row}, 0)" if typed else f"hashtextextended({row}::text, 0)"


def _typed_hash_works(conns: tuple[Any, Any], side: Side, table: Table) -> bool:
    """Whether every column type of the table can be hashed as itself, on both sides."""
    import psycopg2

    for conn in conns:
        try:
            with conn.cursor() as cur:
                cur.execute(
                    f"SELECT {_row_hash(side, table, True)} FROM {side.q(table.name)} LIMIT 1"
                )
        except psycopg2.Error:
            return False
    return True


def _pg_candidates(truth: Side, other: Side, table: Table, diff: TableDiff) -> Iterator[list[Any]]:
    conns = (truth.private_connection(), other.private_connection())
    try:
        bucket, ranges = _buckets(conns, truth, table)
        typed = _typed_hash_works(conns, truth, table)
        query = (
            f"SELECT {bucket} AS b, count(*), bit_xor({_row_hash(truth, table, typed)})"
            f" FROM {truth.q(table.name)} GROUP BY 1"
        )
        sums = _both(conns, query, ranges.params)
        mine, theirs = ({b: (n, h) for b, n, h in rows} for rows in sums)
        diff.rows_compared += sum(n for n, _ in mine.values())
        diff.ranges += len(set(mine) | set(theirs))
        differing = sorted(b for b in set(mine) | set(theirs) if mine.get(b) != theirs.get(b))
        diff.ranges_differing += len(differing)
        for b in differing:
            yield _drill(conns, truth, table, ranges.where(b), typed)
    finally:
        for conn in conns:
            conn.close()


class _IntRanges:
    """Integer keys: fixed-width key ranges, the width chosen so that a range holds about
    RANGE_ROWS rows at the table's density."""

    def __init__(self, low: int, width: int, key: str) -> None:
        self.low, self.width, self.key = low, width, key
        self.params: list[Any] = []

    def bucket(self) -> str:
        return f"({self.key} - {self.low}) / {self.width}"

    def where(self, b: int) -> tuple[str, list[Any]]:
        start = self.low + b * self.width
        return f"{self.key} >= %s AND {self.key} < %s", [start, start + self.width]


class _TextRanges:
    """Other keys: boundaries sampled from the truth side's key order."""

    def __init__(self, bounds: list[Any], key: str) -> None:
        self.bounds, self.key = bounds, key
        self.params = [bounds] if bounds else []

    def bucket(self) -> str:
        return f"width_bucket({self.key}, %s)" if self.bounds else "0"

    def where(self, b: int) -> tuple[str, list[Any]]:
        if not self.bounds:
            return "TRUE", []
        if b == 0:
            return f"{self.key} < %s", [self.bounds[0]]
        if b >= len(self.bounds):
            return f"{self.key} >= %s", [self.bounds[-1]]
        return f"{self.key} >= %s AND {self.key} < %s", [self.bounds[b - 1], self.bounds[b]]


def _buckets(conns: tuple[Any, Any], truth: Side, table: Table) -> tuple[str, Any]:
    key, name = truth.q(table.key), truth.q(table.name)
    if table.integer_key:
        lows, highs = [], []
        for conn in conns:
            with conn.cursor() as cur:
                cur.execute(f"SELECT min({key}), max({key}) FROM {name}")
                low, high = cur.fetchone()
                if low is not None:
                    lows.append(low)
                    highs.append(high)
        if not lows:
            ranges: Any = _IntRanges(0, RANGE_ROWS, key)
        else:
            span = max(highs) - min(lows) + 1
            with conns[0].cursor() as cur:
                cur.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [name])
                estimate = cur.fetchone()[0] or 0
            rows = estimate if 0 < estimate <= span else span
            width = max(1, int(span * RANGE_ROWS // max(rows, 1)))
            ranges = _IntRanges(min(lows), width, key)
        return ranges.bucket(), ranges
    with conns[0].cursor() as cur:
        cur.execute(
            f"SELECT k FROM (SELECT {key} AS k, row_number() OVER (ORDER BY {key}) AS n"
            f" FROM {name}) s WHERE n %% %s = 0 ORDER BY k",
            [RANGE_ROWS],
        )
        ranges = _TextRanges([row[0] for row in cur.fetchall()], key)
    return ranges.bucket(), ranges


def _both(conns: tuple[Any, Any], query: str, params: list[Any]) -> list[list[tuple]]:
    """Run one query on both sides at once (each waits on its own database)."""
    results: list[list[tuple]] = [[], []]
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            with conns[i].cursor() as cur:
                cur.execute(query, params)
                results[i] = cur.fetchall()
        except BaseException as error:  # noqa: BLE001 - re-raised below
            errors.append(error)

    thread = threading.Thread(target=run, args=(1,), name="split-verify")
    thread.start()
    run(0)
    thread.join()
    if errors:
        raise errors[0]
    return results


def _drill(
    conns: tuple[Any, Any], truth: Side, table: Table, where: tuple[str, list], typed: bool
) -> list:
    condition, params = where
    row_hash = _row_hash(truth, table, typed)
    query = f"SELECT {truth.q(table.key)}, {row_hash} FROM {truth.q(table.name)} WHERE {condition}"
    mine, theirs = (dict(rows) for rows in _both(conns, query, params))
    return [k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)]


# -- Any other pair: compare rows in Python, range by range -----------------------------------


def _generic_candidates(
    truth: Side, other: Side, table: Table, diff: TableDiff
) -> Iterator[list[Any]]:
    """Keyset ranges of RANGE_ROWS truth rows; the other side's rows of the same key range;
    compare by value. Memory: two ranges."""
    key, cols, name = truth.q(table.key), truth.qcols(table.columns), truth.q(table.name)
    last = None
    while True:
        lower = [] if last is None else [(f"{key} > %s", last)]
        with truth.cursor() as cur:
            cur.execute(
                f"SELECT {cols} FROM {name}{_where(lower)} ORDER BY {key} LIMIT %s",
                [*(p for _, p in lower), RANGE_ROWS],
            )
            mine = {row[table.key_index]: tuple(row) for row in cur.fetchall()}
        final = len(mine) < RANGE_ROWS
        bounds = lower if final else [*lower, (f"{key} <= %s", max(mine))]
        with other.cursor() as cur:
            cur.execute(
                f"SELECT {cols} FROM {other.q(table.name)}{_where(bounds)}", [p for _, p in bounds]
            )
            theirs = {row[table.key_index]: tuple(row) for row in cur.fetchall()}
        diff.rows_compared += len(mine)
        diff.ranges += 1
        differing = [k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k)]
        if differing:
            diff.ranges_differing += 1
            yield differing
        if final:
            return
        last = max(mine)


def _where(conditions: list[tuple[str, Any]]) -> str:
    return f" WHERE {' AND '.join(c for c, _ in conditions)}" if conditions else ""


# -- Settle, classify, repair ----------------------------------------------------------------


def settle(
    truth: Side,
    other: Side,
    group: str,
    table: Table,
    keys: Iterable[Any],
    diff: TableDiff,
    drain: Callable[[], Any] | None,
) -> list[Any]:
    """Recheck candidate keys by value, draining the outbox between rounds when the stage
    applies it; keys whose change waits in the truth side's outbox are pending, not
    differences. Records what is left in ``diff`` and returns those keys."""
    keys = list(dict.fromkeys(keys))
    pending: set[Any] = set()
    for round_ in range(SETTLE_ROUNDS):
        if not keys:
            break
        if drain and round_:
            drain()
        before = keys
        keys = _still_differing(truth, other, table, keys)
        waiting = capture.pending_keys(truth, group, table, keys)
        pending |= waiting
        keys = [k for k in keys if k not in waiting]
        if keys and (drain is None or (round_ and keys == before)):
            break  # nothing in flight moves them: real differences
        if keys and round_ + 1 < SETTLE_ROUNDS:
            time.sleep(0.05 * (round_ + 1))
    diff.pending += len(pending)
    mine = truth.rows_by_keys(table.name, table.key, table.columns, keys)
    theirs = other.rows_by_keys(table.name, table.key, table.columns, keys)
    for key in sorted(keys, key=str):
        kind = "extra" if key not in mine else "missing" if key not in theirs else "different"
        diff.add(kind, str(key))
    return keys


def _still_differing(truth: Side, other: Side, table: Table, keys: list[Any]) -> list[Any]:
    mine = truth.rows_by_keys(table.name, table.key, table.columns, keys)
    theirs = other.rows_by_keys(table.name, table.key, table.columns, keys)
    return [k for k in keys if mine.get(k) != theirs.get(k)]


def repair(
    truth: Side, other: Side, group: str, table: Table, keys: list[Any], diff: TableDiff
) -> None:
    """Give the other side the truth's version of each key, then count what now matches."""
    if not keys:
        return
    capture.write_keys(truth, other, group, [(table, keys)])
    diff.repaired += len(keys) - len(_still_differing(truth, other, table, keys))
