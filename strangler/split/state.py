"""Where the split keeps its own state: three plain tables in the NEW database (the service's),
created by the engine itself with portable DDL, so the engine needs no migration of its own
and the service never depends on the monolith's database to know where it stands.

- ``strangler_split_state``: one row per group: stage and when it changed, was verified,
  was frozen; the last verify report (JSON).
- ``strangler_split_checkpoint``: per group and table, how far the copy got. Written in the
  same transaction as the rows it counts, so a killed copy resumes exactly.
- ``strangler_split_history``: every transition, who asked and why (audit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from strangler.split.db import Side
from strangler.split.stages import Stage

STATE = "strangler_split_state"
CHECKPOINT = "strangler_split_checkpoint"
HISTORY = "strangler_split_history"


@dataclass
class GroupState:
    stage: Stage
    changed_at: datetime | None = None
    verified_at: datetime | None = None
    frozen_at: datetime | None = None
    last_verify: dict[str, Any] | None = None


@dataclass
class Checkpoint:
    table: str
    last_key: str | None
    rows_copied: int
    done: bool


def now() -> datetime:
    return datetime.now(UTC)


def ensure_tables(side: Side) -> None:
    """CREATE TABLE IF NOT EXISTS, once per side object: safe from any process. One
    catalog read when they exist already (the usual case), no DDL."""
    if side.state_ready:
        return
    with side.cursor() as cur:
        existing = set(side.connection.introspection.table_names(cur))
    if {STATE, CHECKPOINT, HISTORY} <= existing:
        side.state_ready = True
        return
    serial = "BIGSERIAL PRIMARY KEY" if side.is_pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    statements = [
        f"CREATE TABLE IF NOT EXISTS {STATE} (grp VARCHAR(100) PRIMARY KEY,"
        " stage VARCHAR(20) NOT NULL, changed_at VARCHAR(40), verified_at VARCHAR(40),"
        " frozen_at VARCHAR(40), last_verify TEXT)",
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINT} (grp VARCHAR(100) NOT NULL,"
        " tbl VARCHAR(200) NOT NULL, last_key TEXT, rows_copied BIGINT NOT NULL DEFAULT 0,"
        " done INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (grp, tbl))",
        f"CREATE TABLE IF NOT EXISTS {HISTORY} (id {serial}, grp VARCHAR(100) NOT NULL,"
        " from_stage VARCHAR(20) NOT NULL, to_stage VARCHAR(20) NOT NULL,"
        " actor VARCHAR(200) NOT NULL, reason TEXT NOT NULL, at VARCHAR(40) NOT NULL)",
    ]
    with side.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    side.state_ready = True


def load(side: Side, group: str, *, for_update: bool = False) -> GroupState:
    """The group's state; a group never seen is at ``shared``."""
    lock = " FOR UPDATE" if for_update and side.is_pg else ""
    with side.cursor() as cur:
        cur.execute(
            f"SELECT stage, changed_at, verified_at, frozen_at, last_verify FROM {STATE}"
            f" WHERE grp = %s{lock}",
            [group],
        )
        row = cur.fetchone()
    if row is None:
        return GroupState(Stage.SHARED)
    stage, changed, verified, frozen, last_verify = row
    return GroupState(
        Stage(stage),
        _time(changed),
        _time(verified),
        _time(frozen),
        json.loads(last_verify) if last_verify else None,
    )


def save(side: Side, group: str, state: GroupState) -> None:
    values = [
        state.stage.value,
        _text(state.changed_at),
        _text(state.verified_at),
        _text(state.frozen_at),
        json.dumps(state.last_verify, sort_keys=True) if state.last_verify else None,
    ]
    with side.cursor() as cur:
        cur.execute(
            f"UPDATE {STATE} SET stage = %s, changed_at = %s, verified_at = %s,"
            " frozen_at = %s, last_verify = %s WHERE grp = %s",
            [*values, group],
        )
        if cur.rowcount == 0:
            cur.execute(
                f"INSERT INTO {STATE} (stage, changed_at, verified_at, frozen_at, last_verify,"
                " grp) VALUES (%s, %s, %s, %s, %s, %s)",
                [*values, group],
            )


def record(
    side: Side,
    group: str,
    from_stage: Stage,
    to_stage: Stage,
    actor: str,
    reason: str,
    at: datetime,
) -> None:
    with side.cursor() as cur:
        cur.execute(
            f"INSERT INTO {HISTORY} (grp, from_stage, to_stage, actor, reason, at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            [group, from_stage.value, to_stage.value, actor, reason, _text(at)],
        )


def history(side: Side, group: str, last: int | None = None) -> list[dict[str, Any]]:
    """The group's stage changes, oldest first; only the ``last`` ones if given."""
    limit = "" if last is None else f" DESC LIMIT {int(last)}"
    with side.cursor() as cur:
        cur.execute(
            f"SELECT from_stage, to_stage, actor, reason, at FROM {HISTORY} WHERE grp = %s"
            f" ORDER BY id{limit}",
            [group],
        )
        names = ("from_stage", "to_stage", "actor", "reason", "at")
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    return rows if last is None else rows[::-1]


def checkpoints(side: Side, group: str) -> dict[str, Checkpoint]:
    with side.cursor() as cur:
        cur.execute(
            f"SELECT tbl, last_key, rows_copied, done FROM {CHECKPOINT} WHERE grp = %s",
            [group],
        )
        return {
            t: Checkpoint(t, key, int(rows), bool(done)) for t, key, rows, done in cur.fetchall()
        }


def reset_checkpoints(side: Side, group: str, tables: list[str]) -> None:
    with side.cursor() as cur:
        cur.execute(f"DELETE FROM {CHECKPOINT} WHERE grp = %s", [group])
        for table in tables:
            cur.execute(
                f"INSERT INTO {CHECKPOINT} (grp, tbl, last_key, rows_copied, done)"
                " VALUES (%s, %s, NULL, 0, 0)",
                [group, table],
            )


def advance_checkpoint(
    side: Side, group: str, table: str, last_key: Any, rows: int, done: bool
) -> None:
    """Call inside the transaction that wrote the rows: both commit, or neither."""
    with side.cursor() as cur:
        cur.execute(
            f"UPDATE {CHECKPOINT} SET last_key = COALESCE(%s, last_key),"
            " rows_copied = rows_copied + %s, done = %s WHERE grp = %s AND tbl = %s",
            [None if last_key is None else str(last_key), rows, int(done), group, table],
        )


def _text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
