"""Send the carved tables to the monolith's database while it is still shared."""

from __future__ import annotations

from typing import Any

from django.conf import settings

SHARED_ALIAS = "sales"
CARVED_APP = "sales_service"


class SalesDataRouter:
    """Channel and status rows live in the ``sales`` alias if configured, else in ``default``.

    Migrations only ever run on the service's own database: the monolith owns the schema
    of the shared tables until the split.
    """

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return self._alias(model)

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return self._alias(model)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"

    def _alias(self, model: type) -> str | None:
        if model._meta.app_label == CARVED_APP and SHARED_ALIAS in settings.DATABASES:
            return SHARED_ALIAS
        return None
