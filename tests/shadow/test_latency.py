"""Latency buckets give percentiles to within a bucket, and add up across rows."""

from __future__ import annotations

import pytest

from strangler.shadow import latency


def counts_of(seconds: list[float]) -> list[int]:
    counts = latency.empty()
    for value in seconds:
        counts[latency.bucket(value)] += 1
    return counts


def test_percentiles_are_within_a_bucket_of_the_truth():
    values = [0.001] * 98 + [0.050, 0.200]
    counts = counts_of(values)
    assert latency.percentile(counts, 0.5) == pytest.approx(0.001, rel=0.2)
    assert latency.percentile(counts, 0.99) == pytest.approx(0.050, rel=0.2)
    assert latency.percentile(latency.empty(), 0.5) is None


def test_rows_of_different_lengths_add_up():
    assert latency.add([1, 2], [1, 1, 1]) == [2, 3, 1]
    assert latency.add([], counts_of([0.01])) == counts_of([0.01])
