"""sales.v1.SalesStatusService against the real service process and PostgreSQL."""

from __future__ import annotations

import grpc
import pytest

from sales_api.v1 import channels_pb2
from sales_api.v1 import sales_status_pb2 as pb
from tests.foundation.conftest import CAR, rpc_error, sale

BIKE, TOY = pb.SALE_KIND_BIKE, pb.SALE_KIND_TOY
INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


def get(stub, kind: int, sale_id: int) -> pb.SalesStatus:
    return stub.GetSalesStatus(pb.GetSalesStatusRequest(sale=sale(kind, sale_id)))


def update(stub, sale_id: int, kind: int = CAR, **fields) -> pb.SalesStatus:
    return stub.UpdateSalesStatus(pb.UpdateSalesStatusRequest(sale=sale(kind, sale_id), **fields))


def test_create_then_get_returns_every_field(status_stub, make_channel):
    channel = make_channel("web")
    created = status_stub.CreateSalesStatus(
        pb.CreateSalesStatusRequest(
            sale=sale(BIKE, 12),
            state=pb.SALE_STATE_ON_SALE,
            channel_id=channel.id,
            updated_by_user_id=5,
        )
    )
    assert (created.sale.kind, created.sale.id, created.state) == (BIKE, 12, pb.SALE_STATE_ON_SALE)
    assert (created.channel_id, created.updated_by_user_id) == (channel.id, 5)
    assert created.create_time.seconds > 0
    assert get(status_stub, BIKE, 12) == created


def test_create_without_state_or_channel_is_a_draft_without_channel(status_stub, make_status):
    created = make_status(3, kind=TOY)
    assert (created.state, created.channel_id, created.updated_by_user_id) == (
        pb.SALE_STATE_DRAFT,
        0,
        0,
    )


def test_statuses_are_addressed_by_kind_and_id(status_stub, make_status):
    make_status(1, kind=CAR, state=pb.SALE_STATE_SOLD)
    make_status(1, kind=BIKE, state=pb.SALE_STATE_ON_SALE)
    assert get(status_stub, CAR, 1).state == pb.SALE_STATE_SOLD
    assert get(status_stub, BIKE, 1).state == pb.SALE_STATE_ON_SALE
    rpc_error(grpc.StatusCode.NOT_FOUND, lambda: get(status_stub, TOY, 1))


def test_second_status_for_a_sale_is_already_exists(status_stub, make_status):
    make_status(1)
    message = rpc_error(grpc.StatusCode.ALREADY_EXISTS, lambda: make_status(1))
    assert "car sale 1" in message


def test_create_with_inactive_channel_is_failed_precondition(
    status_stub, make_channel, make_status
):
    closed = make_channel("closed", active=False)
    message = rpc_error(PRECONDITION, lambda: make_status(1, channel_id=closed.id))
    assert "inactive" in message
    rpc_error(grpc.StatusCode.NOT_FOUND, lambda: get(status_stub, CAR, 1))


@pytest.mark.parametrize(
    ("request_fields", "mentions"),
    [
        ({"sale": sale(pb.SALE_KIND_UNSPECIFIED, 1)}, "sale.kind"),
        ({"sale": sale(9, 1)}, "SaleKind"),
        ({"sale": sale(CAR, 0)}, "sale.id"),
        ({"sale": sale(CAR, -4)}, "sale.id"),
        ({"sale": sale(CAR, 1), "state": 77}, "SaleState"),
        ({"sale": sale(CAR, 1), "channel_id": 404}, "channel 404"),
    ],
)
def test_create_bad_input_is_invalid_argument_and_creates_nothing(
    status_stub, request_fields, mentions
):
    message = rpc_error(
        INVALID,
        lambda: status_stub.CreateSalesStatus(pb.CreateSalesStatusRequest(**request_fields)),
    )
    assert mentions in message
    assert not status_stub.ListSalesStatuses(pb.ListSalesStatusesRequest()).statuses


@pytest.mark.parametrize(
    "call",
    [
        lambda stub: stub.GetSalesStatus(pb.GetSalesStatusRequest()),
        lambda stub: stub.UpdateSalesStatus(pb.UpdateSalesStatusRequest(sale=sale(CAR, 0))),
        lambda stub: stub.DeleteSalesStatus(pb.DeleteSalesStatusRequest(sale=sale(0, 1))),
    ],
    ids=["get", "update", "delete"],
)
def test_a_bad_sale_reference_is_invalid_argument_everywhere(status_stub, call):
    assert "sale." in rpc_error(INVALID, lambda: call(status_stub))


