"""Who is in a route's rollout: a waffle flag, compiled once so a decision costs no query.

``Rollout.includes`` follows ``waffle.models.AbstractUserFlag.is_active`` rule by rule
(missing flag -> WAFFLE_FLAG_DEFAULT, WAFFLE_OVERRIDE, everyone, testing, languages, user
attributes, users, groups, percent) with two deliberate differences:

- group membership is read when the table is built, not with one query per request;
- a percentage puts each user in a fixed bucket (a hash of the user's id), instead of
  tossing a coin and remembering it in a cookie, so API clients without cookies stay on one
  side. Anonymous requests use their session key, a job's name, or else waffle's own cookie.
"""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from waffle.models import set_flag
from waffle.utils import get_setting as waffle_setting

from strangler import conf


@dataclass(frozen=True)
class RolloutSettings:
    """The settings a decision reads, read once per route table: a setting costs ~4 us."""

    flag_default: bool = False
    override: bool = False
    cookie: str = "dwf_%s"
    test_cookie: str = "dwft_%s"
    salt: str = "strangler"

    @classmethod
    def read(cls) -> RolloutSettings:
        return cls(
            flag_default=bool(waffle_setting("FLAG_DEFAULT")),
            override=bool(waffle_setting("OVERRIDE")),
            cookie=waffle_setting("COOKIE"),
            test_cookie=waffle_setting("TEST_COOKIE"),
            salt=conf.get("BUCKET_SALT"),
        )


@dataclass(frozen=True)
class Rollout:
    """The rollout fields of one waffle flag (``exists=False`` when there is no such flag)."""

    flag: str
    exists: bool = False
    everyone: bool | None = None
    percent: Decimal | None = None
    testing: bool = False
    superusers: bool = False
    staff: bool = False
    authenticated: bool = False
    rollout: bool = False
    languages: frozenset[str] = frozenset()
    user_ids: frozenset[Any] = frozenset()
    group_ids: frozenset[Any] = frozenset()
    group_member_ids: frozenset[Any] = field(default=frozenset(), compare=False)

    @property
    def permille(self) -> int:
        """The percentage in tenths, the unit of buckets (waffle stores one decimal)."""
        return int(self.percent * 10) if self.percent else 0

    def includes(self, request: HttpRequest, settings: RolloutSettings) -> bool:
        if not self.exists:
            return settings.flag_default
        if settings.override and self.flag in request.GET:
            return request.GET[self.flag] == "1"
        if self.everyone is not None:
            return self.everyone
        if self.testing:
            tested = self._tested(request, settings)
            if tested is not None:
                return tested
        if self.languages and getattr(request, "LANGUAGE_CODE", None) in self.languages:
            return True
        user = getattr(request, "user", None)
        if not user:
            return False  # as waffle: no user, no rollout
        return self._includes_user(user) or self._in_percent(request, user, settings)

    def fingerprint(self, mode: str | None = None) -> str:
        """A digest of every field that decides who is in; it changes with any edit.

        With ``mode`` (the route's mode) the digest covers the mode as well, so that a mode
        edited behind strangler's back shows too.
        """
        if not self.exists:
            return "missing"
        fields: tuple[Any, ...] = (
            self.everyone,
            str(self.percent),
            self.testing,
            self.superusers,
            self.staff,
            self.authenticated,
            self.rollout,
            sorted(self.languages),
            sorted(map(str, self.user_ids)),
            sorted(map(str, self.group_ids)),
        )
        if mode is not None:
            fields = (mode, *fields)
        return hashlib.sha256(repr(fields).encode()).hexdigest()

    def _tested(self, request: HttpRequest, settings: RolloutSettings) -> bool | None:
        """waffle's testing override: ``?dwft_<flag>=1``, the same header, or its cookie."""
        cookie = settings.test_cookie % self.flag
        header = cookie.replace("_", "-")
        if cookie in request.GET:
            on = request.GET[cookie] == "1"
        elif header in request.headers:
            on = request.headers[header] == "1"
        elif cookie in request.COOKIES:
            return request.COOKIES[cookie] == "True"
        else:
            return None
        if not hasattr(request, "waffle_tests"):
            request.waffle_tests = {}
        request.waffle_tests[self.flag] = on  # waffle's middleware sets the cookie
        return on

    def _includes_user(self, user: Any) -> bool:
        if self.authenticated and user.is_authenticated:
            return True
        if self.staff and getattr(user, "is_staff", False):
            return True
        if self.superusers and getattr(user, "is_superuser", False):
            return True
        pk = getattr(user, "pk", None)
        return pk is not None and (pk in self.user_ids or pk in self.group_member_ids)

    def _in_percent(self, request: HttpRequest, user: Any, settings: RolloutSettings) -> bool:
        permille = self.permille
        if permille <= 0:
            return False
        key = bucket_key(request, user)
        if key is not None:
            return bucket(settings.salt, key) < permille
        return self._cookie_coin(request, settings)

    def _cookie_coin(self, request: HttpRequest, settings: RolloutSettings) -> bool:
        """No stable identity: waffle's own way, a coin remembered in its cookie."""
        waffles = getattr(request, "waffles", None) or {}
        if self.flag in waffles:
            return bool(waffles[self.flag][0])
        cookie = settings.cookie % self.flag
        if cookie in request.COOKIES:
            return request.COOKIES[cookie] == "True"
        active = Decimal(str(random.uniform(0, 100))) <= self.percent
        set_flag(request, self.flag, active, self.rollout)
        return active


def bucket_key(request: HttpRequest, user: Any) -> str | None:
    """What keeps a caller on one side: user id, then a job's name, then the session key."""
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    job = getattr(request, "strangler_bucket", None)
    if job:
        return f"job:{job}"
    session = getattr(request, "session", None)
    session_key = getattr(session, "session_key", None)
    return f"session:{session_key}" if session_key else None


@functools.lru_cache(maxsize=100_000)
def bucket(salt: str, key: str) -> int:
    """A fixed bucket in 0..999 (tenths of a percent): a key always lands in the same one."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 1000
