"""What a carved service serves, asked of the service itself (its ServiceInfo RPC).

Two ways to ask, for two needs:

- ``live(service)``, for the switch-time gate: asks *every* address the target resolves to
  (each replica behind one DNS name) on a fresh connection, and answers with what all of
  them serve (the intersection of methods, the lowest version), so a rolling deploy half
  done cannot pass. Any replica that cannot answer makes it raise ``ServiceUnavailable``:
  the gate cannot be proven.
- ``cached(service)``, for the run-time guard: what the process's channel last heard, kept
  ``STRANGLER_SERVICE_INFO_TTL`` seconds. It never waits on the network: an expired entry is
  refreshed by a background thread, and until a first answer it returns None (unknown). A
  call answered UNIMPLEMENTED (``not_served``) takes the method out at once.

A change of what a service serves is logged once, when this process first sees it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import grpc

from strangler import conf, versions
from strangler.api.v1 import service_info_pb2
from strangler.client import channels, policy
from strangler.client.calls import ServiceClient
from strangler.client.errors import unavailable

log = logging.getLogger("strangler.client.service_info")

METHOD = "strangler.api.v1.ServiceInfo/GetServiceInfo"

Resolver = Callable[[str], list[str]]


@dataclass(frozen=True)
class ServiceInfo:
    """What one service (all its replicas, when asked live) serves."""

    service: str
    target: str
    version: str
    build_id: str
    methods: frozenset[str]
    addresses: tuple[str, ...] = ()
    # Per use case, whether it may use this service (filled by the run-time guard; a new
    # object per change of what the service serves, so a verdict is made once per change).
    verdicts: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def build(self) -> str:
        return self.build_id or "no build id"

    def same_as(self, other: ServiceInfo | None) -> bool:
        return other is not None and (self.version, self.build_id, self.methods) == (
            other.version,
            other.build_id,
            other.methods,
        )


# Asking live, every address


def resolve(target: str) -> list[str]:
    """Every address of a ``host:port`` target (one per A/AAAA record), else the target."""
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or "/" in target:
        return [target]  # a unix socket or a name-resolver URI: ask it as it is
    host = host.strip("[]")
    try:
        found = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise unavailable(f"cannot resolve {target}: {exc.strerror or exc}") from None
    addresses = dict.fromkeys(
        f"[{info[4][0]}]:{port}" if info[0] == socket.AF_INET6 else f"{info[4][0]}:{port}"
        for info in found
    )
    return list(addresses)


def live(service: str, *, resolver: Resolver | None = None) -> ServiceInfo:
    """What every replica of ``service`` serves now; ServiceUnavailable if one cannot say.

    ``resolver`` (default ``resolve``) turns the target into the addresses to ask.
    """
    client = ServiceClient(service)
    target = client.target
    answers = [_ask(client, address) for address in (resolver or resolve)(target)]
    if not answers:
        raise unavailable(f"{target} resolves to no address")
    return ServiceInfo(
        service=service,
        target=target,
        version=versions.lowest([a.version for a in answers]),
        build_id=", ".join(dict.fromkeys(a.build_id for a in answers if a.build_id)),
        methods=frozenset.intersection(*(frozenset(a.methods) for a in answers)),
        addresses=tuple(a.address for a in answers),
    )


@dataclass(frozen=True)
class _Answer:
    address: str
    version: str
    build_id: str
    methods: tuple[str, ...]


def _ask(client: ServiceClient, address: str) -> _Answer:
    channel = grpc.insecure_channel(address)
    try:
        call = channel.unary_unary(
            "/" + METHOD,
            request_serializer=service_info_pb2.GetServiceInfoRequest.SerializeToString,
            response_deserializer=service_info_pb2.GetServiceInfoResponse.FromString,
        )
        response = call(
            service_info_pb2.GetServiceInfoRequest(),
            timeout=policy.deadline_for(METHOD),
            metadata=client.metadata(),
        )
    except grpc.RpcError as exc:
        raise unavailable(_why(client.service, address, exc)) from None
    finally:
        channel.close()
    return _Answer(address, response.version, response.build_id, tuple(response.methods))


def _why(service: str, address: str, exc: grpc.RpcError) -> str:
    code = exc.code()
    if code == grpc.StatusCode.UNIMPLEMENTED:
        return (
            f"the {service} service at {address} does not tell what it serves "
            f"(no {METHOD}: a build older than the version gate)"
        )
    return f"cannot ask the {service} service at {address}: {code.name}: {exc.details()}"


# Cached, for the run-time guard


@dataclass
class _Entry:
    info: ServiceInfo | None
    expires: float


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}
_refreshing: set[str] = set()


def cached(service: str) -> ServiceInfo | None:
    """What ``service`` last said it serves (None: not known yet); never blocks."""
    entry = _entries.get(service)
    if entry is None or entry.expires <= time.monotonic():
        _refresh_soon(service)
    return entry.info if entry is not None else None


def refresh(service: str) -> ServiceInfo | None:
    """Ask ``service`` now over the process's channel and remember the answer.

    When it cannot answer, what was known is kept (None: unknown) and asked again after the
    TTL, so a service that is down costs one attempt per TTL, not one per request.
    """
    ttl = float(conf.get("SERVICE_INFO_TTL"))
    try:
        client = ServiceClient(service)
        target = client.target
        response = channels.unary(target, METHOD)(
            service_info_pb2.GetServiceInfoRequest(),
            timeout=policy.deadline_for(METHOD),
            metadata=client.metadata(),
        )
    except grpc.RpcError as exc:
        log.info("%s", _why(service, target, exc))
        return _keep(service, ttl)
    except Exception:  # a setting missing, a bug: logged, and not retried on every request
        log.exception("cannot ask the %s service what it serves", service)
        return _keep(service, ttl)
    found = ServiceInfo(
        service, target, response.version, response.build_id, frozenset(response.methods)
    )
    return _store(found, ttl)


def _keep(service: str, ttl: float) -> ServiceInfo | None:
    with _lock:
        previous = _entries.get(service)
        info = previous.info if previous else None
        _entries[service] = _Entry(info, time.monotonic() + ttl)
    return info


def not_served(service: str, method: str) -> None:
    """A call was answered UNIMPLEMENTED: the method is gone, whatever the cache said."""
    entry = _entries.get(service)
    if entry is not None and entry.info is not None and method in entry.info.methods:
        _store(replace(entry.info, methods=entry.info.methods - {method}, verdicts={}), 0.0)
    _refresh_soon(service, force=True)


def forget() -> None:
    """Drop every cached answer (tests; a changed setting)."""
    with _lock:
        _entries.clear()


def _store(found: ServiceInfo, ttl: float) -> ServiceInfo:
    with _lock:
        previous = _entries.get(found.service)
        old = previous.info if previous else None
        info = old if old is not None and found.same_as(old) else found
        _entries[found.service] = _Entry(info, time.monotonic() + ttl)
    if info is not old:
        _log_change(old, info)
    return info


def _log_change(old: ServiceInfo | None, new: ServiceInfo) -> None:
    if old is None:
        log.info(
            "%s service at %s: version %s (%s), %d methods",
            new.service,
            new.target,
            new.version,
            new.build,
            len(new.methods),
        )
        return
    lost, gained = sorted(old.methods - new.methods), sorted(new.methods - old.methods)
    (log.warning if lost else log.info)(
        "%s service at %s changed: version %s (%s) -> %s (%s)%s%s",
        new.service,
        new.target,
        old.version,
        old.build,
        new.version,
        new.build,
        f"; no longer serves {', '.join(lost)}" if lost else "",
        f"; now serves {', '.join(gained)}" if gained else "",
    )


def _refresh_soon(service: str, *, force: bool = False) -> None:
    with _lock:
        if service in _refreshing:
            return
        entry = _entries.get(service)
        if not force and entry is not None and entry.expires > time.monotonic():
            return
        _refreshing.add(service)

    def run() -> None:
        try:
            refresh(service)
        finally:
            with _lock:
                _refreshing.discard(service)

    threading.Thread(target=run, name=f"service-info-{service}", daemon=True).start()
