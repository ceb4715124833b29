"""Latency as counts per bucket: cheap to add up across processes and minutes, and enough to
read p50 and p99 to within a bucket's width (about 20%)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

# Upper bounds in seconds, from 50 microseconds to about 60 seconds, each 1.2x the previous.
BOUNDS: tuple[float, ...] = tuple(50e-6 * 1.2**i for i in range(78))


def empty() -> list[int]:
    """One count per bound, plus one for anything slower than the last bound."""
    return [0] * (len(BOUNDS) + 1)


def bucket(seconds: float) -> int:
    return bisect.bisect_left(BOUNDS, seconds)


def add(counts: list[int], more: Sequence[int]) -> list[int]:
    """The sum of two bucket lists; a missing or short list counts as zeros."""
    if len(counts) < len(more):
        counts = counts + [0] * (len(more) - len(counts))
    return [a + (more[i] if i < len(more) else 0) for i, a in enumerate(counts)]


def total(counts: Iterable[int]) -> int:
    return sum(counts)


def percentile(counts: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile (0..1) in seconds, interpolated inside its bucket; None if empty."""
    n = sum(counts)
    if n == 0:
        return None
    rank = q * n
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            low = BOUNDS[index - 1] if index > 0 else 0.0
            high = BOUNDS[index] if index < len(BOUNDS) else BOUNDS[-1] * 1.2
            return low + (high - low) * max(rank - seen, 0) / count
        seen += count
    return BOUNDS[-1]
