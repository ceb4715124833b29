"""What a carved service serves, told by the service itself: the ServiceInfo RPC.

The set of methods is read from the handlers the server really registered (every
``add_XServicer_to_server`` goes through a ``Recorder``), never from a hand-kept list, so the
monolith's version gate sees exactly what a call would find. Methods named in
``disabled_rpcs`` are left out of the server altogether: they answer UNIMPLEMENTED, as an
older build of the service would, and ServiceInfo does not list them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import grpc
from google.protobuf import descriptor_pool

from strangler import methods
from strangler.api.v1 import service_info_pb2, service_info_pb2_grpc

SERVICE_NAME = service_info_pb2.DESCRIPTOR.services_by_name["ServiceInfo"].full_name
METHOD = f"{SERVICE_NAME}/GetServiceInfo"


class _Details(NamedTuple):
    """What a generic handler is asked about a call: its method and metadata."""

    method: str
    invocation_metadata: tuple = ()


class _Without(grpc.GenericRpcHandler):
    """A generic handler that does not answer the disabled methods."""

    def __init__(self, handler: grpc.GenericRpcHandler, disabled: frozenset[str]) -> None:
        self.handler = handler
        self.disabled = disabled

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        if details.method.lstrip("/") in self.disabled:
            return None
        return self.handler.service(details)

    def service_name(self) -> str | None:
        name = getattr(self.handler, "service_name", None)
        return name() if name else None


class Recorder:
    """Stands in for the ``grpc.Server`` while services register, and remembers what they add."""

    def __init__(self, server: grpc.Server, disabled: Iterable[str] = ()) -> None:
        self.server = server
        self.disabled = frozenset(m.lstrip("/") for m in disabled)
        for name in self.disabled:
            methods.split(name)
        self.generic: list[_Without] = []
        self.registered: set[str] = set()
        self.known: set[str] = set()

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        wrapped = tuple(_Without(h, self.disabled) for h in handlers)
        self.generic.extend(wrapped)
        for handler in wrapped:
            self.known.update(_declared_methods(handler.service_name()))
        self.server.add_generic_rpc_handlers(wrapped)

    def add_registered_method_handlers(
        self, service: str, handlers: Mapping[str, grpc.RpcMethodHandler]
    ) -> None:
        kept = {m: h for m, h in handlers.items() if f"{service}/{m}" not in self.disabled}
        self.known.update(f"{service}/{m}" for m in handlers)
        self.registered.update(f"{service}/{m}" for m in kept)
        self.server.add_registered_method_handlers(service, kept)

    def served(self) -> frozenset[str]:
        """Every method a call would find a handler for (each known name asked of the handlers).

        Raises ValueError for a disabled method the server does not have: a typo would
        otherwise start a build that silently differs from the one asked for.
        """
        unknown = sorted(self.disabled - self.known)
        if unknown:
            raise ValueError(f"cannot disable {', '.join(unknown)}: the service has no such method")
        return frozenset(
            name
            for name in self.known - self.disabled
            if name in self.registered
            or any(h.service(_Details(f"/{name}")) is not None for h in self.generic)
        )


def _declared_methods(service: str | None) -> list[str]:
    """The methods a service's proto declares (candidates to ask its generic handler about)."""
    if not service:
        return []
    try:
        found = descriptor_pool.Default().FindServiceByName(service)
    except KeyError:
        return []
    return [f"{service}/{m.name}" for m in found.methods]


class ServiceInfoServicer(service_info_pb2_grpc.ServiceInfoServicer):
    """Answers with the version, build id and served methods fixed when the server started."""

    def __init__(self, version: str, build_id: str = "") -> None:
        self.response = service_info_pb2.GetServiceInfoResponse(version=version, build_id=build_id)

    def serve(self, served: Iterable[str]) -> None:
        names = sorted(served)
        self.response.methods[:] = names
        self.response.services[:] = sorted({methods.split(n)[0] for n in names})

    def GetServiceInfo(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        return self.response


def add_to_server(servicer: ServiceInfoServicer, server: Any) -> None:
    service_info_pb2_grpc.add_ServiceInfoServicer_to_server(servicer, server)
