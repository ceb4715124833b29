"""Comparison rules per use case, from ``STRANGLER_SHADOW_RULES``.

A team writes down what noise to ignore next to its other settings::

    STRANGLER_SHADOW_RULES = {
        "channels.read": {
            "ignore": ["updated_at"],
            "unordered": ["*"],
            "item_keys": {"*": "id"},
            "time_tolerance_ms": 1,
            "comparators": {"name": "myproject.shadow.same_name_ignoring_case"},
        },
    }

A value may also be a ``strangler.shadow.Rules`` built in Python.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from strangler import conf
from strangler.shadow.compare import EXACT, Rules

KEYS = {"ignore", "unordered", "item_keys", "time_tolerance_ms", "comparators"}


def rules_for(use_case: str) -> Rules:
    """The rules of ``use_case``; exact comparison when it has none."""
    spec = conf.get("SHADOW_RULES").get(use_case)
    if spec is None:
        return EXACT
    if isinstance(spec, Rules):
        return spec
    return parse(use_case, spec)


def parse(use_case: str, spec: dict[str, Any]) -> Rules:
    unknown = set(spec) - KEYS
    if unknown:
        raise ImproperlyConfigured(
            f"STRANGLER_SHADOW_RULES[{use_case!r}] has unknown keys {sorted(unknown)}; "
            f"expected some of {sorted(KEYS)}"
        )
    return Rules(
        ignore=tuple(spec.get("ignore", ())),
        unordered=tuple(spec.get("unordered", ())),
        item_keys=dict(spec.get("item_keys", {})),
        time_tolerance=timedelta(milliseconds=spec.get("time_tolerance_ms", 0)),
        comparators={
            path: import_string(func) if isinstance(func, str) else func
            for path, func in spec.get("comparators", {}).items()
        },
    )
