"""The verdict's rules, and the commands that show evidence and look after it."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from strangler.models import RouteMinute, ShadowMismatch
from strangler.shadow import evidence, mismatches, readiness
from strangler.shadow.compare import Outcome, compare

pytestmark = pytest.mark.django_db


def gather(local_s: float, remote_s: float, n: int = 100, remote_errors: int = 0) -> None:
    buffer = evidence.Buffer()
    for i in range(n):
        buffer.call("channels.read", "channel-list", "local", local_s, failed=False)
        buffer.call("channels.read", "channel-list", "remote", remote_s, failed=i < remote_errors)
        if i >= remote_errors:
            buffer.comparison("channels.read", "channel-list", equal=True)
    buffer.flush()


def verdict() -> readiness.Readiness:
    (result,) = [r for r in readiness.report() if r.route == "channels.read:channel-list"]
    return result


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.STRANGLER_READINESS = {"min_compared": 100}


def test_a_remote_side_much_slower_than_local_is_not_ready():
    gather(local_s=0.001, remote_s=0.005)
    (reason,) = verdict().reasons
    assert re.fullmatch(r"remote p99 5\.\d ms > 2x local p99 1\.\d ms", reason), reason


def test_remote_errors_above_the_rate_are_not_ready():
    gather(local_s=0.001, remote_s=0.001, n=1000, remote_errors=2)
    result = verdict()
    assert result.remote.error_rate == pytest.approx(0.002)
    assert result.reasons == ["remote error rate 0.20% >= 0.10%"]


def test_an_explained_mismatch_stops_blocking_and_an_unexplained_one_blocks():
    gather(local_s=0.001, remote_s=0.001)
    diff = compare(Outcome(value={"name": "a"}), Outcome(value={"name": "b"}))
    mismatches.record("channels.read", "channel-list", "list_channels", diff, {})
    assert verdict().reasons == ["1 unexplained mismatches"]
    out = io.StringIO()
    row = ShadowMismatch.objects.get()
    call_command("strangler", "mismatches", "--explain", str(row.pk), "names trimmed", stdout=out)
    assert "explained: names trimmed" in out.getvalue()
    assert verdict().ready


def test_a_write_route_needs_real_remote_traffic_not_comparisons():
    result = readiness.report(
        [readiness.RouteInfo("channels.write", "channel-create", "local", "nobody", True)]
    )
    (write,) = [r for r in result if r.use_case == "channels.write"]
    assert write.reasons == [
        "write route: 0 of 100 remote calls (writes are not shadowed; verify the DB split and "
        "roll out a small share)"
    ]


def test_status_shows_every_declared_route_as_a_table_and_as_json():
    gather(local_s=0.001, remote_s=0.0015)
    out = io.StringIO()
    call_command("strangler", "status", stdout=out)
    table = out.getvalue()
    assert "channels.read:channel-list" in table and "channels.write:channel-create" in table
    assert "ready" in table
    routes = {r["route"]: r for r in json.loads(_status("--json"))}
    assert routes["channels.read:channel-list"]["verdict"] == "ready"
    assert routes["channels.read:channel-list"]["compared"] == 100
    assert routes["channels.write:channel-create"]["writes"] is True
    assert routes["channels.write:channel-create"]["mode"] == "local"


def _status(*args: str) -> str:
    out = io.StringIO()
    call_command("strangler", "status", *args, stdout=out)
    return out.getvalue()


def run_failing(*args: str) -> str:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("strangler", *args, stderr=err)
    assert exit_info.value.code == 1
    return err.getvalue().strip()


def test_bad_input_is_one_line_and_changes_nothing():
    diff = compare(Outcome(value=1), Outcome(value=2))
    mismatches.record("r", "c", "op", diff, {})
    assert run_failing("status", "--window-hours", "0") == (
        "strangler status: --window-hours must be a positive number, not 0"
    )
    for value in ("nan", "inf", "-inf", "-1"):
        assert run_failing("status", f"--window-hours={value}").startswith(
            "strangler status: --window-hours must be a positive number, not "
        ), value
    assert run_failing("status", "--window-hours", "1e308") == (
        "strangler status: --window-hours must be at most 87840 (ten years), not 1e+308"
    )
    assert (
        run_failing("status", "--route", "nope:*") == "strangler status: no route matches 'nope:*'"
    )
    assert run_failing("mismatches", "--explain", "x", "why") == (
        "strangler mismatches: ID must be a number, not 'x'"
    )
    assert run_failing("mismatches", "--explain", "999", "why") == (
        "strangler mismatches: no difference with id 999"
    )
    assert run_failing("mismatches", "--explain", "1", " ").startswith("strangler mismatches: ")
    assert run_failing("mismatches", "--cleanup", "--days", "-1") == (
        "strangler mismatches: --days must be a positive number, not -1"
    )
    assert run_failing("mismatches", "--cleanup", "--days", "nan") == (
        "strangler mismatches: --days must be a positive number, not nan"
    )
    assert run_failing("mismatches", "--cleanup", "--days", "1e9") == (
        "strangler mismatches: --days must be at most 3660 (ten years), not 1e+09"
    )
    assert run_failing("mismatches", "--use-case", "nosuch") == (
        "strangler mismatches: unknown use case 'nosuch'; `strangler routes` lists them"
    )
    assert not ShadowMismatch.objects.filter(explained=True).exists()
    assert ShadowMismatch.objects.count() == 1


def test_cleanup_keeps_recent_evidence():
    gather(local_s=0.001, remote_s=0.001, n=1)
    RouteMinute.objects.create(
        use_case="old", controller="c", minute=timezone.now() - timedelta(days=40)
    )
    out = io.StringIO()
    call_command("strangler", "mismatches", "--cleanup", stdout=out)
    assert out.getvalue() == "deleted 0 differences and 1 evidence minutes older than 14 days\n"
    assert list(RouteMinute.objects.values_list("use_case", flat=True)) == ["channels.read"]
