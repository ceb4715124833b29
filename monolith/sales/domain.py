"""Sales status and channel values and rules, free of Django and gRPC.

Both implementations of a use case (local ORM, remote service) return these values, so a
controller cannot tell which one answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from strangler.errors import FailedPrecondition, InvalidArgument

SALE_KINDS = ("car", "bike", "toy")
STATES = ("draft", "on_sale", "reserved", "sold", "withdrawn")
CHANNEL_KINDS = ("web", "store", "partner", "marketplace")

# Which states a sale may move to from each state. A withdrawn item cannot be sold.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"on_sale", "withdrawn"}),
    "on_sale": frozenset({"reserved", "sold", "withdrawn", "draft"}),
    "reserved": frozenset({"on_sale", "sold", "withdrawn"}),
    "sold": frozenset(),
    "withdrawn": frozenset({"draft", "on_sale"}),
}


@dataclass(frozen=True)
class Channel:
    id: int
    code: str
    name: str
    kind: str
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SalesStatus:
    sale_kind: str
    sale_id: int
    state: str
    channel_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime


def check_sale_kind(kind: str) -> str:
    if kind not in SALE_KINDS:
        raise InvalidArgument(
            f"unknown sale kind {kind!r}; expected one of {', '.join(SALE_KINDS)}"
        )
    return kind


def check_state(state: str) -> str:
    if state not in STATES:
        raise InvalidArgument(f"unknown state {state!r}; expected one of {', '.join(STATES)}")
    return state


def check_channel_kind(kind: str) -> str:
    if kind not in CHANNEL_KINDS:
        raise InvalidArgument(
            f"unknown channel kind {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}"
        )
    return kind


def check_transition(current: str, new: str) -> None:
    """Refuse a state change the business does not allow."""
    check_state(new)
    if new != current and new not in TRANSITIONS[current]:
        raise FailedPrecondition(f"a {current} sale cannot become {new}")


def check_price_change(state: str | None, old_price: object, new_price: object) -> None:
    """The price of a sold item is history and cannot change."""
    if state == "sold" and old_price != new_price:
        raise FailedPrecondition("the price of a sold item cannot change")
