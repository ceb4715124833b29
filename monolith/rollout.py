"""The example's routes and the rollout stages of the case notes, as data.

Each stage is the set of routes of its controllers; a route is a (use case, controller) pair.
``ROUTES`` (every route, ``STRANGLER_ROUTES`` in the settings) is the union of the stages, so a
route cannot exist without a stage. Stages 7 (references through model relations, such as the
cars CSV report reading ``CarSale.sales_status``) and 8 (deleting the local implementation)
have no routes: they are code changes, not switches.
"""

from __future__ import annotations

from monolith.catalog.reports import SALES_BY_STATE_JOB
from monolith.sales.use_cases import (
    channels_read,
    channels_write,
    sales_status_read,
    sales_status_write,
)
from strangler.routing.stages import Stage, routes_of


def _sale_routes(kind: str) -> tuple:
    """Routes of one kind's controllers: which use cases each one calls.

    A sale is shown with its status and the status's channel, both read by sales_status.read.
    """
    return (
        *routes_of([sales_status_read], [f"{kind}-list", f"{kind}-detail"]),
        *routes_of([sales_status_write, sales_status_read], [f"{kind}-create", f"{kind}-update"]),
        *routes_of([sales_status_write], [f"{kind}-delete"]),
    )


def _sale_stage(number: int, title: str, kinds: tuple[str, ...], actions: tuple[str, ...]) -> Stage:
    routes = tuple(
        key
        for kind in kinds
        for key in _sale_routes(kind)
        if key.controller.rsplit("-", 1)[1] in actions
    )
    return Stage(number, title, routes)


STAGES: tuple[Stage, ...] = (
    Stage(1, "channel reads", routes_of([channels_read], ["channel-list", "channel-detail"])),
    Stage(
        2,
        "channel writes",
        routes_of([channels_write], ["channel-create", "channel-update", "channel-delete"]),
    ),
    _sale_stage(3, "car-sale controllers that read sales status", ("car",), ("list", "detail")),
    _sale_stage(
        4, "car-sale controllers that write sales status", ("car",), ("create", "update", "delete")
    ),
    _sale_stage(
        5,
        "bike and toy controllers",
        ("bike", "toy"),
        ("list", "detail", "create", "update", "delete"),
    ),
    Stage(
        6,
        "controllers of other resources",
        routes_of([sales_status_read], [SALES_BY_STATE_JOB]),
        note="the sales-by-state report job, routed by its explicit name",
    ),
    Stage(
        7,
        "references through model relations",
        (),
        note="report-cars-csv reads CarSale.sales_status: rewrite it, nothing to switch",
    ),
    Stage(8, "delete the local implementation", (), note="a code change once all is remote"),
)

ROUTES = tuple(key for stage in STAGES for key in stage.routes)


def stage(number: int) -> Stage:
    return next(s for s in STAGES if s.number == number)
