"""What the service does with channels and statuses; the servicers only translate.

Rules that depend on status live here now: the service is their owner.
"""

from __future__ import annotations

import re

from django.db import IntegrityError
from django.db.models import ProtectedError, QuerySet

from carved_service.sales.models import CHANNEL_KINDS, SALE_KINDS, STATES, Channel, SalesStatus
from strangler.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from strangler.server.split_routing import write_transaction

MAX_BATCH = 1000
CODE = re.compile(r"[a-z0-9-]{1,50}")  # used with fullmatch: "$" would allow a final "\n"
TRANSITIONS = {
    "draft": {"on_sale", "withdrawn"},
    "on_sale": {"reserved", "sold", "withdrawn", "draft"},
    "reserved": {"on_sale", "sold", "withdrawn"},
    "sold": set(),
    "withdrawn": {"draft", "on_sale"},
}

SaleKey = tuple[str, int]


# Channels


def get_channel(channel_id: int) -> Channel:
    try:
        return Channel.objects.get(pk=channel_id)
    except Channel.DoesNotExist:
        raise NotFound(f"channel {channel_id} does not exist") from None


def batch_get_channels(ids: list[int]) -> list[Channel]:
    _check_batch(len(ids))
    return list(Channel.objects.filter(pk__in=set(ids)).order_by("id"))


def list_channels(
    *, after_id: int, limit: int, kind: str | None, active: bool | None, code: str | None
) -> list[Channel]:
    if code and not CODE.fullmatch(code):
        raise InvalidArgument("code must be 1-50 characters of a-z, 0-9 and '-'")
    rows = Channel.objects.filter(pk__gt=after_id).order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    if active is not None:
        rows = rows.filter(active=active)
    if code:
        rows = rows.filter(code=code)
    return list(rows[:limit])


def create_channel(*, code: str, name: str, kind: str, active: bool) -> Channel:
    _check_channel(code=code, name=name, kind=kind)
    try:
        with write_transaction(Channel):
            return Channel.objects.create(code=code, name=name, kind=kind, active=active)
    except IntegrityError:
        raise AlreadyExists(f"a channel with code {code!r} already exists") from None


def update_channel(
    channel_id: int, *, name: str | None, kind: str | None, active: bool | None
) -> Channel:
    _check_channel(name=name, kind=kind)
    with write_transaction(Channel):
        row = _lock(Channel.objects.filter(pk=channel_id), f"channel {channel_id} does not exist")
        for field, value in (("name", name), ("kind", kind), ("active", active)):
            if value is not None:
                setattr(row, field, value)
        row.save()
    return row


def delete_channel(channel_id: int) -> None:
    with write_transaction(Channel):
        row = _lock(Channel.objects.filter(pk=channel_id), f"channel {channel_id} does not exist")
        try:
            row.delete()
        except ProtectedError:
            raise FailedPrecondition(f"channel {row.code!r} is used by sales statuses") from None


def _check_channel(*, code: str | None = None, name: str | None = None, kind: str | None = None):
    if code is not None and not CODE.fullmatch(code):
        raise InvalidArgument("code must be 1-50 characters of a-z, 0-9 and '-'")
    if name is not None and not name.strip():
        raise InvalidArgument("name must not be empty")
    if name is not None and len(name) > 200:
        raise InvalidArgument("name must be at most 200 characters")
    if name is not None and "\x00" in name:  # PostgreSQL text cannot hold NUL
        raise InvalidArgument("name must not contain NUL characters")
    if kind is not None and kind not in CHANNEL_KINDS:
        raise InvalidArgument("kind must be set to a known channel kind")


# Sales statuses


def get_status(key: SaleKey) -> SalesStatus:
    _check_key(key)
    return _one(_by_key(key), f"{key[0]} sale {key[1]} has no sales status")


# What batch_get_status_rows returns, in this order
STATUS_COLUMNS = (
    "sale_kind",
    "sale_id",
    "state",
    "channel_id",
    "updated_by_id",
    "created_at",
    "updated_at",
)


