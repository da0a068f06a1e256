"""engine/kernel/conditions.py (and the structure beside it in engine/language/ast.py): each
capability of the condition language on small conditions written in the language, with a case
per node kind."""

from __future__ import annotations

import pytest

from engine.base.errors import Diagnostics
from engine.kernel import conditions as C
from engine.language import ast as A
from engine.language.library import parse_text
from engine.language.render import cond as render

TREATY = """\
treaty t "T" {{
  parties RU, BY
  in force 2020-01-01
  provision q "q" article "1" {{
    when armed_attack(on: X)
    then each other party must assist(to: X)
  }}
  provision p "p" article "2" {{
    when {when}
    then each other party must assist(to: X)
  }}
}}
"""


def parse(text: str) -> A.Cond:
    """The trigger of a provision written `when <text>`, as the language builds it."""
    diags = Diagnostics()
    doc = parse_text("t.casus", TREATY.format(when=text), diags)
    diags.raise_if_any()
    assert doc is not None
    treaty = doc.items[0]
    assert isinstance(treaty, A.TreatyDecl)
    when = treaty.provisions[1].when
    assert when is not None
    return when


# one condition per node kind, each with the name the kernel gives that kind
FACT = "armed_attack(by: Y, on: X)"
ONGOING = "occupation(by: Y, of: X) ongoing"
WITHIN = "request(by: X, to: Y) within 3 days after armed_attack(by: Z, on: X)"
AFTER = "request(by: X) after armed_attack(on: X)"
BEFORE = "request(by: X) before armed_attack(on: X)"
AREA = "armed_attack(on: X, at: A) and A in scope s"
REGION = "armed_attack(on: X, at: A) and A in region europe"
PARTIES = "armed_attack(by: Y, on: X) and Y in parties"
STATE = "q fulfilled for X by Y"
AND = "armed_attack(on: X) and request(by: X)"
OR = "armed_attack(on: X) or request(by: X)"
NOT = "armed_attack(on: X) and not request(by: X, to: Y)"

KIND_OF = [
    (FACT, A.Occurred, "fact"), (ONGOING, A.Ongoing, "ongoing"), (WITHIN, A.Temporal, "temporal"),
    (AFTER, A.Temporal, "temporal"), (BEFORE, A.Temporal, "temporal"), (STATE, A.StateRef, "state"),
    (AND, A.And, "and"), (OR, A.Or, "or"),
]


@pytest.mark.parametrize(("text", "cls", "name"), KIND_OF)
def test_kind_names_each_node_kind(text: str, cls: type, name: str) -> None:
    c = parse(text)
    assert isinstance(c, cls)
    assert C.kind(c).name == name


def test_kind_of_the_tests_and_negation() -> None:
    area, parties, neg = (parse(t).items[1] for t in (AREA, PARTIES, NOT))  # type: ignore[union-attr]
    assert (C.kind(area).name, C.kind(parties).name, C.kind(neg).name) == ("area", "parties", "not")
    assert set(C.KINDS) == {A.Occurred, A.Ongoing, A.Temporal, A.InArea, A.InParties, A.IsWho, A.PlaceOf, A.StateRef,
                            A.And, A.Or, A.Not}
    # who acted: a test that binds nothing and holds for good once it holds
    assert (C.KINDS[A.IsWho].test, C.KINDS[A.IsWho].monotone, C.KINDS[A.IsWho].treaty) == (True, True, False)


def test_the_checker_orders_the_same_tests_as_the_kernel() -> None:
    # the checker (below the kernel) binds the parts of an `and` before its tests, as the solver
    # does: both must call the same node kinds tests
    from engine.language.library import TESTS

    assert set(TESTS) == {cls for cls, k in C.KINDS.items() if k.test}


def test_children_and_nodes() -> None:
    c = parse(NOT)
    assert isinstance(c, A.And)
    assert C.children(c) == c.items
    neg = c.items[1]
    assert C.children(neg) == (neg.item,)  # type: ignore[union-attr]
    assert C.children(c.items[0]) == ()
    assert [render(n) for n in C.nodes(c, A.Occurred)] == ["armed_attack(on: X)", "request(by: X, to: Y)"]
    assert C.nodes(c, A.StateRef) == []
    assert C.nodes(None, A.Occurred) == []


# ------------------------------------------------------------------ variables


