"""The example carve-out, end to end, on SQLite files: ``make demo``.

Starts the carved service and the monolith as real processes on loopback, seeds data, and
walks through the carve-out step by step, printing what each step shows.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent
VAR = REPO / "var" / "demo"
MONOLITH_DB = VAR / "monolith.sqlite3"
SERVICE_DB = VAR / "carved_service.sqlite3"
AUTH = "Basic " + base64.b64encode(b"seller1:demo").decode()

console = Console()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        STRANGLER_VAR_DIR=str(VAR),
        MONOLITH_DATABASE_URL=f"sqlite:///{MONOLITH_DB}",
        CARVED_DATABASE_URL=f"sqlite:///{SERVICE_DB}",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True)


def start(args: list[str], env: dict[str, str], ready: str) -> subprocess.Popen:
    """Start a process and wait until a line of its output contains ``ready``."""
    process = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in process.stdout:
        if ready in line:
            return process
    raise RuntimeError(f"{args[:3]} exited before it was ready")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


class Monolith:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, data: dict | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            headers={"Authorization": AUTH},
            data=json.dumps(data).encode() if data is not None else None,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def wait(self) -> None:
        for _ in range(100):
            try:
                self.call("GET", "/api/channels/")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the monolith did not start")


def step(title: str) -> None:
    console.rule(f"[bold]{title}")


def show_controllers(monolith: Monolith) -> None:
    step("The monolith's controllers answer")
    _, data = monolith.call("GET", "/api/channels/?page_size=4")
    table = Table("GET /api/channels/", "code", "kind", "active")
    for channel in data["channels"]:
        table.add_row(str(channel["id"]), channel["code"], channel["kind"], str(channel["active"]))
    console.print(table)
    _, data = monolith.call("GET", "/api/cars/?page_size=5")
    table = Table("GET /api/cars/", "title", "price", "state", "channel", "seller")
    for car in data["sales"]:
        status = car["sales_status"] or {}
        channel = (status.get("channel") or {}).get("code", "")
        table.add_row(
            str(car["id"]),
            car["title"],
            car["price"],
            status.get("state", ""),
            channel,
            car["seller"]["username"],
        )
    console.print(table)


def show_status_rule(monolith: Monolith) -> None:
    step("A rule that depends on the sales status")
    code, car = monolith.call(
        "POST", "/api/cars/add/", {"title": "Demo roadster", "price": "15000"}
    )
    console.print(f"POST /api/cars/add/ -> {code}, state {car['sales_status']['state']}")
    path = f"/api/cars/{car['id']}/change/"
    for change in ({"state": "on_sale"}, {"state": "sold"}, {"price": "9999"}):
        code, answer = monolith.call("POST", path, change)
        outcome = answer.get("error") or f"state {answer['sales_status']['state']}"
        console.print(f"POST {path} {json.dumps(change)} -> {code}: {outcome}")


def show_service(service_port: int) -> None:
    step("The carved service answers from the same (shared) tables")
    import grpc

    from sales_api.v1 import sales_status_pb2, sales_status_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{service_port}") as channel:
        stub = sales_status_pb2_grpc.SalesStatusServiceStub(channel)
        reply = stub.ListSalesStatuses(
            sales_status_pb2.ListSalesStatusesRequest(page_size=5, kind=1),
            timeout=5,
            metadata=[("authorization", "Bearer dev-only-token")],
        )
    table = Table("sales.v1.SalesStatusService/ListSalesStatuses", "state", "channel id")
    for status in reply.statuses:
        state = sales_status_pb2.SaleState.Name(status.state)
        table.add_row(f"car {status.sale.id}", state, str(status.channel_id))
    console.print(table)


def main() -> int:
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    env = base_env()
    step("Set up: the monolith's database (SQLite), seeded")
    manage("migrate", "-v0", env=env)
    manage("seed", "--sales", "300", env=env)
    service_port, monolith_port = free_port(), free_port()
    with ExitStack() as stack:
        service = start(
            [
                sys.executable,
                "-m",
                "carved_service",
                "--port",
                str(service_port),
                "--migrate",
                "--shared-database",
                f"sqlite:///{MONOLITH_DB}",
            ],
            env,
            ready="listening on",
        )
        stack.callback(stop, service)
        console.print(f"carved service on 127.0.0.1:{service_port} (shared-DB stage)")
        server = start(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{monolith_port}"],
            env,
            ready="Quit the server",
        )
        stack.callback(stop, server)
        monolith = Monolith(monolith_port)
        monolith.wait()
        console.print(f"monolith on http://127.0.0.1:{monolith_port}")
        show_controllers(monolith)
        show_status_rule(monolith)
        show_service(service_port)
    step("Done: both processes stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
