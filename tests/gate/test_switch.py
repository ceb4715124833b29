"""Switch time: a route moves to shadow or remote only if the live service serves its RPCs."""

from __future__ import annotations

import json

import grpc
import pytest
from waffle.models import Flag, Switch

from monolith.sales.use_cases import channels_read
from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler import gate
from strangler.api.v1 import service_info_pb2, service_info_pb2_grpc
from strangler.client import service_info
from strangler.models import Route, RouteChange
from strangler.routing import actions
from tests import settings as test_settings
from tests.commands import strangler
from tests.gate.conftest import MISSING
from tests.service_process import run_service_cli

pytestmark = pytest.mark.django_db


def nothing_changed() -> bool:
    return not (Route.objects.exists() or Flag.objects.exists() or RouteChange.objects.exists())


@pytest.fixture
def on_older(older_build, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": older_build.target}
    return older_build


def test_the_service_reports_exactly_what_it_answers(older_build):
    info = service_info_pb2_grpc.ServiceInfoStub(
        older_build.channel(test_settings.SERVICE_READ_TOKEN)
    )
    answer = info.GetServiceInfo(service_info_pb2.GetServiceInfoRequest())  # a read token will do
    assert (answer.version, answer.build_id) == ("0.0.9", "older")
    assert MISSING not in answer.methods
    assert {"sales.v1.ChannelService/BatchGetChannels", gate.service_info.METHOD} <= set(
        answer.methods
    )
    assert "sales.v1.ChannelService" in answer.services
    call = older_build.channel().unary_unary(f"/{MISSING}")
    with pytest.raises(grpc.RpcError) as refused:
        call(b"", timeout=5)
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    no_token = service_info_pb2_grpc.ServiceInfoStub(older_build.channel(token=None))
    with pytest.raises(grpc.RpcError) as anonymous:
        no_token.GetServiceInfo(service_info_pb2.GetServiceInfoRequest(), timeout=5)
    assert anonymous.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_every_sales_method_is_reported_if_and_only_if_it_is_answered(older_build):
    """Both ways: what ServiceInfo lists is answered, what it leaves out is UNIMPLEMENTED."""
    info = service_info_pb2_grpc.ServiceInfoStub(older_build.channel())
    reported = set(info.GetServiceInfo(service_info_pb2.GetServiceInfoRequest()).methods)
    channel = older_build.channel()
    for service in (channels_pb2, sales_status_pb2):
        for descriptor in service.DESCRIPTOR.services_by_name.values():
            for method in descriptor.methods:
                name = f"{descriptor.full_name}/{method.name}"
                call = channel.unary_unary(f"/{name}")
                try:
                    call(b"", timeout=5)  # an empty request: refused or answered, not unknown
                    code = grpc.StatusCode.OK
                except grpc.RpcError as exc:
                    code = exc.code()
                assert (code != grpc.StatusCode.UNIMPLEMENTED) == (name in reported), name


def test_a_route_needing_a_missing_rpc_is_refused_naming_it_and_nothing_changes(on_older):
    code, _, err = strangler("route", "channels.read:channel-detail", "--mode", "remote")
    assert code == 1
    assert err.strip() == (
        f"strangler route: channels.read:channel-detail needs {MISSING}, which the sales "
        f"service at {on_older.target} does not serve (version 0.0.9, build older)"
    )
    assert nothing_changed()


def test_a_route_needing_a_newer_version_is_refused(on_older):
    code, _, err = strangler("route", "sales_status.read:car-list", "--mode", "shadow")
    assert code == 1
    assert (
        "sales_status.read:car-list needs sales.v1.SalesStatusService/BatchGetSalesStatuses "
        "from version 0.1.0, which the sales service" in err
    )
    assert nothing_changed()


def test_a_route_whose_rpcs_are_all_served_switches(on_older):
    code, out, err = strangler("route", "sales_status.write:car-create", "--mode", "remote")
    assert code == 0, err
    assert "sales_status.write:car-create: local (nobody) -> remote (everyone)" in out
    assert Route.objects.get(use_case="sales_status.write").mode == "remote"


def test_a_stage_is_refused_whole_when_one_route_lacks_an_rpc(on_older):
    with pytest.raises(actions.RouteError, match="channels.read:channel-detail, channels.read:"):
        actions.change_routes("stage:1", "shadow", percent=10)
    assert nothing_changed()


def test_the_full_build_passes_the_same_routes(full_build, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": full_build.target}
    assert len(actions.change_routes("stage:1", "remote-fallback")) == 2
    assert len(actions.change_routes("stage:3", "shadow")) == 2


def test_an_unreachable_service_refuses(settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": "127.0.0.1:1"}
    code, _, err = strangler("route", "stage:3", "--mode", "remote")
    assert code == 1
    assert "cannot switch sales_status.read:car-detail, sales_status.read:car-list" in err
    assert "the gate refuses what it cannot prove" in err
    assert nothing_changed()
    assert strangler("route", "stage:3", "--mode", "local")[0] == 0  # going back needs no service


def test_turning_the_kill_switch_off_asks_the_gate(on_older, settings):
    Route.objects.create(use_case="channels.read", controller="channel-list", mode="remote")
    actions.set_kill_switch(True, reason="incident")
    with pytest.raises(actions.RouteError, match=f"channel-list needs {MISSING}"):
        actions.set_kill_switch(False)
    assert Switch.objects.get(name="strangler:kill").active


def test_every_replica_is_asked_and_the_least_capable_decides(full_build, older_build, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": "sales.internal:50051"}
    replicas = lambda _target: [full_build.target, older_build.target]  # noqa: E731
    info = service_info.live("sales", resolver=replicas)
    assert info.version == "0.0.9" and info.build_id == "full, older"
    assert MISSING not in info.methods and len(info.addresses) == 2
    with pytest.raises(gate.GateRefused, match=r"at sales.internal:50051 \(2 addresses\)"):
        gate.check_switch([("channels.read", "channel-detail")], resolver=replicas)
    only_full = lambda _target: [full_build.target]  # noqa: E731
    assert gate.check_switch([("channels.read", "channel-detail")], resolver=only_full)
    half_down = lambda _target: [full_build.target, "127.0.0.1:1"]  # noqa: E731
    with pytest.raises(gate.GateRefused, match="cannot ask the sales service at 127.0.0.1:1"):
        gate.check_switch([("channels.read", "channel-detail")], resolver=half_down)


def test_a_host_name_resolves_to_each_of_its_addresses():
    assert "127.0.0.1:50051" in service_info.resolve("localhost:50051")
    assert service_info.resolve("127.0.0.1:7") == ["127.0.0.1:7"]
    assert service_info.resolve("unix:/tmp/sales.sock") == ["unix:/tmp/sales.sock"]


def test_use_cases_know_what_they_need():
    assert channels_read.requirements() == {
        "sales.v1.ChannelService/GetChannel": None,
        "sales.v1.ChannelService/BatchGetChannels": None,
        "sales.v1.ChannelService/ListChannels": None,
    }


def test_service_info_shows_what_is_served_and_what_could_switch(on_older):
    code, out, _ = strangler("service-info", "--json")
    assert code == 0
    (report,) = json.loads(out)["services"]
    assert (report["service"], report["version"], report["build_id"]) == ("sales", "0.0.9", "older")
    assert MISSING not in report["methods"]
    routes = {r["route"]: r for r in report["routes"]}
    assert routes["channels.read:channel-detail"]["lacks"] == [MISSING]
    assert not routes["channels.read:channel-detail"]["switchable"]
    assert routes["sales_status.write:car-create"]["switchable"]
    code, table, _ = strangler("service-info", "--service", "sales")
    assert code == 0
    assert "version 0.0.9, build older" in table
    assert "sales.v1.ChannelService/BatchGetChannels" in table
    line = next(row for row in table.splitlines() if "channels.read:channel-detail" in row)
    assert "NO" in line and MISSING in line


def test_service_info_of_an_unreachable_service_is_one_line(settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": "127.0.0.1:1"}
    code, out, err = strangler("service-info")
    assert code == 1 and not out
    assert err.startswith("strangler service-info: cannot ask the sales service at 127.0.0.1:1")
    assert len(err.strip().splitlines()) == 1


def test_disabling_a_method_the_service_lacks_stops_it_at_startup(service_db_url):
    result = run_service_cli(
        "--port",
        "0",
        "--disable-rpc",
        "sales.v1.ChannelService/GetChanel",
        database_url=service_db_url,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "carved_service: cannot disable sales.v1.ChannelService/GetChanel: the service has no "
        "such method"
    )


def test_a_service_without_an_address_refuses_in_one_line(settings):
    settings.STRANGLER_SERVICE_TARGETS = {}
    code, _, err = strangler("route", "channels.read:channel-list", "--mode", "shadow")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "STRANGLER_SERVICE_TARGETS has no address for the 'sales' service" in err
    assert nothing_changed()
    assert service_info.refresh("sales") is None  # run time: unknown, asked again after the TTL
    assert service_info._entries["sales"].info is None
