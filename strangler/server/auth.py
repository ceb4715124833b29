"""Bearer-token authentication and read/write permission for a carved service.

Callers send ``authorization: Bearer <token>``. The service knows its tokens and what each
may do from one setting, e.g. ``CARVED_AUTH_TOKENS="s3cret:write,r3ad:read"``:

- ``read``: only reading methods (Get, BatchGet, List, Search; see ``strangler.methods``);
- ``write``: every method but the admin services';
- ``admin``: every method, the admin services' too (``ADMIN_SERVICES``: the split).

No token gives UNAUTHENTICATED "missing bearer token"; an unknown token UNAUTHENTICATED
"invalid token"; a known token calling beyond its scope PERMISSION_DENIED. Health checking
and reflection stay open so that probes and grpcurl work without a token.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping

import grpc

from strangler import methods
from strangler.server import handlers

log = logging.getLogger("strangler.server.auth")

SCOPES = ("read", "write", "admin")
# Services that only an admin token may call, reads included: they change where the data lives.
ADMIN_SERVICES = ("strangler.api.v1.SplitAdmin",)
OPEN_SERVICES = (
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)
PREFIX = "Bearer "


def parse_tokens(text: str) -> dict[str, str]:
    """{token: scope} from ``"token:scope,token2:scope"``; ValueError says what is wrong."""
    tokens: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        token, sep, scope = item.rpartition(":")
        if not sep or not token:
            raise ValueError(f"auth token entry {_mask(item)!r} must be 'token:scope'")
        if scope not in SCOPES:
            raise ValueError(
                f"auth token {_mask(token)!r} has scope {scope!r}; expected one of "
                f"{', '.join(SCOPES)}"
            )
        tokens[token] = scope
    if not tokens:
        raise ValueError("no auth tokens configured: every call would be refused")
    return tokens


def _mask(token: str) -> str:
    return token[:2] + "..." if len(token) > 4 else "..."


def allows(scope: str, method: str) -> bool:
    if scope == "admin":
        return True
    if methods.split(method)[0] in ADMIN_SERVICES:
        return False
    return scope == "write" or methods.is_read(method)


class TokenAuthInterceptor(grpc.ServerInterceptor):
    """Refuse calls without a valid token, or beyond what the token may do."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(details)
        if handler is None:  # no such method: UNIMPLEMENTED, as reflection would tell anyway
            return None
        service, _ = methods.split(details.method)
        if service in OPEN_SERVICES:
            return handler
        refusal = self.refusal(details)
        if refusal is None:
            return handler
        log.warning("refused %s: %s", details.method, refusal[1])
        return handlers.refuse(handler, *refusal)

    def refusal(self, details: grpc.HandlerCallDetails) -> tuple[grpc.StatusCode, str] | None:
        header = handlers.metadata_value(details, "authorization")
        if not header or not header.startswith(PREFIX) or not header[len(PREFIX) :].strip():
            return grpc.StatusCode.UNAUTHENTICATED, "missing bearer token"
        scope = self.scope_of(header[len(PREFIX) :].strip())
        if scope is None:
            return grpc.StatusCode.UNAUTHENTICATED, "invalid token"
        if not allows(scope, details.method):
            return (
                grpc.StatusCode.PERMISSION_DENIED,
                f"a {scope} token may not call {details.method.lstrip('/')}",
            )
        return None

    def scope_of(self, token: str) -> str | None:
        """Compare in constant time, so response times do not leak how much of a token matched."""
        found = None
        for known, scope in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                found = scope
        return found
