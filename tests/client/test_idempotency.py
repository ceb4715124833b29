"""A write retried with one idempotency key applies once; a reused key is refused."""

from __future__ import annotations

import subprocess
import sys
import threading

import grpc
import psycopg2
import pytest

from sales_api.v1 import channels_pb2, sales_status_pb2
from strangler.client import ServiceClient, breakers
from tests.service_process import REPO, service_env

CREATE = "sales.v1.ChannelService/CreateChannel"


def create(stub, key: str, code: str = "web", name: str = "Web"):
    request = channels_pb2.CreateChannelRequest(code=code, name=name, kind=1, idempotency_key=key)
    return stub.CreateChannel(request)


def rpc_error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()
    return info.value


def sql(url: str, query: str, *args):
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute(query, args)
        rows = cur.fetchall() if cur.description else None
    conn.close()
    return rows


def channel_count(url: str) -> int:
    return sql(url, "SELECT count(*) FROM sales_channel")[0][0]


def test_a_write_retried_three_times_with_one_key_creates_one_row(channel_stub, service_db_url):
    answers = [create(channel_stub, "key-1") for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert channel_count(service_db_url) == 1


def test_the_same_key_with_another_payload_is_refused(channel_stub, service_db_url):
    create(channel_stub, "key-2")
    error = rpc_error(lambda: create(channel_stub, "key-2", name="Another name"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "idempotency key 'key-2' was already used for a different request" in error.details()
    assert channel_count(service_db_url) == 1


def test_the_same_key_on_another_method_is_refused(channel_stub, status_stub):
    create(channel_stub, "key-3")
    request = sales_status_pb2.CreateSalesStatusRequest(
        sale=sales_status_pb2.SaleRef(kind=1, id=1), idempotency_key="key-3"
    )
    assert rpc_error(lambda: status_stub.CreateSalesStatus(request)).code() == (
        grpc.StatusCode.INVALID_ARGUMENT
    )


def test_an_error_answer_is_replayed_too(channel_stub):
    first = create(channel_stub, "key-4")
    refused = rpc_error(lambda: create(channel_stub, "key-5", code="web", name="Web"))
    assert refused.code() == grpc.StatusCode.ALREADY_EXISTS
    channel_stub.DeleteChannel(channels_pb2.DeleteChannelRequest(id=first.id))
    again = rpc_error(lambda: create(channel_stub, "key-5", code="web", name="Web"))
    assert (again.code(), again.details()) == (refused.code(), refused.details())


def test_writes_without_key_apply_each_time(channel_stub, service_db_url):
    create(channel_stub, "", code="a")
    assert rpc_error(lambda: create(channel_stub, "", code="a")).code() == (
        grpc.StatusCode.ALREADY_EXISTS
    )
    create(channel_stub, "", code="b")
    assert channel_count(service_db_url) == 2


def test_concurrent_copies_apply_once_and_all_get_the_answer(service, service_db_url, settings):
    settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
    # Seven copies wait for the first one's answer; on a loaded machine that can take a
    # while, so give them room (what is asserted is the outcome, not the time).
    settings.STRANGLER_RETRY = {"attempts": 40, "initial_backoff": 0.02, "max_backoff": 0.3}
    settings.STRANGLER_DEFAULT_DEADLINE = 15.0
    # "Busy, retry" answers are not failures: they must not open the breaker.
    settings.STRANGLER_BREAKER = {"fail_max": 2, "reset_timeout": 30.0}
    request = channels_pb2.CreateChannelRequest(
        code="web", name="Web", kind=1, idempotency_key="k6"
    )
    answers, start = [], threading.Barrier(8)

    def send():
        start.wait()
        answers.append(ServiceClient("sales").call(CREATE, request))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and all(answer == answers[0] for answer in answers)
    assert channel_count(service_db_url) == 1
    assert breakers.breaker_for(service.target).current_state == "closed"


def test_a_claim_left_by_a_crash_blocks_retries_until_its_lease_ends(channel_stub, service_db_url):
    create(channel_stub, "key-7")
    # As if the first attempt wrote the channel but died before storing its answer:
    sql(
        service_db_url,
        "UPDATE strangler_idempotency_record SET state = 'pending', response = NULL "
        "WHERE key = 'key-7'",
    )
    busy = rpc_error(lambda: create(channel_stub, "key-7"))
    assert busy.code() == grpc.StatusCode.UNAVAILABLE
    assert "still in progress" in busy.details()
    sql(
        service_db_url,
        "UPDATE strangler_idempotency_record SET claimed_at = now() - interval '1 hour' "
        "WHERE key = 'key-7'",
    )
    rerun = rpc_error(lambda: create(channel_stub, "key-7"))  # runs again, finds the row
    assert rerun.code() == grpc.StatusCode.ALREADY_EXISTS
    assert channel_count(service_db_url) == 1


def purge(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "carved_service.manage", "purge_idempotency_keys", *args],
        cwd=REPO,
        env=service_env(url),
        capture_output=True,
        text=True,
    )


def test_old_keys_are_purged_and_then_reusable(channel_stub, service_db_url):
    create(channel_stub, "key-8")
    sql(
        service_db_url,
        "UPDATE strangler_idempotency_record SET created_at = now() - interval '25 hours'",
    )
    done = purge(service_db_url)
    assert done.returncode == 0 and done.stdout.strip() == "deleted 1 idempotency record(s)"
    assert create(channel_stub, "key-8", code="other").code == "other"

    refused = purge(service_db_url, "--older-than-hours", "-1")
    assert refused.returncode != 0
    assert "--older-than-hours must be >= 0" in refused.stderr
    assert sql(service_db_url, "SELECT count(*) FROM strangler_idempotency_record")[0][0] == 1


def test_an_expired_key_counts_as_new_even_before_the_purge(channel_stub, service_db_url):
    create(channel_stub, "key-9")
    sql(
        service_db_url,
        "UPDATE strangler_idempotency_record SET created_at = now() - interval '25 hours'",
    )
    assert create(channel_stub, "key-9", code="fresh").code == "fresh"


def test_an_overlong_key_is_refused(channel_stub):
    error = rpc_error(lambda: create(channel_stub, "k" * 201))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 200 characters" in error.details()
