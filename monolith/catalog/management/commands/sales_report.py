"""Print how many sales are in each state per channel: a job routed as a controller."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from monolith.catalog.reports import sales_by_state


class Command(BaseCommand):
    help = (
        "Count sales per kind, state and channel. Reads statuses through the sales use cases, "
        "routed as the controller 'report-sales-by-state'."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write("kind\tstate\tchannel\tsales")
        for row in sales_by_state():
            self.stdout.write(f"{row.kind}\t{row.state or '-'}\t{row.channel or '-'}\t{row.sales}")
