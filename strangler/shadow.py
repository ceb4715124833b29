"""Shadow calls: the local side answers, the remote side is called to compare.

This module is the seam: ``run`` returns the local outcome and hands the remote call to the
runner named by ``STRANGLER_SHADOW_RUNNER``. The default runner calls the remote side inline,
compares with ``==`` and logs and counts differences; a background pool with real comparison
can replace it without touching use cases.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from strangler import conf

log = logging.getLogger("strangler.shadow")

counts: Counter[tuple[str, str]] = Counter()  # (route name, outcome) -> calls
_counts_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """What one side did: a value or an exception (a domain error is an answer too)."""

    value: Any = None
    error: BaseException | None = None

    @classmethod
    def of(cls, call: Callable[[], Any]) -> Outcome:
        try:
            return cls(value=call())
        except Exception as exc:  # noqa: BLE001 - the outcome is compared, then re-raised
            return cls(error=exc)

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value

    def same_as(self, other: Outcome) -> bool:
        if self.error is not None or other.error is not None:
            return type(self.error) is type(other.error)
        return self.value == other.value


@dataclass(frozen=True)
class ShadowCall:
    route: str  # "use_case:controller"
    operation: str
    local: Outcome
    call_remote: Callable[[], Any]


def run(call: ShadowCall) -> Any:
    """Return the local answer; let the configured runner do the remote side."""
    import_string(conf.get("SHADOW_RUNNER"))(call)
    return call.local.unwrap()


def run_inline(call: ShadowCall) -> None:
    """Call the remote side now and record whether it agreed. Never raises."""
    remote = Outcome.of(call.call_remote)
    outcome = "match" if call.local.same_as(remote) else "mismatch"
    if remote.error is not None and not call.local.same_as(remote):
        outcome = "remote-error"
    with _counts_lock:
        counts[(call.route, outcome)] += 1
    if outcome != "match":
        log.warning(
            "shadow %s on %s %s: local=%r remote=%r",
            outcome,
            call.route,
            call.operation,
            call.local.error or call.local.value,
            remote.error or remote.value,
        )
