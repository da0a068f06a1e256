"""What a condition is made of and what it can do: the capabilities of the condition language,
defined once, for every evaluator and analysis.

Each node kind has one entry in `KINDS` (its name, whether it reads a fact at its start, holds
for good once it holds, or only tests what is already bound); the functions below read that
table and the node's parts, and never restate it:

- structure: `kind`, `nodes` (the nodes of one kind), `leaves` (the facts and within/after/before,
  each with whether it stands outside every `not`);
- variables: every variable a condition mentions is `A.variables` (the checker needs it, below
  the kernel), sorted as `names`; `bound` / `binds`: the variables every way of holding binds
  through a fact outside `not`;
- atoms: all of them are `A.atoms`; `positive_atoms` (outside every `not`), `negative_atoms`;
- polarity: `literals` (each literal with its polarity: an even or odd number of `not`s above it),
  `outside_not` (the literals no `not` stands above), `dnf`;
- evaluation shape: `monotone`, `by_days`, `by_first_days`, `tabled`, `is_test`, `facts_only`, `leaf_key`,
  `min_facts`;
- time: `gap_bounds` / `gap_ok` (what within/after/before ask of the days between two facts),
  `relation_ok` (what any relation between two facts asks of their intervals: the one test),
  `offsets` (the days apart at which facts can change an outcome) and `interval_kinds`;
- state references are `A.state_refs` (the checker's stratification needs them too).

Rendering stays in engine/language/render.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from engine.base.memo import per_object
from engine.base.record import record
from engine.kernel.facts import BIG
from engine.language import ast as A


@record
class NodeKind:
    """What one kind of node is, as the capabilities below need it."""

    name: str
    leaf: bool  # a fact or within/after/before: holds from the first day its facts allow
    monotone: bool  # once it holds it holds for good (given that its parts do)
    test: bool  # binds nothing: it is asked once the parts that bind have bound its variables
    treaty: bool  # reads something of a particular treaty (a scope, a membership, a state)
    # its answer for a binding changes with the instant by data of the library or interpretation
    # (whose territory a place is, who administers it): the fast paths, which take tests as
    # fixed in time, decline it (`by_first_days`)
    dated: bool = False


KINDS: dict[type, NodeKind] = {
    A.Occurred: NodeKind("fact", leaf=True, monotone=True, test=False, treaty=False),
    A.Ongoing: NodeKind("ongoing", leaf=False, monotone=False, test=False, treaty=False),
    A.Temporal: NodeKind("temporal", leaf=True, monotone=True, test=False, treaty=False),
    A.InArea: NodeKind("area", leaf=False, monotone=True, test=True, treaty=False),  # a scope: see `_treaty`
    A.InParties: NodeKind("parties", leaf=False, monotone=False, test=True, treaty=True),
    # who acted: fixed for a value, read from the library's actors, not from a treaty
    A.IsWho: NodeKind("who", leaf=False, monotone=True, test=True, treaty=False),
    # `A territory of X`, `A administered by X`: sovereignty and administration change on dates
    A.PlaceOf: NodeKind("place_of", leaf=False, monotone=False, test=True, treaty=False, dated=True),
    A.StateRef: NodeKind("state", leaf=False, monotone=False, test=False, treaty=True),
    A.And: NodeKind("and", leaf=False, monotone=True, test=False, treaty=False),
    A.Or: NodeKind("or", leaf=False, monotone=True, test=False, treaty=False),
    A.Not: NodeKind("not", leaf=False, monotone=False, test=True, treaty=False),
}

_N = TypeVar("_N")


def kind(c: A.Cond) -> NodeKind:
    return KINDS[type(c)]


def children(c: A.Cond) -> tuple[A.Cond, ...]:
    """The conditions a node combines (none for a fact, a temporal form or a test)."""
    if isinstance(c, (A.And, A.Or)):
        return c.items
    if isinstance(c, A.Not):
        return (c.item,)
    return ()


def nodes(c: A.Cond | None, cls: type[_N]) -> list[_N]:
    """The nodes of one kind in a condition, in `A.walk` order."""
    return [] if c is None else [n for n in A.walk(c) if isinstance(n, cls)]


def _polar(c: A.Cond, positive: bool, outside: bool) -> Iterator[tuple[A.Cond, bool, bool]]:
    """Every literal (a node that combines nothing, or a `not` when it is asked for as one) with
    its polarity and whether it stands outside every `not`, in `A.walk` order."""
    if isinstance(c, A.Not):
        yield from _polar(c.item, not positive, False)
    elif isinstance(c, (A.And, A.Or)):
        for i in c.items:
            yield from _polar(i, positive, outside)
    else:
        yield c, positive, outside


# ------------------------------------------------------------------ polarity


def literals(c: A.Cond | None) -> list[tuple[A.Cond, bool]]:
    """Each literal of a condition with its polarity: False under an odd number of `not`s."""
    return [] if c is None else [(lit, positive) for lit, positive, _ in _polar(c, True, True)]


def outside_not(c: A.Cond | None) -> list[A.Cond]:
    """The literals no `not` stands above: the ones that can bind a variable."""
    return [] if c is None else [lit for lit, _, outside in _polar(c, True, True) if outside]


@per_object
def leaves(c: A.Cond) -> tuple[tuple[A.Cond, bool], ...]:
    """Each fact and within/after/before of a condition, in `A.walk` order, with whether it stands
    outside every `not` (so that the facts it matches bind its variables)."""
    return tuple((lit, outside) for lit, _, outside in _polar(c, True, True) if kind(lit).leaf)


def positive_atoms(c: A.Cond | None) -> list[A.Atom]:
    """The atoms outside every `not`."""
    return [a for lit in outside_not(c) for a in A.node_atoms(lit)]


def negative_atoms(c: A.Cond | None) -> list[A.Atom]:
    """The atoms under some `not`."""
    return [] if c is None else [a for lit, _, outside in _polar(c, True, True) if not outside
                                 for a in A.node_atoms(lit)]


def dnf(c: A.Cond | None, limit: int, push_not: bool = True) -> list[list[tuple[bool, A.Cond]]]:
    """The ways a condition can hold: a disjunction of conjunctions of (polarity, literal), in
    order. `limit` bounds what each `and` multiplies out to (its first `limit` ways); an `or` keeps
    every way of its parts, so the first `limit` of the result are those of the whole form.
    `push_not`: negation is pushed down to the literals (`not (a or b)` is `not a and not b`);
    else a `not` is a literal of its own, positive."""
    if c is None:
        return [[]]
    return _dnf(c, True, limit, push_not)


def _dnf(c: A.Cond, positive: bool, limit: int, push_not: bool) -> list[list[tuple[bool, A.Cond]]]:
    if isinstance(c, A.Not) and push_not:
        return _dnf(c.item, not positive, limit, push_not)
    if isinstance(c, (A.And, A.Or)):
        parts = [_dnf(i, positive, limit, push_not) for i in c.items]
        if isinstance(c, A.And) == positive:
            out: list[list[tuple[bool, A.Cond]]] = [[]]
            for part in parts:
                out = [a + b for a in out for b in part][:limit]
            return out
        return [b for part in parts for b in part]
    return [[(positive, c)]]


# ------------------------------------------------------------------ variables


@per_object
def names(c: A.Cond) -> tuple[str, ...]:
    """The variables a condition mentions, sorted (the order of a table's keys)."""
    return tuple(sorted(A.variables(c)))


@per_object
def bound(c: A.Cond) -> frozenset[str]:
    """The variables that every way `c` holds binds by a fact (not under `not`, not by a test)."""
    k = kind(c)
    if k.leaf or k.name == "ongoing":
        return A.variables(c)
    if k.name == "and":
        return frozenset().union(*(bound(i) for i in children(c)))
    if k.name == "or":
        items = children(c)
        return frozenset.intersection(*(bound(i) for i in items)) if items else frozenset()
    return frozenset()


def binds(c: A.Cond, var: str) -> bool:
    """Whether every solution of `c` binds `var` by a fact (not under `not`, not by a test)."""
    return var in bound(c)


# ------------------------------------------------------------------ the shape evaluators rely on


@per_object
def monotone(c: A.Cond) -> bool:
    """Whether a condition, once it holds at an instant, holds at every later one: its parts do,
    and a `not` stands only over tests whose answer never changes (`not A in scope art3`: a place
    outside the scope stays outside), so that a trigger such as `armed_attack(on: X, at: A) and
    not A in scope art3` is found by bisection, not solved again at every instant."""
    if isinstance(c, A.Not):
        return constant(c.item)
    if isinstance(c, (A.And, A.Or)):
        return all(monotone(i) for i in c.items)
    return kind(c).monotone


def constant(c: A.Cond) -> bool:
    """Whether a condition's answer for a binding is the same at every instant: tests that read
    no fact, no membership and no dated data (regions, scopes, who acted), combined by and / or
    / not."""
    if isinstance(c, (A.And, A.Or, A.Not)):
        return all(constant(i) for i in children(c))
    k = kind(c)
    return k.test and k.monotone and not k.dated


def by_days(c: A.Cond) -> bool:
    """Whether, for a given binding, a condition holds at t as a function of the days on which
    each of its facts, within/after/before and `ongoing` holds (from a first day for good; the
    runs of days a fact is under way), and of its tests: no state of another provision and no
    test whose answer is dated (whose territory, who administers: `NodeKind.dated`) (the
    compiled code)."""
    return not any(kind(n).name == "state" or kind(n).dated for n in A.walk(c))


def by_first_days(c: A.Cond) -> bool:
    """`by_days`, with no `ongoing` (its fact ends): the first day on which each fact and
    within/after/before holds is enough (the direct path)."""
    return by_days(c) and not any(isinstance(n, A.Ongoing) for n in A.walk(c))


def tabled(c: A.Cond | None) -> tuple[tuple[A.Cond, bool], ...]:
    """`leaves`, with each `ongoing` too: what a table of the compiled code answers for."""
    return () if c is None else tuple((lit, outside) for lit, _, outside in _polar(c, True, True)
                                      if kind(lit).leaf or isinstance(lit, A.Ongoing))


@per_object
def needs_fact(c: A.Cond) -> bool:
    """Whether every way `c` holds has a fact of its own (outside `not`; a state, a test or a
    `not` has none): it cannot hold before the first of its facts starts."""
    k = kind(c)
    if k.leaf or k.name == "ongoing":
        return True
    if k.name == "and":
        return any(needs_fact(i) for i in children(c))
    if k.name == "or":
        return all(needs_fact(i) for i in children(c))
    return False


def is_test(c: A.Cond) -> bool:
    """Whether a condition binds nothing (`not`, scope, region and party tests): an `and` asks it
    after the parts that bind."""
    return kind(c).test


def fixed_test(c: A.Cond) -> bool:
    """Whether a node is a test whose answer for a value never changes in one treaty (`S is a
    state`, a region, the treaty's scope): it binds nothing, holds for good, reads no membership,
    no state and no dated data. The compiled code applies it to a value as soon as a fact binds
    it."""
    k = kind(c)
    return k.test and k.monotone and not k.dated and not k.treaty


def _treaty(n: A.Cond) -> bool:
    return kind(n).treaty or isinstance(n, A.InArea) and n.what == "scope"


class _Key:
    """A condition as part of a dict key: equal to any equal condition (spans aside), with its
    hash worked out once (a condition's own hash walks the whole tree every time)."""

    __slots__ = ("cond", "hash")

    def __init__(self, cond: A.Cond):
        self.cond = cond
        self.hash = hash(cond)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and (self.cond is other.cond or self.cond == other.cond)


@per_object
def key(c: A.Cond) -> _Key:
    """`c` as part of a memo's key, shared by the treaties built from one template."""
    return _Key(c)


@per_object
def facts_only(c: A.Cond) -> bool:
    """Whether a condition reads nothing but the scenario's facts and regions (no scope, party or
    state of a particular treaty)."""
    return not any(_treaty(n) for n in A.walk(c))


@per_object
def leaf_key(leaf: A.Cond) -> tuple[object, ...]:
    """What a fact or within/after/before of a trigger asks of the facts, as a cheap key: equal
    for equal leaves (of treaties built from one template), whatever their spans."""
    def atom(a: A.Atom) -> tuple[object, ...]:
        return (a.kind, *[(x.role, type(x.value).__name__, str(x.value)) for x in a.args])

    if isinstance(leaf, A.Temporal):
        return ("temporal", leaf.op, leaf.days, atom(leaf.first), atom(leaf.second))
    assert isinstance(leaf, (A.Occurred, A.Ongoing))
    return (type(leaf).__name__.lower(), atom(leaf.atom))


def min_facts(c: A.Cond) -> int:
    """The fewest facts (or states) a way of holding needs."""
    k = kind(c)
    if k.leaf or k.name == "ongoing":
        return len(A.node_atoms(c))
    if k.name == "and":
        return sum(min_facts(i) for i in children(c))
    if k.name == "or":
        return min((min_facts(i) for i in children(c)), default=0)
    return 1 if k.name == "state" else 0


# ------------------------------------------------------------------ time


def gap_bounds(c: A.Temporal) -> tuple[int | None, int | None]:
    """The days by which `c.first` may start after `c.second` (inclusive; None: no bound):
    `within N days after` 0..N, `after` 0.., `before` ..-1."""
    if c.op == "within":
        return 0, c.days or 0
    return (0, None) if c.op == "after" else (None, -1)


def gap_ok(c: A.Temporal, gap: int) -> bool:
    """Whether `c.first` starting `gap` days after `c.second` satisfies within / after / before."""
    lo, hi = gap_bounds(c)
    return (lo is None or gap >= lo) and (hi is None or gap <= hi)


# the relations that read where an interval ends, not only where it starts
INTERVAL_OPS = frozenset({"during", "overlapping"})


def reads_ends(c: A.Temporal) -> bool:
    """Whether a relation reads the end of a fact's interval (`during`, `overlapping`), not only
    the days between starts."""
    return c.op in INTERVAL_OPS


def relation_ok(c: A.Temporal, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """Whether two facts, `c.first` over the days `first` (start, end, inclusive) and `c.second`
    over `second`, stand in the relation `c` asks for: the one test every evaluator calls.
    `A during B`: A starts within B's interval (B.start <= A.start <= B.end; a request made while
    the threat lasts); `A overlapping B`: the intervals share a day; within / after / before
    compare the starts (`gap_ok`). A relation holds from the later of the two starts, for good."""
    if c.op == "during":
        return second[0] <= first[0] <= second[1]
    if c.op == "overlapping":
        return first[0] <= second[1] and second[0] <= first[1]
    return gap_ok(c, first[0] - second[0])


def partners(c: A.Temporal, start: int, end: int) -> tuple[int, int, int]:
    """The facts B that can stand in the relation `c` with a fact A of `c.first` over the days
    start..end (inclusive): (B's first possible start, its last possible start, the earliest day
    B may end), a window in which `relation_ok` still decides. `during`: B starts by A's start
    and lasts to it; `overlapping`: B starts by A's end and lasts to A's start; within / after /
    before: B's start at the days `gap_bounds` allow before A's."""
    if c.op == "during":
        return -BIG, start, start
    if c.op == "overlapping":
        return -BIG, end, start
    lo, hi = gap_bounds(c)
    return (-BIG if hi is None else start - hi), (BIG if lo is None else start - lo), -BIG


def offsets(c: A.Cond | None) -> set[int]:
    """The days apart at which two facts can make a difference to a condition: the bounds of a
    `within N days after` and the day after (N, N + 1), one day for `after`, `before`,
    `during`, `overlapping` (a fact that starts the day after the other ends: see also
    `interval_kinds`) and a state of another provision (which changes a day after what changes
    it)."""
    out: set[int] = set()
    for n in nodes(c, A.Temporal):
        if n.op == "within" and n.days is not None:
            out.update({n.days, n.days + 1})
        else:
            out.add(1)
    if nodes(c, A.StateRef):
        out.add(1)
    return out


def interval_kinds(c: A.Cond | None) -> set[str]:
    """The kinds of the facts whose end can make a difference to a condition: those of `ongoing`
    and of both sides of `during` and `overlapping`."""
    out = {n.atom.kind for n in nodes(c, A.Ongoing)}
    for n in nodes(c, A.Temporal):
        if reads_ends(n):
            out |= {n.first.kind, n.second.kind}
    return out