def batch_get_status_rows(keys: list[SaleKey]) -> list[tuple]:
    """Statuses of many sales as tuples of ``STATUS_COLUMNS``: one query per sale kind,
    whatever the number of sales, and no model instance per row (the batch read path)."""
    rows: list[tuple] = []
    for kind, ids in _ids_by_kind(keys).items():
        query = SalesStatus.objects.filter(sale_kind=kind, sale_id__in=ids)
        rows.extend(query.values_list(*STATUS_COLUMNS))
    return rows


def _ids_by_kind(keys: list[SaleKey]) -> dict[str, set[int]]:
    _check_batch(len(keys))
    by_kind: dict[str, set[int]] = {}
    for key in keys:
        _check_key(key)
        by_kind.setdefault(key[0], set()).add(key[1])
    return by_kind


def list_statuses(
    *, after_id: int, limit: int, kind: str | None, state: str | None, channel_id: int | None
) -> list[SalesStatus]:
    rows = SalesStatus.objects.filter(pk__gt=after_id).order_by("id")
    if kind:
        rows = rows.filter(sale_kind=kind)
    if state:
        rows = rows.filter(state=state)
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    return list(rows[:limit])


def create_status(
    key: SaleKey, *, state: str, channel_id: int | None, updated_by_id: int | None
) -> SalesStatus:
    _check_key(key)
    _check_state(state)
    _check_channel_usable(channel_id)
    try:
        with write_transaction(SalesStatus):
            return SalesStatus.objects.create(
                sale_kind=key[0],
                sale_id=key[1],
                state=state,
                channel_id=channel_id,
                updated_by_id=updated_by_id,
            )
    except IntegrityError:
        _check_channel_usable(channel_id)  # the channel may have been deleted meanwhile
        raise AlreadyExists(f"{key[0]} sale {key[1]} already has a sales status") from None


def update_status(
    key: SaleKey, *, state: str | None, channel_id: int | None, updated_by_id: int | None
) -> SalesStatus:
    _check_key(key)
    try:
        with write_transaction(SalesStatus):
            row = _lock(_by_key(key), f"{key[0]} sale {key[1]} has no sales status")
            if state is not None:
                _check_state(state)
                if state != row.state and state not in TRANSITIONS[row.state]:
                    raise FailedPrecondition(f"a {row.state} sale cannot become {state}")
                row.state = state
            if channel_id is not None and channel_id != row.channel_id:
                _check_channel_usable(channel_id)
                row.channel_id = channel_id
            row.updated_by_id = updated_by_id
            row.save()
    except IntegrityError:
        _check_channel_usable(channel_id)  # the channel was deleted after the check above
        raise
    return row


def delete_status(key: SaleKey) -> None:
    _check_key(key)
    with write_transaction(SalesStatus):
        deleted, _ = _by_key(key).delete()
    if not deleted:
        raise NotFound(f"{key[0]} sale {key[1]} has no sales status")


def channels_with_ids(ids: set[int]) -> list[Channel]:
    """The channels of these ids, by id; no query for none."""
    return list(Channel.objects.filter(pk__in=ids).order_by("id")) if ids else []


def _by_key(key: SaleKey) -> QuerySet[SalesStatus]:
    return SalesStatus.objects.filter(sale_kind=key[0], sale_id=key[1])


def _check_key(key: SaleKey) -> None:
    if key[0] not in SALE_KINDS:
        raise InvalidArgument("sale.kind must be set to a known sale kind")
    if key[1] <= 0:
        raise InvalidArgument("sale.id must be a positive number")


def _check_state(state: str) -> None:
    if state not in STATES:
        raise InvalidArgument(f"unknown state {state!r}")


def _check_channel_usable(channel_id: int | None) -> None:
    if channel_id is None:
        return
    active = Channel.objects.filter(pk=channel_id).values_list("active", flat=True).first()
    if active is None:
        raise InvalidArgument(f"channel {channel_id} does not exist")
    if not active:
        raise FailedPrecondition(f"channel {channel_id} is inactive")


def _check_batch(size: int) -> None:
    if size > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} items per batch, got {size}")


def _one(rows: QuerySet, missing: str):
    row = rows.first()
    if row is None:
        raise NotFound(missing)
    return row


def _lock(rows: QuerySet, missing: str):
    return _one(rows.select_for_update(), missing)
