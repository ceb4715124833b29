"""The remote implementation answers exactly as the local one, on the same shared data."""

from __future__ import annotations

import pytest

from monolith.sales import local, remote
from strangler.errors import UseCaseError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data(remote_sales):
    web = local.create_channel(code="web", name="Web shop", kind="web")
    store = local.create_channel(code="store", name="Store", kind="store", active=False)
    partner = local.create_channel(code="partner", name="Partner", kind="partner")
    local.create_status("car", 1, state="on_sale", channel_id=web.id, updated_by_id=7)
    local.create_status("car", 2, channel_id=partner.id)
    local.create_status("bike", 1)
    return {"web": web.id, "store": store.id, "partner": partner.id}


def outcome(call):
    """The value a call returns, or the type and message of the domain error it raises."""
    try:
        return call()
    except UseCaseError as exc:
        return type(exc), str(exc)


def test_reads_match_local(data):
    ids = [*data.values(), 999]
    keys = [("car", 1), ("car", 2), ("bike", 1), ("toy", 5), ("car", 0)]
    assert remote.get_channel(data["web"]) == local.get_channel(data["web"])
    assert remote.get_channels(ids) == local.get_channels(ids)
    for filters in [{}, {"kind": "web"}, {"active": False}, {"offset": 1, "limit": 1}]:
        assert remote.list_channels(**filters) == local.list_channels(**filters), filters
    assert remote.get_status("car", 1) == local.get_status("car", 1)
    assert remote.get_statuses(keys) == local.get_statuses(keys)
    assert remote.get_statuses_with_channels(keys) == local.get_statuses_with_channels(keys)
    statuses, channels = remote.get_statuses_with_channels(keys)
    assert set(channels) == {data["web"], data["partner"]} and len(statuses) == 3


def test_batch_reads_cost_one_round_trip_each(data, monkeypatch):
    sent = []
    real_call = remote.client.call
    monkeypatch.setattr(
        remote.client,
        "call",
        lambda method, request: sent.append(method) or real_call(method, request),
    )
    remote.get_statuses([("car", n) for n in range(1, 500)])
    remote.get_channels(range(1, 500))
    remote.get_statuses_with_channels([("car", n) for n in range(1, 500)])
    assert sent == [
        "sales.v1.SalesStatusService/BatchGetSalesStatuses",
        "sales.v1.ChannelService/BatchGetChannels",
        "sales.v1.SalesStatusService/BatchGetSalesStatuses",
    ]
    assert remote.get_statuses([]) == {} and remote.get_channels([]) == {}
    assert len(sent) == 3


REFUSED_CALLS = {
    "missing channel": lambda impl, d: impl.get_channel(999),
    "missing status": lambda impl, d: impl.get_status("car", 999),
    "unknown sale kind": lambda impl, d: impl.get_status("boat", 1),
    "bad channel kind filter": lambda impl, d: impl.list_channels(kind="fax"),
    "bad code": lambda impl, d: impl.create_channel(code="Bad!", name="x", kind="web"),
    "empty name": lambda impl, d: impl.create_channel(code="x", name=" ", kind="web"),
    "bad kind": lambda impl, d: impl.create_channel(code="x", name="x", kind="fax"),
    "duplicate code": lambda impl, d: impl.create_channel(code="web", name="x", kind="web"),
    "update missing channel": lambda impl, d: impl.update_channel(999, name="x"),
    "delete used channel": lambda impl, d: impl.delete_channel(d["web"]),
    "delete missing channel": lambda impl, d: impl.delete_channel(999),
    "duplicate status": lambda impl, d: impl.create_status("car", 1),
    "unknown state": lambda impl, d: impl.create_status("car", 9, state="lost"),
    "inactive channel": lambda impl, d: impl.create_status("car", 9, channel_id=d["store"]),
    "unknown channel": lambda impl, d: impl.create_status("car", 9, channel_id=999),
    "forbidden transition": lambda impl, d: impl.update_status("bike", 1, state="sold"),
    "update missing status": lambda impl, d: impl.update_status("car", 999, state="sold"),
    "delete missing status": lambda impl, d: impl.delete_status("toy", 1),
    "status of sale 0": lambda impl, d: impl.get_status("car", 0),
    "update sale 0": lambda impl, d: impl.update_status("car", 0, state="sold"),
    "delete sale 0": lambda impl, d: impl.delete_status("car", 0),
}


@pytest.mark.parametrize("name", REFUSED_CALLS)
def test_refusals_match_local(data, name):
    call = REFUSED_CALLS[name]
    expected = outcome(lambda: call(local, data))
    assert isinstance(expected, tuple), f"local accepted {name}"
    assert outcome(lambda: call(remote, data)) == expected


def test_writes_return_what_local_then_reads(data):
    created = remote.create_channel(code="market", name="Market", kind="marketplace")
    assert created == local.get_channel(created.id)
    updated = remote.update_channel(created.id, name="Marketplace", active=False)
    assert updated == local.get_channel(created.id) and updated.name == "Marketplace"
    remote.delete_channel(created.id)
    assert outcome(lambda: local.get_channel(created.id))[0].__name__ == "NotFound"

    status = remote.create_status("toy", 3, channel_id=data["web"], updated_by_id=5)
    assert status == local.get_status("toy", 3) and status.state == "draft"
    moved = remote.update_status("toy", 3, state="on_sale", channel_id=data["partner"])
    assert moved == local.get_status("toy", 3)
    assert (moved.state, moved.channel_id, moved.updated_by_id) == (
        "on_sale",
        data["partner"],
        None,
    )
    remote.delete_status("toy", 3)
    assert local.get_statuses([("toy", 3)]) == {}


def test_pages_and_chunks_beyond_one_batch_match_local(data, monkeypatch):
    monkeypatch.setattr(remote, "MAX_BATCH", 2)  # as if the service took 2 items per call
    sent = []
    real_call = remote.client.call
    monkeypatch.setattr(
        remote.client,
        "call",
        lambda method, request: sent.append(method) or real_call(method, request),
    )
    assert remote.list_channels(offset=1, limit=2) == local.list_channels(offset=1, limit=2)
    assert remote.list_channels(limit=10) == local.list_channels(limit=10)
    assert remote.list_channels(limit=0) == []
    assert remote.get_channels([*data.values(), 999]) == local.get_channels([*data.values(), 999])
    keys = [("car", 1), ("car", 2), ("bike", 1)]
    assert remote.get_statuses(keys) == local.get_statuses(keys)
    assert sent.count("sales.v1.ChannelService/ListChannels") == 4  # 2 + 2 pages
    assert sent.count("sales.v1.ChannelService/BatchGetChannels") == 2
    assert sent.count("sales.v1.SalesStatusService/BatchGetSalesStatuses") == 2
