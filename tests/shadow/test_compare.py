"""The comparison finds real differences and ignores noise: pure Python, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from strangler.errors import InvalidArgument, NotFound
from strangler.shadow.compare import EXACT, Outcome, Rules, compare

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Channel:
    id: int
    code: str
    name: str
    updated_at: datetime


def channel(id: int = 1, name: str = "Web", at: datetime = T0) -> Channel:
    return Channel(id=id, code=f"c{id}", name=name, updated_at=at)


def diff(local, remote, rules: Rules = EXACT):
    return compare(Outcome(value=local), Outcome(value=remote), rules)


def test_equal_values_agree():
    assert diff(channel(), channel()).equal


def test_a_changed_field_is_reported_by_path_with_both_values():
    result = diff(channel(name="Web"), channel(name="WEB"))
    assert not result.equal
    assert result.text() == "name: local 'Web', remote 'WEB'"


def test_ignored_fields_do_not_count_at_any_depth():
    later = T0 + timedelta(hours=1)
    rules = Rules(ignore=("updated_at",))
    assert diff([channel(at=T0)], [channel(at=later)], rules).equal
    assert not diff([channel(at=T0)], [channel(at=later)]).equal


def test_a_path_rule_only_applies_at_that_path():
    rules = Rules(ignore=("outer.name",))
    assert diff({"outer": {"name": 1}}, {"outer": {"name": 2}}, rules).equal
    assert not diff({"other": {"name": 1}}, {"other": {"name": 2}}, rules).equal


def test_timestamps_within_the_tolerance_agree_and_beyond_it_do_not():
    rules = Rules(time_tolerance=timedelta(milliseconds=5))
    assert diff(channel(at=T0), channel(at=T0 + timedelta(milliseconds=4)), rules).equal
    assert not diff(channel(at=T0), channel(at=T0 + timedelta(milliseconds=6)), rules).equal


def test_order_matters_unless_the_list_is_unordered():
    local, remote = [channel(1), channel(2)], [channel(2), channel(1)]
    assert not diff(local, remote).equal
    assert diff(local, remote, Rules(unordered=("*",))).equal


def test_keyed_unordered_lists_say_which_item_differs():
    rules = Rules(unordered=("channels",), item_keys={"channels": "id"})
    local = {"channels": [channel(1), channel(2, "Store")]}
    remote = {"channels": [channel(2, "Shop"), channel(1), channel(3)]}
    assert diff(local, remote, rules).text().splitlines() == [
        "channels[id=2].name: local 'Store', remote 'Shop'",
        "channels[id=3]: local has no such item, remote has this item",
    ]


def test_a_shorter_list_is_a_difference():
    assert diff([1, 2], [1, 2, 3]).text() == ".length: local 2, remote 3"


def test_a_custom_comparator_decides_at_its_path():
    rules = Rules(comparators={"name": lambda a, b: a.lower() == b.lower()})
    assert diff(channel(name="Web"), channel(name="WEB"), rules).equal


def test_tuples_and_lists_and_dicts_and_dataclasses_compare_by_content():
    assert diff({"a": (1, 2)}, {"a": [1, 2]}).equal
    assert diff(channel(), {"id": 1, "code": "c1", "name": "Web", "updated_at": T0}).equal
    assert not diff(True, 1).equal
    assert diff({"only_local": 1}, {}).text() == "only_local: local 1, remote has no such field"


def test_local_not_found_against_a_remote_value_is_a_mismatch():
    result = compare(Outcome(error=NotFound("channel 9 does not exist")), Outcome(value=channel()))
    assert not result.equal
    assert result.text().startswith(
        "(value): local raised NotFound('channel 9 does not exist'), remote returned Channel("
    )


def test_the_same_error_type_on_both_sides_agrees_and_different_types_do_not():
    assert compare(Outcome(error=NotFound("a")), Outcome(error=NotFound("b"))).equal
    assert not compare(Outcome(error=NotFound("a")), Outcome(error=InvalidArgument("a"))).equal


def test_outcome_of_captures_a_value_or_an_exception():
    assert Outcome.of(lambda: 3).value == 3

    def missing():
        raise NotFound("gone")

    assert isinstance(Outcome.of(missing).error, NotFound)


def test_one_kind_of_difference_has_one_fingerprint_whatever_the_values():
    rules = Rules(unordered=("*",), item_keys={"*": "id"})
    first = diff([channel(3, "a")], [channel(3, "b")], rules)
    second = diff([channel(4, "x")], [channel(4, "y")], rules)
    other = diff([channel(4, "x")], [channel(5, "x")], rules)
    assert first.fingerprint() == second.fingerprint()
    assert first.fingerprint() != other.fingerprint()
