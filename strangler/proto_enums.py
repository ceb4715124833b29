"""Map proto enum values to the lower-case words a Django model stores, and back.

``SALE_STATE_ON_SALE`` <-> ``"on_sale"``: the prefix is the enum's own name, as the proto
style guide asks, and ``*_UNSPECIFIED`` (zero) means "not given".
"""

from __future__ import annotations

import re

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from strangler.errors import InvalidArgument


def _prefix(enum: EnumTypeWrapper) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.DESCRIPTOR.name).upper() + "_"


def to_text(enum: EnumTypeWrapper, number: int) -> str | None:
    """The word for an enum number; None for UNSPECIFIED; InvalidArgument for unknown numbers."""
    if number == 0:
        return None
    try:
        name = enum.Name(number)
    except ValueError:
        raise InvalidArgument(f"unknown {enum.DESCRIPTOR.name} value {number}") from None
    return name.removeprefix(_prefix(enum)).lower()


def from_text(enum: EnumTypeWrapper, text: str | None) -> int:
    """The enum number for a word; 0 (UNSPECIFIED) for None."""
    if text is None:
        return 0
    try:
        return enum.Value(_prefix(enum) + text.upper())
    except ValueError:
        raise InvalidArgument(f"unknown {enum.DESCRIPTOR.name} {text!r}") from None
