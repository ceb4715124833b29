"""The items the monolith sells. Each sale has one sales status, kept by the sales resource."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Sale(models.Model):
    KIND = ""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.KIND} {self.pk}: {self.title}"

    @property
    def sales_status(self):  # noqa: ANN201 - the model relation real monoliths grow
        """The sale's status row, reached through the ORM rather than a use case.

        Kept on purpose: such references are what keeps a carve-out from finishing.
        """
        from monolith.sales.models import SalesStatus

        return (
            SalesStatus.objects.select_related("channel")
            .filter(sale_kind=self.KIND, sale_id=self.pk)
            .first()
        )


class CarSale(Sale):
    KIND = "car"
    mileage_km = models.PositiveIntegerField(default=0)


class BikeSale(Sale):
    KIND = "bike"
    frame_cm = models.PositiveSmallIntegerField(default=54)


class ToySale(Sale):
    KIND = "toy"
    min_age = models.PositiveSmallIntegerField(default=3)


SALE_MODELS: dict[str, type[Sale]] = {m.KIND: m for m in (CarSale, BikeSale, ToySale)}
