"""Regenerate the Python stubs of every .proto under protos/.

The stubs are committed so that the code reads without a build step; ``--check``
(run by CI) fails when they are not what the .proto files produce today.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PROTO_ROOT.parent


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on every .proto file; return the generated paths relative to out_dir."""
    protos = sorted(p.relative_to(PROTO_ROOT) for p in PROTO_ROOT.rglob("*.proto"))
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *map(str, protos),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    generated = []
    for proto in protos:
        stem = proto.with_suffix("")
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            generated.append(Path(f"{stem}{suffix}"))
        for parent in proto.parents:
            if parent != Path("."):
                init = out_dir / parent / "__init__.py"
                init.touch()
    return generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if committed stubs are stale")
    options = parser.parse_args()
    if not options.check:
        generate(REPO_ROOT)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [
            p
            for p in generate(Path(tmp))
            if not (REPO_ROOT / p).exists()
            or not filecmp.cmp(Path(tmp) / p, REPO_ROOT / p, shallow=False)
        ]
    for path in stale:
        print(f"stale generated stub: {path} (run: python protos/generate.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
