"""The example carve-out, end to end, on SQLite files: ``make demo``.

Starts the carved service and the monolith as real processes on loopback, seeds data, and
walks through the carve-out in the order of the case notes, driving every step with the
same ``manage.py strangler`` commands a team would type, and printing what each one shows:

1. the monolith's controllers answer; the service answers from the shared tables;
2. the version gate: an older build of the service lacks an RPC, so switching is refused;
3. rollout stages 1-6: shadow first (evidence), then remote, per controller;
4. the kill switch sends everything back to the monolith at once;
5. the DB split: copy, sync, verify, reads and writes cutover, frozen old tables.
"""

from __future__ import annotations

import base64
import json
import os
import re
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
TOKEN = "dev-only-token"
# The monolith's processes re-read routes this often; the demo waits this long after a flip.
ROUTE_TTL = 0.5
WIDTH = 150
MISSING_IN_OLD_BUILD = "sales.v1.SalesStatusService/BatchGetSalesStatuses"

console = Console(width=WIDTH)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(service_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        STRANGLER_VAR_DIR=str(VAR),
        MONOLITH_DATABASE_URL=f"sqlite:///{MONOLITH_DB}",
        CARVED_DATABASE_URL=f"sqlite:///{SERVICE_DB}",
        MONOLITH_SALES_TARGET=f"127.0.0.1:{service_port}",
        MONOLITH_ROUTE_TABLE_TTL=str(ROUTE_TTL),
        MONOLITH_SHADOW_FLUSH_SECONDS="0.5",
        # A demo sends tens of requests, not the thousand a real rollout waits for.
        MONOLITH_READINESS_MIN_COMPARED="20",
        PYTHONUNBUFFERED="1",
        COLUMNS=str(WIDTH),
    )
    return env


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True)


