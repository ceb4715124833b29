"""``manage.py strangler <subcommand>``: every carve-out action from the terminal."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType

from django.core.management.base import BaseCommand, CommandParser

from strangler import cli


def subcommands() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"strangler.cli.{info.name}")
        if hasattr(module, "run"):
            found[getattr(module, "NAME", info.name.replace("_", "-"))] = module
    return dict(sorted(found.items()))


class Command(BaseCommand):
    help = "Carve-out control: routes, version gate, shadow evidence, DB split."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        for name, module in subcommands().items():
            child = sub.add_parser(name, help=module.HELP, description=module.HELP)
            module.add_arguments(child)
            child.set_defaults(module=module)

    def handle(self, *args, **options) -> None:
        try:
            code = options["module"].run(options, self.stdout)
        except cli.Failure as exc:
            self.stderr.write(f"strangler {options['subcommand']}: {exc}")
            sys.exit(1)
        if code:
            sys.exit(code)
