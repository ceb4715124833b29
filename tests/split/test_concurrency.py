"""Nothing lost under concurrent writers, nor when the copy is killed with SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import psycopg2
import pytest

from strangler.split import Stage
from tests.service_process import REPO
from tests.split.conftest import PARENTS, Pair, same_rows


class Writer(threading.Thread):
    """A monolith process writing the old tables: inserts, updates (one changing a key),
    deletes, and a parent deleted with its children, in small transactions."""

    def __init__(self, url: str, number: int) -> None:
        super().__init__(daemon=True, name=f"writer-{number}")
        self.url, self.number = url, number
        self.stop = threading.Event()
        self.writes = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rng = random.Random(self.number)
        conn = psycopg2.connect(self.url)
        try:
            while not self.stop.is_set():
                try:
                    with conn, conn.cursor() as cur:
                        self._one(cur, rng)
                    self.writes += 1
                except psycopg2.IntegrityError:
                    pass  # two writers raced on one parent: the database said no, fine
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            conn.close()

    def _one(self, cur, rng: random.Random) -> None:
        n, parent = self.writes, rng.randint(1, PARENTS)
        op = rng.randrange(7)
        if op == 0:
            cur.execute(
                "INSERT INTO split_parent (code, name, note) VALUES (%s, %s, %s)",
                [f"w{self.number}-{n}", f'writer "{n}"\n', None],
            )
        elif op == 1:
            cur.execute(
                "UPDATE split_parent SET name = %s, score = %s WHERE id = %s",
                [f"upd {n}, ✓", rng.random() * 100, parent],
            )
        elif op == 2:
            cur.execute(
                "INSERT INTO split_child (parent_id, body) SELECT id, %s FROM"
                " split_parent WHERE id = %s",
                [f"child\\{n}", parent],
            )
        elif op == 3:
            cur.execute("DELETE FROM split_child WHERE id = %s", [rng.randint(1, 3000)])
        elif op == 4:
            cur.execute("DELETE FROM split_child WHERE parent_id = %s", [parent])
            cur.execute("DELETE FROM split_parent WHERE id = %s", [parent])
        elif op == 5:
            cur.execute(
                "UPDATE split_tag SET code = code || 'r' WHERE code = %s",
                [f"tag-{rng.randint(1, 300):05d}"],
            )
        else:
            cur.execute(
                "INSERT INTO split_tag VALUES (%s, %s) ON CONFLICT (code) DO UPDATE"
                " SET label = excluded.label",
                [f"t{self.number}-{n % 50}", str(n)],
            )


def test_concurrent_writers_through_copy_and_sync_end_with_zero_differences(
    pair: Pair,
) -> None:
    engine = pair.engine()
    writers = [Writer(pair.old_url, n) for n in range(3)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(0.2)
        engine.advance(actor="test", reason="copy under load")
        engine.copy(batch_size=250)
        engine.advance(actor="test", reason="sync under load")
        appliers_stop = threading.Event()

        def apply_loop() -> None:
            while not appliers_stop.is_set():
                pair.engine().sync_once(limit=200)

        appliers = [threading.Thread(target=apply_loop, daemon=True) for _ in range(2)]
        for applier in appliers:
            applier.start()
        time.sleep(1.0)
        started = time.monotonic()
        # Verify while writers and appliers run: in-flight changes are pending, not lost.
        during = engine.verify()
        assert during.ok, during.as_json()
        print("verify under load", time.monotonic() - started, during.as_json())
        appliers_stop.set()
        for applier in appliers:
            applier.join()
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join()
    assert all(w.error is None for w in writers), [w.error for w in writers]
    assert sum(w.writes for w in writers) > 300
    engine.advance(actor="test", reason="verified after load")
    assert engine.stage is Stage.VERIFIED
    same_rows(pair)


COPY_SCRIPT = (
    "import django; django.setup()\n"
    "from strangler.split import Engine\n"
    "from tests.split.tables import GROUP\n"
    "def progress(table, done, *_):\n"
    "    print('progress', table, done, flush=True)\n"
    "Engine(GROUP, old='split_old', new='split_new').copy(batch_size=20, progress=progress)\n"
    "print('copy finished', flush=True)\n"
)


def run_copy(pair: Pair, kill_after: float | None) -> bool:
    """Run a copy in a process of its own; with ``kill_after``, SIGKILL it that many
    seconds after its first batch (when it is still running). Returns whether it was
    killed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.split.settings",
        "SPLIT_OLD_URL": pair.old_url,
        "SPLIT_NEW_URL": pair.new_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-c", COPY_SCRIPT],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if kill_after is not None and line.startswith("progress"):
            time.sleep(kill_after)
            killed = process.poll() is None
            process.send_signal(signal.SIGKILL)
            process.wait()
            return killed
    process.wait(60)
    assert process.returncode == 0 and "copy finished" in "".join(output), "".join(output)
    return False


def test_copy_killed_at_random_moments_resumes_without_missing_or_duplicate_rows(
    pair: Pair,
) -> None:
    engine = pair.engine()
    engine.advance(actor="test", reason="start")
    total = sum(
        pair.run("old", f"SELECT count(*) FROM {t}")[0][0]
        for t in ("split_parent", "split_child", "split_tag")
    )
    rng = random.Random(os.getpid())
    mid_way = 0
    for attempt in range(8):
        killed = run_copy(pair, kill_after=rng.uniform(0.0, 0.15))
        copied = sum(t.rows_copied for t in engine.status().tables)
        mid_way += killed and 0 < copied < total
        # Every committed batch is counted exactly once by its checkpoint.
        for table in engine.status().tables:
            assert table.rows_copied == table.new_rows, (attempt, table)
        # The monolith goes on writing between the crashes.
        pair.run(
            "old", "UPDATE split_parent SET name = %s WHERE id = %s", [f"between {attempt}", 1]
        )
        pair.run("old", "DELETE FROM split_child WHERE id = %s", [2990 - attempt])
        total -= 1
        if not killed:
            break
    assert mid_way >= 3, "too few kills landed in the middle of the copy"
    run_copy(pair, kill_after=None)
    engine.advance(actor="test", reason="copied")
    engine.drain()
    same_rows(pair)
    assert engine.verify().ok


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    yield
    assert not [t for t in threading.enumerate() if t.name.startswith("writer-")]