def test_update_moves_state_channel_and_user(status_stub, make_channel, make_status):
    web, store = make_channel("web"), make_channel("store")
    created = make_status(1, channel_id=web.id, user_id=5)
    updated = update(status_stub, 1, state=pb.SALE_STATE_ON_SALE, updated_by_user_id=6)
    assert (updated.state, updated.channel_id, updated.updated_by_user_id) == (
        pb.SALE_STATE_ON_SALE,
        web.id,
        6,
    )
    updated = update(status_stub, 1, channel_id=store.id, updated_by_user_id=6)
    assert (updated.state, updated.channel_id) == (pb.SALE_STATE_ON_SALE, store.id)
    assert updated.create_time == created.create_time
    assert get(status_stub, CAR, 1) == updated


@pytest.mark.parametrize(
    "path",
    [
        [pb.SALE_STATE_ON_SALE, pb.SALE_STATE_RESERVED, pb.SALE_STATE_SOLD],
        [pb.SALE_STATE_WITHDRAWN, pb.SALE_STATE_ON_SALE, pb.SALE_STATE_SOLD],
        [pb.SALE_STATE_ON_SALE, pb.SALE_STATE_DRAFT],
    ],
)
def test_allowed_state_paths(status_stub, make_status, path):
    make_status(1)
    for state in path:
        assert update(status_stub, 1, state=state).state == state


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (pb.SALE_STATE_WITHDRAWN, pb.SALE_STATE_SOLD),
        (pb.SALE_STATE_SOLD, pb.SALE_STATE_ON_SALE),
        (pb.SALE_STATE_DRAFT, pb.SALE_STATE_SOLD),
    ],
)
def test_forbidden_transition_is_failed_precondition_and_changes_nothing(
    status_stub, make_status, start, target
):
    before = make_status(1, state=start)
    message = rpc_error(PRECONDITION, lambda: update(status_stub, 1, state=target))
    assert pb.SaleState.Name(target).removeprefix("SALE_STATE_").lower() in message
    assert get(status_stub, CAR, 1) == before


def test_update_to_inactive_or_unknown_channel_is_refused(status_stub, make_channel, make_status):
    closed = make_channel("closed", active=False)
    before = make_status(1)
    assert "inactive" in rpc_error(
        PRECONDITION, lambda: update(status_stub, 1, channel_id=closed.id)
    )
    assert "channel 404" in rpc_error(INVALID, lambda: update(status_stub, 1, channel_id=404))
    rpc_error(INVALID, lambda: update(status_stub, 1, state=pb.SALE_STATE_UNSPECIFIED))
    assert get(status_stub, CAR, 1) == before


def test_a_status_keeps_its_channel_after_the_channel_is_deactivated(
    status_stub, channel_stub, make_channel, make_status
):
    web = make_channel("web")
    make_status(1, channel_id=web.id)
    channel_stub.UpdateChannel(channels_pb2.UpdateChannelRequest(id=web.id, active=False))
    updated = update(status_stub, 1, state=pb.SALE_STATE_ON_SALE, channel_id=web.id)
    assert (updated.state, updated.channel_id) == (pb.SALE_STATE_ON_SALE, web.id)


def test_update_or_delete_unknown_status_is_not_found(status_stub):
    rpc_error(grpc.StatusCode.NOT_FOUND, lambda: update(status_stub, 1, state=pb.SALE_STATE_SOLD))
    rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: status_stub.DeleteSalesStatus(pb.DeleteSalesStatusRequest(sale=sale(CAR, 1))),
    )


def test_delete_removes_only_that_status(status_stub, make_status):
    make_status(1)
    make_status(1, kind=BIKE)
    status_stub.DeleteSalesStatus(pb.DeleteSalesStatusRequest(sale=sale(CAR, 1)))
    rpc_error(grpc.StatusCode.NOT_FOUND, lambda: get(status_stub, CAR, 1))
    assert get(status_stub, BIKE, 1).sale.id == 1


