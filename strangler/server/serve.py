"""Build, run and gracefully stop a carved service's gRPC server.

Health checking and reflection are standard so that tools nobody here wrote (grpcurl,
grpc_health_probe, a Kubernetes probe) work against every carved service. ServiceInfo
(``strangler.api.v1``) is standard too: it tells the monolith's version gate the build's
version and every method the server answers.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from strangler.server import service_info

log = logging.getLogger("strangler.server")

# (servicer, add_XServicer_to_server, full service name)
Registration = tuple[object, Callable[[object, grpc.Server], None], str]


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer
    service_names: list[str] = field(default_factory=list)
    served: frozenset[str] = frozenset()  # every method it answers, as ServiceInfo reports

    def stop(self, grace: float) -> None:
        """Refuse new calls, let in-flight calls finish for up to ``grace`` seconds."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()


def start(
    registrations: Sequence[Registration],
    *,
    bind: str = "127.0.0.1",
    port: int = 50051,
    workers: int = 8,
    interceptors: Sequence[grpc.ServerInterceptor] = (),
    version: str = "",
    build_id: str = "",
    disabled_rpcs: Sequence[str] = (),
) -> RunningServer:
    """Build and start the server; ``disabled_rpcs`` ("pkg.Service/Method") answer
    UNIMPLEMENTED and are not reported, as in a build that lacks them (ValueError if the
    server has no such method)."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc-worker"),
        interceptors=list(interceptors),
    )
    recorder = service_info.Recorder(server, disabled_rpcs)
    names = []
    for servicer, add_to_server, name in registrations:
        add_to_server(servicer, recorder)
        names.append(name)
    info = service_info.ServiceInfoServicer(version, build_id)
    service_info.add_to_server(info, recorder)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, recorder)
    for name in ["", *names, service_info.SERVICE_NAME]:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        [
            *names,
            service_info.SERVICE_NAME,
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        recorder,
    )
    served = recorder.served()
    info.serve(served)
    bound = _listen(server, bind, port)
    server.start()
    return RunningServer(server, bound, health_servicer, names, served)


def _listen(server: grpc.Server, bind: str, port: int) -> int:
    """Add the port; an address in use is an OSError with a message an operator can act on.

    The port is tried with a plain socket first so that the common mistake (the port is
    taken) is reported before gRPC logs its own multi-line complaint.
    """
    address = f"[{bind}]:{port}" if ":" in bind else f"{bind}:{port}"
    if port:
        family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        try:
            socket.create_server((bind, port), family=family).close()
        except OSError as exc:
            raise OSError(f"cannot listen on {address}: {exc.strerror or exc}") from None
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError:
        bound = 0
    if bound == 0:
        raise OSError(f"cannot listen on {address}")
    return bound


def stop_requested() -> threading.Event:
    """An event set by SIGTERM or SIGINT from now on.

    Install it before announcing the server: a supervisor that signals right after seeing
    "listening" must get a graceful stop, not the default action that kills the process.
    """
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def wait_for_signal(
    running: RunningServer, grace: float, stop: threading.Event | None = None
) -> None:
    """Serve until SIGTERM or SIGINT (``stop`` is set), then shut down gracefully."""
    if stop is None:
        stop = stop_requested()
    # Wake up now and then: the kernel may hand the signal to one of gRPC's threads, and then
    # Python runs the handler only when the main thread next runs bytecode.
    while not stop.wait(timeout=0.2):
        pass
    log.info("stopping: finishing in-flight calls (grace %.1fs)", grace)
    running.stop(grace)
    log.info("stopped")
