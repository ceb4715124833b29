"""Every example controller in every mode, against a real service with data of its own.

The monolith and the service hold *different* rows under the same ids (a channel named
"Local web" here, "Remote web" there; a sale in state draft here, on_sale there), so each
test can tell which side served a request from what the user gets, or where a write landed.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection
from prometheus_client import REGISTRY

from monolith.catalog.models import SALE_MODELS
from monolith.catalog.reports import SALES_BY_STATE_JOB, sales_by_state
from monolith.rollout import ROUTES
from monolith.sales.models import Channel, SalesStatus
from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler.routing import actions
from strangler.shadow.pool import get_pool

pytestmark = pytest.mark.django_db
SALE_ID = 7
PLURAL = {"car": "cars", "bike": "bikes", "toy": "toys"}
KIND_ENUM = {"car": 1, "bike": 2, "toy": 3}


@dataclass
class World:
    api: object
    channels: object  # stubs of the service
    statuses: object

    def remote_channel(self, channel_id: int):
        return self.channels.BatchGetChannels(
            channels_pb2.BatchGetChannelsRequest(ids=[channel_id])
        )

    def remote_status(self, kind: str, sale_id: int):
        found = self.statuses.BatchGetSalesStatuses(
            sales_status_pb2.BatchGetSalesStatusesRequest(
                sales=[sales_status_pb2.SaleRef(kind=KIND_ENUM[kind], id=sale_id)]
            )
        ).statuses
        return found[0] if found else None


@pytest.fixture
def world(api, user, service, channel_stub, status_stub, settings) -> World:
    settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
    for pk, code in ((1, "web"), (2, "spare")):
        Channel.objects.create(id=pk, code=code, name=f"Local {code}", kind="web")
        channel_stub.CreateChannel(
            channels_pb2.CreateChannelRequest(code=code, name=f"Remote {code}", kind=1, active=True)
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('sales_channel', 'id'), 100)")
    for kind, model in SALE_MODELS.items():
        extra = {"car": {"mileage_km": 1}, "bike": {"frame_cm": 50}, "toy": {"min_age": 3}}[kind]
        model.objects.create(id=SALE_ID, seller=user, title="Old", price="10.00", **extra)
        SalesStatus.objects.create(sale_kind=kind, sale_id=SALE_ID, state="draft", channel_id=1)
        status_stub.CreateSalesStatus(
            sales_status_pb2.CreateSalesStatusRequest(
                sale=sales_status_pb2.SaleRef(kind=KIND_ENUM[kind], id=SALE_ID),
                state=2,  # on_sale
                channel_id=1,
            )
        )
    return World(api, channel_stub, status_stub)


# Each scenario makes the controller's request and says which side served it.
Scenario = Callable[[World], str]


def _side(local: bool, remote: bool) -> str:
    assert local != remote, "exactly one side must have served the request"
    return "local" if local else "remote"


def channel_list(w: World) -> str:
    names = {c["name"] for c in _ok(w.api.get("/api/channels/"))["channels"]}
    return _side("Local web" in names, "Remote web" in names)


def channel_detail(w: World) -> str:
    name = _ok(w.api.get("/api/channels/1/"))["name"]
    return _side(name == "Local web", name == "Remote web")


def channel_create(w: World) -> str:
    _ok(_post(w, "/api/channels/add/", {"code": "new", "name": "New", "kind": "web"}), 201)
    remote = w.channels.ListChannels(channels_pb2.ListChannelsRequest(code="new")).channels
    return _side(Channel.objects.filter(code="new").exists(), bool(remote))


def channel_update(w: World) -> str:
    _ok(_post(w, "/api/channels/1/change/", {"name": "Renamed"}))
    remote = w.remote_channel(1).channels[0].name == "Renamed"
    return _side(Channel.objects.get(pk=1).name == "Renamed", remote)


def channel_delete(w: World) -> str:
    _ok(_post(w, "/api/channels/2/delete/", {}))
    return _side(not Channel.objects.filter(pk=2).exists(), not w.remote_channel(2).channels)


def sale_list(kind: str) -> Scenario:
    def scenario(w: World) -> str:
        sale = _ok(w.api.get(f"/api/{PLURAL[kind]}/"))["sales"][0]
        return _status_side(sale)

    return scenario


def sale_detail(kind: str) -> Scenario:
    def scenario(w: World) -> str:
        return _status_side(_ok(w.api.get(f"/api/{PLURAL[kind]}/{SALE_ID}/")))

    return scenario


def sale_create(kind: str) -> Scenario:
    def scenario(w: World) -> str:
        data = {"title": "New", "price": "5", "state": "on_sale", "channel_id": 1}
        sale_id = _ok(_post(w, f"/api/{PLURAL[kind]}/add/", data), 201)["id"]
        local = SalesStatus.objects.filter(sale_kind=kind, sale_id=sale_id).exists()
        return _side(local, w.remote_status(kind, sale_id) is not None)

    return scenario


def sale_update(kind: str) -> Scenario:
    def scenario(w: World) -> str:
        body = _ok(_post(w, f"/api/{PLURAL[kind]}/{SALE_ID}/change/", {"state": "withdrawn"}))
        assert body["sales_status"]["state"] == "withdrawn"
        local = SalesStatus.objects.get(sale_kind=kind, sale_id=SALE_ID).state == "withdrawn"
        return _side(local, w.remote_status(kind, SALE_ID).state == 5)

    return scenario


def sale_delete(kind: str) -> Scenario:
    def scenario(w: World) -> str:
        _ok(_post(w, f"/api/{PLURAL[kind]}/{SALE_ID}/delete/", {}))
        local = not SalesStatus.objects.filter(sale_kind=kind, sale_id=SALE_ID).exists()
        return _side(local, w.remote_status(kind, SALE_ID) is None)

    return scenario


def report(w: World) -> str:
    states = {(row.kind, row.state, row.channel) for row in sales_by_state()}
    return _side(("car", "draft", "web") in states, ("car", "on_sale", "web") in states)


def _status_side(sale: dict) -> str:
    state = sale["sales_status"]["state"]
    return _side(state == "draft", state == "on_sale")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def _post(w: World, path: str, data: dict):
    return w.api.post(path, data, content_type="application/json")


SCENARIOS: dict[str, Scenario] = {
    "channel-list": channel_list,
    "channel-detail": channel_detail,
    "channel-create": channel_create,
    "channel-update": channel_update,
    "channel-delete": channel_delete,
    SALES_BY_STATE_JOB: report,
}
for _kind in PLURAL:
    SCENARIOS.update(
        {
            f"{_kind}-list": sale_list(_kind),
            f"{_kind}-detail": sale_detail(_kind),
            f"{_kind}-create": sale_create(_kind),
            f"{_kind}-update": sale_update(_kind),
            f"{_kind}-delete": sale_delete(_kind),
        }
    )

CONTROLLERS = sorted(SCENARIOS)
READING = sorted({key.controller for key in ROUTES if key.use_case.endswith(".read")})


def test_every_routed_controller_has_a_scenario():
    assert {key.controller for key in ROUTES} == set(SCENARIOS)


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_local(world, controller):
    assert SCENARIOS[controller](world) == "local"


@pytest.mark.parametrize("controller", CONTROLLERS)
@pytest.mark.parametrize("mode", ["remote", "remote-fallback"])
def test_remote(world, controller, mode):
    actions.change_routes(f"*:{controller}", mode)
    assert SCENARIOS[controller](world) == "remote"


def shadowed_remote_calls(controller: str) -> float:
    """Remote calls the shadow pool made for ``controller`` (after waiting for it)."""
    get_pool().join()
    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == "strangler_calls_total"
        and sample.labels["controller"] == controller
        and sample.labels["side"] == "remote"
    )


@pytest.mark.parametrize("controller", READING)
def test_shadow_answers_local_and_calls_remote(world, controller):
    actions.change_routes(f"*.read:{controller}", "shadow")
    before = shadowed_remote_calls(controller)
    assert SCENARIOS[controller](world) == "local"
    assert shadowed_remote_calls(controller) > before


def test_remote_calls_are_counted_as_evidence(world):
    """Readiness and metrics see the remote side's real traffic, not only shadow calls."""
    actions.change_routes("*:channel-detail", "remote")
    before = shadowed_remote_calls("channel-detail")
    assert SCENARIOS["channel-detail"](world) == "remote"
    assert shadowed_remote_calls("channel-detail") > before


