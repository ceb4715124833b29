"""``manage.py purge_idempotency_keys``: forget idempotency keys past their retention."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from strangler.server import idempotency


class Command(BaseCommand):
    help = "Delete idempotency records older than STRANGLER_IDEMPOTENCY_RETENTION hours."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than-hours", type=float, help="override the retention for this run"
        )

    def handle(self, *args, **options) -> None:
        hours = options["older_than_hours"]
        if hours is not None and hours < 0:
            raise CommandError("--older-than-hours must be >= 0")
        deleted = idempotency.purge(timedelta(hours=hours) if hours is not None else None)
        self.stdout.write(f"deleted {deleted} idempotency record(s)")