def strangler(*args: str, env: dict[str, str], expect: int = 0) -> str:
    """Run ``manage.py strangler ...`` as a person would, show it, and check its exit code."""
    console.print(f"[bold cyan]$ python manage.py strangler {' '.join(_quoted(args))}")
    done = subprocess.run(
        [sys.executable, "manage.py", "strangler", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    output = (done.stdout + done.stderr).rstrip()
    if output:
        print(output, flush=True)
    if done.returncode != expect:
        raise RuntimeError(f"strangler {args[0]} exited {done.returncode}, expected {expect}")
    if expect:
        console.print(f"[dim](exit code {done.returncode}: refused, nothing changed)")
    return done.stdout


def _quoted(args: tuple[str, ...]) -> list[str]:
    return [f"'{a}'" if re.search(r"[\s*:]", a) else a for a in args]


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


def start_service(port: int, env: dict[str, str], *extra: str) -> subprocess.Popen:
    return start(
        [
            sys.executable,
            "-m",
            "carved_service",
            "--port",
            str(port),
            "--migrate",
            "--shared-database",
            f"sqlite:///{MONOLITH_DB}",
            *extra,
        ],
        env,
        ready="listening on",
    )


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

    def traffic(self, paths: list[str], rounds: int) -> None:
        """Browse like users do, so that shadow runs have requests to compare."""
        for _ in range(rounds):
            for path in paths:
                code, _ = self.call("GET", path)
                if code != 200:
                    raise RuntimeError(f"GET {path} answered {code}")
                # Users leave gaps between requests; shadow work runs in them (a saturated
                # process drops it instead: STRANGLER_SHADOW_WHEN_BUSY).
                time.sleep(0.01)


class ServiceCalls:
    """Counts of the RPCs the service handled, from its Prometheus endpoint."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/metrics"

    def total(self) -> int:
        with urllib.request.urlopen(self.url, timeout=5) as response:
            text = response.read().decode()
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("strangler_grpc_server_calls_total{") and "sales.v1." in line
            )
        )


def step(title: str) -> None:
    console.print()
    console.rule(f"[bold]{title}")


def settle() -> None:
    """Let the monolith's server see a flip (its route table lives ROUTE_TTL seconds)."""
    time.sleep(ROUTE_TTL + 0.3)


def show_controllers(monolith: Monolith) -> None:
    step("1. The monolith's controllers answer")
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


def show_status_rule(monolith: Monolith, title: str) -> int:
    """Create a car, sell it, try to change its price: the rule lives with the status."""
    code, car = monolith.call("POST", "/api/cars/add/", {"title": title, "price": "15000"})
    if code != 201:
        raise RuntimeError(f"POST /api/cars/add/ answered {code}: {car}")
    console.print(f"POST /api/cars/add/ -> {code}, state {car['sales_status']['state']}")
    path = f"/api/cars/{car['id']}/change/"
    for change in ({"state": "on_sale"}, {"state": "sold"}, {"price": "9999"}):
        code, answer = monolith.call("POST", path, change)
        outcome = answer.get("error") or f"state {answer['sales_status']['state']}"
        console.print(f"POST {path} {json.dumps(change)} -> {code}: {outcome}")
    return car["id"]


def show_service(service_port: int) -> None:
    import grpc

    from sales_api.v1 import sales_status_pb2, sales_status_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{service_port}") as channel:
        stub = sales_status_pb2_grpc.SalesStatusServiceStub(channel)
        reply = stub.ListSalesStatuses(
            sales_status_pb2.ListSalesStatusesRequest(page_size=5, kind=1),
            timeout=5,
            metadata=[("authorization", f"Bearer {TOKEN}")],
        )
    table = Table("sales.v1.SalesStatusService/ListSalesStatuses", "state", "channel id")
    for status in reply.statuses:
        state = sales_status_pb2.SaleState.Name(status.state)
        table.add_row(f"car {status.sale.id}", state, str(status.channel_id))
    console.print(table)


def version_gate(env: dict[str, str], service_port: int) -> None:
    step("2. The version gate: never switch to a service that lacks an RPC")
    strangler("service-info", env=env)
    old_port = free_port()
    console.print(
        f"An older build of the service, without {MISSING_IN_OLD_BUILD}, on 127.0.0.1:{old_port}:"
    )
    old = start_service(old_port, env, "--disable-rpc", MISSING_IN_OLD_BUILD)
    try:
        old_env = {**env, "MONOLITH_SALES_TARGET": f"127.0.0.1:{old_port}"}
        strangler(
            "route", "stage:3", "--mode", "shadow", "--reason", "car reads", env=old_env, expect=1
        )
    finally:
        stop(old)
    console.print("The case notes' incident cannot happen: nothing was switched.")


def rollout(env: dict[str, str], monolith: Monolith, calls: ServiceCalls) -> None:
    step("3. Stage 1, channel reads: shadow first, then remote")
    strangler("route", "stage:1", "--mode", "shadow", "--reason", "compare channel reads", env=env)
    settle()
    monolith.traffic(["/api/channels/", "/api/channels/1/", "/api/channels/2/"], rounds=10)
    time.sleep(1.5)  # the shadow pool compares off the request path, then saves its evidence
    strangler("status", "--route", "channels.read:*", env=env)
    strangler("route", "stage:1", "--mode", "remote", "--reason", "no mismatches", env=env)
    settle()
    before = calls.total()
    monolith.traffic(["/api/channels/1/"], rounds=5)
    console.print(f"5 GET /api/channels/1/ -> the service handled {calls.total() - before} RPCs")

    step("3. Stages 2-6: channel writes, car, bike and toy sales, the report job")
    strangler(
        "route", "stage:2", "--mode", "remote-fallback", "--reason", "channel writes", env=env
    )
    strangler(
        "route", "sales_status.read:*", "--mode", "shadow", "--reason", "compare reads", env=env
    )
    settle()
    monolith.traffic(["/api/cars/?page_size=50", "/api/bikes/", "/api/toys/1/"], rounds=8)
    for number in (2, 3, 4, 5, 6):
        strangler("route", f"stage:{number}", "--mode", "remote", "--reason", "rolled out", env=env)
    settle()
    before = calls.total()
    console.print("The status rule, now enforced by the service:")
    show_status_rule(monolith, "Remote roadster")
    console.print(f"the service handled {calls.total() - before} RPCs for those requests")
    strangler("routes", env=env)

    step("4. The kill switch: every route back to the monolith at once")
    strangler("kill", "--reason", "demo: service misbehaves", env=env)
    settle()
    before = calls.total()
    monolith.traffic(["/api/cars/?page_size=20", "/api/channels/1/"], rounds=3)
    console.print(f"6 requests while killed -> the service handled {calls.total() - before} RPCs")
    strangler("kill", "--off", "--reason", "demo: fixed", env=env)


def db_split(env: dict[str, str], monolith: Monolith) -> None:
    step("5. The DB split: the service gets its own database, one reversible stage at a time")
    strangler("split", "status", env=env)
    strangler("split", "advance", "--reason", "start the copy", env=env)  # -> copy
    strangler("split", "copy", "--batch-size", "100", env=env)
    console.print("Writes keep arriving during the split (captured by triggers, then synced):")
    show_status_rule(monolith, "Split-time roadster")
    strangler("split", "advance", "--to", "verified", "--reason", "skip sync?", env=env, expect=1)
    strangler("split", "advance", "--reason", "copy done", env=env)  # -> sync
    strangler("split", "advance", "--reason", "in sync", env=env)  # -> verified
    strangler("split", "verify", env=env)
    strangler("split", "advance", "--reason", "service reads its own DB", env=env)
    strangler("split", "advance", "--reason", "service writes its own DB", env=env)
    settle()
    show_status_rule(monolith, "Own-database roadster")
    strangler("split", "advance", "--reason", "freeze the old tables", env=env)  # -> frozen
    console.print("A monolith write that leaked past the use cases now fails loudly:")
    leak = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from monolith.sales.models import SalesStatus; "
            "SalesStatus.objects.filter(pk=1).update(state='sold')",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    last = (leak.stderr.strip().splitlines() or ["(no error?)"])[-1]
    console.print(
        f"[bold cyan]$ python manage.py shell -c 'SalesStatus...update(...)'[/] -> {last}"
    )
    strangler("split", "rollback", "--reason", "show that frozen is reversible", env=env)
    strangler("split", "advance", "--reason", "freeze again", env=env)
    strangler("split", "cleanup", env=env, expect=1)
    strangler("split", "status", env=env)


def main() -> int:
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    service_port, metrics_port, monolith_port = free_port(), free_port(), free_port()
    env = base_env(service_port)
    step("Set up: the monolith's database (SQLite), seeded")
    manage("migrate", "-v0", env=env)
    manage("seed", "--sales", "300", env=env)
    with ExitStack() as stack:
        service = start_service(service_port, env, "--metrics-port", str(metrics_port))
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
        step("1. A rule that depends on the sales status (served by the monolith)")
        show_status_rule(monolith, "Demo roadster")
        step("1. The carved service answers from the same (shared) tables")
        show_service(service_port)
        version_gate(env, service_port)
        rollout(env, monolith, ServiceCalls(metrics_port))
        db_split(env, monolith)
    step("Done: both processes stopped; the databases are in var/demo/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
