"""The service's gRPC server: its servicers plus the toolkit's standard parts."""

from __future__ import annotations

import threading

from django.conf import settings
from django.db import close_old_connections
from prometheus_client import start_http_server

from carved_service.sales.servicers import ChannelService, SalesStatusService
from sales_api.v1 import channels_pb2, channels_pb2_grpc, sales_status_pb2, sales_status_pb2_grpc
from strangler.api.v1 import split_admin_pb2, split_admin_pb2_grpc
from strangler.server import auth, serve
from strangler.server.idempotency import IdempotencyInterceptor
from strangler.server.metrics import MetricsInterceptor
from strangler.server.request_log import RequestLogInterceptor
from strangler.server.split_admin import SplitAdminService


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
        (
            SplitAdminService(),
            split_admin_pb2_grpc.add_SplitAdminServicer_to_server,
            split_admin_pb2.DESCRIPTOR.services_by_name["SplitAdmin"].full_name,
        ),
    ]


def interceptors() -> list:
    """Outermost first: count and time every call (refused ones too), log with the request
    id, check the token, then apply writes once.

    Raises ValueError if ``CARVED_AUTH_TOKENS`` is malformed.
    """
    return [
        MetricsInterceptor(),
        RequestLogInterceptor(),
        auth.TokenAuthInterceptor(auth.parse_tokens(settings.AUTH_TOKENS)),
        IdempotencyInterceptor(),
    ]


def start(
    *, bind: str, port: int, workers: int, disabled_rpcs: tuple[str, ...] = ()
) -> serve.RunningServer:
    return serve.start(
        registrations(),
        bind=bind,
        port=port,
        workers=workers,
        interceptors=interceptors(),
        version=settings.VERSION,
        build_id=settings.BUILD_ID,
        disabled_rpcs=disabled_rpcs,
    )


def serve_metrics(bind: str, port: int) -> int:
    """Serve Prometheus metrics over HTTP from a daemon thread; returns the port."""
    http_server, _ = start_http_server(port, addr=bind)
    return http_server.server_port


def serve_until_signal(
    running: serve.RunningServer, grace: float, stop: threading.Event | None = None
) -> None:
    serve.wait_for_signal(running, grace, stop)
    close_old_connections()
