"""The service as an operator runs it: its command line and a graceful stop on SIGTERM."""

from __future__ import annotations

import ctypes
import os
import platform
import signal
import socket
import sys
import time

import grpc
import psycopg2
import pytest

from sales_api.v1 import channels_pb2 as pb
from sales_api.v1 import channels_pb2_grpc
from tests import settings
from tests.foundation.conftest import rpc_error, wait_until_blocked_on_a_lock
from tests.service_process import (
    recreate_database,
    run_service_cli,
    start_service,
)

SYS_TGKILL = {"x86_64": 234, "aarch64": 131}.get(platform.machine())  # see _signal_thread


def test_help_lists_the_options_an_operator_needs(service_db_url):
    result = run_service_cli("--help", database_url=service_db_url)
    assert result.returncode == 0
    for option in ("--port", "--bind", "--database", "--shared-database", "--workers"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("--port", "abc"), "--port"),
        (("--port", "70000"), "--port"),
        (("--port", "-1"), "--port"),
        (("--workers", "0"), "--workers"),
        (("--grace", "-1"), "--grace"),
        (("--bogus",), "--bogus"),
    ],
)
def test_bad_option_exits_non_zero_with_one_line(service_db_url, args, mentions):
    result = run_service_cli(*args, database_url=service_db_url)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert mentions in lines[0]


def test_port_in_use_exits_non_zero_with_one_line(service_db_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_service_cli("--port", str(port), database_url=service_db_url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(port) in lines[0]


def test_the_public_development_tokens_are_refused_off_loopback(service_db_url):
    """Without CARVED_AUTH_TOKENS anyone who read the README holds a token: loopback only."""
    result = run_service_cli(
        "--bind",
        "0.0.0.0",
        "--port",
        "0",
        database_url=service_db_url,
        without=("CARVED_AUTH_TOKENS",),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CARVED_AUTH_TOKENS" in lines[0] and "0.0.0.0" in lines[0]


@pytest.fixture
def dedicated_service(service, service_db_url):
    """A service process of the test's own, on the (emptied) service database."""
    process = start_service(service_db_url)
    yield process
    if process.process.poll() is None:
        process.process.kill()
        process.process.wait()


def _first_refused_call(stub, timeout: float = 10) -> grpc.RpcError:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stub.ListChannels(pb.ListChannelsRequest(), timeout=1)
        except grpc.RpcError as exc:
            return exc
        time.sleep(0.05)
    raise AssertionError("the stopping service kept accepting new calls")


def test_sigterm_finishes_the_call_in_flight_then_exits_0(dedicated_service, service_db_url):
    stub = channels_pb2_grpc.ChannelServiceStub(dedicated_service.channel())
    channel = stub.CreateChannel(pb.CreateChannelRequest(code="web", name="Web", kind=1))
    locker = psycopg2.connect(service_db_url)
    try:
        with locker.cursor() as cur:
            cur.execute("SELECT id FROM sales_channel WHERE id = %s FOR UPDATE", [channel.id])
        in_flight = stub.UpdateChannel.future(
            pb.UpdateChannelRequest(id=channel.id, name="Web shop"), timeout=30
        )
        wait_until_blocked_on_a_lock(service_db_url)

        dedicated_service.process.send_signal(signal.SIGTERM)
        refused = _first_refused_call(stub)
        # UNAVAILABLE once the connection is closed; a call that raced the shutdown is CANCELLED
        assert refused.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
        assert not in_flight.done()
        locker.commit()  # release the row: the in-flight call can finish

        assert in_flight.result(timeout=10).name == "Web shop"
        assert dedicated_service.process.wait(timeout=15) == 0
    finally:
        locker.close()
    with psycopg2.connect(service_db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM sales_channel WHERE id = %s", [channel.id])
        assert cur.fetchone() == ("Web shop",)


def _signal_thread(pid: int, tid: int, signum: int) -> None:
    """tgkill(2): deliver a signal to one thread, as the kernel may do with a plain kill."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_TGKILL, pid, tid, signum) != 0:
        raise OSError(ctypes.get_errno(), "tgkill failed")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or SYS_TGKILL is None, reason="needs Linux's tgkill"
)
def test_sigterm_received_by_a_grpc_thread_still_stops_the_service(dedicated_service):
    pid = dedicated_service.process.pid
    threads = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid]
    assert threads, "gRPC runs threads besides the main one"
    _signal_thread(pid, threads[-1], signal.SIGTERM)
    assert dedicated_service.process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (("--database", "foo://x"), "bad database URL"),
        (("--migrate", "--database", "postgres://postgres@127.0.0.1:5432/no_such_db"), "migrate"),
    ],
)
def test_bad_database_exits_non_zero_with_one_line(service_db_url, args, mentions):
    result = run_service_cli("--port", "0", *args, database_url=service_db_url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert mentions in lines[0]


def test_a_database_outage_is_unavailable_without_a_traceback(service_db_url):
    missing_db = service_db_url.rsplit("/", 1)[0] + "/no_such_database"
    process = start_service(missing_db)
    try:
        stub = channels_pb2_grpc.ChannelServiceStub(process.channel())
        message = rpc_error(
            grpc.StatusCode.UNAVAILABLE, lambda: stub.GetChannel(pb.GetChannelRequest(id=1))
        )
        assert "retry" in message
    finally:
        assert process.stop() == 0
    assert any("no_such_database" in line for line in process.output), "the log says why"


def test_an_unexpected_error_is_internal_and_only_the_log_has_the_traceback():
    unmigrated = recreate_database(f"test_strangler_unmigrated_{settings.DB_SUFFIX}")
    process = start_service(unmigrated)  # the operator forgot --migrate: no tables
    try:
        stub = channels_pb2_grpc.ChannelServiceStub(process.channel())
        message = rpc_error(
            grpc.StatusCode.INTERNAL, lambda: stub.GetChannel(pb.GetChannelRequest(id=1))
        )
        assert message == "internal error; see the service log"
    finally:
        assert process.stop() == 0
    log = "".join(process.output)
    assert "Traceback" in log and "sales_channel" in log
