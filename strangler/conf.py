"""Read ``STRANGLER_*`` settings with the defaults of ``strangler.defaults``."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from strangler import defaults


def get(name: str) -> Any:
    """The value of ``settings.STRANGLER_<name>``, or its default."""
    return getattr(settings, f"STRANGLER_{name}", getattr(defaults, name))
