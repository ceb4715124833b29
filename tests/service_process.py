"""Start and stop a real carved service process on a free loopback port, for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psycopg2
from psycopg2 import sql

from tests import settings

REPO = Path(__file__).resolve().parent.parent


@dataclass
class ServiceProcess:
    process: subprocess.Popen
    port: int
    output: list[str] = field(default_factory=list)
    log_reader: threading.Thread | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def channel(self, token: str | None = settings.SERVICE_TOKEN) -> grpc.Channel:
        """A channel whose calls carry ``token`` as a bearer token (None: no token)."""
        channel = grpc.insecure_channel(self.target)
        if token is None:
            return channel
        return grpc.intercept_channel(channel, BearerToken(token))

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        if self.log_reader:
            self.log_reader.join(timeout)  # so that ``output`` holds the whole log
        return code


class BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Attach ``authorization: Bearer <token>`` to every unary and server-streaming call."""

    def __init__(self, token: str) -> None:
        self.metadata = ("authorization", f"Bearer {token}")

    def intercept_unary_unary(self, continuation, details, request):
        metadata = [*(details.metadata or ()), self.metadata]
        return continuation(details._replace(metadata=metadata), request)

    intercept_unary_stream = intercept_unary_unary


def recreate_database(name: str) -> str:
    """Drop and create a PostgreSQL database; return its URL."""
    conn = psycopg2.connect(
        host=settings.PG_HOST, port=settings.PG_PORT, user=settings.PG_USER, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()
    return settings.pg_url(name)


def service_env(database_url: str, shared_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARVED_", "DJANGO_"))}
    env.update(
        CARVED_DATABASE_URL=database_url,
        CARVED_AUTH_TOKENS=f"{settings.SERVICE_TOKEN}:write,{settings.SERVICE_READ_TOKEN}:read,"
        f"{settings.SERVICE_ADMIN_TOKEN}:admin",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    if shared_url:
        env["CARVED_SHARED_DATABASE_URL"] = shared_url
    return env


def run_service_cli(
    *args: str, database_url: str, without: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess:
    """Run ``python -m carved_service ARGS`` to its end (a refusal, ``--help``).

    ``env`` adds to the test environment; ``without`` names variables to leave unset.
    """
    environment = service_env(database_url, **env)
    for name in without:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "carved_service", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )


def migrate_service_db(database_url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "carved_service.manage", "migrate", "-v0"],
        cwd=REPO,
        env=service_env(database_url),
        check=True,
    )


def start_service(
    database_url: str, shared_url: str | None = None, args: tuple[str, ...] = (), **env: str
) -> ServiceProcess:
    """Start ``python -m carved_service --port 0`` and wait until it says where it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "carved_service", "--port", "0", "--workers", "4", *args],
        cwd=REPO,
        env=service_env(database_url, shared_url, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if line.startswith("carved_service listening on "):
            port = int(line.rsplit(":", 1)[1])
            service = ServiceProcess(process, port, output, _keep_draining(process, output))
            grpc.channel_ready_future(service.channel()).result(timeout=10)
            return service
    raise RuntimeError("carved service did not start:\n" + "".join(output))


def _keep_draining(process: subprocess.Popen, output: list[str]) -> threading.Thread:
    """Read the service's log in the background: a full pipe would block the service."""

    def drain() -> None:
        for line in process.stdout:
            output.append(line)

    reader = threading.Thread(target=drain, daemon=True, name="service-log")
    reader.start()
    return reader
