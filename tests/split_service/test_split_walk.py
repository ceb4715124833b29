"""The whole split, driven from the monolith's command line against a real service.

Between stages the monolith writes through its ORM on the old tables (while it still may)
and the service writes through its RPCs; at every stage the service's reads return every
row written so far, and rolling back from any stage before ``cleaned`` loses nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import time

import pytest
from django.db import DatabaseError, transaction

from monolith.sales.models import Channel, SalesStatus
from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler import data_shared
from strangler.routing import actions
from strangler.routing import table as route_table
from strangler.routing.decide import Mode, _decide
from tests import settings as test_settings
from tests.commands import strangler
from tests.split_service.conftest import OLD, Split

pytestmark = pytest.mark.django_db

DRAFT, ON_SALE = sales_status_pb2.SALE_STATE_DRAFT, sales_status_pb2.SALE_STATE_ON_SALE
CAR = sales_status_pb2.SALE_KIND_CAR
# Stages at which the monolith may still write its own tables.
MONOLITH_WRITES = ("shared", "copy", "sync", "verified", "reads-cutover")


class Expected:
    """What has been written so far, by either side, and how to check every reader."""

    def __init__(self, split: Split) -> None:
        self.split = split
        self.codes: set[str] = set()
        self.states: dict[int, int] = {}
        self.n = 0

    def monolith_write(self) -> None:
        self.n += 1
        channel = Channel.objects.using(OLD).create(code=f"m{self.n}", name="M", kind="web")
        SalesStatus.objects.using(OLD).create(
            sale_kind="car", sale_id=1000 + self.n, state="draft", channel=channel
        )
        self.codes.add(f"m{self.n}")
        self.states[1000 + self.n] = DRAFT

    def service_write(self) -> None:
        self.n += 1
        channel = self.split.channels.CreateChannel(
            channels_pb2.CreateChannelRequest(
                code=f"s{self.n}", name="S", kind=channels_pb2.CHANNEL_KIND_WEB, active=True
            )
        )
        sale = sales_status_pb2.SaleRef(kind=CAR, id=2000 + self.n)
        self.split.statuses.CreateSalesStatus(
            sales_status_pb2.CreateSalesStatusRequest(sale=sale, channel_id=channel.id)
        )
        self.codes.add(f"s{self.n}")
        self.states[2000 + self.n] = DRAFT
        # and change an earlier row, written by either side
        earlier = min(self.states)
        if self.states[earlier] == DRAFT:
            self.split.statuses.UpdateSalesStatus(
                sales_status_pb2.UpdateSalesStatusRequest(
                    sale=sales_status_pb2.SaleRef(kind=CAR, id=earlier), state=ON_SALE
                )
            )
            self.states[earlier] = ON_SALE

    def writes(self, stage: str) -> None:
        if stage in MONOLITH_WRITES:
            self.monolith_write()
        self.service_write()

    def check_service_reads(self) -> None:
        """The service reads everything; a monolith write reaches the new side within the
        background sync's interval, so wait that long at most."""
        deadline = time.monotonic() + 5
        while True:
            found = (self.split.service_channel_codes(), self.split.service_statuses())
            if found == (self.codes, self.states) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert found == (self.codes, self.states)

    def check_old_tables(self) -> None:
        codes = set(Channel.objects.using(OLD).values_list("code", flat=True))
        states = dict(SalesStatus.objects.using(OLD).values_list("sale_id", "state"))
        names = {DRAFT: "draft", ON_SALE: "on_sale"}
        assert (codes, states) == (self.codes, {k: names[v] for k, v in self.states.items()})


def status() -> dict:
    code, out, err = strangler("split", "status", "--json")
    assert code == 0, err
    return json.loads(out)


def advance(to: str) -> None:
    if to == "writes-cutover":  # the monolith's routes must all go to the service first
        actions.change_routes("*", "remote", reason="before the write cutover")
    code, out, err = strangler("split", "advance", "--to", to, "--reason", "walk")
    assert code == 0, err
    assert f"-> {to}" in out
    if to == "copy":
        code, out, err = strangler("split", "copy", "--batch-size", "2")
        assert code == 0, err
        assert "complete" in out


def test_walk_through_every_stage_with_writes_on_both_sides(split):
    world = Expected(split)
    world.writes("shared")
    world.check_service_reads()
    for stage in ("copy", "sync", "verified", "reads-cutover", "writes-cutover", "frozen"):
        advance(stage)
        assert status()["stage"] == stage
        world.writes(stage)
        world.check_service_reads()
        if stage in ("sync", "verified", "reads-cutover"):
            code, out, err = strangler("split", "verify")
            assert (code, err) == (0, ""), out
            assert "0 differences" in out
        if stage == "writes-cutover":
            world.check_old_tables()  # the reverse sync keeps the old side current

    with pytest.raises(DatabaseError), transaction.atomic(using=OLD):
        SalesStatus.objects.using(OLD).filter(sale_id=1001).update(state="sold")

    advance("cleaned")
    world.service_write()
    world.check_service_reads()
    tables = {t["name"]: t for t in status()["tables"]}
    assert tables["sales_status"]["old_rows"] == -1  # dropped from the monolith's database
    code, _, err = strangler("split", "rollback")
    assert code == 1 and "\n" not in err.strip()


