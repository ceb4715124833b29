"""Servicer calls drop dead database connections without a health-check round trip per call."""

from __future__ import annotations

import time

import psycopg2
import pytest
from django.db import connection

from strangler.server.errors import rpc

pytestmark = pytest.mark.django_db(transaction=True)


class Servicer:
    @rpc
    def Pid(self, request, context):  # noqa: N802 - gRPC's name
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]


class Context:
    def code(self):
        return None


@pytest.fixture
def checked_connection():
    connection.ensure_connection()
    connection.health_check_enabled, connection.close_at = True, None  # CONN_HEALTH_CHECKS
    yield connection
    connection.health_check_enabled = connection.settings_dict["CONN_HEALTH_CHECKS"]


def test_a_quiet_connection_is_kept_without_select_1(checked_connection, monkeypatch):
    servicer = Servicer()
    pid = servicer.Pid(None, Context())
    probes = []
    monkeypatch.setattr(checked_connection, "is_usable", lambda: probes.append(1) or True)
    assert servicer.Pid(None, Context()) == pid
    assert checked_connection.health_check_done and not probes


def test_a_connection_the_server_ended_is_replaced(checked_connection):
    servicer = Servicer()
    pid = servicer.Pid(None, Context())

    settings = checked_connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )
    try:
        with other, other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()

    time.sleep(0.2)  # the server's goodbye reaches the socket
    assert servicer.Pid(None, Context()) != pid  # reconnected, no error
