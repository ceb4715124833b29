from __future__ import annotations

import pytest

import strangler.client


@pytest.fixture(autouse=True)
def fresh_client():
    """Every test starts with no open channels and closed breakers."""
    strangler.client.reset()
    yield
    strangler.client.reset()
