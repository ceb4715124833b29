"""The API contract: breaking changes between the last released API and the current protos.

Both sides are ``FileDescriptorSet``s (what ``protoc --descriptor_set_out --include_imports``
writes): the released one is committed as a baseline, the current one is built from the
``.proto`` files. A change is breaking when a client built against the baseline, or a
monolith still calling it, would fail or misread messages:

- a service or a method removed (a rename is a removal);
- a method's request or response type, or its streaming, changed;
- a field removed without reserving both its number and its name;
- a field's number, type or label (singular / repeated) changed;
- an enum value removed without reserving its number and name.

New services, methods, fields and enum values are safe. Well-known types
(``google/protobuf/*``) are not compared: protoc ships them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import grpc_tools
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

FDS = descriptor_pb2.FileDescriptorSet
Field = descriptor_pb2.FieldDescriptorProto

WELL_KNOWN = "google/protobuf/"


class ContractError(Exception):
    """The protos cannot be read (a syntax error, a missing import); one line."""


def build(proto_dir: Path) -> FDS:
    """The descriptor set of every ``.proto`` under ``proto_dir`` (imports resolved there)."""
    protos = sorted(str(p.relative_to(proto_dir)) for p in proto_dir.rglob("*.proto"))
    if not protos:
        raise ContractError(f"no .proto files under {proto_dir}")
    include = Path(grpc_tools.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api.binpb"
        args = [
            "protoc",
            f"-I{proto_dir}",
            f"-I{include}",
            f"--descriptor_set_out={out}",
            "--include_imports",
            *protos,
        ]
        if protoc.main(args) != 0:
            raise ContractError(f"protoc cannot compile the protos under {proto_dir} (see above)")
        return read(out)


def read(path: Path) -> FDS:
    found = FDS()
    found.ParseFromString(path.read_bytes())
    return found


def breaking_changes(old: FDS, new: FDS) -> list[str]:
    """One line per change of ``new`` that breaks callers of ``old``."""
    before, after = _Index(old), _Index(new)
    changes: list[str] = []
    for name, service in before.services.items():
        if name not in after.services:
            changes.append(f"service {name} removed or renamed")
            continue
        changes.extend(_methods(name, service, after.services[name]))
    for name, message in before.messages.items():
        if name in after.messages:
            changes.extend(_fields(name, message, after.messages[name]))
    for name, enum in before.enums.items():
        if name in after.enums:
            changes.extend(_enum_values(name, enum, after.enums[name]))
    return changes


class _Index:
    """Services, messages and enums of a descriptor set by fully qualified name."""

    def __init__(self, fds: FDS) -> None:
        self.services: dict[str, descriptor_pb2.ServiceDescriptorProto] = {}
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}
        for file in fds.file:
            if file.name.startswith(WELL_KNOWN):
                continue
            prefix = f"{file.package}." if file.package else ""
            for service in file.service:
                self.services[prefix + service.name] = service
            for enum in file.enum_type:
                self.enums[prefix + enum.name] = enum
            for name, message in _nested(prefix, file.message_type):
                self.messages[name] = message
                for enum in message.enum_type:
                    self.enums[f"{name}.{enum.name}"] = enum


def _nested(prefix: str, messages) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    for message in messages:
        name = prefix + message.name
        yield name, message
        yield from _nested(f"{name}.", message.nested_type)


def _methods(service_name: str, old, new) -> Iterator[str]:
    current = {m.name: m for m in new.method}
    for method in old.method:
        name = f"{service_name}/{method.name}"
        found = current.get(method.name)
        if found is None:
            yield f"method {name} removed or renamed"
            continue
        for what, a, b in (
            ("request type", method.input_type, found.input_type),
            ("response type", method.output_type, found.output_type),
        ):
            if a != b:
                yield f"method {name}: {what} changed from {a.lstrip('.')} to {b.lstrip('.')}"
        if (method.client_streaming, method.server_streaming) != (
            found.client_streaming,
            found.server_streaming,
        ):
            yield f"method {name}: streaming changed"


def _fields(message_name: str, old, new) -> Iterator[str]:
    by_number = {f.number: f for f in new.field}
    by_name = {f.name: f for f in new.field}
    reserved_names = set(new.reserved_name)
    for field in old.field:
        label = f"field {message_name}.{field.name} ({field.number})"
        found = by_number.get(field.number)
        if found is None:
            renumbered = by_name.get(field.name)
            if renumbered is not None:
                yield f"{label}: number changed from {field.number} to {renumbered.number}"
            elif not (
                any(r.start <= field.number < r.end for r in new.reserved_range)
                and field.name in reserved_names
            ):
                yield f"{label} removed without reserving its number and name"
            continue
        if _type(field) != _type(found):
            yield f"{label}: type changed from {_type(field)} to {_type(found)}"
        if _label(field) != _label(found):
            yield f"{label}: label changed from {_label(field)} to {_label(found)}"


def _type(field: Field) -> str:
    if field.type_name:
        return field.type_name.lstrip(".")
    return Field.Type.Name(field.type).removeprefix("TYPE_").lower()


def _label(field: Field) -> str:
    return "repeated" if field.label == Field.LABEL_REPEATED else "singular"


def _enum_values(enum_name: str, old, new) -> Iterator[str]:
    numbers = {v.number for v in new.value}
    reserved_names = set(new.reserved_name)
    for value in old.value:
        if value.number in numbers:
            continue
        # Enum reserved ranges include their end, unlike message ones.
        reserved = any(r.start <= value.number <= r.end for r in new.reserved_range)
        if not (reserved and value.name in reserved_names):
            yield f"enum value {enum_name}.{value.name} ({value.number}) removed"
