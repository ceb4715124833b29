"""``strangler contract``: each kind of breaking change is flagged, safe changes pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strangler import contract
from tests.commands import strangler

BASE = """
syntax = "proto3";
package shop.v1;

enum Kind {
  KIND_UNSPECIFIED = 0;
  KIND_WEB = 1;
  KIND_STORE = 2;
}

message Item {
  int64 id = 1;
  string name = 2;
  Kind kind = 3;
  repeated string tags = 4;
  message Price { int64 cents = 1; }
  Price price = 5;
}

message GetItemRequest { int64 id = 1; }
message ListItemsRequest { int32 page_size = 1; }
message ListItemsResponse { repeated Item items = 1; }

service ItemService {
  rpc GetItem(GetItemRequest) returns (Item);
  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);
}

service AdminService {
  rpc Purge(GetItemRequest) returns (Item);
}
"""


def changes(tmp_path: Path, *edits: tuple[str, str]) -> list[str]:
    old, new = tmp_path / "old", tmp_path / "new"
    for tree, text in ((old, BASE), (new, _edit(BASE, edits))):
        (tree / "shop" / "v1").mkdir(parents=True)
        (tree / "shop" / "v1" / "shop.proto").write_text(text)
    return contract.breaking_changes(contract.build(old), contract.build(new))


def _edit(text: str, edits: tuple[tuple[str, str], ...]) -> str:
    for before, after in edits:
        assert before in text, before
        text = text.replace(before, after)
    return text


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            ("service AdminService {\n  rpc Purge(GetItemRequest) returns (Item);\n}", ""),
            "service shop.v1.AdminService removed or renamed",
        ),
        (
            ("  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);\n", ""),
            "method shop.v1.ItemService/ListItems removed or renamed",
        ),
        (
            ("rpc GetItem(", "rpc FetchItem("),
            "method shop.v1.ItemService/GetItem removed or renamed",
        ),
        (
            ("rpc GetItem(GetItemRequest)", "rpc GetItem(ListItemsRequest)"),
            "method shop.v1.ItemService/GetItem: request type changed from "
            "shop.v1.GetItemRequest to shop.v1.ListItemsRequest",
        ),
        (
            ("returns (ListItemsResponse)", "returns (Item)"),
            "method shop.v1.ItemService/ListItems: response type changed from "
            "shop.v1.ListItemsResponse to shop.v1.Item",
        ),
        (
            ("  string name = 2;\n", ""),
            "field shop.v1.Item.name (2) removed without reserving its number and name",
        ),
        (
            ("  string name = 2;\n", "  reserved 2;\n"),
            "field shop.v1.Item.name (2) removed without reserving its number and name",
        ),
        (
            ("string name = 2;", "string name = 6;"),
            "field shop.v1.Item.name (2): number changed from 2 to 6",
        ),
        (
            ("int64 id = 1;\n  string name", "string id = 1;\n  string name"),
            "field shop.v1.Item.id (1): type changed from int64 to string",
        ),
        (
            ("Price { int64 cents = 1; }", "Price { int32 cents = 1; }"),
            "field shop.v1.Item.Price.cents (1): type changed from int64 to int32",
        ),
        (
            ("repeated string tags = 4;", "string tags = 4;"),
            "field shop.v1.Item.tags (4): label changed from repeated to singular",
        ),
        (
            ("  KIND_STORE = 2;\n", ""),
            "enum value shop.v1.Kind.KIND_STORE (2) removed",
        ),
    ],
    ids=[
        "removed-service",
        "removed-method",
        "renamed-method",
        "request-type",
        "response-type",
        "removed-field",
        "removed-field-name-not-reserved",
        "field-number",
        "field-type",
        "nested-field-type",
        "field-label",
        "removed-enum-value",
    ],
)
def test_each_breaking_change_is_flagged(tmp_path, edit, expected):
    assert changes(tmp_path, edit) == [expected]


@pytest.mark.parametrize(
    "edits",
    [
        [("  repeated string tags = 4;\n", "  repeated string tags = 4;\n  bool sold = 6;\n")],
        [
            (
                "service AdminService {\n",
                "service AdminService {\n  rpc Count(GetItemRequest) returns (Item);\n",
            )
        ],
        [("  string name = 2;\n", '  reserved 2;\n  reserved "name";\n')],
        [("  KIND_STORE = 2;\n", '  reserved 2;\n  reserved "KIND_STORE";\n')],
        [("  KIND_STORE = 2;\n", "  KIND_STORE = 2;\n  KIND_PARTNER = 3;\n")],
        [("}\n\nservice ItemService", "}\nmessage Extra { int32 x = 1; }\n\nservice ItemService")],
    ],
    ids=[
        "new-field",
        "new-method",
        "reserved-field",
        "reserved-enum-value",
        "new-enum-value",
        "new-message",
    ],
)
def test_safe_changes_pass(tmp_path, edits):
    assert changes(tmp_path, *edits) == []


def test_the_command_checks_a_tree_against_the_baseline_and_updates_it(tmp_path):
    protos = Path(__file__).resolve().parents[2] / "protos"
    assert strangler("contract", "--protos", str(protos))[0] == 0  # the committed API
    tree = tmp_path / "protos"
    shutil.copytree(protos, tree)
    channels = tree / "sales_api" / "v1" / "channels.proto"
    channels.write_text(
        channels.read_text()
        .replace("  rpc DeleteChannel(DeleteChannelRequest) returns (DeleteChannelResponse);\n", "")
        .replace("  string code = 2;  // unique, stable, lowercase [a-z0-9-]\n", "")
    )
    code, out, _ = strangler("contract", "--protos", str(tree))
    assert code == 1
    assert out.splitlines() == [
        "method sales.v1.ChannelService/DeleteChannel removed or renamed",
        "field sales.v1.Channel.code (2) removed without reserving its number and name",
    ]
    baseline = tmp_path / "baseline.binpb"
    shutil.copy(protos / "baseline.binpb", baseline)
    code, out, _ = strangler(
        "contract", "--protos", str(tree), "--baseline", str(baseline), "--update-baseline"
    )
    assert code == 0 and "accepted: method sales.v1.ChannelService/DeleteChannel" in out
    assert strangler("contract", "--protos", str(tree), "--baseline", str(baseline))[0] == 0


def test_a_missing_baseline_or_a_broken_proto_is_one_line(tmp_path):
    code, _, err = strangler("contract", "--baseline", str(tmp_path / "none.binpb"))
    assert code == 1 and "--update-baseline" in err and len(err.strip().splitlines()) == 1
    (tmp_path / "bad.proto").write_text("syntax = 'proto3'; message {")
    code, _, err = strangler("contract", "--protos", str(tmp_path))
    assert code == 1 and "protoc cannot compile" in err