@pytest.mark.parametrize(("text", "mentioned", "bound"), [
    (FACT, {"X", "Y"}, {"X", "Y"}),
    (ONGOING, {"X", "Y"}, {"X", "Y"}),  # `ongoing` binds (its fact's roles), though no leaf with a first day
    (WITHIN, {"X", "Y", "Z"}, {"X", "Y", "Z"}),
    (AREA, {"X", "A"}, {"X", "A"}),
    (PARTIES, {"X", "Y"}, {"X", "Y"}),
    (STATE, {"X", "Y"}, set()),
    (AND, {"X"}, {"X"}),
    ("armed_attack(on: X) or request(by: Y)", {"X", "Y"}, set()),  # neither binds on both branches
    ("armed_attack(on: X, by: Y) or request(by: X)", {"X", "Y"}, {"X"}),
    (NOT, {"X", "Y"}, {"X"}),  # Y appears only under `not`
    ("X in parties", {"X"}, set()),
])
def test_variables_mentioned_and_bound_by_a_fact(text: str, mentioned: set[str], bound: set[str]) -> None:
    c = parse(text)
    assert A.variables(c) == mentioned
    assert C.names(c) == tuple(sorted(mentioned))
    assert C.bound(c) == bound
    assert all(C.binds(c, v) == (v in bound) for v in mentioned)


def test_variables_of_a_state_reference_are_its_beneficiary_and_bearer() -> None:
    assert A.variables(parse("q fulfilled for X")) == {"X"}
    assert A.variables(parse("q fulfilled for RU by Y")) == {"Y"}


# ------------------------------------------------------------------ atoms and polarity


def test_atoms_all_positive_and_negative() -> None:
    c = parse("armed_attack(on: X) and not (request(by: X) or not consult(by: X)) and q active for X")
    assert [a.kind for a in A.atoms(c)] == ["armed_attack", "request", "consult"]
    assert [a.kind for a in C.positive_atoms(c)] == ["armed_attack"]
    assert [a.kind for a in C.negative_atoms(c)] == ["request", "consult"]
    assert C.positive_atoms(None) == [] and C.negative_atoms(None) == []


def test_atoms_of_each_fact_node_kind() -> None:
    assert [a.kind for a in C.positive_atoms(parse(WITHIN))] == ["request", "armed_attack"]
    assert [a.kind for a in C.positive_atoms(parse(ONGOING))] == ["occupation"]
    assert C.positive_atoms(parse(STATE)) == []


def test_literals_carry_the_parity_of_the_nots_above_them() -> None:
    c = parse("armed_attack(on: X) and not (request(by: X) or not consult(by: X)) and X in parties")
    assert [(render(lit), pos) for lit, pos in C.literals(c)] == [
        ("armed_attack(on: X)", True), ("request(by: X)", False), ("consult(by: X)", True), ("X in parties", True)]
    # a doubly negated literal is positive, but a `not` stands above it: it binds nothing
    assert [render(lit) for lit in C.outside_not(c)] == ["armed_attack(on: X)", "X in parties"]
    assert C.literals(None) == [] and C.outside_not(None) == []


def test_leaves_are_the_facts_and_temporal_forms_with_whether_they_bind() -> None:
    c = parse(f"({WITHIN}) and not armed_attack(by: X) and occupation(of: X) ongoing and X in parties")
    assert [(C.kind(leaf).name, outside) for leaf, outside in C.leaves(c)] == [("temporal", True), ("fact", False)]


def test_dnf_pushes_negation_down_to_the_literals() -> None:
    c = parse("armed_attack(on: X) and not (request(by: X) and consult(by: X))")
    branches = [[(pos, render(lit)) for pos, lit in b] for b in C.dnf(c, 10)]
    assert branches == [[(True, "armed_attack(on: X)"), (False, "request(by: X)")],
                        [(True, "armed_attack(on: X)"), (False, "consult(by: X)")]]


def test_dnf_can_keep_a_not_as_a_literal_and_stops_at_its_limit() -> None:
    c = parse("(a(by: X) or b(by: X)) and (c(by: X) or d(by: X)) and not e(by: X)")
    branches = [[(pos, render(lit)) for pos, lit in b] for b in C.dnf(c, 3, push_not=False)]
    assert branches == [[(True, "a(by: X)"), (True, "c(by: X)"), (True, "not e(by: X)")],
                        [(True, "a(by: X)"), (True, "d(by: X)"), (True, "not e(by: X)")],
                        [(True, "b(by: X)"), (True, "c(by: X)"), (True, "not e(by: X)")]]
    assert len(C.dnf(c, 100)) == 4
    assert C.dnf(None, 5) == [[]]


def test_dnf_limit_bounds_what_an_and_multiplies_out_not_an_or() -> None:
    alternatives = parse("a(by: X) or b(by: X) or c(by: X)")
    assert [render(lit) for [(_, lit)] in C.dnf(alternatives, 2)] == ["a(by: X)", "b(by: X)", "c(by: X)"]
    product = parse("(a(by: X) or b(by: X)) and (c(by: X) or d(by: X))")
    assert [[render(lit) for _, lit in b] for b in C.dnf(product, 2)] == [["a(by: X)", "c(by: X)"],
                                                                          ["a(by: X)", "d(by: X)"]]


