"""The sales service's implementation of the sales-status and channel operations.

Same functions, arguments, domain values and domain errors as ``monolith.sales.local``, so a
use case can switch between the two. Inputs are checked with the same domain rules first, so
that both sides refuse bad input with the same message. Reads of many items are one batch
call each; writes carry an idempotency key, kept across the client's retries of that call.
Each function declares the RPCs it calls (``@calls``), for the version gate.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from monolith.sales import domain
from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler.client import ServiceClient, calls
from strangler.errors import NotFound
from strangler.proto_enums import from_text, to_text

SaleKey = tuple[str, int]

SERVICE = "sales"
CHANNELS = "sales.v1.ChannelService"
STATUSES = "sales.v1.SalesStatusService"
MAX_BATCH = 1000  # the service's limit per batch call
client = ServiceClient(SERVICE)


# Messages to domain values

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MIN_SECONDS, MAX_SECONDS = -62135596800, 253402300799  # 0001-01-01, 9999-12-31T23:59:59


def _time(stamp: Timestamp) -> datetime:
    """``stamp.ToDatetime(tzinfo=UTC)``, equal value and tzinfo, in half the time: a page of
    1,000 statuses converts 2,000 of them."""
    seconds, nanos = stamp.seconds, stamp.nanos
    if 0 <= nanos < 1_000_000_000 and MIN_SECONDS <= seconds <= MAX_SECONDS:
        return EPOCH + timedelta(0, seconds, nanos // 1000)
    return stamp.ToDatetime(tzinfo=UTC)  # raises ValueError for an invalid timestamp


def _words(enum) -> dict[int, str]:
    """Number -> word of every value but UNSPECIFIED, for lookups in a loop."""
    return {number: to_text(enum, number) for number in enum.values() if number}


CHANNEL_KIND_WORDS = _words(channels_pb2.ChannelKind)
SALE_KIND_WORDS = _words(sales_status_pb2.SaleKind)
STATE_WORDS = _words(sales_status_pb2.SaleState)
SALE_KIND_NUMBERS = {word: number for number, word in SALE_KIND_WORDS.items()}


def _word(words: dict[int, str], enum, number: int) -> str:
    """``to_text(enum, number) or ""``, through the dict for known numbers."""
    return words.get(number) or to_text(enum, number) or ""


def channel_value(message: channels_pb2.Channel) -> domain.Channel:
    return domain.Channel(
        id=message.id,
        code=message.code,
        name=message.name,
        kind=_word(CHANNEL_KIND_WORDS, channels_pb2.ChannelKind, message.kind),
        active=message.active,
        created_at=_time(message.create_time),
        updated_at=_time(message.update_time),
    )


def status_value(message: sales_status_pb2.SalesStatus) -> domain.SalesStatus:
    sale = message.sale
    return domain.SalesStatus(
        sale_kind=_word(SALE_KIND_WORDS, sales_status_pb2.SaleKind, sale.kind),
        sale_id=sale.id,
        state=_word(STATE_WORDS, sales_status_pb2.SaleState, message.state),
        channel_id=message.channel_id or None,
        updated_by_id=message.updated_by_user_id or None,
        created_at=_time(message.create_time),
        updated_at=_time(message.update_time),
    )


def _sale_ref(sale_kind: str, sale_id: int) -> sales_status_pb2.SaleRef:
    return sales_status_pb2.SaleRef(
        kind=from_text(sales_status_pb2.SaleKind, domain.check_sale_kind(sale_kind)), id=sale_id
    )


def _existing_sale(sale_kind: str, sale_id: int) -> sales_status_pb2.SaleRef:
    """The reference of a sale that may have a status: the service refuses ids below 1,
    where local simply finds nothing, so answer as local does."""
    ref = _sale_ref(sale_kind, sale_id)
    if sale_id <= 0:
        raise NotFound(f"{sale_kind} sale {sale_id} has no sales status")
    return ref


def _key() -> str:
    """A fresh idempotency key for one logical write; the client's retries reuse it."""
    return uuid.uuid4().hex


def _chunks(items: list) -> Iterable[list]:
    """Slices that each fit in one batch call."""
    for start in range(0, len(items), MAX_BATCH):
        yield items[start : start + MAX_BATCH]


# Channels


@calls(f"{CHANNELS}/GetChannel")
def get_channel(channel_id: int) -> domain.Channel:
    request = channels_pb2.GetChannelRequest(id=channel_id)
    return channel_value(client.call(f"{CHANNELS}/GetChannel", request))


@calls(f"{CHANNELS}/BatchGetChannels")
def get_channels(ids: Iterable[int]) -> dict[int, domain.Channel]:
    """One round trip per 1,000 ids; unknown ids are simply absent, as in local."""
    found: dict[int, domain.Channel] = {}
    for chunk in _chunks(sorted(set(ids))):
        request = channels_pb2.BatchGetChannelsRequest(ids=chunk)
        response = client.call(f"{CHANNELS}/BatchGetChannels", request)
        found.update((m.id, channel_value(m)) for m in response.channels)
    return found


@calls(f"{CHANNELS}/ListChannels")
def list_channels(
    *, kind: str | None = None, active: bool | None = None, offset: int = 0, limit: int = 100
) -> list[domain.Channel]:
    """The service pages by keyset, not offset: skipping ``offset`` rows costs reading them.

    One round trip when ``offset + limit`` is at most 1,000 (every page the monolith serves).
    """
    request = channels_pb2.ListChannelsRequest(
        kind=from_text(channels_pb2.ChannelKind, domain.check_channel_kind(kind) if kind else None)
    )
    if active is not None:
        request.active = active
    if limit <= 0:
        return []
    wanted = offset + limit
    rows: list[channels_pb2.Channel] = []
    while len(rows) < wanted:
        request.page_size = min(MAX_BATCH, wanted - len(rows))
        response = client.call(f"{CHANNELS}/ListChannels", request)
        rows.extend(response.channels)
        if not response.next_page_token:
            break
        request.page_token = response.next_page_token
    return [channel_value(m) for m in rows[offset:wanted]]


