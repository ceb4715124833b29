"""The service's channels and sales statuses.

Same table and column names as the monolith's, so that the service can run on the shared
database first and on its own database after the split.
"""

from __future__ import annotations

from django.db import models

SALE_KINDS = ("car", "bike", "toy")
STATES = ("draft", "on_sale", "reserved", "sold", "withdrawn")
CHANNEL_KINDS = ("web", "store", "partner", "marketplace")


class Channel(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=[(k, k) for k in CHANNEL_KINDS])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sales_channel"

    def __str__(self) -> str:
        return self.code


class SalesStatus(models.Model):
    sale_kind = models.CharField(max_length=10, choices=[(k, k) for k in SALE_KINDS])
    sale_id = models.BigIntegerField()
    state = models.CharField(max_length=20, choices=[(s, s) for s in STATES])
    channel = models.ForeignKey(Channel, null=True, on_delete=models.PROTECT)
    updated_by_id = models.BigIntegerField(null=True)  # a monolith user's id, nothing more
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sales_status"
        constraints = [
            models.UniqueConstraint(
                fields=["sale_kind", "sale_id"], name="sales_status_one_per_sale"
            )
        ]
        indexes = [models.Index(fields=["state"]), models.Index(fields=["sale_kind", "state"])]

    def __str__(self) -> str:
        return f"{self.sale_kind}:{self.sale_id} {self.state}"
