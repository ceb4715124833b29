"""``manage.py strangler service-info``: what the live service serves, and which routes it
could take now."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rich.console import Console
from rich.table import Table

from strangler import conf, gate
from strangler.cli import Failure
from strangler.client import service_info
from strangler.errors import ServiceUnavailable
from strangler.models import Route
from strangler.routing.names import RouteKey, declared_routes

HELP = "Show what the live service serves and, per route, whether it could be switched now."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--service", help="only this service (a name in STRANGLER_SERVICE_TARGETS; default all)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(options: dict[str, Any], out: Any) -> int:
    services = sorted(conf.get("SERVICE_TARGETS"))
    if options["service"]:
        if options["service"] not in services:
            raise Failure(f"unknown service {options['service']!r}; known: {', '.join(services)}")
        services = [options["service"]]
    reports = [_report(service) for service in services]
    if options["json"]:
        out.write(json.dumps({"services": reports}, indent=2))
    else:
        _print(reports, out)
    return 0


def _report(service: str) -> dict[str, Any]:
    try:
        info = service_info.live(service)
    except (ServiceUnavailable, ImproperlyConfigured) as exc:
        raise Failure(str(exc)) from None
    from strangler.usecases import registry

    modes = {
        RouteKey(use_case, controller): mode
        for use_case, controller, mode in Route.objects.values_list(
            "use_case", "controller", "mode"
        )
    }
    routes = []
    for key in declared_routes():
        use_case = registry.get(key.use_case)
        if use_case is None or use_case.service != service:
            continue
        verdict = gate.judge(use_case, info)
        routes.append(
            {
                "route": key.name,
                "mode": modes.get(key, "local"),
                "needs": [
                    {"method": method, "min_version": minimum}
                    for method, minimum in gate.requirements(use_case)
                ],
                "switchable": verdict.open,
                "lacks": list(verdict.lacks),
            }
        )
    return {
        "service": service,
        "target": info.target,
        "addresses": list(info.addresses),
        "version": info.version,
        "build_id": info.build_id,
        "methods": sorted(info.methods),
        "routes": routes,
    }


def _print(reports: list[dict[str, Any]], out: Any) -> None:
    console = Console(file=out, width=160, force_terminal=False, color_system=None)
    for report in reports:
        console.print(
            f"{report['service']} service at {report['target']} "
            f"({', '.join(report['addresses'])}): version {report['version'] or 'unknown'}, "
            f"build {report['build_id'] or 'none'}"
        )
        served = Table(title="served methods", title_justify="left")
        served.add_column("method", no_wrap=True)
        for method in report["methods"]:
            served.add_row(method)
        console.print(served)
        routes = Table(
            title="routes: could each be switched to the service now?", title_justify="left"
        )
        for column in ("route", "mode", "switchable now", "lacks"):
            routes.add_column(column, overflow="fold")
        for route in report["routes"]:
            routes.add_row(
                route["route"],
                route["mode"],
                "yes" if route["switchable"] else "NO",
                ", ".join(route["lacks"]),
            )
        console.print(routes)
