"""Two fresh PostgreSQL databases (old: the monolith's, new: the service's) registered as the
Django aliases ``split_old`` and ``split_new``, with the test group's tables on both sides
and seeded rows on the old side."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dj_database_url
import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connections

from strangler.split import Engine
from tests import settings
from tests.service_process import recreate_database
from tests.split.tables import GROUP, NASTY, NEW, OLD, PG_DDL, PG_SEED

PARENTS, CHILDREN, TAGS = 1500, 3000, 300


@dataclass
class Pair:
    """The two test databases, with raw SQL helpers that bypass the engine (the monolith's
    writes, or someone editing a table behind the engine's back)."""

    old_url: str
    new_url: str

    def url(self, side: str) -> str:
        return self.old_url if side == "old" else self.new_url

    def run(self, side: str, statement: str, params: Any = None) -> list[tuple]:
        conn = psycopg2.connect(self.url(side))
        try:
            with conn, conn.cursor() as cur:
                cur.execute(statement, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def rows(self, side: str, table: str, key: str = "id") -> list[tuple]:
        return self.run(side, f"SELECT * FROM {table} ORDER BY {key}")

    def engine(self, **options: Any) -> Engine:
        options.setdefault("fence_seconds", 0.02)  # no service caches the stage here
        return Engine(GROUP, old=OLD, new=NEW, **options)


def register_alias(alias: str, url: str) -> None:
    """Add a database alias to a configured Django at runtime."""
    config = dj_database_url.parse(url)
    django_settings.DATABASES[alias] = config
    filled = connections.configure_settings({"default": {}, alias: dict(config)})
    connections.settings[alias] = filled[alias]
    if hasattr(connections._connections, alias):
        getattr(connections._connections, alias).close()
        delattr(connections._connections, alias)


@pytest.fixture(scope="session")
def split_urls() -> tuple[str, str]:
    old = recreate_database(f"test_strangler_split_old_{settings.DB_SUFFIX}")
    new = recreate_database(f"test_strangler_split_new_{settings.DB_SUFFIX}")
    register_alias(OLD, old)
    register_alias(NEW, new)
    return old, new


@pytest.fixture(autouse=True)
def _db_access(django_db_blocker) -> Iterator[None]:
    """The engine uses its own aliases, not pytest-django's test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def pair(split_urls: tuple[str, str]) -> Iterator[Pair]:
    """Empty schemas on both sides, the group's tables created, the old side seeded."""
    for alias in (OLD, NEW):
        connections[alias].close()
    result = Pair(*split_urls)
    for side in ("old", "new"):
        result.run(side, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        for statement in PG_DDL:
            result.run(side, statement)
    seed = {"nasty": NASTY, "parents": PARENTS, "children": CHILDREN, "tags": TAGS}
    for statement in PG_SEED:
        result.run("old", statement, seed)
    yield result
    for alias in (OLD, NEW):
        connections[alias].close()


def same_rows(pair: Pair) -> None:
    """Assert that every table of the group holds the same rows on both sides."""
    for spec in GROUP.tables:
        old, new = pair.rows("old", spec.name, spec.key), pair.rows("new", spec.name, spec.key)
        assert len(old) == len(new), f"{spec.name}: {len(old)} old rows vs {len(new)} new"
        assert old == new, f"{spec.name} differs"


def walk(engine: Engine, to: str, *, between: Callable[[str], None] | None = None) -> None:
    """Advance (copying when at copy) until the group is at ``to``."""
    while engine.stage.value != to:
        if engine.stage.value == "copy":
            engine.copy(batch_size=700)
        engine.advance(actor="test", reason=f"walk to {to}")
        if between:
            between(engine.stage.value)