# ------------------------------------------------------------------ the shape evaluators rely on


@pytest.mark.parametrize(("text", "monotone", "first_days", "facts_only"), [
    (FACT, True, True, True),
    (ONGOING, False, False, True),
    (WITHIN, True, True, True),
    (AFTER, True, True, True),
    (AREA, True, True, False),  # a scope belongs to a treaty
    (REGION, True, True, True),
    (PARTIES, False, True, False),
    (STATE, False, False, False),
    (AND, True, True, True),
    (OR, True, True, True),
    (NOT, False, True, True),
])
def test_monotone_first_days_and_facts_only(text: str, monotone: bool, first_days: bool, facts_only: bool) -> None:
    c = parse(text)
    assert C.monotone(c) is monotone
    assert C.by_first_days(c) is first_days
    assert C.facts_only(c) is facts_only


def test_is_test_holds_of_negation_and_the_scope_region_and_party_tests_only() -> None:
    tests = [parse(t).items[1] for t in (AREA, REGION, PARTIES, NOT)]  # type: ignore[union-attr]
    assert all(C.is_test(t) for t in tests)
    assert not any(C.is_test(parse(t)) for t in (FACT, ONGOING, WITHIN, STATE, AND, OR))


def test_leaf_key_ignores_spans_and_tells_leaves_apart() -> None:
    a, b = parse(FACT), parse(f"x(by: Z) or {FACT}")
    assert isinstance(b, A.Or)
    assert a.span != b.items[1].span
    assert C.leaf_key(a) == C.leaf_key(b.items[1]) == ("occurred", ("armed_attack", ("by", "Var", "Y"),
                                                                   ("on", "Var", "X")))
    assert C.leaf_key(parse("armed_attack(by: RU, on: X)")) != C.leaf_key(a)  # a code is not a variable
    w, af = parse(WITHIN), parse(AFTER)
    assert C.leaf_key(w)[:3] == ("temporal", "within", 3)
    assert C.leaf_key(af)[:3] == ("temporal", "after", None)
    # an `ongoing` fact has a table of its own (the days it is under way: engine/core/compiled/)
    assert C.leaf_key(parse(ONGOING))[0] == "ongoing"
    assert C.leaf_key(parse(ONGOING))[1] == C.leaf_key(parse(ONGOING.replace(" ongoing", "")))[1]
    with pytest.raises(AssertionError):
        C.leaf_key(parse("X in parties"))


@pytest.mark.parametrize(("text", "fewest"), [
    (FACT, 1), (ONGOING, 1), (WITHIN, 2), (STATE, 1), (PARTIES, 1), (AND, 2), (OR, 1), (NOT, 1),
    (f"({WITHIN}) or ({AND})", 2),
])
def test_min_facts(text: str, fewest: int) -> None:
    assert C.min_facts(parse(text)) == fewest


# ------------------------------------------------------------------ time


@pytest.mark.parametrize(("text", "bounds", "ok", "not_ok"), [
    (WITHIN, (0, 3), [0, 1, 3], [-1, 4]),
    (AFTER, (0, None), [0, 1, 400], [-1]),
    (BEFORE, (None, -1), [-1, -400], [0, 1]),
])
def test_gap_of_within_after_before(text: str, bounds: tuple[int | None, int | None], ok: list[int],
                                    not_ok: list[int]) -> None:
    c = parse(text)
    assert isinstance(c, A.Temporal)
    assert C.gap_bounds(c) == bounds
    assert all(C.gap_ok(c, g) for g in ok)
    assert not any(C.gap_ok(c, g) for g in not_ok)


@pytest.mark.parametrize(("text", "offsets"), [
    (WITHIN, {3, 4}), (AFTER, {1}), (BEFORE, {1}), (STATE, {1}), (FACT, set()), (ONGOING, set()),
    (f"({WITHIN}) and not q active for X", {1, 3, 4}),
])
def test_offsets(text: str, offsets: set[int]) -> None:
    assert C.offsets(parse(text)) == offsets
    assert C.offsets(None) == set()


# ------------------------------------------------------------------ state references


def test_state_refs_in_order_with_whether_a_not_stands_above() -> None:
    c = parse("q fulfilled for X and not (q violated for X by Y or armed_attack(on: X)) and q active for X")
    got = [(r.provision, r.state, negative) for r, negative in A.state_refs(c)]
    assert got == [("q", "fulfilled", False), ("q", "violated", True), ("q", "active", False)]
    assert [(r.state, n) for r, n in A.state_refs(parse(STATE), negative=True)] == [("fulfilled", True)]
    assert A.state_refs(parse(FACT)) == [] and A.state_refs(None) == []
