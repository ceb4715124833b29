"""The service's gRPC server: its servicers plus the toolkit's standard parts."""

from __future__ import annotations

from django.conf import settings
from django.db import close_old_connections

from carved_service.sales.servicers import ChannelService, SalesStatusService
from sales_api.v1 import channels_pb2, channels_pb2_grpc, sales_status_pb2, sales_status_pb2_grpc
from strangler.server import auth, serve
from strangler.server.idempotency import IdempotencyInterceptor
from strangler.server.request_log import RequestLogInterceptor


def registrations() -> list[serve.Registration]:
    return [
        (
            ChannelService(),
            channels_pb2_grpc.add_ChannelServiceServicer_to_server,
            channels_pb2.DESCRIPTOR.services_by_name["ChannelService"].full_name,
        ),
        (
            SalesStatusService(),
            sales_status_pb2_grpc.add_SalesStatusServiceServicer_to_server,
            sales_status_pb2.DESCRIPTOR.services_by_name["SalesStatusService"].full_name,
        ),
    ]


def interceptors() -> list:
    """Outermost first: log with the request id, check the token, then apply writes once.

    Raises ValueError if ``CARVED_AUTH_TOKENS`` is malformed.
    """
    return [
        RequestLogInterceptor(),
        auth.TokenAuthInterceptor(auth.parse_tokens(settings.AUTH_TOKENS)),
        IdempotencyInterceptor(),
    ]


def start(*, bind: str, port: int, workers: int) -> serve.RunningServer:
    return serve.start(
        registrations(), bind=bind, port=port, workers=workers, interceptors=interceptors()
    )


def serve_until_signal(running: serve.RunningServer, grace: float) -> None:
    serve.wait_for_signal(running, grace)
    close_old_connections()
