"""Service versions as the version gate compares them: ``1.2.0`` < ``1.10.0``.

Numbers compare as numbers; a pre-release (``1.3.0rc1``, ``1.3.0-beta``) ranks below its
release; build metadata after ``+`` is ignored. Kept to this on purpose: a carved service's
version is set by its own build, and the gate only asks "at least this?".
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"v?(\d+(?:\.\d+)*)([^+]*)(?:\+.*)?")

Key = tuple[tuple[int, ...], int]


def key(text: str) -> Key | None:
    """A sortable key, or None when ``text`` is no version (an empty string, a name)."""
    found = _VERSION.fullmatch(text.strip())
    if found is None:
        return None
    numbers = tuple(int(n) for n in found.group(1).split("."))
    numbers = numbers + (0,) * (3 - len(numbers))
    while len(numbers) > 3 and numbers[-1] == 0:
        numbers = numbers[:-1]
    return numbers, 0 if found.group(2) else 1


def check(text: str) -> str:
    """``text`` if it is a version; ValueError otherwise (for declarations, at import time)."""
    if key(text) is None:
        raise ValueError(f"{text!r} is not a version like '1.2.0'")
    return text


def at_least(version: str, minimum: str) -> bool:
    """Whether ``version`` is ``minimum`` or later; an unreadable version never is."""
    found, wanted = key(version), key(minimum)
    return found is not None and wanted is not None and found >= wanted


def lowest(versions: list[str]) -> str:
    """The lowest of several versions (an unreadable one counts as lowest of all)."""
    return min(versions, key=lambda v: (key(v) is not None, key(v) or ((), 0)))
