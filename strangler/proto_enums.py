"""Map proto enum values to the lower-case words a Django model stores, and back.

``SALE_STATE_ON_SALE`` <-> ``"on_sale"``: the prefix is the enum's own name, as the proto
style guide asks, and ``*_UNSPECIFIED`` (zero) means "not given".
"""

from __future__ import annotations

import functools
import re

from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from strangler.errors import InvalidArgument


@functools.cache
def _words(descriptor: EnumDescriptor) -> dict[int, str]:
    """Number -> word of every value, computed once: lists convert thousands per call."""
    prefix = re.sub(r"(?<!^)(?=[A-Z])", "_", descriptor.name).upper() + "_"
    return {v.number: v.name.removeprefix(prefix).lower() for v in descriptor.values}


@functools.cache
def _numbers(descriptor: EnumDescriptor) -> dict[str, int]:
    return {word: number for number, word in _words(descriptor).items()}


def to_text(enum: EnumTypeWrapper, number: int) -> str | None:
    """The word for an enum number; None for UNSPECIFIED; InvalidArgument for unknown numbers."""
    if number == 0:
        return None
    word = _words(enum.DESCRIPTOR).get(number)
    if word is None:
        raise InvalidArgument(f"unknown {enum.DESCRIPTOR.name} value {number}")
    return word


def from_text(enum: EnumTypeWrapper, text: str | None) -> int:
    """The enum number for a word; 0 (UNSPECIFIED) for None."""
    if text is None:
        return 0
    number = _numbers(enum.DESCRIPTOR).get(text.lower())
    if number is None:
        raise InvalidArgument(f"unknown {enum.DESCRIPTOR.name} {text!r}")
    return number
