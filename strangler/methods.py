"""Facts about a gRPC method that both the client and the service side need.

A method is named as in a gRPC path without the leading slash:
``"sales.v1.ChannelService/GetChannel"``. Reads and writes are told apart by the verb, following
Google's API design guide (AIP-131 to AIP-136): ``Get``, ``BatchGet``, ``List`` and ``Search``
only read; every other verb may write. Message classes come from the protobuf descriptor pool,
so any service whose ``_pb2`` module is imported can be called by name.
"""

from __future__ import annotations

import functools

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

READ_VERBS = ("Get", "BatchGet", "List", "Search")
IDEMPOTENCY_FIELD = "idempotency_key"
# Trailing metadata on an UNAVAILABLE that means "busy, retry" rather than "failing": the
# service answered, so a client's circuit breaker must not count it.
BUSY_METADATA_KEY = "strangler-busy"


def split(method: str) -> tuple[str, str]:
    """("sales.v1.ChannelService", "GetChannel") from a method name or a gRPC path."""
    service, sep, name = method.lstrip("/").partition("/")
    if not sep or not service or not name:
        raise ValueError(f"{method!r} is not a gRPC method name like 'pkg.Service/Method'")
    return service, name


def is_read(method: str) -> bool:
    return split(method)[1].startswith(READ_VERBS)


@functools.cache
def message_classes(method: str) -> tuple[type[Message], type[Message]]:
    """(request class, response class) of a method whose proto module has been imported."""
    service, name = split(method)
    try:
        descriptor = descriptor_pool.Default().FindServiceByName(service).FindMethodByName(name)
    except KeyError:
        descriptor = None
    if descriptor is None:
        raise LookupError(f"unknown gRPC method {method!r}: is its _pb2 module imported?")
    return (
        message_factory.GetMessageClass(descriptor.input_type),
        message_factory.GetMessageClass(descriptor.output_type),
    )


def idempotency_key(request: Message) -> str:
    """The request's idempotency key, or "" if it has none or its message has no such field."""
    if IDEMPOTENCY_FIELD not in request.DESCRIPTOR.fields_by_name:
        return ""
    return getattr(request, IDEMPOTENCY_FIELD)
