"""DB split benchmarks: what the engine's backfill and verify cost next to the raw database.

``python -m bench split [--rows N]`` (default 1,000,000) seeds N rows of five columns on an
"old" PostgreSQL database with COPY, then measures, in the same run:

- ``backfill_rows_per_s``: the engine's copy (keyset batches of 50,000 streamed with COPY,
  a checkpoint per batch) into the "new" database, vs ``copy_pipe_rows_per_s``: one raw
  ``COPY TO STDOUT`` piped into ``COPY FROM STDIN`` between the same two databases (the
  fastest way there is; best of two runs, one before and one after the backfill);
  ``backfill_vs_copy`` is the ratio (target >= 0.7);
- ``backfill_peak_mb``: the process's peak resident memory while the backfill runs (sampled
  from /proc/self/statm; tracemalloc would miss libpq's buffers), and
  ``backfill_rss_growth_mb`` over the resident size before it (target: flat, < 200 MB);
- ``verify_rows_per_s``: the engine's verify of the two identical tables (range checksums on
  both sides, drill-down of nothing) vs ``verify_sql_rows_per_s``: one SELECT that checksums
  the whole old table in the database; ``verify_vs_sql`` is the ratio (target >= 0.5);
- ``sync_changes_per_s``: recorded changes (N/10 rows updated on the old side) the applier
  carries to the new side per second.

It creates its own databases (``strangler_bench_split_*``).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import threading
import time
from typing import Any

TABLE = "bench_item"
DDL = (
    f"CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, qty INTEGER,"
    " price NUMERIC(10, 2), created_at TIMESTAMPTZ NOT NULL)"
)


def main(argv: list[str]) -> dict:
    options = _parse(argv)
    old_url, new_url = _databases()
    seed(old_url, options.rows)
    figures: dict[str, Any] = {"rows": options.rows}
    pipes, backfills = [], []
    for _ in range(options.rounds):  # interleaved: drift and neighbours hit both alike
        _back_to_shared()  # the new table empty again
        pipes.append(copy_pipe(old_url, new_url, options.rows))
        backfills.append(backfill(options.rows, options.batch))
    best = max(backfills, key=lambda b: b["backfill_rows_per_s"])
    figures.update(best)
    figures["backfill_peak_mb"] = max(b["backfill_peak_mb"] for b in backfills)
    figures["backfill_rss_growth_mb"] = max(b["backfill_rss_growth_mb"] for b in backfills)
    figures["copy_pipe_rows_per_s"] = round(max(pipes))
    figures["backfill_vs_copy"] = round(
        figures["backfill_rows_per_s"] / figures["copy_pipe_rows_per_s"], 3
    )
    figures.update(verify(old_url, options.rows, options.rounds))
    figures.update(sync(old_url, max(options.rows // 10, 1000)))
    print(
        f"backfill {figures['backfill_rows_per_s']:,} rows/s vs COPY pipe "
        f"{figures['copy_pipe_rows_per_s']:,} rows/s ({figures['backfill_vs_copy']}x), "
        f"peak RSS {figures['backfill_peak_mb']} MB (+{figures['backfill_rss_growth_mb']} MB); "
        f"verify {figures['verify_rows_per_s']:,} rows/s vs one SQL checksum "
        f"{figures['verify_sql_rows_per_s']:,} rows/s ({figures['verify_vs_sql']}x)",
        file=sys.stderr,
    )
    return figures


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench split", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows (1,000,000)")
    parser.add_argument("--batch", type=int, default=50_000, help="backfill batch (50,000)")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each measure, interleaved; best of (2)"
    )
    options = parser.parse_args(argv)
    if options.rows < 1000 or options.batch < 1 or options.rounds < 1:
        parser.error("--rows must be >= 1000, --batch and --rounds >= 1")
    return options


def _databases() -> tuple[str, str]:
    """Fresh old and new databases with the bench table; Django configured on both (the
    aliases ``split_old`` and ``split_new`` of ``tests.split.settings``)."""
    import psycopg2

    from tests import settings as test_settings
    from tests.service_process import recreate_database

    urls = []
    for side in ("old", "new"):
        url = recreate_database(f"strangler_bench_split_{side}_{test_settings.DB_SUFFIX}")
        conn = psycopg2.connect(url)
        with conn, conn.cursor() as cur:
            cur.execute(DDL)
        conn.close()
        urls.append(url)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.split.settings", SPLIT_OLD_URL=urls[0], SPLIT_NEW_URL=urls[1]
    )
    import django

    django.setup()
    return urls[0], urls[1]


class _Rows(io.RawIOBase):
    """COPY text of ``n`` generated rows, produced as COPY reads it (bounded memory)."""

    def __init__(self, n: int) -> None:
        self.lines = (
            f'{i}\titem {i}, "quoted" \\\\ {i % 97}\t{i % 1000}\t{i % 10000 / 100:.2f}\t'
            f"2026-01-01 00:00:00+00\n".encode()
            for i in range(1, n + 1)
        )
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self.pending) < len(buffer):
            chunk = b"".join(line for _, line in zip(range(2000), self.lines, strict=False))
            if not chunk:
                break
            self.pending += chunk
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def seed(url: str, rows: int) -> None:
    import psycopg2

    started = time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.copy_expert(f"COPY {TABLE} FROM STDIN", io.BufferedReader(_Rows(rows), 1 << 16))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {TABLE}")
    conn.close()
    print(f"seeded {rows:,} rows in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def copy_pipe(old_url: str, new_url: str, rows: int) -> float:
    """One raw COPY pipe of the whole table into the empty new table (emptied again after);
    rows per second."""
    import psycopg2

    from strangler.split.copy import pipe

    source, target = psycopg2.connect(old_url), psycopg2.connect(new_url)
    started = time.perf_counter()
    with target, target.cursor() as cur:
        copied = pipe(source, f"COPY {TABLE} TO STDOUT", cur, f"COPY {TABLE} FROM STDIN")
    elapsed = time.perf_counter() - started
    assert copied == rows, (copied, rows)
    _truncate(target)
    source.close()
    target.close()
    print(f"COPY pipe: {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s)", file=sys.stderr)
    return rows / elapsed


def _truncate(conn: Any) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {TABLE}")


class _PeakRss:
    """Sample the resident set size every 5 ms on a thread."""

    def __init__(self) -> None:
        self.page = resource.getpagesize()
        self.peak = self.now()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def now(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self.page

    def _run(self) -> None:
        while not self.stop.wait(0.005):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> _PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.now())


def _engine() -> Any:
    from strangler.split import Engine, SplitGroup, TableSpec

    return Engine(SplitGroup("bench", (TableSpec(TABLE),)), old="split_old", new="split_new")


def _back_to_shared() -> None:
    """Roll the bench group back to shared: rolling back the copy empties the new table."""
    engine = _engine()
    while engine.stage.value != "shared":
        engine.rollback(actor="bench", reason="next round")


def backfill(rows: int, batch: int) -> dict[str, Any]:
    """The engine's copy, from stage copy (entered here) to done."""
    engine = _engine()
    engine.advance(actor="bench", reason="backfill")
    before = _PeakRss().now()
    with _PeakRss() as rss:
        started = time.perf_counter()
        copied = engine.copy(batch_size=batch)
        elapsed = time.perf_counter() - started
    assert copied == rows, (copied, rows)
    engine.advance(actor="bench", reason="copied")
    mb = 1024 * 1024
    print(f"backfill: {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s)", file=sys.stderr)
    return {
        "backfill_rows_per_s": round(rows / elapsed),
        "backfill_seconds": round(elapsed, 2),
        "backfill_peak_mb": round(rss.peak / mb, 1),
        "backfill_rss_growth_mb": round((rss.peak - before) / mb, 1),
    }


