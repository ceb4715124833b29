"""Operations on car, bike and toy sales, each with its sales status.

The sale rows are the monolith's own; the status and channel parts go through the sales use
cases (the part being carved out), which the request routes to the monolith or the service.
Names of users, which the sales resource knows only by id, are filled in here with one
query per page; the statuses of a page, with their channels, cost one batched call.

When a status write goes to the service, it runs inside the sale row's transaction: if the
service refuses or fails, the row is rolled back, so a sale never exists without the status
the user asked for. The reverse (the service wrote, then the monolith's commit failed) leaves
a status without a sale, which the idempotent create on retry tolerates.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.http import HttpRequest

from monolith.catalog.models import SALE_MODELS, Sale
from monolith.sales import domain
from monolith.sales.use_cases import sales_status_read, sales_status_write
from strangler.errors import InvalidArgument, NotFound

MAX_PRICE = Decimal("1e10")
EXTRA_FIELDS = {"car": "mileage_km", "bike": "frame_cm", "toy": "min_age"}


@dataclass(frozen=True)
class SaleView:
    """A sale as controllers render it: the row, its status, channel and user names."""

    sale: Sale
    status: domain.SalesStatus | None
    channel: domain.Channel | None
    usernames: dict[int, str]

    def as_json(self) -> dict[str, Any]:
        sale = self.sale
        extra = EXTRA_FIELDS[sale.KIND]
        return {
            "id": sale.pk,
            "kind": sale.KIND,
            "title": sale.title,
            "price": str(sale.price),
            extra: getattr(sale, extra),
            "seller": _user_json(sale.seller_id, self.usernames),
            "created_at": sale.created_at,
            "updated_at": sale.updated_at,
            "sales_status": self._status_json(),
        }

    def _status_json(self) -> dict[str, Any] | None:
        if self.status is None:
            return None
        return {
            "state": self.status.state,
            "channel": asdict(self.channel) if self.channel else None,
            "updated_by": _user_json(self.status.updated_by_id, self.usernames),
            "updated_at": self.status.updated_at,
        }


def list_sales(
    request: HttpRequest, kind: str, *, offset: int = 0, limit: int = 50
) -> list[SaleView]:
    """A page of sales with statuses, channels and names: a constant number of queries."""
    rows = list(SALE_MODELS[kind].objects.order_by("id")[offset : offset + limit])
    return _views(request, kind, rows)


def get_sale(request: HttpRequest, kind: str, sale_id: int) -> SaleView:
    return _views(request, kind, [_get_row(kind, sale_id)])[0]


def create_sale(request: HttpRequest, kind: str, seller_id: int, data: dict[str, Any]) -> SaleView:
    """Create the sale row, then its status; if the status cannot be created, the row goes.

    The status may be written by the service: no database transaction is held open across
    that network call (it would hold locks for a deadline, and on a shared SQLite file it
    would block the service's write until it timed out). A failed status write is undone by
    deleting the row instead.
    """
    fields = _sale_fields(kind, data, required=True)
    state = str(data.get("state", "draft"))
    channel_id = _optional_int(data, "channel_id")
    row = SALE_MODELS[kind].objects.create(seller_id=seller_id, **fields)
    try:
        sales_status_write.on(request).create_status(
            kind, row.pk, state=state, channel_id=channel_id, updated_by_id=seller_id
        )
    except BaseException:
        row.delete()
        raise
    return get_sale(request, kind, row.pk)


def update_sale(
    request: HttpRequest, kind: str, sale_id: int, user_id: int, data: dict[str, Any]
) -> SaleView:
    """Check the status rules, change the status, then the row.

    The status goes first: when the status side refuses (a withdrawn item cannot be sold),
    nothing has changed. It is written outside the row's transaction (see ``create_sale``).
    """
    fields = _sale_fields(kind, data, required=False)
    state = data.get("state")
    channel_id = _optional_int(data, "channel_id")
    row = _get_row(kind, sale_id)
    if "price" in fields:
        # a sale without status (legacy rows) has no state that could forbid the change
        statuses = sales_status_read.on(request).get_statuses([(kind, sale_id)])
        current = statuses.get((kind, sale_id))
        domain.check_price_change(current and current.state, row.price, fields["price"])
    if state is not None or channel_id is not None:
        sales_status_write.on(request).update_status(
            kind, sale_id, state=state, channel_id=channel_id, updated_by_id=user_id
        )
    if fields:
        with transaction.atomic():
            row = _get_row(kind, sale_id, lock=True)
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
    return get_sale(request, kind, sale_id)


def delete_sale(request: HttpRequest, kind: str, sale_id: int) -> None:
    """Delete the status, then the row (a row without status is a legacy sale, still valid)."""
    row = _get_row(kind, sale_id)
    with suppress(NotFound):  # a sale without status can still be deleted
        sales_status_write.on(request).delete_status(kind, sale_id)
    row.delete()


def _views(request: HttpRequest, kind: str, rows: list[Sale]) -> list[SaleView]:
    keys = [(kind, row.pk) for row in rows]
    statuses, channels = (
        sales_status_read.on(request).get_statuses_with_channels(keys) if keys else ({}, {})
    )
    user_ids = {row.seller_id for row in rows}
    user_ids |= {s.updated_by_id for s in statuses.values() if s.updated_by_id}
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("id", "username"))
    views = []
    for row in rows:
        status = statuses.get((kind, row.pk))
        channel = channels.get(status.channel_id) if status and status.channel_id else None
        views.append(SaleView(row, status, channel, usernames))
    return views


def _get_row(kind: str, sale_id: int, *, lock: bool = False) -> Sale:
    rows = SALE_MODELS[kind].objects.all()
    if lock:
        rows = rows.select_for_update()
    try:
        return rows.get(pk=sale_id)
    except SALE_MODELS[kind].DoesNotExist:
        raise NotFound(f"{kind} sale {sale_id} does not exist") from None


def _sale_fields(kind: str, data: dict[str, Any], *, required: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "title" in data or required:
        title = str(data.get("title", "")).strip()
        if not title or len(title) > 200 or "\x00" in title:
            raise InvalidArgument("title must be 1-200 characters, without NUL")
        fields["title"] = title
    if "price" in data or required:
        fields["price"] = _price(data.get("price"))
    extra = EXTRA_FIELDS[kind]
    if extra in data:
        value = _optional_int(data, extra)
        low, high = _column_range(SALE_MODELS[kind], extra)
        if value is None or not low <= value <= high:
            raise InvalidArgument(f"{extra} must be a whole number from {low} to {high}")
        fields[extra] = value
    return fields


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise InvalidArgument(f"price must be a number, not {value!r}") from None
    if not price.is_finite() or not 0 <= price < MAX_PRICE:
        raise InvalidArgument("price must be between 0 and 9,999,999,999.99")
    price = price.quantize(Decimal("0.01"))
    if price >= MAX_PRICE:  # 9,999,999,999.999 rounds up past what the column holds
        raise InvalidArgument("price must be between 0 and 9,999,999,999.99")
    return price


def _column_range(model: type[Sale], name: str) -> tuple[int, int]:
    """The values an integer column holds in this database."""
    field = model._meta.get_field(name)
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return max(low or 0, 0), high


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidArgument(f"{key} must be a whole number")
    try:
        return int(value)
    except ValueError:
        raise InvalidArgument(f"{key} must be a whole number") from None


def _user_json(user_id: int | None, usernames: dict[int, str]) -> dict[str, Any] | None:
    if user_id is None:
        return None
    return {"id": user_id, "username": usernames.get(user_id)}
