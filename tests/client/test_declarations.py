"""Each remote function declares the RPCs it calls, truthfully, as data the version gate reads."""

from __future__ import annotations

import inspect
from contextlib import suppress
from importlib import metadata

import pytest

from monolith.sales import (
    local,
    remote,
    use_cases,  # noqa: F401 - defines the use cases
)
from strangler import versions
from strangler.client import ServiceClient, calls, declarations, rpcs_of
from strangler.client.declare import requirements_of
from strangler.client.policy import deadline_for
from strangler.errors import UseCaseError
from strangler.methods import message_classes
from strangler.usecases import registry


def test_every_operation_of_local_has_a_declaring_remote_twin():
    operations = {
        name
        for name, member in inspect.getmembers(local, inspect.isfunction)
        if member.__module__ == local.__name__
        and not name.startswith("_")
        and name not in {"channel_value", "status_value"}
    }
    declared = declarations(remote)
    assert operations <= set(declared)
    for name in operations:
        assert inspect.signature(getattr(remote, name)) == inspect.signature(getattr(local, name))


def test_declared_rpcs_exist_in_the_protos():
    assert len(rpcs_of(remote)) == 11  # every sales.v1 RPC but ListSalesStatuses
    for rpc in rpcs_of(remote):
        message_classes(rpc)  # raises LookupError for a method the protos do not define


@pytest.mark.django_db(transaction=True)
def test_functions_call_exactly_what_they_declare(remote_sales, monkeypatch):
    """Every operation of every use case, run against the real service: the RPCs sent
    through any ServiceClient must be the ones its declaration names, so the version gate
    checks what the code really calls. A new operation without a line here fails too."""
    sent: list[str] = []
    real_call = ServiceClient.call

    def recording(self, method, request, **kwargs):
        sent.append(method)
        return real_call(self, method, request, **kwargs)

    monkeypatch.setattr(ServiceClient, "call", recording)
    web = local.create_channel(code="web", name="Web", kind="web")
    local.create_status("car", 1, channel_id=web.id)
    invocations = {
        "get_channel": ((web.id,), {}),
        "get_channels": (([web.id],), {}),
        "list_channels": ((), {}),
        "create_channel": ((), {"code": "new", "name": "New", "kind": "store"}),
        "update_channel": ((web.id,), {"name": "Web 2"}),
        "delete_channel": ((999,), {}),
        "get_status": (("car", 1), {}),
        "get_statuses": (([("car", 1)],), {}),
        "get_statuses_with_channels": (([("car", 1)],), {}),
        "create_status": (("car", 2), {}),
        "update_status": (("car", 2), {"state": "on_sale"}),
        "delete_status": (("car", 2), {}),
    }
    operations = {op for uc in registry.values() if uc.service for op in uc.operations}
    assert operations == set(invocations), "exercise every operation of every use case"
    for name, (args, kwargs) in invocations.items():
        function = getattr(remote, name)
        sent.clear()
        with suppress(UseCaseError):  # a refusal still went through the declared RPC
            function(*args, **kwargs)
        assert set(sent) == set(rpcs_of(function)), name


def test_the_current_service_meets_every_declared_minimum_version():
    """A declaration above today's build would make the gate refuse every switch."""
    built = metadata.version("strangler")
    for rpc, minimum in requirements_of(remote).items():
        assert minimum is None or versions.at_least(built, minimum), rpc
    assert requirements_of(remote)["sales.v1.SalesStatusService/BatchGetSalesStatuses"] == "0.1.0"


def test_a_malformed_declaration_fails_at_import_time():
    with pytest.raises(ValueError, match="is not a gRPC method name"):
        calls("GetChannel")
    with pytest.raises(ValueError, match="is not a version"):
        calls("a.B/GetX", min_version="latest")


def test_versions_compare_as_numbers():
    assert versions.at_least("1.10.0", "1.2.0")
    assert versions.at_least("1.2", "1.2.0") and versions.at_least("v1.2.0+abc", "1.2.0")
    assert not versions.at_least("1.2.0rc1", "1.2.0")
    assert not versions.at_least("", "0.1.0")
    assert versions.lowest(["1.10.0", "1.9.0", "2.0"]) == "1.9.0"


def test_exact_method_deadlines_win_over_patterns(settings):
    settings.STRANGLER_DEFAULT_DEADLINE = 2
    settings.STRANGLER_METHOD_DEADLINES = {"*/Get*": 0.5, "a.B/GetX": 9}
    assert deadline_for("a.B/GetX") == 9
    assert deadline_for("a.B/GetY") == 0.5
    assert deadline_for("a.B/Update") == 2