def verify(old_url: str, rows: int, rounds: int) -> dict[str, Any]:
    """The engine's verify of identical tables vs one whole-table checksum in SQL (the
    query of docs/baselines: the row as text, hashed), interleaved, best of ``rounds``."""
    import psycopg2

    engine = _engine()
    sql_times, verify_times = [], []
    for _ in range(rounds):
        conn = psycopg2.connect(old_url)
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            started = time.perf_counter()
            cur.execute(f"SELECT count(*), bit_xor(hashtextextended(t::text, 0)) FROM {TABLE} t")
            cur.fetchone()
            sql_times.append(time.perf_counter() - started)
        conn.close()
        started = time.perf_counter()
        report = engine.verify()
        verify_times.append(time.perf_counter() - started)
        assert report.ok and report.rows_compared == rows, report.as_json()
    sql_elapsed, elapsed = min(sql_times), min(verify_times)
    print(
        f"verify: {rows / elapsed:,.0f} rows/s ({elapsed:.2f} s, {report.tables[0].ranges}"
        f" ranges); one SQL checksum: {rows / sql_elapsed:,.0f} rows/s",
        file=sys.stderr,
    )
    return {
        "verify_rows_per_s": round(rows / elapsed),
        "verify_sql_rows_per_s": round(rows / sql_elapsed),
        "verify_vs_sql": round(sql_elapsed / elapsed, 3),
    }


def sync(old_url: str, changes: int) -> dict[str, Any]:
    """Changes per second the applier carries to the new side: ``changes`` rows updated on
    the old side in one statement (one outbox row each), then one drain."""
    import psycopg2

    conn = psycopg2.connect(old_url)
    with conn, conn.cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET qty = qty + 1 WHERE id <= %s", [changes])
    conn.close()
    engine = _engine()
    started = time.perf_counter()
    applied = engine.drain()
    elapsed = time.perf_counter() - started
    assert applied == changes, (applied, changes)
    print(f"sync: {changes / elapsed:,.0f} changes/s ({elapsed:.2f} s)", file=sys.stderr)
    return {"sync_changes_per_s": round(changes / elapsed), "sync_changes": changes}