@calls(f"{CHANNELS}/CreateChannel")
def create_channel(*, code: str, name: str, kind: str, active: bool = True) -> domain.Channel:
    request = channels_pb2.CreateChannelRequest(
        code=code,
        name=name,
        kind=from_text(channels_pb2.ChannelKind, domain.check_channel_kind(kind)),
        active=active,
        idempotency_key=_key(),
    )
    return channel_value(client.call(f"{CHANNELS}/CreateChannel", request))


@calls(f"{CHANNELS}/UpdateChannel")
def update_channel(
    channel_id: int, *, name: str | None = None, kind: str | None = None, active: bool | None = None
) -> domain.Channel:
    request = channels_pb2.UpdateChannelRequest(id=channel_id, idempotency_key=_key())
    if name is not None:
        request.name = name
    if kind is not None:
        request.kind = from_text(channels_pb2.ChannelKind, domain.check_channel_kind(kind))
    if active is not None:
        request.active = active
    return channel_value(client.call(f"{CHANNELS}/UpdateChannel", request))


@calls(f"{CHANNELS}/DeleteChannel")
def delete_channel(channel_id: int) -> None:
    request = channels_pb2.DeleteChannelRequest(id=channel_id, idempotency_key=_key())
    client.call(f"{CHANNELS}/DeleteChannel", request)


# Sales statuses


@calls(f"{STATUSES}/GetSalesStatus")
def get_status(sale_kind: str, sale_id: int) -> domain.SalesStatus:
    request = sales_status_pb2.GetSalesStatusRequest(sale=_existing_sale(sale_kind, sale_id))
    return status_value(client.call(f"{STATUSES}/GetSalesStatus", request))


@calls(f"{STATUSES}/BatchGetSalesStatuses")
def get_statuses(keys: Iterable[SaleKey]) -> dict[SaleKey, domain.SalesStatus]:
    """Statuses of many sales in one round trip per 1,000 sales."""
    statuses, _ = _batch_statuses(keys, include_channels=False)
    return statuses


@calls(f"{STATUSES}/BatchGetSalesStatuses")
def get_statuses_with_channels(
    keys: Iterable[SaleKey],
) -> tuple[dict[SaleKey, domain.SalesStatus], dict[int, domain.Channel]]:
    """Statuses of many sales and the channels they use, in one round trip per 1,000 sales.

    What a list controller needs for a page of sales: equal to ``get_statuses`` followed by
    ``get_channels`` of their channel ids, for half the round trips.
    """
    return _batch_statuses(keys, include_channels=True)


def _batch_statuses(
    keys: Iterable[SaleKey], *, include_channels: bool
) -> tuple[dict[SaleKey, domain.SalesStatus], dict[int, domain.Channel]]:
    # (kind, id), each once; the refs are added to the request in place, not built and copied
    wanted = {
        (kind, sale_id): None
        for kind, sale_id in keys
        if domain.check_sale_kind(kind) and sale_id > 0
    }
    statuses: dict[SaleKey, domain.SalesStatus] = {}
    channels: dict[int, domain.Channel] = {}
    for chunk in _chunks(list(wanted)):
        request = sales_status_pb2.BatchGetSalesStatusesRequest(include_channels=include_channels)
        add = request.sales.add
        for kind, sale_id in chunk:
            add(kind=SALE_KIND_NUMBERS[kind], id=sale_id)
        response = client.call(f"{STATUSES}/BatchGetSalesStatuses", request)
        for message in response.statuses:
            value = status_value(message)
            statuses[(value.sale_kind, value.sale_id)] = value
        channels.update((m.id, channel_value(m)) for m in response.channels)
    return statuses, channels


@calls(f"{STATUSES}/CreateSalesStatus")
def create_status(
    sale_kind: str,
    sale_id: int,
    *,
    state: str = "draft",
    channel_id: int | None = None,
    updated_by_id: int | None = None,
) -> domain.SalesStatus:
    request = sales_status_pb2.CreateSalesStatusRequest(
        sale=_sale_ref(sale_kind, sale_id),
        state=from_text(sales_status_pb2.SaleState, domain.check_state(state)),
        channel_id=channel_id or 0,
        updated_by_user_id=updated_by_id or 0,
        idempotency_key=_key(),
    )
    return status_value(client.call(f"{STATUSES}/CreateSalesStatus", request))


@calls(f"{STATUSES}/UpdateSalesStatus")
def update_status(
    sale_kind: str,
    sale_id: int,
    *,
    state: str | None = None,
    channel_id: int | None = None,
    updated_by_id: int | None = None,
) -> domain.SalesStatus:
    request = sales_status_pb2.UpdateSalesStatusRequest(
        sale=_existing_sale(sale_kind, sale_id),
        updated_by_user_id=updated_by_id or 0,
        idempotency_key=_key(),
    )
    if state is not None:
        request.state = from_text(sales_status_pb2.SaleState, domain.check_state(state))
    if channel_id is not None:
        request.channel_id = channel_id
    return status_value(client.call(f"{STATUSES}/UpdateSalesStatus", request))


@calls(f"{STATUSES}/DeleteSalesStatus")
def delete_status(sale_kind: str, sale_id: int) -> None:
    request = sales_status_pb2.DeleteSalesStatusRequest(
        sale=_existing_sale(sale_kind, sale_id), idempotency_key=_key()
    )
    client.call(f"{STATUSES}/DeleteSalesStatus", request)
