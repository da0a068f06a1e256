"""The abstract syntax: frozen nodes, each with the span it was written at."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field

from engine.base.memo import per_object
from engine.base.record import record
from engine.base.source import Span

# ------------------------------------------------------------------ values and atoms


@record
class Code:
    """An ISO 3166 code: a party (`RU`) or a territory (`RU-KRS`)."""

    code: str
    span: Span = field(compare=False)

    def __str__(self) -> str:
        return self.code


@record
class Var:
    name: str
    span: Span = field(compare=False)

    def __str__(self) -> str:
        return self.name


@record
class Name:
    """A lower-case word in a value position: an action kind, an actor, a treaty id, a means."""

    name: str
    span: Span = field(compare=False)

    def __str__(self) -> str:
        return self.name


@record
class Wildcard:
    span: Span = field(compare=False)

    def __str__(self) -> str:
        return "_"


Value = Code | Var | Name | Wildcard


@record
class Arg:
    role: str
    value: Value
    span: Span = field(compare=False)


@record
class Atom:
    kind: str
    args: tuple[Arg, ...]
    span: Span = field(compare=False)

    def render(self, env: dict[str, str] | None = None) -> str:
        env = env or {}
        parts = []
        for a in self.args:
            v = a.value
            text = env.get(v.name, v.name) if isinstance(v, Var) else str(v)
            parts.append(f"{a.role}: {text}")
        return f"{self.kind}({', '.join(parts)})"


# ------------------------------------------------------------------ conditions


@record
class Occurred:
    atom: Atom
    span: Span = field(compare=False)


@record
class Ongoing:
    atom: Atom
    span: Span = field(compare=False)


@record
class Temporal:
    """`A within N days after B` (op 'within'), `A after B`, `A before B`, `A during B` (A starts
    within B's interval), `A overlapping B` (their intervals share a day)."""

    op: str
    first: Atom
    second: Atom
    days: int | None
    span: Span = field(compare=False)


@record
class InArea:
    """`A in scope NAME` (what='scope'), `A in region NAME` (what='region')."""

    var: str
    what: str
    name: str
    span: Span = field(compare=False)


@record
class InParties:
    var: str
    span: Span = field(compare=False)


@record
class IsWho:
    """`S is a state` (an ISO 3166-1 alpha-2 code) / `S is an actor` (a declared non-state actor):
    who acted, for a text such as "an armed attack by any state" (Russia-DPRK Art. 4)."""

    var: str
    what: str  # "state" or "actor"
    span: Span = field(compare=False)


@record
class PlaceOf:
    """`A territory of X` (relation 'territory': the sovereign of place A at the instant, under the
    interpretation in force, is X) or `A administered by X` (relation 'administration': A is under
    X's administration at the instant). A test: it binds nothing."""

    var: str
    relation: str  # territory | administration
    party: Value
    span: Span = field(compare=False)


@record
class StateRef:
    """`art3 fulfilled for X [by Y]`: another provision's instance state."""

    provision: str
    state: str
    beneficiary: Value
    bearer: Value | None
    span: Span = field(compare=False)


@record
class And:
    items: tuple[Cond, ...]
    span: Span = field(compare=False)


@record
class Or:
    items: tuple[Cond, ...]
    span: Span = field(compare=False)


@record
class Not:
    item: Cond
    span: Span = field(compare=False)


Cond = Occurred | Ongoing | Temporal | InArea | InParties | IsWho | PlaceOf | StateRef | And | Or | Not

# ------------------------------------------------------------------ declarations


@record
class RoleDecl:
    name: str
    optional: bool
    type: str
    span: Span = field(compare=False)


@record
class KindDecl:
    name: str
    is_action: bool
    roles: tuple[RoleDecl, ...]
    parents: tuple[str, ...]  # the is-a parents, in the order written (a kind may have several)
    doc: str | None
    span: Span = field(compare=False)
    parent_spans: tuple[Span, ...] = field(default=(), compare=False)


@record
class ActorDecl:
    name: str
    doc: str | None
    span: Span = field(compare=False)


@record
class VocabularyDecl:
    name: str
    kinds: tuple[KindDecl, ...]
    actors: tuple[ActorDecl, ...]
    span: Span = field(compare=False)


@record
class Area:
    """One entry of a region or scope: a code with exceptions, another region, or a declared area
    (`area NAME`: a sea or ocean, with every area declared within it)."""

    code: str | None
    excepts: tuple[str, ...]
    region: str | None
    span: Span = field(compare=False)
    area: str | None = None


@record
class AreaDecl:
    """`area NAME "title" within A, B north of the tropic`: a place that is not a territory (a sea,
    an ocean and its airspace), the areas it lies within, and which side of the Tropic of Cancer it
    lies on ('north', 'south', or None: it straddles the Tropic or the library does not say)."""

    name: str
    title: str | None
    within: tuple[Name, ...]
    tropic: str | None
    span: Span = field(compare=False)


@record
class AdministrationDecl:
    """`administration NAME { from DATE: CODES administered by CODE … }`: who administers a
    territory from a date, of record (separate from sovereignty; without an entry a territory is
    administered by its sovereign)."""

    name: str
    title: str | None
    entries: tuple[Reassign, ...]
    source: str | None
    span: Span = field(compare=False)


@record
class RegionDecl:
    name: str
    title: str | None
    areas: tuple[Area, ...]
    span: Span = field(compare=False)


@record
class Reassign:
    start: int  # date ordinal
    territories: tuple[Code, ...]
    to: Code
    span: Span = field(compare=False)


@record
class Definition:
    head: Atom
    body: Atom
    span: Span = field(compare=False)


@record
class InterpretationDecl:
    name: str
    title: str | None
    reassignments: tuple[Reassign, ...]
    timing: tuple[tuple[str, int], ...]
    definitions: tuple[Definition, ...]
    source: str | None
    span: Span = field(compare=False)
    # membership this reading gives (`member X of T from D`), takes away (`not member …`) or
    # suspends (`suspended X in T from D`): (treaty, party, effect, first day, last day or None),
    # effect one of "member", "not_member", "suspended"
    memberships: tuple[InterpMembership, ...] = ()
    # `armed attacks in self-defence are not armed attacks` (engine/kernel/facts.py `prepare`)
    self_defence: bool = False
    # `from DATE: CODES administered by CODE`: administration changed without sovereignty
    administrations: tuple[Reassign, ...] = ()


@record
class InterpMembership:
    """An interpretation's entry on a party's membership of a treaty (SPEC "Treaties change":
    membership can depend on the interpretation)."""

    treaty: str
    party: Code
    effect: str  # member | not_member | suspended
    start: int
    end: int | None
    span: Span = field(compare=False)
    toward: Code | None = None  # suspended toward this party only (its duties toward it), not all


@record
class Version:
    """The dated text a provision is (`version "2010 Protocol" from 2012-12-19`): it can be
    activated only on the days in [start, end] (None: open), and, with a reading, only under the
    interpretations `under` names (`version "…" under rio_state_attacker`) or under any but those
    `except_under` names."""

    name: str
    start: int | None
    end: int | None
    span: Span = field(compare=False)
    under: tuple[str, ...] = ()
    except_under: tuple[str, ...] = ()

    def read_under(self, interpretation: str) -> bool:
        """Whether this text applies under the interpretation named (`default` when none is)."""
        if self.under:
            return interpretation in self.under
        return interpretation not in self.except_under


@record
class Reservation:
    """A party's reservation, understanding or declaration on some provisions, in effect on
    [start, end]: on that party's instances as bearer, an extra condition on the trigger (`when`)
    and extra qualifiers."""

    kind: str  # reservation | understanding | declaration
    party: Code
    title: str
    provisions: tuple[str, ...]
    start: int | None
    end: int | None
    when: Cond | None
    qualifiers: tuple[Qualifier, ...]
    says: str | None
    source: str | None
    span: Span = field(compare=False)


@record
class Membership:
    party: Code
    start: int | None  # None: from entry into force
    end: int | None  # None: for the treaty's whole life
    span: Span = field(compare=False)


@record
class Suspension:
    bearer: Code
    beneficiary: Code
    start: int
    end: int | None
    span: Span = field(compare=False)


@record
class Qualifier:
    """A qualifier as data. `group` is timing, discretion, means, basis or reporting."""

    group: str
    value: str
    days: int | None
    span: Span = field(compare=False)


@record
class Bearer:
    """`each other party [V]` (mode 'each_other'), `each party [V]` ('each'), a code, a variable."""

    mode: str
    value: str | None
    var: str | None
    span: Span = field(compare=False)


@record
class Then:
    bearer: Bearer
    modality: str  # obligation | prohibition | permission | right
    action: Atom
    beneficiary: Value | None  # explicit `for X`
    qualifiers: tuple[Qualifier, ...]
    span: Span = field(compare=False)


@record
class Provision:
    id: str
    title: str
    article: str
    says: str | None
    source: str | None
    when: Cond | None
    upon: Cond | None
    unless: Cond | None
    then: Then | None
    until: Cond | None
    span: Span = field(compare=False)
    # `until the situation ends`: an active instance is discharged once its trigger stops holding
    ends_with_situation: bool = False
    version: Version | None = None  # the dated text it is, if declared
    protects: str | None = None  # a region whose states it protects (beneficiaries), wider than the parties


@record
class TreatyDecl:
    id: str
    title: str
    signed: int | None
    in_force: int | None
    ends: int | None
    source: str | None
    says: str | None
    members: tuple[Membership, ...]
    scopes: tuple[RegionDecl, ...]
    suspensions: tuple[Suspension, ...]
    provisions: tuple[Provision, ...]
    span: Span = field(compare=False)
    in_force_span: Span | None = field(default=None, compare=False)
    # a `denunciation` takes effect this long after its notice: (number, "days"|"months"|"years")
    notice: tuple[int, str] | None = None
    reservations: tuple[Reservation, ...] = ()


# ------------------------------------------------------------------ scenarios


@record
class FactDecl:
    atom: Atom
    start: int
    end: int | None  # inclusive; None = open-ended; == start for a one-day fact
    note: str | None
    span: Span = field(compare=False)


@record
class Expect:
    """One `expect` line. form: status | absent | nothing."""

    form: str
    interpretation: str | None
    treaty: str
    provision: str | None
    bearer: str | None  # None = any (`*`)
    beneficiary: str | None
    status: str | None
    since: int | None
    activated: int | None
    never_activated: bool
    missing: tuple[Atom, ...]
    because: tuple[Atom, ...]
    span: Span = field(compare=False)
    treaty_span: Span | None = field(default=None, compare=False)
    provision_span: Span | None = field(default=None, compare=False)


@record
class ScenarioDecl:
    name: str
    interpretation: str | None
    facts: tuple[FactDecl, ...]
    expects: tuple[Expect, ...]
    says: str | None
    span: Span = field(compare=False)
    interpretation_span: Span | None = field(default=None, compare=False)


@record
class PropertyRule:
    """`never STATE T.P for X [unless C]`, `always STATE T.P for X when C`, or
    `T.P STATE before T2.P2 STATE2 for X` (form 'before'; the second provision in `later`)."""

    form: str  # never | always | before
    state: str
    treaty: str
    provision: str
    var: str
    cond: Cond | None
    span: Span = field(compare=False)
    later: tuple[str, str, str] | None = None  # (treaty, provision, state) of the later event


@record
class PropertyDecl:
    name: str
    title: str | None
    rules: tuple[PropertyRule, ...]
    span: Span = field(compare=False)


Item = (VocabularyDecl | RegionDecl | AreaDecl | AdministrationDecl | InterpretationDecl | TreatyDecl | ScenarioDecl
        | PropertyDecl)


@record
class Document:
    path: str
    items: tuple[Item, ...]


# ------------------------------------------------------------------ walking conditions


def clauses(p: Provision) -> list[Cond]:
    """A provision's conditions: when, upon, unless, until (those it has)."""
    return [c for c in (p.when, p.upon, p.unless, p.until) if c is not None]


def walk(c: Cond) -> Iterator[Cond]:
    """Every node of a condition, the condition itself first."""
    yield c
    if isinstance(c, (And, Or)):
        for i in c.items:
            yield from walk(i)
    elif isinstance(c, Not):
        yield from walk(c.item)


def node_atoms(c: Cond) -> list[Atom]:
    """The atoms a single node tests (none for and/or/not and the non-fact tests)."""
    if isinstance(c, (Occurred, Ongoing)):
        return [c.atom]
    if isinstance(c, Temporal):
        return [c.first, c.second]
    return []


def atoms(c: Cond | None) -> list[Atom]:
    """Every atom anywhere in a condition."""
    return [] if c is None else [a for node in walk(c) for a in node_atoms(node)]


@per_object
def variables(c: Cond) -> frozenset[str]:
    """Every variable a condition mentions, wherever it stands (under `not` too)."""
    names: set[str] = set()
    for node in walk(c):
        for atom in node_atoms(node):
            names.update(a.value.name for a in atom.args if isinstance(a.value, Var))
        if isinstance(node, (InArea, InParties, IsWho)):
            names.add(node.var)
        elif isinstance(node, PlaceOf):
            names.add(node.var)
            if isinstance(node.party, Var):
                names.add(node.party.name)
        elif isinstance(node, StateRef):
            names.update(v.name for v in (node.beneficiary, node.bearer) if isinstance(v, Var))
    return frozenset(names)


def state_refs(c: Cond | None, negative: bool = False) -> list[tuple[StateRef, bool]]:
    """The references to other provisions' states in a condition, in `walk` order, each with
    whether it stands under a `not` (or `negative`: in a clause read negatively, `unless` and
    `until`)."""
    if c is None:
        return []
    if isinstance(c, StateRef):
        return [(c, negative)]
    if isinstance(c, (And, Or)):
        return [r for i in c.items for r in state_refs(i, negative)]
    if isinstance(c, Not):
        return state_refs(c.item, True)
    return []
