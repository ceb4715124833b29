"""One id per request, carried from the monolith's HTTP request into every gRPC call it makes.

The service logs the id with each call, so a line in its log can be traced back to the HTTP
request that caused it. An id sent by the caller (``X-Request-ID``) is kept if it looks sane;
otherwise one is generated.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
METADATA_KEY = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "strangler_request_id", default=None
)


def new() -> str:
    return uuid.uuid4().hex


def current() -> str | None:
    """The id of the request being served in this thread or task, if any."""
    return _current.get()


def accept(candidate: str | None) -> str:
    """The caller's id if it is safe to log and forward, else a fresh one."""
    return candidate if candidate and _SANE.match(candidate) else new()


@contextmanager
def bound(request_id: str) -> Iterator[str]:
    """Make ``request_id`` current for the code inside the block."""
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    """Give every HTTP request an id, expose it to gRPC calls and echo it in the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        with bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
