"""sales.v1.ChannelService against the real service process and PostgreSQL."""

from __future__ import annotations

import base64

import grpc
import pytest

from sales_api.v1 import channels_pb2 as pb
from tests.foundation.conftest import rpc_error

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def test_create_then_get_returns_every_field(channel_stub):
    created = channel_stub.CreateChannel(
        pb.CreateChannelRequest(
            code="city-store", name="City store", kind=pb.CHANNEL_KIND_STORE, active=True
        )
    )
    assert created.id > 0
    assert (created.code, created.name, created.kind, created.active) == (
        "city-store",
        "City store",
        pb.CHANNEL_KIND_STORE,
        True,
    )
    assert created.create_time.seconds > 0 and created.update_time.seconds > 0
    assert channel_stub.GetChannel(pb.GetChannelRequest(id=created.id)) == created


def test_get_unknown_channel_is_not_found(channel_stub):
    message = rpc_error(
        grpc.StatusCode.NOT_FOUND, lambda: channel_stub.GetChannel(pb.GetChannelRequest(id=42))
    )
    assert "42" in message


def test_create_duplicate_code_is_already_exists(channel_stub, make_channel):
    make_channel("web")
    message = rpc_error(
        grpc.StatusCode.ALREADY_EXISTS,
        lambda: channel_stub.CreateChannel(
            pb.CreateChannelRequest(code="web", name="Other", kind=pb.CHANNEL_KIND_WEB)
        ),
    )
    assert "web" in message


@pytest.mark.parametrize(
    ("fields", "mentions"),
    [
        ({"code": "", "name": "X", "kind": pb.CHANNEL_KIND_WEB}, "code"),
        ({"code": "Bad Code", "name": "X", "kind": pb.CHANNEL_KIND_WEB}, "code"),
        ({"code": "x" * 51, "name": "X", "kind": pb.CHANNEL_KIND_WEB}, "code"),
        ({"code": "web\n", "name": "X", "kind": pb.CHANNEL_KIND_WEB}, "code"),
        ({"code": "café", "name": "X", "kind": pb.CHANNEL_KIND_WEB}, "code"),
        ({"code": "ok", "name": "  ", "kind": pb.CHANNEL_KIND_WEB}, "name"),
        ({"code": "ok", "name": "n" * 201, "kind": pb.CHANNEL_KIND_WEB}, "name"),
        ({"code": "ok", "name": "nul\x00byte", "kind": pb.CHANNEL_KIND_WEB}, "name"),
        ({"code": "ok", "name": "X", "kind": pb.CHANNEL_KIND_UNSPECIFIED}, "kind"),
        ({"code": "ok", "name": "X", "kind": 99}, "ChannelKind"),
    ],
)
def test_create_bad_input_is_invalid_argument_and_creates_nothing(channel_stub, fields, mentions):
    message = rpc_error(
        INVALID, lambda: channel_stub.CreateChannel(pb.CreateChannelRequest(**fields))
    )
    assert mentions in message
    assert not channel_stub.ListChannels(pb.ListChannelsRequest()).channels


def test_update_changes_only_the_fields_given(channel_stub, make_channel):
    channel = make_channel("web")
    updated = channel_stub.UpdateChannel(pb.UpdateChannelRequest(id=channel.id, name="Web shop"))
    assert (updated.name, updated.kind, updated.active) == ("Web shop", channel.kind, True)
    updated = channel_stub.UpdateChannel(
        pb.UpdateChannelRequest(id=channel.id, kind=pb.CHANNEL_KIND_PARTNER, active=False)
    )
    assert (updated.name, updated.kind, updated.active) == (
        "Web shop",
        pb.CHANNEL_KIND_PARTNER,
        False,
    )
    assert updated.update_time.ToDatetime() >= channel.update_time.ToDatetime()
    assert channel_stub.GetChannel(pb.GetChannelRequest(id=channel.id)) == updated


def test_update_unknown_channel_is_not_found(channel_stub):
    rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: channel_stub.UpdateChannel(pb.UpdateChannelRequest(id=7, name="X")),
    )


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "n" * 201}, {"kind": pb.CHANNEL_KIND_UNSPECIFIED}, {"kind": 99}],
)
def test_update_bad_input_is_invalid_argument_and_changes_nothing(
    channel_stub, make_channel, fields
):
    channel = make_channel("web")
    rpc_error(
        INVALID,
        lambda: channel_stub.UpdateChannel(pb.UpdateChannelRequest(id=channel.id, **fields)),
    )
    assert channel_stub.GetChannel(pb.GetChannelRequest(id=channel.id)) == channel


def test_delete_removes_the_channel(channel_stub, make_channel):
    channel = make_channel("web")
    assert channel_stub.DeleteChannel(pb.DeleteChannelRequest(id=channel.id)) == (
        pb.DeleteChannelResponse()
    )
    rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: channel_stub.GetChannel(pb.GetChannelRequest(id=channel.id)),
    )
    rpc_error(
        grpc.StatusCode.NOT_FOUND,
        lambda: channel_stub.DeleteChannel(pb.DeleteChannelRequest(id=channel.id)),
    )


