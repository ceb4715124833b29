"""The use-case objects themselves: both sides complete, RPCs declared, writes never shadowed."""

from __future__ import annotations

import types

import pytest

from monolith.sales import use_cases
from strangler.client import rpcs_of
from strangler.routing import actions
from strangler.usecases import UseCase, registry

EXAMPLE = [
    use_cases.channels_read,
    use_cases.channels_write,
    use_cases.sales_status_read,
    use_cases.sales_status_write,
]


@pytest.mark.parametrize("use_case", EXAMPLE, ids=lambda u: u.name)
def test_both_sides_have_every_operation_and_remote_declares_its_rpcs(use_case):
    for operation in use_case.operations:
        assert callable(getattr(use_case.local, operation))
        assert rpcs_of(getattr(use_case.remote, operation)), operation
    assert use_case.required_rpcs()
    assert registry[use_case.name] is use_case


def test_a_side_missing_an_operation_is_refused_on_first_use():
    half = types.SimpleNamespace(get=lambda: 1)
    broken = UseCase("test.broken", operations=("get", "put"), local=half, remote=half)
    try:
        with pytest.raises(TypeError, match="local implementation of test.broken lacks put"):
            broken.local  # noqa: B018 - the property builds the side
    finally:
        del registry["test.broken"]


@pytest.mark.django_db
def test_a_writing_route_in_shadow_set_outside_strangler_still_writes_once(make_request):
    """Shadow of a write can only be set behind strangler's back; it then serves local only."""
    from strangler.models import Route

    actions.change_routes("channels.write:channel-create", "remote")
    Route.objects.filter(use_case="channels.write").update(mode="shadow")
    from strangler.routing import table

    table.invalidate()
    side = use_cases.channels_write.on(make_request("channel-create", 1))
    assert side is use_cases.channels_write.local
