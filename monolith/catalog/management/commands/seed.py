"""Seed the monolith with realistic sales at a chosen size, fast (batched bulk inserts)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.progress import Progress

from monolith.catalog.models import SALE_MODELS, Sale
from monolith.sales.models import Channel, SalesStatus

BATCH = 5_000
KIND_SHARES = {"car": 0.5, "bike": 0.3, "toy": 0.2}
STATE_WEIGHTS = {"draft": 10, "on_sale": 50, "reserved": 10, "sold": 25, "withdrawn": 5}
CHANNELS = [
    ("web-shop", "Web shop", "web"),
    ("city-store", "City store", "store"),
    ("airport-store", "Airport store", "store"),
    ("partner-dealers", "Partner dealers", "partner"),
    ("auto-market", "Auto market", "marketplace"),
    ("toy-fair", "Toy fair", "partner"),
    ("newsletter", "Newsletter", "web"),
    ("closed-popup", "Closed pop-up", "store"),
]
TITLES = {
    "car": ["Compact hatchback", "Family estate", "City EV", "Roadster", "Pickup truck"],
    "bike": ["Road bike", "Gravel bike", "Cargo bike", "Kids bike", "E-bike"],
    "toy": ["Wooden train", "Puzzle 1000", "Robot kit", "Plush bear", "Kite"],
}


class Command(BaseCommand):
    help = "Seed users, channels, car/bike/toy sales and their sales statuses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sales", type=int, default=300, help="number of sales (default 300)")
        parser.add_argument("--users", type=int, default=50, help="number of sellers (default 50)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument(
            "--append", action="store_true", help="add sales even if some exist already"
        )

    def handle(self, *args, sales: int, users: int, seed: int, append: bool, **options) -> None:
        if not 0 < sales <= 10_000_000 or not 0 < users <= 100_000:
            raise CommandError("--sales must be 1..10,000,000 and --users 1..100,000")
        existing = sum(model.objects.count() for model in SALE_MODELS.values())
        if existing and not append:
            self.stdout.write(f"already seeded ({existing} sales); use --append to add more")
            return
        rng = random.Random(seed)
        user_ids = self._users(users)
        channel_ids = self._channels()
        progress = Progress(disable=options["verbosity"] == 0)
        with progress:
            for kind, count in split(sales).items():
                task = progress.add_task(f"{kind} sales", total=count)
                rows = (self._sale(kind, rng, user_ids) for _ in range(count))
                for batch in _batches(rows):
                    self._insert(kind, batch, rng, channel_ids)
                    progress.advance(task, len(batch))
        self.stdout.write(self.style.SUCCESS(f"seeded {sales} sales"))

    def _users(self, count: int) -> list[int]:
        model = get_user_model()
        password = make_password("demo")
        missing = [
            model(username=f"seller{i}", password=password)
            for i in range(1, count + 1)
            if not model.objects.filter(username=f"seller{i}").exists()
        ]
        model.objects.bulk_create(missing, batch_size=BATCH)
        return list(
            model.objects.filter(username__startswith="seller").values_list("id", flat=True)
        )

    def _channels(self) -> list[int]:
        for code, name, kind in CHANNELS:
            Channel.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "active": code != "closed-popup"}
            )
        return list(Channel.objects.filter(active=True).values_list("id", flat=True))

    def _sale(self, kind: str, rng: random.Random, user_ids: list[int]) -> Sale:
        sale = SALE_MODELS[kind](
            seller_id=rng.choice(user_ids),
            title=f"{rng.choice(TITLES[kind])} #{rng.randrange(1, 10**6)}",
            price=Decimal(rng.randrange(500, 5_000_000)) / 100,
        )
        if kind == "car":
            sale.mileage_km = rng.randrange(0, 300_000)
        elif kind == "bike":
            sale.frame_cm = rng.randrange(40, 64)
        else:
            sale.min_age = rng.randrange(0, 14)
        return sale

    @transaction.atomic
    def _insert(
        self, kind: str, batch: list[Sale], rng: random.Random, channel_ids: list[int]
    ) -> None:
        created = SALE_MODELS[kind].objects.bulk_create(batch, batch_size=BATCH)
        states, weights = zip(*STATE_WEIGHTS.items(), strict=True)
        SalesStatus.objects.bulk_create(
            [
                SalesStatus(
                    sale_kind=kind,
                    sale_id=sale.pk,
                    state=rng.choices(states, weights)[0],
                    channel_id=rng.choice(channel_ids),
                    updated_by_id=sale.seller_id,
                )
                for sale in created
            ],
            batch_size=BATCH,
        )


def split(sales: int) -> dict[str, int]:
    """Sales per kind in KIND_SHARES proportions, adding up to exactly ``sales``."""
    counts = {kind: int(sales * share) for kind, share in KIND_SHARES.items()}
    for kind in list(KIND_SHARES)[: sales - sum(counts.values())]:
        counts[kind] += 1
    return {kind: count for kind, count in counts.items() if count}


def _batches(rows: Iterator[Sale]) -> Iterator[list[Sale]]:
    while batch := list(islice(rows, BATCH)):
        yield batch
