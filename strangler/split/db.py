"""One side of the split: a Django connection alias, and the few SQL differences between
PostgreSQL and SQLite that the engine needs, kept in one place.

The engine works with raw cursors, not models: it must run before the service's models
point at either side, and it must work for any table the project lists.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, OperationalError, connections, transaction

from strangler.split.errors import SplitError
from strangler.split.spec import TableSpec

log = logging.getLogger(__name__)

# SQLite allows 999 host parameters per statement in old builds: stay below.
SQLITE_MAX_PARAMS = 900
# Above this many rows (planner estimate) row counts in a status are estimates, not count(*).
EXACT_COUNT_LIMIT = 1_000_000


@dataclass
class Side:
    """A database the engine reads or writes: ``label`` is "old" or "new"."""

    alias: str
    label: str
    _replica_ok: bool | None = field(default=None, repr=False)
    state_ready: bool = field(default=False, repr=False)  # the engine's tables exist here

    @property
    def configured(self) -> bool:
        return self.alias in connections.settings

    @property
    def connection(self) -> Any:
        if not self.configured:
            raise SplitError(f"the {self.label} side's database alias {self.alias!r} is not set")
        return connections[self.alias]

    @property
    def is_pg(self) -> bool:
        return self.connection.vendor == "postgresql"

    @property
    def is_sqlite(self) -> bool:
        return self.connection.vendor == "sqlite"

    def cursor(self) -> Any:
        return self.connection.cursor()

    def atomic(self) -> Any:
        return transaction.atomic(using=self.alias)

    def raw_connection(self) -> Any:
        """The DB-API connection under Django's wrapper (for COPY, and for queries run on
        another thread while this one waits on the other side)."""
        self.connection.ensure_connection()
        return self.connection.connection

    def private_connection(self) -> Any:
        """A new PostgreSQL connection of this alias's settings, in autocommit and UTC, for
        work on another thread (Django's connections are per thread) or with session
        settings Django's own connection must not inherit."""
        wrapper = self.connection
        conn = wrapper.get_new_connection(wrapper.get_connection_params())
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        return conn

    def q(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def qcols(self, columns: Iterable[str]) -> str:
        return ", ".join(self.q(c) for c in columns)

    def run_ddl(self, batches: Iterable[Sequence[str]], attempts: int = 5) -> None:
        """Run each batch of statements in its own short transaction, retried on deadlock or
        lock timeout. Adding a trigger locks its table against writes until the transaction
        ends: one table per transaction keeps the monolith's writers waiting a moment at
        most, and never holding one table while waiting for the next."""
        for batch in batches:
            for attempt in range(attempts):
                try:
                    with self.atomic(), self.cursor() as cur:
                        if self.is_pg:
                            cur.execute("SET LOCAL lock_timeout = '3s'")
                        for statement in batch:
                            cur.execute(statement)
                    break
                except OperationalError:
                    if attempt + 1 == attempts:
                        raise
                    time.sleep(0.1 * (attempt + 1))

    # -- introspection -------------------------------------------------------------------

    def table_exists(self, table: str) -> bool:
        with self.cursor() as cur:
            return table in self.connection.introspection.table_names(cur)

    def columns(self, table: str) -> list[str]:
        with self.cursor() as cur:
            description = self.connection.introspection.get_table_description(cur, table)
        return [column.name for column in description]

    def key_is_integer(self, table: str, key: str) -> bool:
        """Keys travel as text (outbox, checkpoint); integer keys are turned back into
        integers so that comparisons and indexes work on both backends."""
        with self.cursor() as cur:
            if self.is_pg:
                cur.execute(
                    "SELECT data_type FROM information_schema.columns"
                    " WHERE table_schema = current_schema() AND table_name = %s"
                    " AND column_name = %s",
                    [table, key],
                )
                row = cur.fetchone()
                return bool(row) and row[0] in ("integer", "bigint", "smallint")
            cur.execute(f"PRAGMA table_info({self.q(table)})")
            for _cid, name, decl, *_ in cur.fetchall():
                if name == key:
                    return "INT" in (decl or "").upper()
        return False

    def count(self, table: str) -> tuple[int, bool]:
        """Rows of a table and whether the figure is an estimate (huge PostgreSQL tables:
        the planner's statistics, because count(*) reads the whole table)."""
        with self.cursor() as cur:
            if self.is_pg:
                cur.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [self.q(table)],
                )
                row = cur.fetchone()
                if row and row[0] is not None and row[0] >= EXACT_COUNT_LIMIT:
                    return int(row[0]), True
            cur.execute(f"SELECT count(*) FROM {self.q(table)}")
            return int(cur.fetchone()[0]), False

    # -- session settings ----------------------------------------------------------------

    def utc(self, cur: Any) -> None:
        """Timestamps hashed as text depend on the session time zone: both sides use UTC.
        SET LOCAL: only for the current transaction, Django's session is left as it was."""
        if self.is_pg:
            cur.execute("SET LOCAL TIME ZONE 'UTC'")

    def replica(self, cur: Any) -> None:
        """Write as a replication apply worker does (PostgreSQL: session_replication_role
        = replica, for this transaction): foreign keys and ordinary triggers do not fire.

        The source enforced the foreign keys already; rows arrive in key order per table,
        not in the order they were written, so a child may land before its parent and a
        check here would fail a correct copy. Capture triggers on the target do not fire
        either, so an applied change does not echo back. Needs superuser, or on PostgreSQL
        15+ ``GRANT SET ON PARAMETER session_replication_role``; without it the engine
        goes on with checks on (and logs once).
        """
        if not self.is_pg or self._replica_ok is False:
            return
        try:
            with transaction.atomic(using=self.alias):
                cur.execute("SET LOCAL session_replication_role = replica")
            self._replica_ok = True
        except DatabaseError as error:
            self._replica_ok = False
            log.warning("split: %s side cannot set session_replication_role: %s", self.label, error)

    def bulk(self, cur: Any) -> None:
        """Settings of a copy batch's transaction: write as a replica (see ``replica``), and
        on PostgreSQL do not wait for the commit's WAL flush: a batch and its checkpoint
        commit together, so a commit lost in a crash is simply copied again."""
        self.replica(cur)
        if self.is_pg:
            cur.execute("SET LOCAL synchronous_commit = off")

    @contextlib.contextmanager
    def no_fk_checks(self) -> Iterator[None]:
        """SQLite: foreign key enforcement off for the connection while the block runs
        (the PRAGMA works only outside a transaction, hence around it)."""
        if not self.is_sqlite or self.connection.in_atomic_block:
            yield
            return
        disabled = self.connection.disable_constraint_checking()
        try:
            yield
        finally:
            if disabled:
                self.connection.enable_constraint_checking()

    # -- rows by key -----------------------------------------------------------------------

    def rows_by_keys(
        self, table: str, key: str, columns: Sequence[str], keys: Sequence[Any]
    ) -> dict[Any, tuple]:
        """Current rows of ``keys``, by key (missing keys absent)."""
        found: dict[Any, tuple] = {}
        index = list(columns).index(key)
        with self.cursor() as cur:
            for chunk in chunks(list(keys), SQLITE_MAX_PARAMS):
                cur.execute(
                    *self._in_keys(f"SELECT {self.qcols(columns)} FROM {self.q(table)}", key, chunk)
                )
                for row in cur.fetchall():
                    found[row[index]] = tuple(row)
        return found

    def delete_keys(self, table: str, key: str, keys: Sequence[Any]) -> int:
        deleted = 0
        with self.cursor() as cur:
            for chunk in chunks(list(keys), SQLITE_MAX_PARAMS):
                cur.execute(*self._in_keys(f"DELETE FROM {self.q(table)}", key, chunk))
                deleted += cur.rowcount
        return deleted

    def upsert(self, table: str, key: str, columns: Sequence[str], rows: Sequence[tuple]) -> None:
        """Insert rows, or update every column of the row that has the same key."""
        others = [c for c in columns if c != key]
        update = ", ".join(f"{self.q(c)} = excluded.{self.q(c)}" for c in others)
        conflict = f"ON CONFLICT ({self.q(key)}) DO " + (
            f"UPDATE SET {update}" if others else "NOTHING"
        )
        self.insert(table, columns, rows, suffix=f" {conflict}")

    def insert(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple], suffix: str = ""
    ) -> None:
        """Insert rows; ``suffix`` follows the VALUES (an ON CONFLICT clause)."""
        if not rows:
            return
        head = f"INSERT INTO {self.q(table)} ({self.qcols(columns)}) VALUES"
        with self.cursor() as cur:
            if self.is_pg:
                from psycopg2.extras import execute_values

                with self.connection.wrap_database_errors:  # Django's error types
                    execute_values(cur.cursor, f"{head} %s{suffix}", rows, page_size=1000)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"{head} ({marks}){suffix}", rows)

    def _in_keys(self, head: str, key: str, keys: Sequence[Any]) -> tuple[str, list]:
        if self.is_pg:
            return f"{head} WHERE {self.q(key)} = ANY(%s)", [list(keys)]
        marks = ", ".join(["%s"] * len(keys))
        return f"{head} WHERE {self.q(key)} IN ({marks})", list(keys)


@dataclass(frozen=True)
class Table:
    """A table spec resolved against the databases: its columns and its key's kind."""

    spec: TableSpec
    columns: tuple[str, ...]
    integer_key: bool

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def key_index(self) -> int:
        return self.columns.index(self.key)

    def key_from_text(self, text: str | None) -> Any:
        if text is None:
            return None
        return int(text) if self.integer_key else text


def resolve(spec: TableSpec, old: Side) -> Table:
    """Columns (from the spec, else the old table) and the key's kind, read once."""
    if not old.table_exists(spec.name):
        raise SplitError(f"table {spec.name} does not exist on the old side ({old.alias})")
    columns = spec.columns or tuple(old.columns(spec.name))
    if spec.key not in columns:
        raise SplitError(f"table {spec.name} has no key column {spec.key} on the old side")
    return Table(spec, tuple(columns), old.key_is_integer(spec.name, spec.key))


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
