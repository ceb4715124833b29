"""The split engine: one object per group of tables, working on two Django connection
aliases (``old``: the monolith's database with the old tables; ``new``: the service's own).

It runs inside the carved service; the monolith drives it over the service's admin RPC.
Each public method is a use case that a command, the admin RPC or a runbook calls as it is.

Every transition checks its preconditions before it changes anything, and says what is
missing in one line (``SplitError``). Its actions are idempotent and the new stage is saved
last, so a transition that dies half-way is simply run again.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from strangler.split import capture, cleanup, freeze, state
from strangler.split import copy as backfill
from strangler.split import verify as checks
from strangler.split.db import Side, Table, resolve
from strangler.split.errors import SplitError
from strangler.split.results import GroupStatus, TableDiff, TableStatus, Transition, VerifyReport
from strangler.split.spec import SplitGroup
from strangler.split.stages import (
    Stage,
    applies,
    next_stage,
    parse,
    previous_stage,
    truth_side,
)

# progress(table, rows_done, rows_total_estimate, rows_per_second, eta_seconds or None)
ProgressCallback = Callable[[str, int, int, float, float | None], None]

DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600
# How long a transition drains an outbox before it reports that writes keep arriving.
DRAIN_SECONDS = 60.0
# How long a stage change that moves the writes (entering writes-cutover, rolling it back)
# keeps capture on both sides before its final catch-up: longer than any process caches the
# stage (the service: ``split_groups.STAGE_TTL``), so a write routed by a stale stage is
# recorded and applied, not lost.
FENCE_SECONDS = 2.0

Commit = Callable[..., None]


class Engine:
    """The split of one group. Cheap to build, cheaper to keep: it remembers the tables'
    columns and that its state tables exist. One instance may serve many threads (each
    uses its own Django connections)."""

    def __init__(
        self,
        group: SplitGroup,
        *,
        old: str = "sales",
        new: str = "default",
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
        fence_seconds: float = FENCE_SECONDS,
    ) -> None:
        self.group = group
        self.fence_seconds = fence_seconds
        self.retention_seconds = retention_seconds
        self._sides = {"old": Side(old, "old"), "new": Side(new, "new")}
        self._tables: tuple[Table, ...] | None = None
        self._archive_dir: Path | None = None

    # -- reading ---------------------------------------------------------------------------

    @property
    def stage(self) -> Stage:
        return self._state().stage

    def tables(self) -> tuple[Table, ...]:
        """The group's tables with their columns (the old side's; the new side's once the
        old tables are dropped)."""
        if self._tables is None:
            old, new = self._sides["old"], self._sides["new"]
            self._tables = tuple(
                resolve(spec, old if old.configured and old.table_exists(spec.name) else new)
                for spec in self.group.tables
            )
        return self._tables

    def status(self) -> GroupStatus:
        current = self._state()
        old, new = self._sides["old"], self._sides["new"]
        points = state.checkpoints(new, self.group.name)
        tables = []
        for spec in self.group.tables:  # once cleaned, the old alias may be gone
            old_rows, old_est = _count(old, spec.name) if old.configured else (None, False)
            new_rows, new_est = _count(new, spec.name)
            point = points.get(spec.name)
            tables.append(
                TableStatus(
                    spec.name,
                    old_rows,
                    new_rows,
                    point.rows_copied if point else 0,
                    bool(point and point.done),
                    point.last_key if point else None,
                    old_est or new_est,
                )
            )
        nxt, prev = next_stage(current.stage), previous_stage(current.stage)
        return GroupStatus(
            group=self.group.name,
            stage=current.stage.value,
            changed_at=current.changed_at,
            verified_at=current.verified_at,
            frozen_at=current.frozen_at,
            tables=tuple(tables),
            pending_forward=capture.pending(old, self.group.name) if old.configured else 0,
            pending_reverse=capture.pending(new, self.group.name),
            last_verify=current.last_verify,
            next_stage=nxt.value if nxt else None,
            previous_stage=prev.value if prev else None,
        )

    def history(self, last: int | None = None) -> list[dict[str, Any]]:
        """Stage changes, oldest first; only the ``last`` ones if given."""
        state.ensure_tables(self._sides["new"])
        return state.history(self._sides["new"], self.group.name, last)

    # -- transitions -----------------------------------------------------------------------

    def advance(self, *, to: str | None = None, actor: str, reason: str = "") -> Transition:
        """Go to the next stage, and only to it."""
        with self._transition_lock():
            self._finish_interrupted()
            current = self.stage
            target = next_stage(current)
            if target is None:
                raise SplitError(f"group {self.group.name} is cleaned: there is no next stage")
            if to is not None and parse(to) != target:
                wanted = parse(to)
                back = " (rollback goes back)" if wanted == previous_stage(current) else ""
                raise SplitError(f"cannot go from {current} to {wanted}: next is {target}{back}")
            step = getattr(self, f"_enter_{target.name.lower()}")
            return self._move(current, target, step, actor, reason)

    def rollback(self, *, actor: str, reason: str = "") -> Transition:
        """Return to the previous stage, undoing what entering the current one did."""
        with self._transition_lock():
            self._finish_interrupted()
            current = self.stage
            target = previous_stage(current)
            if current is Stage.CLEANED:
                raise SplitError("the old tables are dropped: cleaned cannot be rolled back")
            if target is None:
                raise SplitError(f"group {self.group.name} is at shared: nothing to roll back")
            step = getattr(self, f"_undo_{current.name.lower()}")
            return self._move(current, target, step, actor, reason)

    def cleanup(
        self,
        *,
        archive_dir: str | Path | None = None,
        retention_seconds: float | None = None,
        actor: str = "cleanup",
        reason: str = "",
    ) -> Transition:
        """Advance from frozen to cleaned: archive (if asked) and drop the old tables."""
        if retention_seconds is not None:
            self.retention_seconds = retention_seconds
        self._archive_dir = Path(archive_dir) if archive_dir else None
        try:
            return self.advance(to=Stage.CLEANED.value, actor=actor, reason=reason)
        finally:
            self._archive_dir = None

    def _move(
        self,
        current: Stage,
        target: Stage,
        step: Callable[[list[str], Commit], None],
        actor: str,
        reason: str,
    ) -> Transition:
        notes: list[str] = []
        at = state.now()

        def commit(**fields: Any) -> None:
            new = self._sides["new"]
            with new.atomic():
                saved = state.load(new, self.group.name, for_update=True)
                saved.stage, saved.changed_at = target, at
                for name, value in fields.items():
                    setattr(saved, name, value)
                state.save(new, self.group.name, saved)
                state.record(new, self.group.name, current, target, actor, reason, at)

        step(notes, commit)
        if self.stage is not target:
            commit()
        return Transition(
            self.group.name, current.value, target.value, actor, reason, at, tuple(notes)
        )

    # entering each stage: check, act, (commit), act after the commit -----------------------

    def _enter_copy(self, notes: list[str], commit: Commit) -> None:
        old, new = self._sides["old"], self._sides["new"]
        tables = self.tables()
        for table in tables:
            if not new.table_exists(table.name):
                raise SplitError(
                    f"the new side ({new.alias}) has no table {table.name}: migrate the"
                    " service's database first"
                )
            lacking = sorted(set(table.columns) - set(new.columns(table.name)))
            if lacking:
                raise SplitError(f"new table {table.name} lacks columns {', '.join(lacking)}")
            rows, _ = new.count(table.name)
            if rows:
                raise SplitError(
                    f"new table {table.name} already holds {rows} rows: the copy needs it empty"
                )
        capture.install(old, self.group.name, tables)
        state.reset_checkpoints(new, self.group.name, [t.name for t in tables])
        notes.append("capture triggers installed on the old tables; copy checkpoints reset")

    def _enter_sync(self, notes: list[str], commit: Commit) -> None:
        points = state.checkpoints(self._sides["new"], self.group.name)
        left = [
            f"{t.name} ({points[t.name].rows_copied if t.name in points else 0} rows so far)"
            for t in self.tables()
            if not (t.name in points and points[t.name].done)
        ]
        if left:
            raise SplitError(f"copy not done for {', '.join(left)}: run copy first")
        pending = capture.pending(self._sides["old"], self.group.name)
        notes.append(f"sync applies the old side's outbox from now on ({pending} changes)")

    def _enter_verified(self, notes: list[str], commit: Commit) -> None:
        applied = self._drain_from("old", DRAIN_SECONDS)
        report = self._verify(Stage.SYNC, repair=False, progress=None)
        if not report.ok:
            raise SplitError(f"verify found {_summary(report)}: run verify --repair first")
        notes.append(f"drained {applied} changes; verify passed on {report.rows_compared} rows")
        commit(verified_at=state.now())

    def _enter_reads_cutover(self, notes: list[str], commit: Commit) -> None:
        if self._state().verified_at is None:
            raise SplitError("no passing verify recorded: roll back to sync and advance again")
        notes.append("the service reads its own database; writes still go to the old side")

    def _enter_writes_cutover(self, notes: list[str], commit: Commit) -> None:
        new = self._sides["new"]
        self._require_drained("old")
        tables = self.tables()
        capture.refresh(self._sides["old"], self.group.name)  # ignores the reverse sync
        capture.install(new, self.group.name, tables)
        self._reset_sequences(new, tables)  # the first service inserts come right after
        commit()
        # Fence: processes that still cache reads-cutover write the old tables for a while;
        # both sides record every write until they have all seen the flip.
        self._fence()
        # New-side writes first, so that a key written on both sides in the window keeps
        # the new side's version (the old→new catch-up then copies that same version).
        self._drain_from("new", DRAIN_SECONDS)
        late = self._drain_from("old", DRAIN_SECONDS)
        # Past the rows the late catch-up copied too: the next service insert must not hit them.
        self._reset_sequences(new, tables)
        notes.append(
            f"reverse capture installed on the new tables; {late} late old-side changes"
            f" applied after a {self.fence_seconds:g} s fence; key sequences moved past them"
        )

    def _enter_frozen(self, notes: list[str], commit: Commit) -> None:
        self._require_drained("new")
        freeze.freeze(self._sides["old"], self.group.name, self.tables())
        notes.append("the old tables reject writes; reverse sync pauses until a rollback")
        commit(frozen_at=state.now())

    def _enter_cleaned(self, notes: list[str], commit: Commit) -> None:
        old = self._sides["old"]
        current = self._state()
        tables = self.tables()
        if not any(old.table_exists(t.name) for t in tables):
            # A cleanup that died after dropping the tables: only the leftovers remain.
            self._drop_leftovers(tables)
            notes.append("the old tables were already dropped; removed what was left")
            return
        elapsed = (state.now() - current.frozen_at).total_seconds() if current.frozen_at else 0
        if elapsed < self.retention_seconds:
            left = timedelta(seconds=round(self.retention_seconds - elapsed))
            frozen = f"{current.frozen_at:%Y-%m-%d %H:%M:%S}" if current.frozen_at else "never"
            retention = timedelta(seconds=self.retention_seconds)
            raise SplitError(
                f"retention not over: {left} left (frozen at {frozen} UTC, retention {retention})"
            )
        references = cleanup.foreign_references(old, tables)
        if references:
            more = f" (and {len(references) - 1} more)" if len(references) > 1 else ""
            raise SplitError(f"cannot drop the old tables: {references[0]}{more}")
        report = self._verify(Stage.FROZEN, repair=False, progress=None)
        if not report.ok:
            raise SplitError(
                f"verify found {_summary(report)}: roll back to writes-cutover and repair first"
            )
        if self._archive_dir:
            path = cleanup.archive(old, self.group.name, tables, self._archive_dir)
            notes.append(f"archived the old tables to {path}")
        # Dropped while still frozen: a leaked monolith write stays refused until the end.
        cleanup.drop_tables(old, tables)
        self._drop_leftovers(tables)
        notes.append(f"dropped {', '.join(t.name for t in tables)} on the old side")

    def _drop_leftovers(self, tables: tuple[Table, ...]) -> None:
        """The freeze and capture functions, triggers and outboxes of both sides."""
        old, new = self._sides["old"], self._sides["new"]
        freeze.unfreeze(old, self.group.name, tables)
        capture.remove(old, self.group.name, tables)
        capture.remove(new, self.group.name, tables)

    # undoing each stage ---------------------------------------------------------------------

    def _undo_copy(self, notes: list[str], commit: Commit) -> None:
        old, new = self._sides["old"], self._sides["new"]
        tables = self.tables()
        with _session_lock(new, f"strangler_split_copy:{self.group.name}", "a copy"):
            capture.remove(old, self.group.name, tables)
            _empty(new, tables)
            state.reset_checkpoints(new, self.group.name, [t.name for t in tables])
        notes.append("capture removed from the old tables; the new tables emptied")

    def _undo_sync(self, notes: list[str], commit: Commit) -> None:
        notes.append("the outbox keeps recording; it is applied again from sync")

    def _undo_verified(self, notes: list[str], commit: Commit) -> None:
        commit(verified_at=None)

    def _undo_reads_cutover(self, notes: list[str], commit: Commit) -> None:
        notes.append("the service reads the old tables again")

    def _undo_writes_cutover(self, notes: list[str], commit: Commit) -> None:
        """Old becomes the truth again: first give it every write the new side took."""
        old, new = self._sides["old"], self._sides["new"]
        tables = self.tables()
        before = self._drain_from("new", DRAIN_SECONDS)
        self._reset_sequences(old, tables)  # the monolith inserts again right after
        commit()
        # Fence: processes that still cache writes-cutover write the new tables for a while;
        # the reverse capture stays until they have all seen the rollback.
        self._fence()
        capture.remove(new, self.group.name, tables, keep_outbox=True)
        after = self._drain_from("new", None)
        capture.remove(new, self.group.name, tables)
        self._reset_sequences(old, tables)
        notes.append(
            f"applied {before + after} new-side changes to the old tables (after a"
            f" {self.fence_seconds:g} s fence)"
        )

    def _undo_frozen(self, notes: list[str], commit: Commit) -> None:
        freeze.unfreeze(self._sides["old"], self.group.name, self.tables())
        commit(frozen_at=None)
        caught_up = self._drain_from("new", DRAIN_SECONDS)
        notes.append(f"the old tables accept writes again; {caught_up} held changes applied")

    # -- data movement ---------------------------------------------------------------------

    def copy(
        self,
        *,
        batch_size: int = 50_000,
        rows_per_second: float | None = None,
        progress: ProgressCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> int:
        """Copy what is left of every table (resumes from the checkpoints); return rows
        copied by this call."""
        current = self.stage
        if current is not Stage.COPY:
            raise SplitError(f"copy runs at stage copy; group {self.group.name} is at {current}")
        if batch_size < 1 or (
            rows_per_second is not None
            and not (math.isfinite(rows_per_second) and rows_per_second > 0)
        ):
            raise SplitError("batch_size and rows_per_second must be positive (and finite)")
        pace = backfill.Pace(rows_per_second, time.monotonic())
        old, new = self._sides["old"], self._sides["new"]
        with _session_lock(new, f"strangler_split_copy:{self.group.name}", "a copy"):
            for table in self.tables():
                done = backfill.copy_table(
                    old,
                    new,
                    self.group.name,
                    table,
                    batch_size=batch_size,
                    pace=pace,
                    progress=progress,
                    should_stop=should_stop,
                )
                if not done:
                    break
        return pace.rows

    def sync_once(self, limit: int = 10_000) -> int:
        """Apply up to ``limit`` recorded changes in the direction of the current stage
        (old -> new until the write cutover, new -> old from it); 0 when the stage applies
        nothing (copy: a deleted row would come back; frozen: the old side is shut)."""
        current = self.stage
        if not applies(current):
            return 0
        return self._apply_from(truth_side(current), limit)

    def drain(self, *, limit: int = 10_000, max_seconds: float | None = None) -> int:
        """Apply every change recorded until now (in the current stage's direction); return
        how many. Changes recorded while it runs are left for the next call, so it ends
        even under a steady stream of writes."""
        current = self.stage
        if not applies(current):
            return 0
        return self._drain_from(truth_side(current), max_seconds, limit)

    def verify(
        self, *, repair: bool = False, progress: ProgressCallback | None = None
    ) -> VerifyReport:
        """Compare both sides (truth: the current stage's); with ``repair``, give the other
        side the truth's version of every differing row."""
        current = self.stage
        if current in (Stage.SHARED, Stage.CLEANED):
            raise SplitError(
                f"nothing to verify at {current}: both sides exist from copy to frozen"
            )
        if repair and current is Stage.FROZEN:
            raise SplitError(
                "repair would write the frozen old tables: roll back to writes-cutover first"
            )
        if applies(current):
            self.drain(max_seconds=DRAIN_SECONDS)
        return self._verify(current, repair=repair, progress=progress)

    def _verify(
        self, current: Stage, *, repair: bool, progress: ProgressCallback | None
    ) -> VerifyReport:
        truth_label = truth_side(current)
        truth = self._sides[truth_label]
        other = self._sides["new" if truth_label == "old" else "old"]
        drain = (lambda: self.drain(max_seconds=DRAIN_SECONDS)) if applies(current) else None
        started = time.monotonic()
        report = VerifyReport(self.group.name, current.value, truth_label, [], repaired=repair)
        for table in self.tables():
            diff = TableDiff(table.name)
            for candidates in checks.find_candidates(truth, other, table, diff):
                keys = checks.settle(truth, other, self.group.name, table, candidates, diff, drain)
                if repair:
                    checks.repair(truth, other, self.group.name, table, keys, diff)
            report.tables.append(diff)
            if progress:
                elapsed = time.monotonic() - started
                rate = report.rows_compared / elapsed if elapsed else 0.0
                progress(table.name, diff.rows_compared, diff.rows_compared, rate, 0.0)
        report.seconds = round(time.monotonic() - started, 3)
        self._remember(report)
        return report

    def _remember(self, report: VerifyReport) -> None:
        new = self._sides["new"]
        with new.atomic():
            saved = state.load(new, self.group.name, for_update=True)
            saved.last_verify = {
                "at": state.now().isoformat(),
                "stage": report.stage,
                "ok": report.ok,
                "differences": report.differences,
                "repaired": sum(t.repaired for t in report.tables),
                "pending": sum(t.pending for t in report.tables),
                "rows_compared": report.rows_compared,
            }
            state.save(new, self.group.name, saved)

    # -- helpers ----------------------------------------------------------------------------

    def _state(self) -> state.GroupState:
        state.ensure_tables(self._sides["new"])
        return state.load(self._sides["new"], self.group.name)

    def _apply_from(self, source_label: str, limit: int) -> int:
        source = self._sides[source_label]
        target = self._sides["new" if source_label == "old" else "old"]
        return capture.apply_batch(source, target, self.group.name, self.tables(), limit)

    def _drain_from(self, source_label: str, max_seconds: float | None, limit: int = 10_000) -> int:
        source = self._sides[source_label]
        target = self._sides["new" if source_label == "old" else "old"]
        up_to = capture.last_id(source, self.group.name)
        deadline = None if max_seconds is None else time.monotonic() + max_seconds
        total = 0
        while up_to:
            applied = capture.apply_batch(
                source, target, self.group.name, self.tables(), limit, up_to
            )
            total += applied
            if not applied or (deadline and time.monotonic() > deadline):
                break
        return total

    def _finish_interrupted(self) -> None:
        """A rollback of writes-cutover that died after saving its stage left the reverse
        capture behind: give the old side what it holds, then drop it, as that rollback
        would have."""
        new = self._sides["new"]
        if truth_side(self.stage) == "new" or not new.table_exists(
            capture.outbox_name(self.group.name)
        ):
            return
        capture.remove(new, self.group.name, self.tables(), keep_outbox=True)
        self._drain_from("new", None)
        capture.remove(new, self.group.name, self.tables())

    def _fence(self) -> None:
        """Wait out every process's cached stage (see ``FENCE_SECONDS``)."""
        if self.fence_seconds > 0:
            time.sleep(self.fence_seconds)

    @staticmethod
    def _reset_sequences(side: Side, tables: tuple[Table, ...]) -> None:
        for table in tables:
            if table.integer_key:
                backfill.reset_sequence(side, table)

    def _require_drained(self, source_label: str) -> None:
        self._drain_from(source_label, DRAIN_SECONDS)
        left = capture.pending(self._sides[source_label], self.group.name)
        if left:
            raise SplitError(
                f"{left} changes on the {source_label} side are not applied yet: writes keep"
                f" arriving there; stop them (or let sync catch up) and retry"
            )

    def _transition_lock(self) -> contextlib.AbstractContextManager[None]:
        state.ensure_tables(self._sides["new"])
        name = f"strangler_split_transition:{self.group.name}"
        return _session_lock(self._sides["new"], name, "a transition")


@contextlib.contextmanager
def _session_lock(side: Side, name: str, what: str) -> Iterator[None]:
    """One holder at a time (PostgreSQL: a session advisory lock; SQLite serialises its
    writers by itself, and a second copy fails on the first duplicate key)."""
    if not side.is_pg:
        yield
        return
    with side.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name])
        if not cur.fetchone()[0]:
            raise SplitError(f"{what} of this group is already running ({name})")
    try:
        yield
    finally:
        with side.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [name])


def _count(side: Side, table: str) -> tuple[int | None, bool]:
    if not side.table_exists(table):
        return None, False
    return side.count(table)


def _empty(side: Side, tables: tuple[Table, ...]) -> None:
    with side.no_fk_checks(), side.atomic(), side.cursor() as cur:
        if side.is_pg:
            cur.execute(f"TRUNCATE {', '.join(side.q(t.name) for t in tables)}")
        else:
            for table in reversed(tables):
                cur.execute(f"DELETE FROM {side.q(table.name)}")


def _summary(report: VerifyReport) -> str:
    parts = []
    for t in report.tables:
        if t.differences:
            first = (t.missing + t.extra + t.different)[:3]
            parts.append(
                f"{t.table}: {t.missing_count} missing, {t.extra_count} extra,"
                f" {t.different_count} different (keys {', '.join(first)}...)"
            )
    return f"{report.differences} differences ({'; '.join(parts)})"
