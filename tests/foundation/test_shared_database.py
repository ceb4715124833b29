"""The shared-DB stage: the service runs on the monolith's own tables.

Both sides must see each other's writes at once, and the service's own database stays
untouched until the split.
"""

from __future__ import annotations

import grpc
import psycopg2
import pytest
from django.db import connection
from django.urls import reverse

from monolith.sales.models import Channel, SalesStatus
from sales_api.v1 import channels_pb2, channels_pb2_grpc, sales_status_pb2, sales_status_pb2_grpc
from tests import settings
from tests.foundation.conftest import CAR, rpc_error, sale
from tests.service_process import start_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_service(service, service_db_url):
    """A service process whose channel and status tables are the monolith's test database."""
    process = start_service(
        service_db_url, shared_url=settings.pg_url(connection.settings_dict["NAME"])
    )
    yield process
    process.stop()


def test_service_sees_what_the_monolith_wrote_and_back(shared_service, api, user, service_db_url):
    channels = channels_pb2_grpc.ChannelServiceStub(shared_service.channel())
    statuses = sales_status_pb2_grpc.SalesStatusServiceStub(shared_service.channel())
    web = Channel.objects.create(code="web", name="Web", kind="web")
    car = api.post(
        reverse("car-create"),
        {"title": "Roadster", "price": "10", "state": "on_sale", "channel_id": web.pk},
        content_type="application/json",
    ).json()

    # the monolith wrote; the service reads
    assert channels.GetChannel(channels_pb2.GetChannelRequest(id=web.pk)).code == "web"
    status = statuses.GetSalesStatus(
        sales_status_pb2.GetSalesStatusRequest(sale=sale(CAR, car["id"]))
    )
    assert (status.state, status.channel_id, status.updated_by_user_id) == (
        sales_status_pb2.SALE_STATE_ON_SALE,
        web.pk,
        user.pk,
    )

    # the service writes; the monolith reads
    store = channels.CreateChannel(
        channels_pb2.CreateChannelRequest(
            code="store", name="Store", kind=channels_pb2.CHANNEL_KIND_STORE, active=True
        )
    )
    statuses.UpdateSalesStatus(
        sales_status_pb2.UpdateSalesStatusRequest(
            sale=sale(CAR, car["id"]), state=sales_status_pb2.SALE_STATE_SOLD, channel_id=store.id
        )
    )
    assert Channel.objects.get(pk=store.id).kind == "store"
    detail = api.get(reverse("car-detail", args=[car["id"]])).json()["sales_status"]
    assert (detail["state"], detail["channel"]["code"]) == ("sold", "store")

    # the monolith's rows protect the channel from the service too
    rpc_error(
        grpc.StatusCode.FAILED_PRECONDITION,
        lambda: channels.DeleteChannel(channels_pb2.DeleteChannelRequest(id=store.id)),
    )
    assert SalesStatus.objects.get().channel_id == store.id

    with psycopg2.connect(service_db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM sales_channel) + (SELECT count(*) FROM sales_status)"
        )
        assert cur.fetchone() == (0,), "the service's own database must stay empty while shared"
