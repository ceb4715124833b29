"""Helpers shared by the foundation tests: making rows through the real service and
asserting the status code a caller sees."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import closing

import grpc
import psycopg2
import pytest

from sales_api.v1 import channels_pb2, sales_status_pb2

CAR = sales_status_pb2.SALE_KIND_CAR
WEB = channels_pb2.CHANNEL_KIND_WEB


def rpc_error(code: grpc.StatusCode, call: Callable[[], object]) -> str:
    """Run a failing call; assert its status code and a clean one-line message; return it."""
    with pytest.raises(grpc.RpcError) as info:
        call()
    assert info.value.code() == code, info.value.details()
    details = info.value.details()
    assert details, "a caller needs a message it can act on"
    assert "Traceback" not in details and 'File "' not in details and "\n" not in details
    return details


def wait_until_blocked_on_a_lock(database_url: str, timeout: float = 10) -> None:
    """Wait until some session of the database waits for a row lock (the service's call)."""
    deadline = time.monotonic() + timeout
    with closing(psycopg2.connect(database_url)) as conn, conn.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                return
            conn.rollback()
            time.sleep(0.05)
    raise AssertionError("the call never reached the locked row")


def sale(kind: int = CAR, sale_id: int = 1) -> sales_status_pb2.SaleRef:
    return sales_status_pb2.SaleRef(kind=kind, id=sale_id)


@pytest.fixture
def make_channel(channel_stub) -> Callable[..., channels_pb2.Channel]:
    """Create a channel through the service: ``make_channel("web", kind=..., active=...)``."""

    def make(code: str, *, kind: int = WEB, active: bool = True) -> channels_pb2.Channel:
        return channel_stub.CreateChannel(
            channels_pb2.CreateChannelRequest(
                code=code, name=code.title(), kind=kind, active=active
            )
        )

    return make


@pytest.fixture
def make_status(status_stub) -> Callable[..., sales_status_pb2.SalesStatus]:
    """Create a sales status through the service."""

    def make(
        sale_id: int, *, kind: int = CAR, state: int = 0, channel_id: int = 0, user_id: int = 0
    ) -> sales_status_pb2.SalesStatus:
        return status_stub.CreateSalesStatus(
            sales_status_pb2.CreateSalesStatusRequest(
                sale=sale(kind, sale_id),
                state=state,
                channel_id=channel_id,
                updated_by_user_id=user_id,
            )
        )

    return make
