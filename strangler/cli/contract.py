"""``manage.py strangler contract``: breaking changes of the protos against the released API."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from strangler import contract
from strangler.cli import Failure

HELP = "List breaking changes of the protos against the committed baseline (exit 1 if any)."


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--protos", default="protos", metavar="DIR", help="the proto tree to check (protos/)"
    )
    parser.add_argument(
        "--baseline",
        default="protos/baseline.binpb",
        metavar="FILE",
        help="descriptor set of the last released API (protos/baseline.binpb)",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="accept the current API: write its descriptor set to the baseline",
    )


def run(options: dict[str, Any], out: Any) -> int:
    protos, baseline = Path(options["protos"]), Path(options["baseline"])
    if not protos.is_dir():
        raise Failure(f"no proto tree at {protos}")
    try:
        current = contract.build(protos)
    except contract.ContractError as exc:
        raise Failure(str(exc)) from None
    if options["update_baseline"]:
        accepted = []
        if baseline.exists():
            accepted = contract.breaking_changes(contract.read(baseline), current)
        for change in accepted:
            out.write(f"accepted: {change}")
        baseline.write_bytes(current.SerializeToString())
        out.write(f"baseline {baseline} now holds the API of {protos} ({_size(current)})")
        return 0
    if not baseline.exists():
        raise Failure(f"no baseline at {baseline}; accept the current API with --update-baseline")
    changes = contract.breaking_changes(contract.read(baseline), current)
    for change in changes:
        out.write(change)
    if changes:
        return 1
    out.write(f"no breaking changes against {baseline} ({_size(current)})")
    return 0


def _size(fds: contract.FDS) -> str:
    files = [f for f in fds.file if not f.name.startswith(contract.WELL_KNOWN)]
    services = sum(len(f.service) for f in files)
    methods = sum(len(s.method) for f in files for s in f.service)
    return f"{services} services, {methods} methods"
