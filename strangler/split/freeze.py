"""Freeze: the old tables reject every write at the database level, so a monolith code path
that still writes them (a leaked model relation, an admin tool, a cron job) fails loudly
instead of writing rows the service will never see."""

from __future__ import annotations

from collections.abc import Sequence

from strangler.split.db import Side, Table


def message(table: str) -> str:
    return f"{table} is frozen by strangler split: the service owns this data now"


def _name(group: str) -> str:
    return f"strangler_split_frozen_{group}"


def freeze(side: Side, group: str, tables: Sequence[Table]) -> None:
    """Install a trigger that refuses INSERT, UPDATE, DELETE (and TRUNCATE on PostgreSQL).

    PostgreSQL: a statement-level BEFORE trigger, so even a write that matches no row
    fails (the code path is wrong, whatever the data). Replication-role sessions (the
    engine's own repair and catch-up) are not stopped by it.
    """
    name = _name(group)
    with side.atomic(), side.cursor() as cur:
        if side.is_pg:
            cur.execute(
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION '%', TG_ARGV[0]"
                " USING ERRCODE = 'read_only_sql_transaction'; END $$"
            )
        for table in tables:
            text = message(table.name).replace("'", "''")
            if side.is_pg:
                q = side.q(table.name)
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {q}")
                cur.execute(
                    f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE"
                    f" ON {q} FOR EACH STATEMENT EXECUTE FUNCTION {name}('{text}')"
                )
                continue
            for op in ("INSERT", "UPDATE", "DELETE"):
                cur.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name}_{table.name}_{op.lower()} BEFORE {op}"
                    f" ON {side.q(table.name)} BEGIN SELECT RAISE(ABORT, '{text}'); END"
                )


def unfreeze(side: Side, group: str, tables: Sequence[Table]) -> None:
    name = _name(group)
    with side.atomic(), side.cursor() as cur:
        for table in tables:
            if not side.table_exists(table.name):
                continue
            if side.is_pg:
                cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {side.q(table.name)}")
            else:
                for op in ("insert", "update", "delete"):
                    cur.execute(f"DROP TRIGGER IF EXISTS {name}_{table.name}_{op}")
        if side.is_pg:
            cur.execute(f"DROP FUNCTION IF EXISTS {name}()")
