"""Each remote function declares the RPCs it calls, truthfully, as data the version gate reads."""

from __future__ import annotations

import inspect
from contextlib import suppress

import pytest

from monolith.sales import local, remote
from strangler.client import calls, declarations, rpcs_of
from strangler.client.policy import deadline_for
from strangler.errors import UseCaseError
from strangler.methods import message_classes


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
def test_functions_call_only_what_they_declare(remote_sales, monkeypatch):
    sent: list[str] = []
    real_call = remote.client.call
    monkeypatch.setattr(
        remote.client,
        "call",
        lambda method, request: sent.append(method) or real_call(method, request),
    )
    web = local.create_channel(code="web", name="Web", kind="web")
    local.create_status("car", 1, channel_id=web.id)
    invocations = [
        (remote.get_channel, (web.id,), {}),
        (remote.get_channels, ([web.id],), {}),
        (remote.list_channels, (), {}),
        (remote.create_channel, (), {"code": "new", "name": "New", "kind": "store"}),
        (remote.update_channel, (web.id,), {"name": "Web 2"}),
        (remote.delete_channel, (999,), {}),
        (remote.get_status, ("car", 1), {}),
        (remote.get_statuses, ([("car", 1)],), {}),
        (remote.get_statuses_with_channels, ([("car", 1)],), {}),
        (remote.create_status, ("car", 2), {}),
        (remote.update_status, ("car", 2), {"state": "on_sale"}),
        (remote.delete_status, ("car", 2), {}),
    ]
    for function, args, kwargs in invocations:
        sent.clear()
        with suppress(UseCaseError):  # a refusal still went through the declared RPC
            function(*args, **kwargs)
        assert sent and set(sent) <= set(rpcs_of(function)), function.__name__


def test_a_malformed_declaration_fails_at_import_time():
    with pytest.raises(ValueError, match="is not a gRPC method name"):
        calls("GetChannel")


def test_exact_method_deadlines_win_over_patterns(settings):
    settings.STRANGLER_DEFAULT_DEADLINE = 2
    settings.STRANGLER_METHOD_DEADLINES = {"*/Get*": 0.5, "a.B/GetX": 9}
    assert deadline_for("a.B/GetX") == 9
    assert deadline_for("a.B/GetY") == 0.5
    assert deadline_for("a.B/Update") == 2
