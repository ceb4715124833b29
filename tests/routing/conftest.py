"""Routing tests: every test starts with no route table in memory.

The table lives in the process for its TTL; tests roll their database back, which no signal
reports, so a table built in one test must not leak into the next.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from strangler.routing import table


@pytest.fixture(autouse=True)
def _gate_passes(gate_passes) -> None:
    """Switching routes is not what these tests test (see tests/gate)."""


@pytest.fixture(autouse=True)
def fresh_route_table() -> Iterator[None]:
    table._set(None)
    yield
    table._set(None)


@pytest.fixture
def make_request(rf: RequestFactory):
    """A GET request resolved to ``controller`` for ``user`` (a user id, or None: anonymous)."""

    def make(controller: str, user: int | None = None, path: str = "/", **extra):
        request = rf.get(path, **extra)
        request.strangler_controller = controller
        if user is None:
            from django.contrib.auth.models import AnonymousUser

            request.user = AnonymousUser()
        else:
            request.user = get_user_model()(pk=user, username=f"user{user}")
        return request

    return make
