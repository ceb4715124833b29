"""JSON controllers of marketing channels: one view per action, each through a use case."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest, JsonResponse

from monolith.http import BadRequest, body, controller, ok, paging
from monolith.sales import domain
from monolith.sales.use_cases import channels_read, channels_write


def channel_json(channel: domain.Channel) -> dict:
    return asdict(channel)


@controller("GET")
def channel_list(request: HttpRequest) -> JsonResponse:
    offset, limit = paging(request)
    active = request.GET.get("active")
    if active not in (None, "true", "false"):
        raise BadRequest("active must be true or false")
    channels = channels_read.on(request).list_channels(
        kind=request.GET.get("kind") or None,
        active=None if active is None else active == "true",
        offset=offset,
        limit=limit,
    )
    return ok({"channels": [channel_json(c) for c in channels]})


@controller("GET")
def channel_detail(request: HttpRequest, channel_id: int) -> JsonResponse:
    return ok(channel_json(channels_read.on(request).get_channel(channel_id)))


@controller("POST", login=True)
def channel_create(request: HttpRequest) -> JsonResponse:
    data = body(request)
    channel = channels_write.on(request).create_channel(
        code=str(data.get("code", "")),
        name=str(data.get("name", "")),
        kind=str(data.get("kind", "")),
        active=bool(data.get("active", True)),
    )
    return ok(channel_json(channel), status=201)


@controller("POST", login=True)
def channel_update(request: HttpRequest, channel_id: int) -> JsonResponse:
    data = body(request)
    channel = channels_write.on(request).update_channel(
        channel_id, name=data.get("name"), kind=data.get("kind"), active=data.get("active")
    )
    return ok(channel_json(channel))


@controller("POST", login=True)
def channel_delete(request: HttpRequest, channel_id: int) -> JsonResponse:
    channels_write.on(request).delete_channel(channel_id)
    return ok({"deleted": channel_id})
