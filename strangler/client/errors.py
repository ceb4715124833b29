"""Turn what a gRPC call raised into the domain errors a controller understands.

The service's own answers (not found, invalid argument, ...) keep its message. Everything
that means "the service cannot answer now" becomes ``ServiceUnavailable`` with a Retry-After,
so a controller answers 503 (or falls back to local where its route allows it), never 500.
"""

from __future__ import annotations

import grpc

from strangler import conf, errors

ANSWERS: dict[grpc.StatusCode, type[errors.UseCaseError]] = {
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: errors.InvalidArgument,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.ABORTED: errors.FailedPrecondition,
}

# Why a call could not be answered, in words an operator can act on.
REASONS: dict[grpc.StatusCode, str] = {
    grpc.StatusCode.UNAVAILABLE: "is unavailable",
    grpc.StatusCode.DEADLINE_EXCEEDED: "did not answer within the deadline",
    grpc.StatusCode.UNIMPLEMENTED: "does not implement this call (is it an older version?)",
    grpc.StatusCode.UNAUTHENTICATED: "refused our credentials (check STRANGLER_SERVICE_TOKENS)",
    grpc.StatusCode.PERMISSION_DENIED: "refused this call for our token",
}


def from_rpc_error(
    exc: grpc.RpcError, *, service: str, method: str, maybe_applied: bool
) -> errors.UseCaseError:
    """The domain error for a failed call; ``maybe_applied``: whether any attempt of it may
    have run on the service (the caller knows, having seen every attempt)."""
    code = exc.code()
    details = exc.details() or code.name
    answer = ANSWERS.get(code)
    if answer is not None:
        return answer(details)
    reason = REASONS.get(code, "failed")
    return unavailable(
        f"{service} service {reason}: {method}: {code.name}: {details}",
        maybe_applied=maybe_applied,
    )


# Codes with which the service refused a call before running it.
NOT_RUN = frozenset(
    {
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
    }
)
# What gRPC core says when no connection was made, so nothing was sent.
NOT_CONNECTED = ("failed to connect to all addresses", "DNS resolution failed")


def maybe_applied(code: grpc.StatusCode, details: str) -> bool:
    """Whether the service may have run the call: a deadline or a dropped connection after
    sending leaves it unknown, so a write must not be repeated elsewhere."""
    if code in NOT_RUN:
        return False
    return not (code == grpc.StatusCode.UNAVAILABLE and any(s in details for s in NOT_CONNECTED))


def unavailable(
    message: str, retry_after: int | None = None, *, maybe_applied: bool = True
) -> errors.ServiceUnavailable:
    if retry_after is None:
        retry_after = int(conf.get("UNAVAILABLE_RETRY_AFTER"))
    return errors.ServiceUnavailable(message, retry_after=retry_after, maybe_applied=maybe_applied)
