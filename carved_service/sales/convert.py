"""Rows to messages and back, kept out of the servicers so they stay thin."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from carved_service.sales.models import SALE_KINDS, STATES, Channel, SalesStatus
from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler.errors import InvalidArgument
from strangler.proto_enums import from_text, to_text

DEFAULT_PAGE = 100
MAX_PAGE = 1000
TOKEN = re.compile(r"after:([0-9]{1,19})")  # [0-9], not \d: "²" is a digit to \d, not to int()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Words the database holds -> enum numbers, for the batch path (from_text for anything else)
SALE_KIND_NUMBERS = {kind: from_text(sales_status_pb2.SaleKind, kind) for kind in SALE_KINDS}
STATE_NUMBERS = {state: from_text(sales_status_pb2.SaleState, state) for state in STATES}


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value.astimezone(UTC))
    return stamp


def _set_time(stamp: Timestamp, value: datetime) -> None:
    """``stamp`` set as ``timestamp(value)`` would be, in a third of the time for aware values
    (``FromDatetime`` goes through ``utctimetuple`` and ``calendar.timegm``)."""
    if value.tzinfo is None:  # astimezone() reads a naive value as local time
        stamp.CopyFrom(timestamp(value))
        return
    delta = value - EPOCH  # days may be negative; seconds and microseconds never are
    stamp.seconds = delta.days * 86400 + delta.seconds
    stamp.nanos = delta.microseconds * 1000


def channel_message(row: Channel) -> channels_pb2.Channel:
    return channels_pb2.Channel(
        id=row.pk,
        code=row.code,
        name=row.name,
        kind=from_text(channels_pb2.ChannelKind, row.kind),
        active=row.active,
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
    )


def status_message(row: SalesStatus) -> sales_status_pb2.SalesStatus:
    return sales_status_pb2.SalesStatus(
        sale=sale_ref((row.sale_kind, row.sale_id)),
        state=from_text(sales_status_pb2.SaleState, row.state),
        channel_id=row.channel_id or 0,
        updated_by_user_id=row.updated_by_id or 0,
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
    )


StatusRow = tuple  # operations.STATUS_COLUMNS, in that order


def add_statuses(statuses, rows: list[StatusRow]) -> None:
    """Append the messages of status rows to a repeated field: equal to extending it with
    ``status_message`` of each row's model, about four times faster for a page of 1,000.

    Each message is added in place and its sub-messages set field by field: with upb, that
    is faster than building a message with keywords and copying it into the list.
    """
    add = statuses.add
    kinds, states = SALE_KIND_NUMBERS, STATE_NUMBERS
    for kind, sale_id, state, channel_id, updated_by_id, created_at, updated_at in rows:
        message = add(
            state=states.get(state) or from_text(sales_status_pb2.SaleState, state),
            channel_id=channel_id or 0,
            updated_by_user_id=updated_by_id or 0,
        )
        sale = message.sale
        sale.kind = kinds.get(kind) or from_text(sales_status_pb2.SaleKind, kind)
        sale.id = sale_id
        _set_time(message.create_time, created_at)
        _set_time(message.update_time, updated_at)


def sale_ref(key: tuple[str, int]) -> sales_status_pb2.SaleRef:
    return sales_status_pb2.SaleRef(kind=from_text(sales_status_pb2.SaleKind, key[0]), id=key[1])


def sale_key(ref: sales_status_pb2.SaleRef) -> tuple[str, int]:
    kind = to_text(sales_status_pb2.SaleKind, ref.kind)
    if kind is None:
        raise InvalidArgument("sale.kind is required")
    return kind, ref.id


def page(page_size: int, page_token: str) -> tuple[int, int]:
    """(after_id, limit) for keyset paging; tokens are opaque to clients."""
    if page_size < 0 or page_size > MAX_PAGE:
        raise InvalidArgument(f"page_size must be between 0 and {MAX_PAGE}")
    if not page_token:
        return 0, page_size or DEFAULT_PAGE
    return _after_id(page_token), page_size or DEFAULT_PAGE


def _after_id(page_token: str) -> int:
    """The last id of the previous page; a token this service did not issue is refused."""
    try:
        text = base64.urlsafe_b64decode(page_token.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        text = ""
    match = TOKEN.fullmatch(text)
    if not match or int(match[1]) >= 2**63:
        raise InvalidArgument("page_token is not one this service issued")
    return int(match[1])


def page_and_token(rows: list, limit: int) -> tuple[list, str]:
    """The page and its next_page_token, from rows fetched with ``limit + 1``.

    The extra row only tells that another page exists, so the last page never carries a
    token that leads to an empty page.
    """
    if len(rows) <= limit:
        return rows, ""
    rows = rows[:limit]
    return rows, base64.urlsafe_b64encode(f"after:{rows[-1].pk}".encode()).decode()
