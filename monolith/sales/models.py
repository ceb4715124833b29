"""Channels and sales statuses: the resources being carved out into the sales service.

Table names are fixed so that the carved service can use these very tables while the
database is still shared.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from monolith.sales import domain


class Channel(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=[(k, k) for k in domain.CHANNEL_KINDS])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sales_channel"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.code


class SalesStatus(models.Model):
    """The state of one sale (car, bike or toy), addressed by (sale kind, sale id)."""

    sale_kind = models.CharField(max_length=10, choices=[(k, k) for k in domain.SALE_KINDS])
    sale_id = models.BigIntegerField()
    state = models.CharField(max_length=20, choices=[(s, s) for s in domain.STATES])
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT)
    # The service knows users only by id: no constraint crosses the carving line.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sales_status"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sale_kind", "sale_id"], name="sales_status_one_per_sale"
            )
        ]
        indexes = [models.Index(fields=["state"]), models.Index(fields=["sale_kind", "state"])]
        verbose_name_plural = "sales statuses"

    def __str__(self) -> str:
        return f"{self.sale_kind}:{self.sale_id} {self.state}"
