"""A tiny real gRPC server on loopback whose ChannelService misbehaves on demand.

The carved service cannot be told to hang or to fail its first calls; this one can, so the
client's deadlines, retries and breaker are exercised over a real network connection.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent import futures

import grpc

from sales_api.v1 import channels_pb2, channels_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScriptedChannels(channels_pb2_grpc.ChannelServiceServicer):
    """GetChannel and CreateChannel: fail the first ``fail_first`` calls, sleep ``delay``."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.fail_code = grpc.StatusCode.UNAVAILABLE
        self.delay = 0.0
        self.calls = 0
        self.metadata: list[dict[str, str]] = []
        self.keys: list[str] = []  # idempotency keys of the CreateChannel calls received
        self._lock = threading.Lock()

    def _answer(self, context: grpc.ServicerContext, message: channels_pb2.Channel):
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.fail_first
            self.metadata.append(dict(context.invocation_metadata()))
        if failing:
            context.abort(self.fail_code, "scripted failure")
        time.sleep(self.delay)
        return message

    def GetChannel(self, request, context):
        if request.id == 404:
            context.abort(grpc.StatusCode.NOT_FOUND, "channel 404 does not exist")
        return self._answer(context, channels_pb2.Channel(id=request.id, code="web"))

    def CreateChannel(self, request, context):
        self.keys.append(request.idempotency_key)
        return self._answer(context, channels_pb2.Channel(id=1, code=request.code))


class ScriptedServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.servicer = ScriptedChannels()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        channels_pb2_grpc.add_ChannelServiceServicer_to_server(self.servicer, self.server)
        self.server.add_insecure_port(self.target)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> ScriptedServer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(0).wait()
