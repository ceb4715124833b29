"""Regressions found in review on the monolith's side of the split: advance sends the stage
it checked, deadlines of stage changes, and arguments refused before they reach the engine."""

from __future__ import annotations

import socket

import grpc
import pytest

from strangler import split_actions
from strangler.api.v1 import split_admin_pb2 as pb
from strangler.client import split_admin
from strangler.client.split_admin import SplitAdminClient, SplitAdminError
from tests.commands import strangler

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Client:
    """Stands in for SplitAdminClient: the status says next is sync; advance is recorded."""

    sent: list[str] = []

    def __init__(self, service: str) -> None:
        pass

    def status(self, group: str) -> pb.SplitStatus:
        return pb.SplitStatus(group=group, stage="copy", next_stage="sync")

    def advance(self, group: str, to: str, actor: str, reason: str) -> pb.SplitStatus:
        self.sent.append(to)
        return pb.SplitStatus(group=group, stage=to)


def test_advance_sends_the_stage_it_checked(monkeypatch):
    monkeypatch.setattr(split_actions, "SplitAdminClient", _Client)
    _Client.sent = []
    split_actions.advance("sales")
    assert _Client.sent == ["sync"]  # not "": a concurrent advance cannot carry it further


def test_advance_to_an_unknown_stage_is_refused_without_the_service(settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{_closed_port()}"}
    code, out, err = strangler("split", "advance", "--to", "synced")
    assert (code, out) == (1, "")
    assert err.startswith("strangler split: unknown stage 'synced': one of shared, copy,")
    assert err.strip().count("\n") == 0


@pytest.mark.parametrize("rate", ["nan", "inf", "-inf"])
def test_copy_refuses_a_rate_that_is_not_finite(rate, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{_closed_port()}"}
    code, out, err = strangler("split", "copy", f"--rows-per-second={rate}")
    assert (code, out) == (1, "")
    assert "--rows-per-second must be a finite number" in err
    with pytest.raises(SplitAdminError, match="finite"):
        split_actions.copy("sales", rows_per_second=float(rate))


class _Late(grpc.RpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.DEADLINE_EXCEEDED

    def details(self) -> str:
        return "Deadline Exceeded"


class _Stub:
    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def Advance(self, request, timeout: float, metadata) -> pb.SplitStatus:  # noqa: N802
        self.timeouts.append(timeout)
        raise _Late()

    Rollback = Advance


def test_stage_changes_get_the_long_deadline_and_a_late_answer_says_to_check(settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": f"127.0.0.1:{_closed_port()}"}
    client = SplitAdminClient("sales")
    client.stub = stub = _Stub()
    with pytest.raises(SplitAdminError) as caught:
        client.advance("sales", "verified", "op", "")
    assert stub.timeouts == [split_admin.DEADLINES["long"]]
    message = str(caught.value)
    assert "did not answer in time" in message
    assert "may still complete the step" in message and "split status" in message
    settings.STRANGLER_SPLIT_DEADLINES = {"stage": 7}
    with pytest.raises(SplitAdminError):
        client.rollback("sales", "op", "")
    assert stub.timeouts[-1] == 7.0
