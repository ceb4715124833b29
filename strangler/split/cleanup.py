"""Cleanup: archive the old tables if asked, then drop them. The last step, the only one
with no way back, so the engine checks everything it can before it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from strangler.split.db import Side, Table
from strangler.split.errors import SplitError


def foreign_references(side: Side, tables: Sequence[Table]) -> list[str]:
    """Foreign keys from tables outside the group to the group's tables: dropping would
    fail half-way (or, with CASCADE, silently drop the monolith's constraints)."""
    names = [t.name for t in tables]
    if side.is_pg:
        with side.cursor() as cur:
            cur.execute(
                "SELECT con.conname, src.relname, dst.relname FROM pg_constraint con"
                " JOIN pg_class src ON src.oid = con.conrelid"
                " JOIN pg_class dst ON dst.oid = con.confrelid"
                " WHERE con.contype = 'f' AND dst.relname = ANY(%s)"
                " AND NOT src.relname = ANY(%s)"
                " AND dst.relnamespace = to_regnamespace(current_schema())",
                [names, names],
            )
            rows = cur.fetchall()
        return [f"constraint {c} on table {src} references {dst}" for c, src, dst in rows]
    found = []
    with side.cursor() as cur:
        for other in side.connection.introspection.table_names(cur):
            if other in names:
                continue
            cur.execute(f"PRAGMA foreign_key_list({side.q(other)})")
            for row in cur.fetchall():
                if row[2] in names:
                    found.append(f"a foreign key of table {other} ({row[3]}) references {row[2]}")
    return found


def archive(side: Side, group: str, tables: Sequence[Table], directory: str | Path) -> Path:
    """pg_dump of just these tables (custom format: ``pg_restore -t`` can bring one back);
    SQLite: a copy of the whole database file, the simplest faithful archive."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    settings = side.connection.settings_dict
    if side.is_sqlite:
        target = directory / f"{group}-{stamp}.sqlite3"
        with side.cursor() as cur:
            cur.execute("VACUUM INTO %s", [str(target)])
        return target
    if not shutil.which("pg_dump"):
        raise SplitError("cannot archive: pg_dump is not on PATH (install it, or skip --archive)")
    target = directory / f"{group}-{stamp}.dump"
    command = ["pg_dump", "--format=custom", f"--file={target}", "--no-owner"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command.append(f"{option}={settings[key]}")
    command += [f"--table={side.q(t.name)}" for t in tables]
    command.append(settings["NAME"])
    env = {
        **os.environ,
        **({"PGPASSWORD": settings["PASSWORD"]} if settings.get("PASSWORD") else {}),
    }
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        error = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SplitError(f"pg_dump failed ({result.returncode}): {error}")
    return target


def drop_tables(side: Side, tables: Sequence[Table]) -> None:
    """Children first, without CASCADE: nothing else may depend on them any more."""
    with side.atomic(), side.cursor() as cur:
        for table in reversed(tables):
            cur.execute(f"DROP TABLE IF EXISTS {side.q(table.name)}")
