"""Domain errors that both implementations of a use case raise.

A controller catches these and never sees an ORM or gRPC exception, so it cannot tell
which side answered. Each carries the HTTP status a JSON controller answers with.
"""

from __future__ import annotations


class UseCaseError(Exception):
    """Base of every error a use case may raise to its caller."""

    http_status = 500


class NotFound(UseCaseError):
    http_status = 404


class InvalidArgument(UseCaseError):
    http_status = 400


class AlreadyExists(UseCaseError):
    http_status = 409


class FailedPrecondition(UseCaseError):
    """The request is well formed but the current state forbids it."""

    http_status = 409


class ServiceUnavailable(UseCaseError):
    """The remote side cannot answer now; the client may retry after ``retry_after`` seconds.

    ``maybe_applied`` is False only when the call surely never reached the service (its
    circuit breaker was open, no connection could be made, the service refused it as
    unknown): only then may a write be repeated on the local side.
    """

    http_status = 503

    def __init__(self, message: str, retry_after: int = 1, *, maybe_applied: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied
