"""Run the sales service: ``python -m carved_service --port 50051``."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import NoReturn


class _Parser(argparse.ArgumentParser):
    """Report a bad option in one line, as every other command here does; --help has usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m carved_service",
        description="The sales service (sales statuses and channels) carved out of the monolith.",
    )
    parser.add_argument(
        "--bind", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=50051, help="port; 0 picks a free one (default 50051)"
    )
    parser.add_argument("--workers", type=int, default=8, help="worker threads (default 8)")
    parser.add_argument(
        "--database",
        metavar="URL",
        help="the service's own database, e.g. postgres://user@host/db or sqlite:///file "
        "(default: $CARVED_DATABASE_URL or var/carved_service.sqlite3)",
    )
    parser.add_argument(
        "--shared-database",
        metavar="URL",
        help="the monolith's database, whose channel and status tables the service uses "
        "while the database is still shared (default: $CARVED_SHARED_DATABASE_URL)",
    )
    parser.add_argument(
        "--migrate", action="store_true", help="apply migrations to the own database first"
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        metavar="PORT",
        help="serve Prometheus metrics over HTTP on this port (0 picks a free one; default off)",
    )
    parser.add_argument(
        "--grace", type=float, default=10.0, help="seconds in-flight calls get on SIGTERM"
    )
    parser.add_argument(
        "--disable-rpc",
        action="append",
        default=[],
        metavar="METHOD",
        help="answer this method (pkg.Service/Method) UNIMPLEMENTED and leave it out of "
        "ServiceInfo, as a build without it would; repeatable (for rehearsals and tests)",
    )
    options = parser.parse_args(argv)
    if not 0 <= options.port <= 65535:
        parser.error("--port must be between 0 and 65535")
    if options.metrics_port is not None and not 0 <= options.metrics_port <= 65535:
        parser.error("--metrics-port must be between 0 and 65535")
    if options.workers < 1:
        parser.error("--workers must be at least 1")
    if options.grace < 0:
        parser.error("--grace must be 0 or more seconds")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.database:
        os.environ["CARVED_DATABASE_URL"] = options.database
    if options.shared_database:
        os.environ["CARVED_SHARED_DATABASE_URL"] = options.shared_database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carved_service.settings")

    import django

    try:
        django.setup()  # reads the database URLs
    except ValueError as exc:
        return _fail(f"bad database URL: {exc}")
    from django.db import DatabaseError

    from carved_service import server

    if options.migrate:
        from django.core.management import call_command

        try:
            call_command("migrate", verbosity=0)
        except DatabaseError as exc:
            return _fail(f"cannot migrate: {str(exc).strip().splitlines()[0]}")
    from django.conf import settings

    if settings.AUTH_TOKENS == settings.DEV_AUTH_TOKENS:
        if not _is_loopback(options.bind):
            return _fail(
                f"refusing to serve the development tokens on {options.bind}: "
                "set CARVED_AUTH_TOKENS (they are public; loopback only)"
            )
        print(
            "carved_service: CARVED_AUTH_TOKENS is not set; accepting the development tokens "
            "only, on loopback (never do this in production)",
            file=sys.stderr,
        )
    from strangler.server.serve import stop_requested

    stop = stop_requested()
    try:
        if options.metrics_port is not None:
            metrics_port = server.serve_metrics(options.bind, options.metrics_port)
            print(f"carved_service metrics on {options.bind}:{metrics_port}", flush=True)
        running = server.start(
            bind=options.bind,
            port=options.port,
            workers=options.workers,
            disabled_rpcs=tuple(options.disable_rpc),
        )
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    print(
        f"carved_service {settings.VERSION} ({settings.BUILD_ID or 'no build id'}) serving "
        f"{len(running.served)} methods",
        flush=True,
    )
    print(f"carved_service listening on {options.bind}:{running.port}", flush=True)
    server.serve_until_signal(running, options.grace, stop)
    return 0


def _is_loopback(bind: str) -> bool:
    """Whether ``bind`` (an address or a host name) only listens on this machine."""
    if bind == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind.strip("[]")).is_loopback
    except ValueError:
        return False


def _fail(message: str) -> int:
    print(f"carved_service: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