def test_rollback_from_every_stage_loses_nothing(split):
    world = Expected(split)
    world.writes("shared")
    stages = ("copy", "sync", "verified", "reads-cutover", "writes-cutover", "frozen")
    for stage in stages:
        advance(stage)
        world.writes(stage)
    for back_to in reversed(("shared", *stages[:-1])):
        code, out, err = strangler("split", "rollback", "--reason", "walk back")
        assert code == 0, err
        assert status()["stage"] == back_to
        world.service_write()
        world.check_service_reads()
        if back_to in MONOLITH_WRITES:
            world.check_old_tables()


def test_skipping_a_stage_is_refused_and_changes_nothing(split):
    code, out, err = strangler("split", "advance", "--to", "sync")
    assert code == 1 and out == ""
    assert err.startswith("strangler split: ") and err.count("\n") <= 1
    assert "copy" in err  # the reason names the stage that comes next
    assert status()["stage"] == "shared"
    code, out, err = strangler("split", "copy")
    assert (code, out) == (1, "")
    assert err.strip() == "strangler split: copy runs at stage copy; group sales is at shared"
    code, _, err = strangler("split", "advance", "--to", "nonsense")
    assert code == 1 and "unknown stage" in err
    code, _, err = strangler("split", "status", "--group", "nope")
    assert code == 1 and "no split group 'nope'" in err


def test_a_stage_change_records_who_said_it_and_the_token_that_proved_it(split):
    advance("copy")
    last = status()["last_change"]
    proof = hashlib.sha256(test_settings.SERVICE_ADMIN_TOKEN.encode()).hexdigest()[:12]
    assert last["actor"] == f"os:{getpass.getuser()} (token sha256:{proof})"
    assert test_settings.SERVICE_ADMIN_TOKEN not in json.dumps(status())


def test_cutover_is_refused_while_a_route_still_writes_locally(split):
    for stage in ("copy", "sync", "verified", "reads-cutover"):
        advance(stage)
    actions.change_routes("*", "remote", reason="most of them")
    actions.change_routes("channels.write:channel-create", "remote", percent="50", reason="x")
    actions.change_routes("channels.read:channel-list", "local", reason="reads may stay")
    code, out, err = strangler("split", "advance")
    assert (code, out) == (1, "")
    assert err.strip() == (
        "strangler split: cannot advance to writes-cutover: routes still write the old tables "
        "locally: channels.write:channel-create (remote) (route them to remote for everyone "
        "first)"
    )
    assert status()["stage"] == "reads-cutover"
    actions.change_routes("channels.write:channel-create", "remote", reason="everyone")
    code, _, err = strangler("split", "advance")
    assert code == 0, err
    code, _, err = strangler("split", "advance", "--to", "frozen")
    assert code == 1
    assert "routes still use the old tables locally: channels.read:channel-list" in err


def test_data_shared_flips_at_writes_cutover_and_fallback_stops(split, settings):
    actions.change_routes("channels.read:channel-list", "remote-fallback", reason="test")
    for stage in ("copy", "sync", "verified", "reads-cutover"):
        advance(stage)
        data_shared.forget()
        assert data_shared.data_shared("channels.read") is True
        assert route_table.current().entry("channels.read", "channel-list").shared
    advance("writes-cutover")
    route_table._set(None)
    assert data_shared.data_shared("channels.read") is False
    assert data_shared.data_shared("something.else") is True  # in no split group
    request = _request_for("channel-list")
    assert _decide(request, "channels.read", "channel-list") == Mode.REMOTE
    code, _, err = strangler("route", "channels.write:*", "--mode", "remote-fallback")
    assert code == 1 and "no longer shared" in err

    # a write that still reaches the old tables is recorded and shown, not applied
    Channel.objects.using(OLD).create(code="leak", name="Leak", kind="web")
    code, out, _ = strangler("split", "status")
    assert code == 0 and "LEAKED WRITES" in out and "1 writes reached the old tables" in out

    # the service goes away: this process keeps what it last saw
    split.service.stop()
    data_shared._seen["sales"] = (False, 0.0)  # expired
    assert data_shared.data_shared("channels.read") is False


def _request_for(controller: str):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    request = HttpRequest()
    request.user = AnonymousUser()
    request.strangler_controller = controller
    return request
