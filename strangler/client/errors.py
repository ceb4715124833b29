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


def from_rpc_error(exc: grpc.RpcError, *, service: str, method: str) -> errors.UseCaseError:
    code = exc.code()
    details = exc.details() or code.name
    answer = ANSWERS.get(code)
    if answer is not None:
        return answer(details)
    reason = REASONS.get(code, "failed")
    return unavailable(f"{service} service {reason}: {method}: {code.name}: {details}")


def unavailable(message: str, retry_after: int | None = None) -> errors.ServiceUnavailable:
    if retry_after is None:
        retry_after = int(conf.get("UNAVAILABLE_RETRY_AFTER"))
    return errors.ServiceUnavailable(message, retry_after=retry_after)
