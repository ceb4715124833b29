"""Send the carved tables to the database their split stage says: the monolith's while it is
shared, the service's own after cutover (``strangler.server.split_routing``)."""

from __future__ import annotations

from typing import Any

from strangler.server.split_routing import alias_for

CARVED_APP = "sales_service"


class SalesDataRouter:
    """Channel and status rows: reads from the side ``reads_from(stage)``, writes to the side
    ``truth_side(stage)`` of their split group (``STRANGLER_SPLIT_GROUPS``). Without the
    ``sales`` alias (no shared database configured) they live in ``default``.

    Migrations only ever run on the service's own database: the monolith owns the schema
    of the shared tables until the split.
    """

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return self._alias(model, write=False)

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return self._alias(model, write=True)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"

    def _alias(self, model: type, *, write: bool) -> str | None:
        if model._meta.app_label != CARVED_APP:
            return None
        return alias_for(model._meta.db_table, write=write)
