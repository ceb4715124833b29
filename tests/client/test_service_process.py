"""What the service process itself does with tokens and request ids."""

from __future__ import annotations

import signal
import time

import pytest

from monolith.sales import remote
from strangler import request_id
from strangler.errors import NotFound, ServiceUnavailable
from tests.service_process import run_service_cli, start_service


def test_malformed_tokens_stop_the_service_with_one_line(service_db_url):
    done = run_service_cli(
        "--port", "0", database_url=service_db_url, CARVED_AUTH_TOKENS="s3cret:root"
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "carved_service: auth token 's3...' has scope 'root'; expected one of read, write, admin"
    )
    assert "s3cret" not in done.stderr


def test_the_service_logs_each_call_with_the_callers_request_id(service_db_url, settings):
    service = start_service(service_db_url, CARVED_LOG_LEVEL="DEBUG")
    try:
        settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
        with request_id.bound("trace-me-123"), pytest.raises(NotFound):
            remote.get_channel(424242)
        for _ in range(50):
            lines = [line for line in service.output if "[trace-me-123]" in line]
            if lines:
                break
            time.sleep(0.05)
        assert any("/sales.v1.ChannelService/GetChannel NOT_FOUND" in line for line in lines)
    finally:
        service.stop()


def test_a_frozen_service_costs_one_deadline_then_recovers(service_db_url, settings):
    service = start_service(service_db_url)
    try:
        settings.STRANGLER_SERVICE_TARGETS = {"sales": service.target}
        settings.STRANGLER_DEFAULT_DEADLINE = 0.5
        with pytest.raises(NotFound):
            remote.get_channel(424242)  # connected and answering
        service.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(ServiceUnavailable, match="within the deadline") as info:
                remote.get_channel(424242)
            assert time.monotonic() - started < 1.5  # the deadline bounds the whole call
            assert info.value.retry_after >= 1
        finally:
            service.process.send_signal(signal.SIGCONT)
        with pytest.raises(NotFound):
            remote.get_channel(424242)
    finally:
        service.stop()
