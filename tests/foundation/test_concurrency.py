"""Concurrent writes through the real service: rows locks and constraints keep the rules."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import psycopg2
import pytest

from sales_api.v1 import channels_pb2
from sales_api.v1 import sales_status_pb2 as pb
from tests.foundation.conftest import CAR, sale, wait_until_blocked_on_a_lock


def outcomes(calls) -> list[str]:
    """Run the calls at once; each one's status code name."""

    def run(call) -> str:
        try:
            call()
        except grpc.RpcError as exc:
            return exc.code().name
        return "OK"

    with ThreadPoolExecutor(len(calls)) as pool:
        return sorted(pool.map(run, calls))


def test_concurrent_creates_of_one_status_make_exactly_one(status_stub):
    request = pb.CreateSalesStatusRequest(sale=sale(CAR, 1))
    results = outcomes([lambda: status_stub.CreateSalesStatus(request)] * 6)
    assert results == ["ALREADY_EXISTS"] * 5 + ["OK"]


def test_concurrent_creates_of_one_channel_code_make_exactly_one(channel_stub):
    request = channels_pb2.CreateChannelRequest(code="web", name="Web", kind=1, active=True)
    results = outcomes([lambda: channel_stub.CreateChannel(request)] * 6)
    assert results == ["ALREADY_EXISTS"] * 5 + ["OK"]


def test_sold_and_withdrawn_at_once_only_one_wins(status_stub, make_status):
    make_status(1, state=pb.SALE_STATE_ON_SALE)

    def move(state: int):
        return lambda: status_stub.UpdateSalesStatus(
            pb.UpdateSalesStatusRequest(sale=sale(CAR, 1), state=state)
        )

    results = outcomes([move(pb.SALE_STATE_SOLD), move(pb.SALE_STATE_WITHDRAWN)] * 3)
    assert results.count("OK") == 3  # the winner's state again is not a change
    assert results.count("FAILED_PRECONDITION") == 3
    final = status_stub.GetSalesStatus(pb.GetSalesStatusRequest(sale=sale(CAR, 1))).state
    assert final in (pb.SALE_STATE_SOLD, pb.SALE_STATE_WITHDRAWN)


@pytest.mark.parametrize("write", ["create", "update"])
def test_a_channel_deleted_while_a_status_takes_it_is_invalid_argument(
    status_stub, make_channel, make_status, service_db_url, write
):
    web, store = make_channel("web"), make_channel("store")
    if write == "update":
        make_status(1, channel_id=store.id)
    deleter = psycopg2.connect(service_db_url)
    try:
        with deleter.cursor() as cur:
            cur.execute("DELETE FROM sales_channel WHERE id = %s", [web.id])
        if write == "create":
            call = status_stub.CreateSalesStatus.future(
                pb.CreateSalesStatusRequest(sale=sale(CAR, 1), channel_id=web.id), timeout=20
            )
        else:
            call = status_stub.UpdateSalesStatus.future(
                pb.UpdateSalesStatusRequest(sale=sale(CAR, 1), channel_id=web.id), timeout=20
            )
        wait_until_blocked_on_a_lock(service_db_url)  # the service waits for the deleter
        deleter.commit()
        with pytest.raises(grpc.RpcError) as info:
            call.result()
    finally:
        deleter.close()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    assert f"channel {web.id} does not exist" in info.value.details()
