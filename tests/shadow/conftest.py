"""Fixtures of the shadow tests: a pool of their own, flushed on demand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from strangler.shadow.pool import ShadowPool


@pytest.fixture
def pool() -> Iterator[ShadowPool]:
    """A pool whose evidence is written only when the test calls ``pool.flush()``."""
    shadow_pool = ShadowPool(workers=2, queue_size=50, flush_seconds=3600)
    yield shadow_pool
    shadow_pool.shutdown(wait=False)
