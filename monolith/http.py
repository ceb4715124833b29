"""JSON helpers shared by the monolith's controllers."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib.auth import authenticate
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from strangler import request_id as request_ids
from strangler.errors import ServiceUnavailable, UseCaseError

log = logging.getLogger("monolith.http")

MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000_000  # keeps the row offset within what a database accepts


class BadRequest(Exception):
    """Input a client must fix; rendered as 400 with the message."""


class BasicAuthMiddleware:
    """Authenticate API clients by HTTP Basic auth against Django users.

    The JSON API is used by scripts and other services, which have no session cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return error(401, "malformed Basic authorization header")
            if "\x00" in username:  # the database cannot even look such a name up
                return error(401, "wrong username or password")
            user = authenticate(request, username=username, password=password)
            if user is None:
                return error(401, "wrong username or password")
            request.user = user
        return self.get_response(request)


def error(status: int, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def unavailable(request: HttpRequest, exc: ServiceUnavailable) -> JsonResponse:
    """503 with Retry-After; the details (addresses, methods, codes) go to the log only.

    The request id in the answer finds them there.
    """
    request_id = request_ids.current() or "-"
    log.warning("503 for %s %s [%s]: %s", request.method, request.path, request_id, exc)
    return error(
        503,
        f"temporarily unavailable, try again later (request id {request_id})",
        Retry_After=str(exc.retry_after),
    )


def ok(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, encoder=DjangoJSONEncoder, safe=False)


def body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object body."""
    try:
        data = json.loads(request.body or b"{}", parse_float=Decimal)
    except ValueError as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


JSON_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number"}


def optional(data: dict[str, Any], key: str, kind: type) -> Any:
    """``data[key]`` if given, checked to be of the JSON type the controller expects."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadRequest(f"{key} must be {JSON_TYPE_NAMES[kind]}")
    return value


def controller(*methods: str, login: bool = False) -> Callable:
    """Mark a function as a JSON controller: allowed methods, CSRF-free, errors as JSON.

    Controllers are the unit that routing switches, so each action is its own view.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                allowed = ", ".join(methods)
                return error(405, f"use {allowed} for this URL", Allow=allowed)
            if login and not request.user.is_authenticated:
                return error(401, "authentication required", WWW_Authenticate='Basic realm="api"')
            try:
                return view(request, *args, **kwargs)
            except BadRequest as exc:
                return error(400, str(exc))
            except ServiceUnavailable as exc:
                return unavailable(request, exc)
            except UseCaseError as exc:
                return error(exc.http_status, str(exc))

        return csrf_exempt(wrapped)

    return decorate


def paging(request: HttpRequest, default_size: int = 50) -> tuple[int, int]:
    """(offset, limit) from ``?page=`` (from 1) and ``?page_size=``."""
    try:
        page = int(request.GET.get("page", 1))
        size = int(request.GET.get("page_size", default_size))
    except ValueError:
        raise BadRequest("page and page_size must be whole numbers") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= size <= MAX_PAGE_SIZE:
        raise BadRequest(
            f"page must be between 1 and {MAX_PAGE:,} and page_size between 1 and {MAX_PAGE_SIZE}"
        )
    return (page - 1) * size, size
