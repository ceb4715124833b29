"""Shadow settings: per-route sample rates and comparison rules, and their mistakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from strangler.shadow.compare import Outcome, compare
from strangler.shadow.pool import sample_rate
from strangler.shadow.rules import rules_for


def test_a_route_rate_beats_a_use_case_rate_which_beats_the_default(settings):
    settings.STRANGLER_SHADOW_SAMPLE_RATE = 0.5
    settings.STRANGLER_SHADOW_SAMPLE_RATES = {"channels.read": 0.2, "channels.read:car-list": 0.01}
    assert sample_rate("channels.read", "car-list") == 0.01
    assert sample_rate("channels.read", "channel-list") == 0.2
    assert sample_rate("sales_status.read", "car-list") == 0.5


def lower_equal(a: str, b: str) -> bool:
    return a.lower() == b.lower()


def test_rules_come_from_settings_per_use_case(settings):
    settings.STRANGLER_SHADOW_RULES = {
        "channels.read": {
            "ignore": ["updated_at"],
            "time_tolerance_ms": 5,
            "comparators": {"name": f"{__name__}.lower_equal"},
        }
    }
    at = datetime(2026, 1, 1, tzinfo=UTC)
    local = {"name": "Web", "created_at": at, "updated_at": at}
    remote = {
        "name": "WEB",
        "created_at": at + timedelta(milliseconds=4),
        "updated_at": at + timedelta(days=1),
    }
    assert compare(Outcome(value=local), Outcome(value=remote), rules_for("channels.read")).equal
    assert not compare(Outcome(value=local), Outcome(value=remote), rules_for("other")).equal


def test_an_unknown_rule_key_is_a_configuration_error(settings):
    settings.STRANGLER_SHADOW_RULES = {"channels.read": {"ignored": ["updated_at"]}}
    with pytest.raises(ImproperlyConfigured, match=r"unknown keys \['ignored'\]"):
        rules_for("channels.read")
