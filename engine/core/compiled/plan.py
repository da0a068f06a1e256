"""Which provisions can be compiled, and how (`_plan_of`: a `_ProvisionPlan`, or every reason
that keeps one off, `_refusals` for a whole treaty): what the lifecycle still asks of an
instant once the plan knows the rest (`_machine`), the variables read as "some value"
(`_hidden`), the reservations that give a party its own trigger (`_reserved`)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeGuard, cast

from engine.base.memo import per_object
from engine.core.evaluate import TreatyRun
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import TreatyContext, context
from engine.kernel.facts import BIG
from engine.language import ast as A
from engine.language.codes import countries
from engine.language.library import Library, beneficiary_arg

_RESERVED_ROLES = frozenset({"kind", "date", "until", "note"})


@dataclass(frozen=True)
class _ProvisionPlan:
    p: A.Provision
    ben_var: str | None
    bearer_var: str | None
    due: bool  # it has a deadline
    fixed: bool  # its parties are members for all its time in force (else each has its own spans)
    suspends: bool  # its treaty suspends some party's duties toward another for a time
    # the lifecycle of its instances, what the plan knows for every instant fixed (`_machine`)
    machine: lifecycle.Machine
    # the other variables: "some value" bound by facts and only tested (`_hidden`) -> each such
    # fact with the tests beside it
    hidden: dict[str, tuple[tuple[A.Cond, tuple[A.Cond, ...]], ...]]
    # a party whose reservations add a condition to its trigger as bearer -> the plan of the
    # provision with it (`_reserved`)
    variants: tuple[tuple[str, _ProvisionPlan], ...] = ()
    # (a variant's) the conditions its reservations add for a time only, each with the first and
    # the last day it is in effect (None: from entry into force, for good): on other days its
    # trigger is without it (`TreatyContext.reservations`)
    windows: tuple[tuple[A.Cond, int | None, int | None], ...] = ()
    # (a variant's) the provision's own trigger, without its reservations' conditions: the facts
    # of its situation (`until the situation ends`); None: `p.when`
    situation: A.Cond | None = None
    # its deadline in days from activation (`lifecycle.deadline_days`: an explicit `within N
    # days`, or a timing word the interpretation maps), if it has one
    deadline: int | None = None

    @functools.cached_property
    def folded(self) -> dict[int, A.Cond]:
        """The facts under `not` that the plan reads with the fact beside them (`negated`), by
        id -> that fact: one table answers for both (engine/core/compiled/tables.py
        `_Tables.antijoin`)."""
        return {id(t.item): fact for entries in self.hidden.values() for fact, tests in entries
                for t in tests if negated(t)}


# what the compiled code's instances can take as read at every instant: a treaty in force for
# good, no `unless`
_KNOWN = {"in_force": True}
# what the compiled code can ask at an instant: whether the bearer and the beneficiary are
# members, whether the bearer's duties are suspended, whether the trigger, `unless`, the
# prerequisites, the discharge condition (`until`) hold, whether the bearer acted (`acted`) and
# whether the situation ended
_ASKS = frozenset({"bearer_member", "beneficiary_member", "suspended", "trigger", "undefeated", "prerequisites",
                   "action", "discharge", "situation_ended", "deadline_passed"})
# the variable that stands for the bearer in the action's table (`_action_leaf`): no casus
# variable can be named so (grammar/casus.lark: they start with a capital letter)
_BY = "bearer_"


def _machine(p: A.Provision, due: bool, fixed: bool, suspends: bool, acted: bool = True) -> lifecycle.Machine:
    """The lifecycle of a compiled provision's instances (`due`: it has a deadline; `fixed`: its
    parties are members for all its time in force; `suspends`: its treaty suspends duties; not
    `acted`: no bearer has a fact of its action)."""
    assert p.then is not None
    known = dict(_KNOWN)
    if not acted:
        known["action"] = False
    if not suspends:
        known["suspended"] = False
    if fixed:
        known.update(bearer_member=True, beneficiary_member=True)
    if p.protects is not None:  # its beneficiaries are drawn from the class (`TreatyContext.benefits`)
        known["beneficiary_member"] = True
    if p.unless is None:
        known["undefeated"] = True
    if p.upon is None:
        known["prerequisites"] = True
    if p.until is None:
        known["discharge"] = False
    if not p.ends_with_situation:
        known["situation_ended"] = False
    if not due:
        known["deadline_passed"] = False
    return lifecycle.machine(p.then.modality, **known)


def _mentions(c: A.Cond, path: tuple[A.Cond, ...], v: str, found: list[tuple[A.Cond, tuple[A.Cond, ...]]],
              tests: list[tuple[A.Cond, tuple[A.Cond, ...]]], bad: list[str]) -> None:
    """Where a condition mentions variable `v` (`_hidden`): each fact naming it (once per role),
    each test of it, each with the `and`s / `or`s it stands in, outermost first; into `bad`,
    what rules it out."""
    if _alternatives(c, v):  # a place test, or an `or` of them (`A administered by KR or A administered by US`)
        tests.append((c, path))
    elif isinstance(c, (A.And, A.Or)):
        for item in c.items:
            _mentions(item, (*path, c), v, found, tests, bad)
    elif v not in A.variables(c):
        return
    elif isinstance(c, A.Not) and C.fixed_test(c.item) and A.variables(c.item) == {v}:
        tests.append((c, path))  # `not A in scope art3`: fixed for a value as the test is
    elif negated(c):
        tests.append((c, path))  # `not consult(by: S, with: X)`: for the values its fact gives (`_hidden`)
    elif isinstance(c, A.Not):
        bad.append("it stands under `not`")
    elif C.kind(c).leaf or isinstance(c, A.Ongoing):
        n = sum(1 for atom in A.node_atoms(c) for a in atom.args
                if isinstance(a.value, A.Var) and a.value.name == v)
        found.extend([(c, path)] * n)
    elif C.fixed_test(c) and A.variables(c) == {v}:
        tests.append((c, path))
    else:
        bad.append(f"a {C.kind(c).name} test reads it")


def negated(c: A.Cond) -> TypeGuard[A.Not]:
    """Whether a node is `not` over one fact (`not consult(by: S, with: X)`): beside the fact that
    gives a variable read as "some value" its values, it keeps those for which no such fact has
    started (`_hidden`)."""
    return isinstance(c, A.Not) and isinstance(c.item, A.Occurred)


def _alternatives(c: A.Cond, v: str) -> tuple[A.PlaceOf, ...]:
    """A test of whose place `v` is (`A territory of X`), or an `or` of such tests: its
    alternatives (empty: it is not one)."""
    items = c.items if isinstance(c, A.Or) else (c,)
    if all(isinstance(i, A.PlaceOf) and i.var == v for i in items):
        return cast("tuple[A.PlaceOf, ...]", items)
    return ()


def _apart(a: tuple[A.Cond, ...], b: tuple[A.Cond, ...]) -> bool:
    """Whether two nodes with these paths (`_mentions`) stand in different ways of holding: the
    innermost `and` / `or` above both is an `or`."""
    common = None
    for x, y in zip(a, b, strict=False):
        if x is not y:
            break
        common = x
    return isinstance(common, A.Or)


def _hidden(conds: list[A.Cond], allowed: set[str]) -> dict[str, tuple[tuple[A.Cond, tuple[A.Cond, ...]], ...]] | str:
    """The variables other than the bearer's and the beneficiary's (`allowed`) that the compiled
    code can read as "some value": outside every `not`, under `and` / `or` only, each is named by
    facts (within/after/before, `ongoing`) that stand in different ways of holding (two `or`
    branches: NATO Art. 5's attack on territory, forces, vessels or aircraft at a place A), each
    by one role, and is otherwise only tested, by tests whose answer for a value never changes
    (`C.fixed_test`: `S is a state`, a scope) or whose place it is (`A territory of X`, of a
    party its fact names: `_placed`), that stand beside one such fact in its `and`. Then
    the condition holds iff, for one of those facts, some value that a matching fact gives
    passes the tests beside it (and / or distribute over "some"), so each fact's table keeps,
    per binding of the other variables, the first day over the values that pass.
    Or it stands under `not` over facts (`negated`: `threat(by: S, on: X) and not consult(by: S,
    with: X)`) beside one fact (`ongoing` or not) that names it, the parties' variables and
    others read as "some value" (the place A of `armed_attack(by: S, on: X, at: A) and A
    territory of X`), with no place test of it, the facts under `not` naming it and the
    parties' variables alone: the condition holds on the days on which, for some value that
    fact gives, it holds and none of the facts under `not` has started (of those the pair of
    members sees, where memberships change: `_Tables.antijoin`).
    Variable -> (fact, its tests) for each fact naming it; or, for the first variable that is
    not such, why (`reasons`)."""
    out: dict[str, tuple[tuple[A.Cond, tuple[A.Cond, ...]], ...]] = {}
    for v in sorted(set().union(*(A.variables(c) for c in conds)) - allowed):
        found: list[tuple[A.Cond, tuple[A.Cond, ...]]] = []  # (leaf, the and / or it stands in)
        tests: list[tuple[A.Cond, tuple[A.Cond, ...]]] = []
        bad: list[str] = []
        for c in conds:  # (the trigger and the prerequisite hold together: no path joins them)
            _mentions(c, (), v, found, tests, bad)
        if not bad and not found:
            bad.append("no fact names it")
        if not bad and any(not _apart(a, b) for i, (_, a) in enumerate(found) for _, b in found[i + 1:]):
            bad.append("several facts name it in one way of holding")
        beside: dict[int, list[A.Cond]] = {id(leaf): [] for leaf, _ in found}
        for t, path in tests:
            fact = next((leaf for leaf, p in found if p and path and p[-1] is path[-1]), None)
            if fact is None or not isinstance(path[-1], A.And):
                bad.append("a test of it does not stand beside its fact in an `and`")
                break
            if _alternatives(t, v) and (isinstance(fact, A.Temporal) or any(
                    isinstance(a.party, A.Var) and a.party.name not in C.names(fact) for a in _alternatives(t, v))):
                bad.append("a place test of it stands beside a relation between facts, or names a party its fact "
                           "does not")
                break
            beside[id(fact)].append(t)
        for fact, path in found if not bad else ():  # a fact beside `not` over facts giving the same values
            negs = [t for t in beside[id(fact)] if negated(t)]
            # the fact's other variables read as "some value" (its place A, tested beside it), for
            # which its table keeps the days of some value (`_Tables.antijoin`)
            others = A.variables(fact) - allowed - {v}
            if negs and (any(_alternatives(t, v) for t in beside[id(fact)])
                         or not isinstance(fact, (A.Occurred, A.Ongoing))
                         or any(not A.variables(t) <= allowed | {v} for t in negs)
                         or any(negated(t) and A.variables(t) & others for t in C.children(path[-1]))):
                bad.append("a `not` over a fact of it stands with a place test of it, or beside a relation "
                           "between facts, or beside a fact that names a variable that the `not`, or another, "
                           "reads as some value")
                break
        if bad:
            return f"variable {v}: {bad[0]}"
        out[v] = tuple((leaf, tuple(beside[id(leaf)])) for leaf, _ in found)
    return out


@per_object
def bound(c: A.Cond) -> frozenset[str]:
    """The variables that every way `c` holds binds by a fact or by a state of another provision
    (`C.bound`, and `p active for X` binds X: the values are those toward whom, or by whom, an
    instance of `p` left dormant, the keys of its table of states, `_Tables.states`)."""
    if isinstance(c, A.StateRef):
        return A.variables(c)
    if isinstance(c, A.And):
        return frozenset().union(*(bound(i) for i in c.items))
    if isinstance(c, A.Or):
        return frozenset.intersection(*(bound(i) for i in c.items)) if c.items else frozenset()
    return C.bound(c)


def _until_ok(until: A.Cond, allowed: set[str], fixed: bool) -> bool:
    """Whether the compiled code can tell when a discharge condition first holds after an
    activation (`_Expressions.discharge`): facts (`ongoing` too), states of other provisions and
    tests fixed in time, under `and` / `or`, over the bearer's and the beneficiary's variables
    only (`fixed`: memberships are)."""
    for n in A.walk(until):
        if not (isinstance(n, (A.Occurred, A.Ongoing, A.And, A.Or, A.StateRef)) or C.fixed_test(n)
                or fixed and isinstance(n, A.InParties)):
            return False
    return A.variables(until) <= allowed


class _Refusal(NamedTuple):
    """Why a provision cannot be compiled: the constructs that keep it off (what
    `every_reason` counts by) and the reason in words (what `reasons` says)."""

    about: tuple[str, ...]
    words: str


def _plan_of(p: A.Provision, due: bool, fixed: bool, suspends: bool) -> _ProvisionPlan | list[_Refusal]:
    """Whether a provision can be compiled (the scenario-independent part; see the module);
    `due`: it has a deadline; `fixed`: its treaty's parties are members for all its time in
    force. Its plan, or everything that keeps it off, in order (`reasons` says the first,
    `every_reason` all)."""
    then, when, upon = p.then, p.when, p.upon
    if then is None or when is None:
        return [_Refusal(("no trigger",), "it has no trigger")]
    ben = beneficiary_arg(then)
    ben_var = ben.name if isinstance(ben, A.Var) else None
    b = then.bearer
    allowed = {x for x in (ben_var, b.var) if x}
    why: list[_Refusal] = []
    if p.until is not None and not _until_ok(p.until, allowed, fixed):
        why.append(_Refusal(("until",), "its discharge condition (`until`) is not facts, states and fixed tests "
                                        "of the bearer and the beneficiary, under `and` / `or`"))
    for c in (when, upon, p.unless, p.until):
        # (a place test of a variable read as "some value" is `_hidden`'s to take or refuse; a
        # state of another provision is read from its instances' timelines, `_Tables.states`, but
        # not in `until`: `_until_ok`)
        unread = [n for n in A.walk(c) if C.kind(n).dated and not (
            c is not p.until and isinstance(n, A.PlaceOf) and n.var not in allowed)] if c is not None else []
        if unread:
            what = tuple(sorted({C.kind(n).name for n in unread}))
            why.append(_Refusal(what, f"its conditions read {', '.join(what)} (not a function of the facts' days)"))
        if any(a.role in _RESERVED_ROLES for atom in A.atoms(c) for a in atom.args) if c is not None else False:
            # a JSON scenario cannot give one
            why.append(_Refusal(("a reserved role",), "a fact of its conditions names a reserved role"))
    hidden = _hidden([c for c in (when, upon, p.unless) if c is not None], allowed)
    if isinstance(hidden, str):
        why.append(_Refusal(("a variable beside the bearer and the beneficiary",), hidden))
    if ben_var is not None and ben_var not in bound(when) or b.mode == "var" and b.var and b.var not in bound(when):
        why.append(_Refusal(("a trigger that does not always bind bearer and beneficiary",),
                            "its trigger does not bind the bearer and the beneficiary in every way it holds"))
    if b.mode == "var" and not b.var or b.var is not None and b.var == ben_var:
        why.append(_Refusal(("a bearer that is not one other party",),
                            "its bearer is not one party apart from the beneficiary"))
    act = {a.value.name for a in then.action.args if isinstance(a.value, A.Var)}
    if then.modality in ("obligation", "prohibition") and (not act <= allowed
                                                          or any(a.role == "by" for a in then.action.args)):
        why.append(_Refusal(("an action beside the bearer and the beneficiary",),
                            "its action names a variable beside the bearer and the beneficiary, or who acts"))
    machine = _machine(p, due, fixed=fixed, suspends=suspends)
    if not machine.asks() <= _ASKS:
        why.append(_Refusal(("the lifecycle",), f"its lifecycle asks {', '.join(sorted(machine.asks() - _ASKS))}"))
    if why or isinstance(hidden, str):  # (`hidden` is a str only with a reason in `why`)
        return why
    return _ProvisionPlan(p, ben_var, b.var, due, fixed, suspends, machine, hidden)


def _reserved(treaty: A.TreatyDecl, p: A.Provision
              ) -> list[tuple[str, A.Cond, tuple[tuple[A.Cond, int | None, int | None], ...]]]:
    """Each party whose reservations (understandings, declarations) on a provision add conditions
    to its trigger as bearer, with the trigger they give it: the conditions beside the trigger's
    own parts (`Solver.weigh` asks them together, with the same variables), so that a place test
    stands beside the fact whose place it tests; and those of its conditions that a reservation
    in effect for a time only adds, with its days (`_ProvisionPlan.windows`)."""
    assert p.when is not None
    extra: dict[str, list[tuple[A.Cond, int | None, int | None]]] = {}  # party -> (condition, its days)
    for r in treaty.reservations:
        if p.id in r.provisions and r.when is not None:
            extra.setdefault(r.party.code, []).append((r.when, r.start, r.end))
    items = p.when.items if isinstance(p.when, A.And) else (p.when,)
    return [(party, A.And((*items, *(c for c, _, _ in conds)), p.when.span),
             tuple(w for w in conds if w[1:] != (None, None)))
            for party, conds in sorted(extra.items())]


def _refusals(lib: Library, treaty: A.TreatyDecl, interp: A.InterpretationDecl | None, leaving: bool = False
              ) -> tuple[list[_Refusal], list[_ProvisionPlan]]:
    """Everything that keeps a treaty off the compiled path (none: it compiles), in order: what
    beside the facts changes in it (each thing `TreatyContext.whole_time` rules out), an
    interpretation that changes who is a member, then what keeps each provision that cannot be
    compiled off; and the plans of the provisions that can be. `leaving`: for a scenario in
    which a party withdraws (its memberships change, whatever the treaty declares). Who is a
    member, and whose duties are suspended, is the treaty's as the interpretation reads it
    (`context`: its membership entries)."""
    t = treaty
    ctx = context(t, (), interp)
    # whether anything beside the facts changes is `whole_time`'s to say; the list says what
    moving = leaving or any(spans != [(ctx.start, BIG)] for spans in ctx.members.values())
    found = [(t.in_force is None, "no entry into force", "it has no date of entry into force")]
    # (memberships that change are compiled, each party's spans, suspensions, each pair's, and
    # versions, a provision's days and reading: `_Generator.provision`, `_Generator.day`)
    why = [_Refusal((construct,), words) for applies, construct, words in found if applies]
    probe = TreatyRun(lib, t, [], interp)
    plans = []
    for p in t.provisions:
        if p.when is not None and p.then is not None:
            days = probe.deadline_days(p.then)
            due = days is not None
            plan = _plan_of(p, due, not moving, bool(ctx.suspensions))
            if isinstance(plan, list):
                why += [_Refusal(r.about, f"provision {p.id}: {r.words}") for r in plan]
                continue
            variants = []
            for party, when, windows in _reserved(t, p):
                variant = _plan_of(dataclasses.replace(p, when=when), due, not moving, bool(ctx.suspensions))
                if isinstance(variant, list):
                    why += [_Refusal(r.about, f"provision {p.id} with {party}'s reservation: {r.words}")
                            for r in variant]
                elif any(id(n) in variant.folded for c, _, _ in windows for n in A.walk(c)):
                    # (its table would hold the `not` on every day, not on the reservation's alone)
                    why.append(_Refusal(("a variable beside the bearer and the beneficiary",),
                                        f"provision {p.id} with {party}'s reservation: for a time, it adds a `not` "
                                        "over facts of a variable beside the bearer and the beneficiary"))
                else:
                    variants.append((party, dataclasses.replace(variant, deadline=days, windows=windows,
                                                                situation=p.when)))
            plans.append(dataclasses.replace(plan, variants=tuple(variants), deadline=days))
    return why, plans


def _beneficiaries(lib: Library, ctx: TreatyContext, p: A.Provision) -> Sequence[str]:
    """Who may be owed a provision's duty, sorted: the parties that can (`ctx.beneficiaries`), or,
    for a provision that protects a class wider than the parties, the countries of that class
    (`Solver.pairs`, `ctx.can_benefit`)."""
    assert p.then is not None
    ben = beneficiary_arg(p.then)
    if p.protects is None:
        return ctx.beneficiaries(ben)
    region = lib.regions[p.protects]
    if isinstance(ben, A.Code):
        return (ben.code,) if ctx.can_benefit(ben.code, region.contains(ben.code)) else ()
    return tuple(sorted(c for c in countries() if region.contains(c))) if isinstance(ben, A.Var) else ()


def _monotone(when: A.Cond, upon: A.Cond | None) -> bool:
    """Whether the trigger alone decides, and holds for good once it holds."""
    return upon is None and all(not isinstance(n, (A.Not, A.Ongoing, A.PlaceOf, A.StateRef)) for n in A.walk(when))


@per_object  # (by identity: a provision's hash walks its whole tree; `functools.cache` kept each for good)
def _action_leaf(p: A.Provision) -> A.Ongoing:
    """The facts of a provision's action by its bearer (`by`, the variable `_BY`), as a leaf with
    a table of each matching fact's days (`TreatyRun._action_fact`)."""
    assert p.then is not None
    action = p.then.action
    by = A.Arg("by", A.Var(_BY, action.span), action.span)
    return A.Ongoing(A.Atom(action.kind, (*action.args, by), action.span), action.span)


def every_reason(lib: Library, treaty_ids: tuple[str, ...], interpretation: str
                 ) -> dict[str, list[tuple[str, str]]]:
    """Everything that keeps each treaty of a selection off the compiled path, as (construct,
    words): what changes in it beside the facts, then each provision that cannot be compiled,
    with everything that keeps it off (a reason that names several constructs once for each). A treaty
    that compiles has an empty list. `reasons` stops at the first; this says what covering the
    whole library would take (bench/realistic.py)."""
    interp = lib.interpretations.get(interpretation)
    return {tid: [(construct, r.words) for r in _refusals(lib, lib.treaties[tid], interp)[0] for construct in r.about]
            for tid in sorted(treaty_ids)}