@pytest.mark.parametrize("kind", ["car", "toy"])
def test_a_sale_whose_status_the_service_refuses_is_not_kept(world, kind):
    """The status is written outside the row's transaction; a refusal deletes the row."""
    actions.change_routes(f"*:{kind}-create", "remote")
    model = SALE_MODELS[kind]
    before = model.objects.count()
    response = _post(
        world, f"/api/{PLURAL[kind]}/add/", {"title": "T", "price": "1", "channel_id": 999}
    )
    assert response.status_code == 400, response.content
    assert model.objects.count() == before


@pytest.fixture
def dead_service(settings) -> str:
    """A loopback port where nothing listens: every call fails as UNAVAILABLE."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{port}"}
    return port


@pytest.mark.parametrize("controller", CONTROLLERS)
def test_fallback_serves_local_when_the_service_is_down(world, dead_service, controller):
    actions.change_routes(f"*:{controller}", "remote-fallback")
    assert SCENARIOS[controller](world) == "local"


@pytest.mark.parametrize("controller", ["channel-detail", "car-list", "car-update"])
def test_remote_without_fallback_is_503_when_the_service_is_down(world, dead_service, controller):
    actions.change_routes(f"*:{controller}", "remote")
    path = {
        "channel-detail": "/api/channels/1/",
        "car-list": "/api/cars/",
        "car-update": f"/api/cars/{SALE_ID}/change/",
    }[controller]
    if controller == "car-update":
        response = _post(world, path, {"state": "withdrawn"})
    else:
        response = world.api.get(path)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert SalesStatus.objects.get(sale_kind="car", sale_id=SALE_ID).state == "draft"


def test_kill_switch_sends_remote_controllers_back_to_local(world):
    actions.change_routes("*:car-detail", "remote")
    assert sale_detail("car")(world) == "remote"
    actions.set_kill_switch(True, reason="test")
    assert sale_detail("car")(world) == "local"


def test_the_report_job_command_reads_through_its_routes(world):
    out = io.StringIO()
    call_command("sales_report", stdout=out)
    assert "car\tdraft\tweb\t1" in out.getvalue()
    actions.change_routes(f"*:{SALES_BY_STATE_JOB}", "remote")
    out = io.StringIO()
    call_command("sales_report", stdout=out)
    assert "car\ton_sale\tweb\t1" in out.getvalue()