def test_batch_get_returns_found_missing_and_channels(status_stub, make_channel, make_status):
    web, store = make_channel("web"), make_channel("store")
    make_channel("unused")
    make_status(1, channel_id=web.id)
    make_status(2, channel_id=web.id)
    make_status(1, kind=TOY, channel_id=store.id)
    make_status(3)
    wanted = [sale(CAR, 1), sale(CAR, 2), sale(TOY, 1), sale(CAR, 3), sale(BIKE, 1), sale(CAR, 9)]

    reply = status_stub.BatchGetSalesStatuses(pb.BatchGetSalesStatusesRequest(sales=wanted))
    assert sorted((s.sale.kind, s.sale.id) for s in reply.statuses) == [
        (CAR, 1),
        (CAR, 2),
        (CAR, 3),
        (TOY, 1),
    ]
    assert [(m.kind, m.id) for m in reply.missing] == [(BIKE, 1), (CAR, 9)]
    assert not reply.channels

    reply = status_stub.BatchGetSalesStatuses(
        pb.BatchGetSalesStatusesRequest(sales=wanted, include_channels=True)
    )
    assert [c.code for c in reply.channels] == ["web", "store"]


def test_batch_get_lists_a_missing_sale_once(status_stub):
    reply = status_stub.BatchGetSalesStatuses(
        pb.BatchGetSalesStatusesRequest(sales=[sale(CAR, 4), sale(CAR, 4)])
    )
    assert [(m.kind, m.id) for m in reply.missing] == [(CAR, 4)]


def test_batch_get_allows_1000_sales_and_refuses_more(status_stub, make_status):
    make_status(1)
    refs = [sale(CAR, i) for i in range(1, 1001)]
    reply = status_stub.BatchGetSalesStatuses(pb.BatchGetSalesStatusesRequest(sales=refs))
    assert (len(reply.statuses), len(reply.missing)) == (1, 999)
    message = rpc_error(
        INVALID,
        lambda: status_stub.BatchGetSalesStatuses(
            pb.BatchGetSalesStatusesRequest(sales=[*refs, sale(BIKE, 1)])
        ),
    )
    assert "1000" in message


def test_batch_get_with_a_bad_reference_is_invalid_argument(status_stub):
    rpc_error(
        INVALID,
        lambda: status_stub.BatchGetSalesStatuses(
            pb.BatchGetSalesStatusesRequest(sales=[sale(CAR, 1), sale(CAR, 0)])
        ),
    )


def test_list_pages_and_filters(status_stub, make_channel, make_status):
    web, store = make_channel("web"), make_channel("store")
    for sale_id in range(1, 6):
        make_status(sale_id, state=pb.SALE_STATE_ON_SALE, channel_id=web.id)
    make_status(1, kind=BIKE, state=pb.SALE_STATE_SOLD, channel_id=store.id)
    make_status(2, kind=BIKE)

    def keys(**filters) -> list[tuple[int, int]]:
        found, token = [], ""
        while True:
            reply = status_stub.ListSalesStatuses(
                pb.ListSalesStatusesRequest(page_size=2, page_token=token, **filters)
            )
            assert len(reply.statuses) <= 2
            found += [(s.sale.kind, s.sale.id) for s in reply.statuses]
            if not (token := reply.next_page_token):
                return found

    assert keys() == [(CAR, i) for i in range(1, 6)] + [(BIKE, 1), (BIKE, 2)]
    assert keys(kind=BIKE) == [(BIKE, 1), (BIKE, 2)]
    assert keys(state=pb.SALE_STATE_SOLD) == [(BIKE, 1)]
    assert keys(channel_id=web.id) == [(CAR, i) for i in range(1, 6)]
    assert keys(kind=CAR, state=pb.SALE_STATE_SOLD) == []
    assert len(status_stub.ListSalesStatuses(pb.ListSalesStatusesRequest()).statuses) == 7
    exact = status_stub.ListSalesStatuses(pb.ListSalesStatusesRequest(page_size=7))
    assert (len(exact.statuses), exact.next_page_token) == (7, "")


@pytest.mark.parametrize(
    ("request_fields", "mentions"),
    [
        ({"page_size": 1001}, "page_size"),
        ({"page_size": -1}, "page_size"),
        ({"page_token": "%%%"}, "page_token"),
        ({"kind": 12}, "SaleKind"),
        ({"state": 12}, "SaleState"),
    ],
)
def test_list_bad_paging_or_filter_is_invalid_argument(status_stub, request_fields, mentions):
    message = rpc_error(
        INVALID,
        lambda: status_stub.ListSalesStatuses(pb.ListSalesStatusesRequest(**request_fields)),
    )
    assert mentions in message
