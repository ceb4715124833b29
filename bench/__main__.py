"""Run one benchmark module of this package: ``python -m bench NAME [options]``.

A benchmark module defines ``main(argv: list[str]) -> dict`` and prints its figures as it
goes; the dict it returns is printed last as one JSON line. Figures are ratios against a
baseline measured in the same run, because absolute speeds drift between runs here.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import bench


def available() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )


def main() -> int:
    names = available()
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        print(f"usage: python -m bench {{{','.join(names)}}} [options]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{sys.argv[1]}")
    figures = module.main(sys.argv[2:])
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
