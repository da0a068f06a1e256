"""Records (engine/base/record.py) behave as the frozen, slotted dataclasses they replace: the same
fields, equality, hash, repr and ordering; `dataclasses.replace`, `fields` and `asdict` work; they
pickle (the cache), copy and stay frozen."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from engine.base.record import record
from engine.base.source import Span
from engine.language import ast as A


@record
class Node:
    name: str
    count: int
    span: Span = field(compare=False)
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Twin:  # the dataclass Node stands for
    name: str
    count: int
    span: Span = field(compare=False)
    note: str | None = None


@record
class Empty:
    span: Span = field(compare=False)


@record(order=True)
class Ordered:
    a: str
    b: int = 0


@record(eq=False)
class Identity:
    a: int


@record
class Child(Node):
    extra: tuple[int, ...] = ()


HERE = Span("f.casus", 1, 2, 1, 5)
THERE = Span("g.casus", 9, 1, 9, 2)


def test_fields_left_out_of_comparison_do_not_count() -> None:
    assert Node("x", 1, HERE) == Node("x", 1, THERE)
    assert hash(Node("x", 1, HERE)) == hash(Node("x", 1, THERE))
    assert Node("x", 1, HERE) != Node("x", 2, HERE)
    assert Node("x", 1, HERE) != Node("x", 1, HERE, "a note")
    assert Empty(HERE) == Empty(THERE) and hash(Empty(HERE)) == hash(Empty(THERE))


def test_equality_hash_and_repr_are_the_dataclass_ones() -> None:
    n, t = Node("x", 1, HERE, "n"), Twin("x", 1, HERE, "n")
    assert hash(n) == hash(t)  # dictionaries keyed by nodes hash them as before
    assert repr(n) == repr(t).replace("Twin", "Node")
    assert n != t  # another class, even with the same fields
    assert (n == t) is False and n.__eq__(t) is NotImplemented
    assert Node("x", 1, HERE) == Node(name="x", count=1, span=HERE, note=None)


def test_ordering() -> None:
    assert Ordered("a", 2) < Ordered("b") and Ordered("a", 1) <= Ordered("a", 1)
    assert sorted([Ordered("b"), Ordered("a", 3), Ordered("a", 1)]) == [Ordered("a", 1), Ordered("a", 3),
                                                                        Ordered("b")]
    spans = [THERE, HERE]
    assert sorted(spans) == [HERE, THERE]
    with pytest.raises(TypeError):
        assert Ordered("a") < ("a", 0)  # type: ignore[operator]


def test_identity_without_eq() -> None:
    a, b = Identity(1), Identity(1)
    assert a != b and a == a and hash(a) != hash(b)


def test_frozen_and_slotted() -> None:
    n = Node("x", 1, HERE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.name = "y"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del n.name  # type: ignore[misc]
    assert not hasattr(n, "__dict__")
    assert Node.__slots__ == ("name", "count", "span", "note")
    assert Child.__slots__ == ("extra",)


def test_dataclasses_functions_work_on_records() -> None:
    n = Node("x", 1, HERE)
    assert dataclasses.is_dataclass(n)
    assert [(f.name, f.compare) for f in dataclasses.fields(n)] == [("name", True), ("count", True),
                                                                    ("span", False), ("note", True)]
    assert [f.name for f in dataclasses.fields(n)] == [f.name for f in dataclasses.fields(Twin)]
    assert dataclasses.replace(n, count=2) == Node("x", 2, HERE)
    assert dataclasses.replace(n, span=THERE).span is THERE
    assert dataclasses.asdict(Ordered("a")) == {"a": "a", "b": 0}
    assert Node.__match_args__ == ("name", "count", "span", "note")


def test_a_field_called_self() -> None:
    @record
    class Odd:
        self: int
        other: int

    assert Odd(1, 2) == Odd(self=1, other=2) and Odd(1, 2).self == 1 and Odd(1, 2) != Odd(1, 3)


def test_inheritance() -> None:
    c = Child("x", 1, HERE, None, (1,))
    assert [f.name for f in dataclasses.fields(c)] == ["name", "count", "span", "note", "extra"]
    assert c == Child("x", 1, THERE, None, (1,)) and c != Child("x", 1, HERE)
    assert pickle.loads(pickle.dumps(c)) == c


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickles_and_copies(protocol: int) -> None:
    n = Node("x", 1, HERE, "n")
    back = pickle.loads(pickle.dumps(n, protocol))
    assert back == n and back.span == HERE and back.note == "n" and type(back) is Node
    assert copy.copy(n) == n and copy.deepcopy(n) == n


def test_the_library_round_trips_through_pickle(lib: Any) -> None:
    """The cache stores the checked library as a pickle of its nodes (engine/base/cache.py)."""
    back = pickle.loads(pickle.dumps(lib, pickle.HIGHEST_PROTOCOL))
    assert back == lib
    treaty = next(iter(lib.treaties.values()))
    assert [p.span for p in back.treaties[treaty.id].provisions] == [p.span for p in treaty.provisions]


def test_syntax_tree_nodes_are_records() -> None:
    for name in dir(A):
        cls = getattr(A, name)
        if isinstance(cls, type) and cls.__module__ == A.__name__:
            assert dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__, name
            assert all(not f.compare for f in dataclasses.fields(cls) if f.name.endswith(("span", "spans"))), name


def test_what_records_do_not_support_is_refused() -> None:
    with pytest.raises(TypeError):
        @record
        class Factory:
            items: list[int] = field(default_factory=list)
    with pytest.raises(TypeError):
        @record
        class NotInInit:
            a: int = field(init=False)
    with pytest.raises(ValueError):
        record(eq=False, order=True)


def test_class_variables_are_not_fields() -> None:
    @record
    class WithConstant:
        LIMIT: ClassVar[int] = 3
        a: int

    assert [f.name for f in dataclasses.fields(WithConstant)] == ["a"] and WithConstant(1).LIMIT == 3


def test_fields_named_like_what_the_methods_use() -> None:
    """The methods are templates renamed per class: a field may be called as the names inside
    them (`hash`, `other`, a placeholder `_f0`)."""
    @record(order=True)
    class Clash:
        _f1: int
        hash: str
        other: int
        _f0: int = 0

    c = Clash(1, "h", 2)
    assert (c._f1, c.hash, c.other, c._f0) == (1, "h", 2, 0)
    assert c == Clash(_f1=1, hash="h", other=2) and hash(c) == hash((1, "h", 2, 0)) and c < Clash(1, "h", 3)
    assert repr(c) == "test_fields_named_like_what_the_methods_use.<locals>.Clash(_f1=1, hash='h', other=2, _f0=0)"
    assert copy.deepcopy(Clash(5, "x", 6, 7)) == Clash(5, "x", 6, 7)  # through __reduce__


def test_a_field_without_a_default_cannot_follow_one_with_a_default() -> None:
    with pytest.raises(TypeError):
        @record
        class Wrong:
            a: int = 0
            b: int  # type: ignore[misc]


def test_the_arguments_are_checked_as_a_dataclass_checks_them() -> None:
    with pytest.raises(TypeError):
        Node("x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Node("x", 1, HERE, None, "more")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Node("x", 1, HERE, nope=2)  # type: ignore[call-arg]
    assert Node("x", 1, span=HERE, note="n").note == "n"
