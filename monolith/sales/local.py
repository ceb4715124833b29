"""Today's implementation of the sales-status and channel operations: the monolith's ORM.

Every function returns domain values and raises domain errors, exactly as the remote
implementation does, so that a use case can switch between the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from monolith.sales import domain
from monolith.sales.models import Channel, SalesStatus
from strangler.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

SaleKey = tuple[str, int]


def channel_value(row: Channel) -> domain.Channel:
    return domain.Channel(
        id=row.id,
        code=row.code,
        name=row.name,
        kind=row.kind,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def status_value(row: SalesStatus) -> domain.SalesStatus:
    return domain.SalesStatus(
        sale_kind=row.sale_kind,
        sale_id=row.sale_id,
        state=row.state,
        channel_id=row.channel_id,
        updated_by_id=row.updated_by_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


# Channels


def get_channel(channel_id: int) -> domain.Channel:
    try:
        return channel_value(Channel.objects.get(pk=channel_id))
    except Channel.DoesNotExist:
        raise NotFound(f"channel {channel_id} does not exist") from None


def get_channels(ids: Iterable[int]) -> dict[int, domain.Channel]:
    return {row.id: channel_value(row) for row in Channel.objects.filter(pk__in=set(ids))}


def list_channels(
    *, kind: str | None = None, active: bool | None = None, offset: int = 0, limit: int = 100
) -> list[domain.Channel]:
    rows = Channel.objects.order_by("id")
    if kind:
        rows = rows.filter(kind=domain.check_channel_kind(kind))
    if active is not None:
        rows = rows.filter(active=active)
    return [channel_value(row) for row in rows[offset : offset + limit]]


def create_channel(*, code: str, name: str, kind: str, active: bool = True) -> domain.Channel:
    _check_channel_fields(code=code, name=name, kind=kind)
    try:
        with transaction.atomic():
            row = Channel.objects.create(code=code, name=name, kind=kind, active=active)
    except IntegrityError:
        raise AlreadyExists(f"a channel with code {code!r} already exists") from None
    return channel_value(row)


def update_channel(
    channel_id: int, *, name: str | None = None, kind: str | None = None, active: bool | None = None
) -> domain.Channel:
    _check_channel_fields(name=name, kind=kind)
    with transaction.atomic():
        row = _lock_channel(channel_id)
        for field, value in (("name", name), ("kind", kind), ("active", active)):
            if value is not None:
                setattr(row, field, value)
        row.save()
    return channel_value(row)


def delete_channel(channel_id: int) -> None:
    with transaction.atomic():
        row = _lock_channel(channel_id)
        try:
            row.delete()
        except ProtectedError:
            raise FailedPrecondition(f"channel {row.code!r} is used by sales statuses") from None


def _lock_channel(channel_id: int) -> Channel:
    try:
        return Channel.objects.select_for_update().get(pk=channel_id)
    except Channel.DoesNotExist:
        raise NotFound(f"channel {channel_id} does not exist") from None


def _check_channel_fields(
    *, code: str | None = None, name: str | None = None, kind: str | None = None
) -> None:
    if code is not None and not _is_code(code):
        raise InvalidArgument("code must be 1-50 characters of a-z, 0-9 and '-'")
    if name is not None and not name.strip():
        raise InvalidArgument("name must not be empty")
    if kind is not None:
        domain.check_channel_kind(kind)


def _is_code(code: str) -> bool:
    return 0 < len(code) <= 50 and all(c.islower() or c.isdigit() or c == "-" for c in code)


# Sales statuses


def get_status(sale_kind: str, sale_id: int) -> domain.SalesStatus:
    domain.check_sale_kind(sale_kind)
    try:
        return status_value(SalesStatus.objects.get(sale_kind=sale_kind, sale_id=sale_id))
    except SalesStatus.DoesNotExist:
        raise NotFound(f"{sale_kind} sale {sale_id} has no sales status") from None


def get_statuses(keys: Iterable[SaleKey]) -> dict[SaleKey, domain.SalesStatus]:
    """Statuses of many sales in one query per sale kind."""
    by_kind: dict[str, set[int]] = {}
    for kind, sale_id in keys:
        by_kind.setdefault(domain.check_sale_kind(kind), set()).add(sale_id)
    found: dict[SaleKey, domain.SalesStatus] = {}
    for kind, ids in by_kind.items():
        for row in SalesStatus.objects.filter(sale_kind=kind, sale_id__in=ids):
            found[(kind, row.sale_id)] = status_value(row)
    return found


def get_statuses_with_channels(
    keys: Iterable[SaleKey],
) -> tuple[dict[SaleKey, domain.SalesStatus], dict[int, domain.Channel]]:
    """Statuses of many sales and the channels they use: what a page of sales needs."""
    statuses = get_statuses(keys)
    return statuses, get_channels(s.channel_id for s in statuses.values() if s.channel_id)


def create_status(
    sale_kind: str,
    sale_id: int,
    *,
    state: str = "draft",
    channel_id: int | None = None,
    updated_by_id: int | None = None,
) -> domain.SalesStatus:
    domain.check_sale_kind(sale_kind)
    domain.check_state(state)
    _check_channel_usable(channel_id)
    try:
        with transaction.atomic():
            row = SalesStatus.objects.create(
                sale_kind=sale_kind,
                sale_id=sale_id,
                state=state,
                channel_id=channel_id,
                updated_by_id=updated_by_id,
            )
    except IntegrityError:
        raise AlreadyExists(f"{sale_kind} sale {sale_id} already has a sales status") from None
    return status_value(row)


def update_status(
    sale_kind: str,
    sale_id: int,
    *,
    state: str | None = None,
    channel_id: int | None = None,
    updated_by_id: int | None = None,
) -> domain.SalesStatus:
    domain.check_sale_kind(sale_kind)
    with transaction.atomic():
        try:
            row = SalesStatus.objects.select_for_update().get(sale_kind=sale_kind, sale_id=sale_id)
        except SalesStatus.DoesNotExist:
            raise NotFound(f"{sale_kind} sale {sale_id} has no sales status") from None
        if state is not None:
            domain.check_transition(row.state, state)
            row.state = state
        if channel_id is not None and channel_id != row.channel_id:
            _check_channel_usable(channel_id)
            row.channel_id = channel_id
        row.updated_by_id = updated_by_id
        row.save()
    return status_value(row)


def delete_status(sale_kind: str, sale_id: int) -> None:
    domain.check_sale_kind(sale_kind)
    deleted, _ = SalesStatus.objects.filter(sale_kind=sale_kind, sale_id=sale_id).delete()
    if not deleted:
        raise NotFound(f"{sale_kind} sale {sale_id} has no sales status")


def _check_channel_usable(channel_id: int | None) -> None:
    if channel_id is None:
        return
    active = Channel.objects.filter(pk=channel_id).values_list("active", flat=True).first()
    if active is None:
        raise InvalidArgument(f"channel {channel_id} does not exist")
    if not active:
        raise FailedPrecondition(f"channel {channel_id} is inactive")