def test_delete_channel_in_use_is_failed_precondition(channel_stub, make_channel, make_status):
    channel = make_channel("web")
    make_status(1, channel_id=channel.id)
    message = rpc_error(
        grpc.StatusCode.FAILED_PRECONDITION,
        lambda: channel_stub.DeleteChannel(pb.DeleteChannelRequest(id=channel.id)),
    )
    assert "web" in message
    assert channel_stub.GetChannel(pb.GetChannelRequest(id=channel.id)) == channel


def test_batch_get_returns_found_and_lists_missing(channel_stub, make_channel):
    web, store = make_channel("web"), make_channel("store")
    reply = channel_stub.BatchGetChannels(
        pb.BatchGetChannelsRequest(ids=[store.id, 999, web.id, store.id, 998])
    )
    assert sorted(c.code for c in reply.channels) == ["store", "web"]
    assert list(reply.missing_ids) == [998, 999]
    assert channel_stub.BatchGetChannels(pb.BatchGetChannelsRequest()) == (
        pb.BatchGetChannelsResponse()
    )


def test_batch_get_allows_1000_ids_and_refuses_more(channel_stub, make_channel):
    channel = make_channel("web")
    ids = [channel.id, *range(10_000, 10_999)]
    assert len(channel_stub.BatchGetChannels(pb.BatchGetChannelsRequest(ids=ids)).missing_ids) == (
        999
    )
    message = rpc_error(
        INVALID,
        lambda: channel_stub.BatchGetChannels(pb.BatchGetChannelsRequest(ids=[*ids, 5])),
    )
    assert "1000" in message


def test_list_pages_through_every_channel_once(channel_stub, make_channel):
    codes = [f"c{i:02d}" for i in range(7)]
    for code in codes:
        make_channel(code)
    seen, token, pages = [], "", 0
    while True:
        reply = channel_stub.ListChannels(pb.ListChannelsRequest(page_size=3, page_token=token))
        seen += [c.code for c in reply.channels]
        pages += 1
        token = reply.next_page_token
        if not token:
            break
    assert seen == codes
    assert pages == 3


def test_a_full_last_page_has_no_token(channel_stub, make_channel):
    for code in ("a", "b", "c", "d"):
        make_channel(code)
    first = channel_stub.ListChannels(pb.ListChannelsRequest(page_size=2))
    second = channel_stub.ListChannels(
        pb.ListChannelsRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [c.code for c in second.channels] == ["c", "d"]
    assert second.next_page_token == "", "a token must not lead to an empty page"


def test_list_default_page_size_is_100(channel_stub, make_channel):
    for i in range(101):
        make_channel(f"c{i}")
    first = channel_stub.ListChannels(pb.ListChannelsRequest())
    assert len(first.channels) == 100 and first.next_page_token
    rest = channel_stub.ListChannels(pb.ListChannelsRequest(page_token=first.next_page_token))
    assert [c.code for c in rest.channels] == ["c100"] and not rest.next_page_token


def test_list_filters_by_kind_active_and_code(channel_stub, make_channel):
    make_channel("web", kind=pb.CHANNEL_KIND_WEB)
    make_channel("store", kind=pb.CHANNEL_KIND_STORE)
    make_channel("closed", kind=pb.CHANNEL_KIND_STORE, active=False)

    def codes(**filters) -> list[str]:
        return [
            c.code for c in channel_stub.ListChannels(pb.ListChannelsRequest(**filters)).channels
        ]

    assert codes() == ["web", "store", "closed"]
    assert codes(kind=pb.CHANNEL_KIND_STORE) == ["store", "closed"]
    assert codes(active=False) == ["closed"]
    assert codes(active=True) == ["web", "store"]
    assert codes(kind=pb.CHANNEL_KIND_STORE, active=True) == ["store"]
    assert codes(code="store") == ["store"]
    assert codes(kind=pb.CHANNEL_KIND_MARKETPLACE) == []


@pytest.mark.parametrize(
    ("request_fields", "mentions"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"page_token": "not a token"}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b"after:x").decode()}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b"after:-5").decode()}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b"12").decode()}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode("after:²".encode()).decode()}, "page_token"),
        ({"page_token": base64.urlsafe_b64encode(b"after:" + b"9" * 30).decode()}, "page_token"),
        ({"kind": 42}, "ChannelKind"),
        ({"code": "nul\x00"}, "code"),
    ],
)
def test_list_bad_paging_or_filter_is_invalid_argument(channel_stub, request_fields, mentions):
    message = rpc_error(
        INVALID, lambda: channel_stub.ListChannels(pb.ListChannelsRequest(**request_fields))
    )
    assert mentions in message


def test_list_accepts_the_largest_page(channel_stub, make_channel):
    make_channel("web")
    reply = channel_stub.ListChannels(pb.ListChannelsRequest(page_size=1000))
    assert [c.code for c in reply.channels] == ["web"] and not reply.next_page_token
