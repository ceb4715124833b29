import grpc
import pytest

from sales_api.v1 import channels_pb2


def test_service_answers_and_maps_not_found(channel_stub):
    created = channel_stub.CreateChannel(
        channels_pb2.CreateChannelRequest(code="web", name="Web", kind=1, active=True)
    )
    assert channel_stub.GetChannel(channels_pb2.GetChannelRequest(id=created.id)).code == "web"
    with pytest.raises(grpc.RpcError) as info:
        channel_stub.GetChannel(channels_pb2.GetChannelRequest(id=created.id + 1))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.django_db
def test_channel_list_controller(api):
    created = api.post(
        "/api/channels/add/",
        {"code": "web", "name": "Web", "kind": "web"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert api.get("/api/channels/").json()["channels"][0]["code"] == "web"
