"""Sweeps at the speed of hand-written code: treaties compiled to Python source, for
`casus run --batch FILE` (CSV, and the result JSON with engine/core/explained.py).

A sweep of 100,000 scenarios asks for one thing per instance: its status and dates. For the
treaties where that answer can be worked out from the facts' days alone, this module
writes one Python function per library selection (and interpretation) that does exactly that,
with every table lookup and test spelled out, as a hand-written evaluator would. The engine
(`evaluate`) stays the definition: a test holds the two to the same CSV, byte for byte, on the
peers' rule sets, the bundled library and generated treaties.

**Which treaties are compiled.** A treaty in force from a date for good, with no reservation
that adds a condition to a party's trigger for a time (its parties may join and leave on their
own dates, have their duties suspended, and its provisions may have versions, protect a class
wider than the parties, and have reservations that add to a party's trigger for good), in which
every provision (see `_plan_of`)

- has a trigger (`when`) and, optionally, a prerequisite (`upon`) built from facts, `ongoing`,
  `and`, `or`, `not`, within/after/before and scope, region and party tests, over the bearer's
  and the beneficiary's variables (every way the trigger holds binding the beneficiary, and a
  bearer taken from the trigger, by a fact outside `not`) and variables read as "some value"
  (`_hidden`: the attacker S of `armed_attack(by: S, on: X) and S is a state`, the place A of
  `armed_attack(on: X, at: A) and A territory of X`);
- may be defeated by an `unless` of the same kind (reading no variable of the trigger but the
  bearer's and the beneficiary's), may end with its situation, or when a discharge condition
  (`until`) of facts and fixed tests holds after activation;
- has no deadline that its lifecycle reads, mentions no other provision's state,
  relates no two facts if its memberships change, and its action names no variable beside the
  bearer and the beneficiary.

Then, as long as no party withdraws (see below), the lifecycle (engine/kernel/lifecycle.py) asks nothing of
an instant but whether the parties are members, whether the bearer's duties are suspended,
whether the trigger, `unless`, the prerequisite and the discharge condition hold, whether the bearer
acted and whether the situation ended: `lifecycle.machine` gives its decision trees with the
rest fixed, and the status code is generated from them (`_Generator.day`), not written by hand.
Each fact of a condition holds from the first day a matching fact starts (entry into force at
the earliest), for good; an `ongoing` one on the days a matching fact is under way; one with a
place test on the days its place is the party's: per scenario, one table per fact of the
conditions gives that first day (or those runs of days, or, where memberships change, every
matching fact, of which each pair of parties sees those that overlap both memberships) for
each binding (`_Tables`), and the instance's status follows from those days alone (a trigger
that stops holding lapses a pending instance; the first day after activation on which the
discharge condition holds, or the bearer acts, is one more day to look at).

**Which scenarios.** A scenario with a fact whose `on` the interpretation derives from its `at`
and would move (a territory it reassigns) goes to the engine whole; so does a selection under
an interpretation with definitions or that reads armed attacks in self-defence as no armed
attacks. The treaty a withdrawal or denunciation names runs as code generated for it alone with
memberships that change (`Program.leaving`: each party's spans are an argument, from the
scenario's withdrawals), or, where it cannot be compiled so, is evaluated by the engine for that
scenario, as is every treaty that is not compiled.

For the result JSON, `Program.rows` is `run` giving each listed instance with its timeline
instead of a CSV line (engine/core/explained.py adds why)."""

from __future__ import annotations

import bisect
import dataclasses
import functools
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple, cast

from engine.core import records
from engine.core.evaluate import (
    TreatyRun,
    _natural,
)
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import LEAVING, TreatyContext, context, static_context
from engine.kernel.facts import BIG, TARGET, Fact, at_from_on, holder, on_from_at, place_changes, target_missing
from engine.language import ast as A
from engine.language.codes import countries, country_of, is_country
from engine.language.library import DEFAULT_TARGET, Library, beneficiary_arg

NEVER = BIG + 1
_LEAVES = (A.Occurred, A.Temporal, A.Ongoing)  # what a table answers for (`C.tabled`)
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


# what the compiled code's instances can take as read at every instant: a treaty in force for
# good, no `unless`
_KNOWN = {"in_force": True}
# what the compiled code can ask at an instant: whether the bearer and the beneficiary are
# members, whether the bearer's duties are suspended, whether the trigger, `unless`, the
# prerequisites, the discharge condition (`until`) hold, whether the bearer acted (`acted`) and
# whether the situation ended
_ASKS = frozenset({"bearer_member", "beneficiary_member", "suspended", "trigger", "undefeated", "prerequisites",
                   "action", "discharge", "situation_ended"})
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
        if bad:
            return f"variable {v}: {bad[0]}"
        out[v] = tuple((leaf, tuple(beside[id(leaf)])) for leaf, _ in found)
    return out


def _until_ok(until: A.Cond, allowed: set[str], fixed: bool) -> bool:
    """Whether the compiled code can tell when a discharge condition first holds after an
    activation (`_Generator.discharge`): facts, under `and` / `or`, and tests fixed in time, over
    the bearer's and the beneficiary's variables only (`fixed`: memberships are)."""
    for n in A.walk(until):
        if not (isinstance(n, (A.Occurred, A.And, A.Or)) or C.fixed_test(n) or fixed and isinstance(n, A.InParties)):
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
        why.append(_Refusal(("until",), "its discharge condition (`until`) is not facts and fixed tests of the "
                                        "bearer and the beneficiary, under `and` / `or`"))
    for c in (when, upon, p.unless, p.until):
        # (a place test of a variable read as "some value" is `_hidden`'s to take or refuse)
        unread = [n for n in A.walk(c) if C.kind(n).name == "state" or C.kind(n).dated and not (
            c is not p.until and isinstance(n, A.PlaceOf) and n.var not in allowed)] if c is not None else []
        if unread:
            what = tuple(sorted({C.kind(n).name for n in unread}))
            why.append(_Refusal(what, f"its conditions read {', '.join(what)} (not a function of the facts' days)"))
        if any(a.role in _RESERVED_ROLES for atom in A.atoms(c) for a in atom.args) if c is not None else False:
            # a JSON scenario cannot give one
            why.append(_Refusal(("a reserved role",), "a fact of its conditions names a reserved role"))
        if not fixed and c is not None and any(isinstance(n, A.Temporal) for n in A.walk(c)):
            # (which pairs of facts each pair of parties sees is not written yet)
            why.append(_Refusal(("within/after/before with membership changes",),
                                "its conditions relate two facts and its treaty's memberships change"))
    hidden = _hidden([c for c in (when, upon, p.unless) if c is not None], allowed)
    if isinstance(hidden, str):
        why.append(_Refusal(("a variable beside the bearer and the beneficiary",), hidden))
    if ben_var is not None and not C.binds(when, ben_var) or b.mode == "var" and b.var and not C.binds(when, b.var):
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


def _reserved(treaty: A.TreatyDecl, p: A.Provision) -> list[tuple[str, A.Cond]]:
    """Each party whose reservations (understandings, declarations) on a provision add conditions
    to its trigger as bearer, for the treaty's whole life, with the trigger they give it: the
    conditions beside the trigger's own parts (`Solver.weigh` asks them together, with the same
    variables), so that a place test stands beside the fact whose place it tests."""
    assert p.when is not None
    extra: dict[str, list[A.Cond]] = {}
    for r in treaty.reservations:
        if p.id in r.provisions and r.when is not None:
            extra.setdefault(r.party.code, []).append(r.when)
    items = p.when.items if isinstance(p.when, A.And) else (p.when,)
    return [(party, A.And((*items, *conds), p.when.span)) for party, conds in sorted(extra.items())]


def _refusals(lib: Library, treaty: A.TreatyDecl, interp: A.InterpretationDecl | None, leaving: bool = False
              ) -> tuple[list[_Refusal], list[_ProvisionPlan]]:
    """Everything that keeps a treaty off the compiled path (none: it compiles), in order: what
    beside the facts changes in it (each thing `TreatyContext.whole_time` rules out), an
    interpretation that changes who is a member, then what keeps each provision that cannot be
    compiled off; and the plans of the provisions that can be. `leaving`: for a scenario in
    which a party withdraws (its memberships change, whatever the treaty declares)."""
    t = treaty
    ctx = static_context(t)
    # whether anything beside the facts changes is `whole_time`'s to say; the list says what
    moving = leaving or any(spans != [(ctx.start, BIG)] for spans in ctx.members.values())
    found = [(t.in_force is None, "no entry into force", "it has no date of entry into force"),
             (t.ends is not None, "an end date", "it ends (an end date)"),
             (any(r.when is not None and (r.start is not None or r.end is not None) for r in t.reservations),
              "reservations", "a reservation or understanding adds a condition to a party's trigger for a time"),
]
    # (memberships that change are compiled, each party's spans, suspensions, each pair's, and
    # versions, a provision's days and reading: `_Generator.provision`, `_Generator.day`)
    why = [_Refusal((construct,), words) for applies, construct, words in found if applies]
    if interp is not None and any(m.treaty == t.id for m in interp.memberships):
        # the reading changes who is a member (engine/kernel/context.py `context`)
        why.append(_Refusal(("memberships of an interpretation",),
                            f"the interpretation {interp.name} changes who is a member"))
    probe = TreatyRun(lib, t, [], interp)
    plans = []
    for p in t.provisions:
        if p.when is not None and p.then is not None:
            due = bool(p.then.qualifiers) and probe._deadline_days(p.then) is not None
            plan = _plan_of(p, due, not moving, bool(ctx.suspensions))
            if isinstance(plan, list):
                why += [_Refusal(r.about, f"provision {p.id}: {r.words}") for r in plan]
                continue
            variants = []
            for party, when in _reserved(t, p):
                variant = _plan_of(dataclasses.replace(p, when=when), due, not moving, bool(ctx.suspensions))
                if isinstance(variant, list):
                    why += [_Refusal(r.about, f"provision {p.id} with {party}'s reservation: {r.words}")
                            for r in variant]
                else:
                    variants.append((party, variant))
            plans.append(dataclasses.replace(plan, variants=tuple(variants)))
    return why, plans


class Program:
    """The compiled part of a library selection under one interpretation.

    `compiled`: the ids of the compiled treaties; `others`: the rest (for the engine), both
    sorted. `run(hits, starts, lead, others)` -> the CSV lines of the compiled treaties, with
    the engine's lines of the others (`others`: treaty id -> lines) in their place, in treaty
    order. A scenario's facts come as `hits`, one (kind code, roles, end or None for one day)
    per fact (`shape`), and `starts`, their first days; the code raises `Invalid` for an end
    before its start. `source`: the generated Python."""

    def __init__(self, lib: Library, treaty_ids: list[str], interp: A.InterpretationDecl | None):
        self.lib = lib
        self.interp = interp
        self.compiled: list[str] = []
        self.others: list[str] = []
        # why each treaty of `others` is not compiled, in words (`reasons`)
        self.reasons: dict[str, str] = {}
        plans: dict[str, list[_ProvisionPlan]] = {}
        for tid in sorted(treaty_ids):
            got = self._treaty_plans(lib.treaties[tid])
            if isinstance(got, str):
                self.others.append(tid)
                self.reasons[tid] = got
            else:
                plans[tid] = got
                self.compiled.append(tid)
        self.order = sorted(treaty_ids)
        self.plans = plans
        gen = _Generator(lib, interp, plans, self.order)
        self.source = gen.source()
        self.codes = gen.tables.codes
        # the number of the withdrawals and denunciations (`withdrawn`): a list of their own
        self.withdrawal = len(self.codes) + 1
        self.run = cast("Callable[..., list[str]]", _function(self.source, gen.constants))
        self._leaving: dict[tuple[str, bool], Callable[..., list[object]] | None] = {}  # see `leaving`
        # each distinct event (its date taken out) -> (kind code, roles, end), or False when its
        # scenario goes to the engine (engine/io/batch.py `_light_facts`)
        self.shapes: dict[tuple[object, ...], tuple[int, dict[str, str], int | None] | bool] = {}

    @functools.cached_property
    def rows(self) -> Callable[..., list[Row]]:
        """`run` for the result JSON (written the first time it is asked for): `rows(hits, starts,
        others)` -> each listed instance of the compiled treaties not in `others` (a collection of
        treaty ids), as a `Row`, in the order of `run`'s lines. It reads the facts as `run` does."""
        gen = _Generator(self.lib, self.interp, self.plans, self.order, rows=True)
        source = gen.source()
        if gen.tables.codes != self.codes:  # (the same plans give the same numbers)
            raise AssertionError("the rows' code numbers the kinds of facts apart from `run`'s")
        return cast("Callable[..., list[Row]]", _function(source, gen.constants, "rows of "))

    def leaving(self, tid: str, rows: bool = False) -> Callable[..., list[object]] | None:
        """For a scenario in which a party withdraws from (or denounces) compiled treaty `tid`:
        `run` (or, `rows`, `Program.rows`) of that treaty alone, with one argument more, each
        party's membership spans in the scenario (`memberships`); None when the treaty cannot be
        compiled with memberships that change (the engine walks it). Written the first time."""
        key = (tid, rows)
        if key not in self._leaving:
            why, plans = _refusals(self.lib, self.lib.treaties[tid], self.interp, leaving=True)
            function = None
            if not why:
                # (it reads the facts as `run` does: each kind by `run`'s number)
                gen = _Generator(self.lib, self.interp, {tid: plans}, [tid], rows=rows, members=True,
                                 numbers=self.codes)
                try:
                    source = gen.source()
                except KeyError:  # a kind `run` does not read (not if the plans read the same facts)
                    source = None
                if source is not None:
                    function = _function(source, gen.constants, f"{tid} with parties leaving ")
            self._leaving[key] = function
        return self._leaving[key]

    def memberships(self, tid: str, facts: Sequence[Fact]) -> dict[str, tuple[tuple[int, int], ...]]:
        """Each party's membership spans of treaty `tid` in a scenario whose facts (unprepared:
        `Scenario.facts`) include withdrawals or denunciations of it (`context`), for `leaving`."""
        kinds = self.lib.kinds
        leavers = [f for f in facts if f.roles.get("treaty") == tid and f.kind in kinds
                   and any(k in kinds[f.kind].ancestors for k in LEAVING)]
        ctx = context(self.lib.treaties[tid], leavers, self.interp)
        return {party: tuple(spans) for party, spans in ctx.members.items()}

    def _treaty_plans(self, treaty: A.TreatyDecl) -> list[_ProvisionPlan] | str:
        """The plans of a treaty's provisions, or why it is not compiled (the first reason)."""
        why, plans = _refusals(self.lib, treaty, self.interp)
        return why[0].words if why else plans

    def complete(self, kind: str, roles: dict[str, str]) -> dict[str, str] | None:
        """A fact's roles as the engine completes them (`scenario.prepare`: `at` from a country
        `on`, `on` from the country of its `at`), or None when its scenario must go to the engine:
        a fact at a territory that changes hands under the interpretation (whose `on` depends on
        its days). (A withdrawal's treaty goes to the engine alone: `withdrawn`.)"""
        info = self.lib.kinds.get(kind)
        if info is None:
            return None
        if on_from_at(info.roles, roles):
            at = roles["at"]
            if self.interp is not None and any(t.code == at for r in self.interp.reassignments for t in r.territories):
                return None
            roles = {**roles, "on": country_of(at)}  # its sovereign on every day (`sovereign`)
        if target_missing(info.roles, roles):
            roles = {**roles, TARGET: DEFAULT_TARGET}  # as `prepare` fills it
        return at_from_on(info.roles, roles)

    def code_of(self, kind: str) -> int:
        """The number by which the compiled code knows a kind (0: it reads no fact of it)."""
        info = self.lib.kinds.get(kind)
        if info is not None and any(k in info.ancestors for k in LEAVING):
            return self.withdrawal
        return self.codes.get(kind, 0)

    def withdrawn(self, hits: list[tuple[int, dict[str, str], int | None]]) -> list[str]:
        """The compiled treaties a withdrawal or denunciation of the scenario names, sorted: their
        memberships change with the scenario (`context`), so `run` leaves them out and gives, in
        their place, the lines it is given (`leaving`'s code, or the engine's)."""
        if self.withdrawal not in map(_CODE, hits):
            return []
        return sorted({roles.get("treaty", "") for code, roles, _ in hits if code == self.withdrawal}
                      & set(self.compiled))


_CODE = operator.itemgetter(0)  # a hit's kind number


class Row(NamedTuple):
    """A listed instance as `Program.rows` gives it (for the result JSON: engine/core/explained.py)."""

    provision: tuple[str, str]  # (treaty id, provision id)
    bearer: str
    beneficiary: str
    status: str
    activated: int | None
    since: int
    timeline: list[tuple[int, str]]  # (day, status): each change of status, as the engine's


def _function(source: str, constants: _Constants, what: str = "") -> Callable[..., list[object]]:
    """The function `run` of generated source, with its constants."""
    namespace: dict[str, object] = dict(constants.values)
    code = compile(source, f"<casus compiled {what}code>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, from the checked library
    return cast("Callable[..., list[object]]", namespace["run"])


class Invalid(Exception):
    """Raised by compiled code for a fact that ends before it starts: the engine's reader reports it."""


def program(lib: Library, treaty_ids: tuple[str, ...], interpretation: str) -> Program | None:
    """The compiled program of a selection (None when nothing can be compiled, or the
    interpretation defines facts), built once per library, selection and interpretation."""
    if not _PROGRAMS or _PROGRAMS[0][0] is not lib:
        _PROGRAMS[:] = [(lib, {})]
    cache = _PROGRAMS[0][1]
    key = (treaty_ids, interpretation)
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        interp = lib.interpretations.get(interpretation)
        prog = None
        # facts derived or re-read by the interpretation (definitions, self-defence) are the
        # kernel's `prepare`: such a selection goes to the engine whole
        if interp is None or not interp.definitions and not interp.self_defence:
            prog = Program(lib, list(treaty_ids), interp)
            if not prog.compiled:
                prog = None
        cache[key] = prog
    return cache[key]


_PROGRAMS: list[tuple[Library, dict[tuple[tuple[str, ...], str], Program | None]]] = []


# ---------------------------------------------------------------------------- code generation


class _Constants:
    """The constants of the generated code by name: the helpers it calls, and values worked out
    while it is written (equal values share one name)."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {
            "NEVER": NEVER, "BIG": BIG, "ISO": records._ISO, "iso": records._iso, "Invalid": Invalid,
            "by_value": by_value, "bisect_left": bisect.bisect_left, "bisect_right": bisect.bisect_right,
            "under_way": under_way, "change_days": change_days, "first_from": first_from, "later": later,
            "seen": seen, "seen_pieces": seen_pieces, "first_seen": first_seen, "member": member, "acted": acted,
            "Row": Row}
        self._names: dict[tuple[type, object], str] = {}

    def add(self, value: object) -> str:
        """The name of a constant (equal values share one)."""
        key = (type(value), value)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"C{len(self.values)}"
            self.values[name] = value
        return name

    def fresh(self, value: object) -> str:
        """The name of a constant of its own (a value that cannot be a key: a dict)."""
        name = f"C{len(self.values)}"
        self.values[name] = value
        return name


class _Tables:
    """The tables the generated code sorts a scenario's facts into (`table`), and the code that
    fills them (`dispatch`, `temporal_code`)."""

    def __init__(self, lib: Library, interp: A.InterpretationDecl | None, constants: _Constants,
                 numbers: dict[str, int] | None = None):
        self.lib, self.interp, self.constants = lib, interp, constants
        self.codes: dict[str, int] = {}  # kind -> its number in `run`'s dispatch
        # the numbers to give the kinds (a part of a program reads the facts as the program does:
        # `Program.leaving`); None: numbered here, from 1
        self.numbers = numbers
        self.lists: dict[str, str] = {}  # a kind a within/after/before reads -> the list of its facts
        self.groups: dict[tuple[str, str | None], str] = {}  # (kind, role) -> its facts by value (`by_value`)
        self.names: dict[tuple[object, ...], str] = {}  # (leaf key, start, tests, mode) -> table name
        # table name -> what it keeps for a binding: the "first" day it holds, the "runs" of days it
        # holds (`ongoing`; a fact with a place test: `_placed`), every matching fact's days
        # ("facts": memberships change), their "starts" (`until`); where memberships change, a
        # fact with a place test keeps its runs with its own days ("pieces": which count is per fact)
        self.modes: dict[str, str] = {}
        # (kind, start) -> the tables of the facts of that kind: (name, atom, variables, hidden,
        # mode, the call that cuts a fact's days by its place tests or "")
        self.occurred: dict[tuple[str, int], list[tuple[str, A.Atom, tuple[str, ...], dict[str, str], str, str]]] = {}
        self.places: dict[tuple[tuple[A.PlaceOf, ...], ...], str] = {}  # see `_placed`
        self.temporal_code: list[str] = []
        self.passes: dict[tuple[str, str, tuple[A.Cond, ...]], str] = {}  # see `passing`

    def table(self, leaf: A.Cond, start: int, tests: dict[str, tuple[A.Cond, ...]], probe: TreatyRun,
              starts: bool = False, fixed: bool = True) -> str:
        """The name of the table of a fact or within/after/before of a condition: the values of
        its variables (sorted; one value, or a tuple) -> the first day it holds, from `start`;
        of an `ongoing` fact, or any fact in a treaty whose memberships change (not `fixed`: which
        facts count differs from one pair of parties to the next): -> the (start, end) of each
        matching fact, from `start`; with `starts`, of a discharge condition's fact: -> the
        (start, end) of each, with its own start.
        `tests`: the leaf's variables read as "some value" (`_hidden`) -> the tests beside it; `probe`:
        its treaty's run (`passing`). The tables of the facts of one kind are filled in one pass
        over its facts. A place test (`A territory of X`) keeps, of each matching fact's days
        (from its start for good, or while it is under way), those on which it holds (`_placed`)."""
        # a variable read as "some value" -> the function that tests its values ("": none)
        hidden = {v: self.passing(v, fixed_tests, probe) if (fixed_tests := tuple(
            t for t in ts if not _alternatives(t, v))) else "" for v, ts in tests.items()}
        places = tuple(alts for v, ts in tests.items() for t in ts if (alts := _alternatives(t, v)))
        placed = self.placed(places, isinstance(leaf, A.Ongoing)) if places else ""
        mode = ("starts" if starts else "pieces" if places and not fixed else "runs" if isinstance(leaf, A.Ongoing)
                or places else "first" if fixed else "facts")
        key = (C.leaf_key(leaf), start, tuple(hidden.items()), mode, placed)
        name = self.names.get(key)
        if name is not None:
            return name
        name = self.names[key] = f"T{len(self.names)}"
        self.modes[name] = mode
        names = tuple(n for n in C.names(leaf) if n not in tests)
        if isinstance(leaf, (A.Occurred, A.Ongoing)):
            self.occurred.setdefault((leaf.atom.kind, start), []).append((name, leaf.atom, names, hidden, mode, placed))
            return name
        assert not places  # (`_hidden`: not beside a relation between facts)
        assert isinstance(leaf, A.Temporal)
        for kind in (leaf.first.kind, leaf.second.kind):
            if kind not in self.lists:
                self.lists[kind] = f"L{len(self.lists)}"
        bound = set(A.variables(A.Occurred(leaf.first, leaf.span)))
        # the facts of the second kind, by start, grouped by the value of a role that must equal a
        # variable the first fact bound (`by_value`): for each first fact only the group of its
        # value, and in it only the starts the relation allows (`C.partners`), are looked at,
        # instead of every fact of the second kind (a sweep over sorted intervals, not all pairs)
        join = next(((a.role, a.value.name) for a in leaf.second.args
                     if isinstance(a.value, A.Var) and a.value.name in bound), None)
        role = None if join is None else join[0]
        groups = self.groups.get((leaf.second.kind, role))
        if groups is None:
            groups = self.groups[(leaf.second.kind, role)] = f"G{len(self.groups)}"
            self.temporal_code.append(f"    {groups} = by_value({self.lists[leaf.second.kind]}, {role!r})")
        first_only = set(names) <= bound  # (before `unify` adds the second fact's variables)
        self.temporal_code += _pair_loop(
            leaf, start, name, names, self.lists[leaf.first.kind], self.unify(leaf.first, "r1", set(), hidden),
            f"{groups}.get({'None' if join is None else f'v_{join[1]}'})", self.unify(leaf.second, "r2", bound, hidden),
            first_only)
        return name

    def placed(self, tests: tuple[tuple[A.PlaceOf, ...], ...], ongoing: bool) -> str:
        """A call, in the dispatch's loop over a kind's facts (s1, e1: the fact's days), that
        gives the runs of days on which the fact's condition holds with its place tests (each
        one of its alternatives): from its start for good (or to its end, `ongoing`), cut where a
        place changes hands (`_placed`)."""
        fn = self.places.get(tests)
        if fn is None:
            fn = self.places[tests] = self.constants.fresh(_placed(self.lib, self.interp, tests))
        flat = [t for alts in tests for t in alts]
        whos = ", ".join(f"v_{t.party.name}" if isinstance(t.party, A.Var) else repr(str(t.party)) for t in flat)
        places = ", ".join(f"v_{t.var}" for t in flat)
        return f"{fn}(s1, {'e1' if ongoing else 'BIG'}, ({places},), ({whos},))"

    def passing(self, var: str, tests: tuple[A.Cond, ...], probe: TreatyRun) -> str:
        """The name of a function of the generated code: whether a value of `var` passes `tests`
        (fixed for a value: `C.fixed_test`), as the engine's solver answers, once per value."""
        scoped = any(isinstance(n, A.InArea) and n.what == "scope" for c in tests for n in A.walk(c))
        key = (probe.treaty.id if scoped else "", var, tests)  # a scope is its treaty's
        name = self.passes.get(key)
        if name is None:
            solver, start = probe.solver, probe.ctx.start
            memo: dict[str, bool] = {}

            def passes(value: str) -> bool:
                got = memo.get(value)
                if got is None:
                    got = memo[value] = all(next(solver.solve(c, {var: value}, start, ()), None) is not None
                                            for c in tests)
                return got

            name = self.passes[key] = self.constants.add(passes)
        return name

    def unify(self, atom: A.Atom, roles: str, bound: set[str],
              hidden: dict[str, str] | None = None) -> str:
        """`scenario.unify` of one atom against the roles dict named `roles`, as one expression
        that binds `v_<Var>` for the variables not yet in `bound` (and adds them); a variable of
        `hidden` (-> the function that tests its value) is tested as soon as it is bound."""
        parts = []
        for a in atom.args:
            v = a.value
            if isinstance(v, A.Wildcard):
                continue
            have = f"{roles}.get({a.role!r})"
            if isinstance(v, A.Var):
                if v.name in bound:
                    parts.append(f"{have} == v_{v.name}")
                else:
                    bound.add(v.name)
                    parts.append(f"(v_{v.name} := {have}) is not None")
                    if hidden and hidden.get(v.name):
                        parts.append(f"{hidden[v.name]}(v_{v.name})")
            elif isinstance(v, A.Code):
                if a.role in ("at", "in") and is_country(v.code):
                    self.constants.values["country_of"] = country_of
                    parts.append(f"((h := {have}) == {v.code!r} or h is not None and country_of(h) == {v.code!r})")
                else:
                    parts.append(f"{have} == {v.code!r}")
            else:
                assert isinstance(v, A.Name)
                parts.append(f"{have} == {v.name!r}")
        return " and ".join(parts) if parts else "True"

    def dispatch(self) -> list[str]:
        """One pass over the facts files each under its kind's number; then one pass over the
        facts of each kind a condition reads (its own and its subkinds') fills its tables."""
        slots = {kind for kind, _ in self.occurred} | set(self.lists)
        by_slot: dict[str, list[int]] = {}
        for kind in sorted(self.lib.kinds):
            mine = [k for k in self.lib.kinds[kind].ancestors if k in slots]
            if mine:
                n = len(self.codes) + 1 if self.numbers is None else self.numbers[kind]  # (KeyError: unread)
                self.codes[kind] = n
                for k in mine:
                    by_slot.setdefault(k, []).append(n)
        if not self.codes:
            return []
        # (one list more, the last: the withdrawals, `Program.withdrawal`, which no table reads)
        lists = len(self.codes) if self.numbers is None else len(self.numbers)
        code = [f"    K = ({'[], ' * (lists + 2)})",
                "    for (c, r1, e1), s1 in zip(hits, starts):",
                "        if c:",
                "            if e1 is None: e1 = s1",
                "            elif e1 < s1: raise Invalid",
                "            K[c].append((s1, e1, r1))"]
        for slot, name in self.lists.items():
            code.append(f"    {name} = {' + '.join(f'K[{n}]' for n in by_slot.get(slot, ())) or '[]'}")
        for (kind, start), tables in self.occurred.items():
            ns = by_slot.get(kind, ())
            if not ns:
                continue
            code.append(f"    for s1, e1, r1 in {' + '.join(f'K[{n}]' for n in ns)}:")
            code.append(f"        if e1 < {start}: continue")
            clipped = False
            # a discharge condition's facts count from their own start (`Solver.holds_after`), the
            # others' from entry into force
            for name, atom, names, hidden, mode, placed in sorted(tables, key=lambda table: table[4] != "starts"):
                key, match = _key(names), self.unify(atom, "r1", set(), hidden)
                if mode == "starts":
                    code.append(f"        if {match}: {name}.setdefault({key}, []).append((s1, e1))")
                    continue
                if not clipped:
                    code.append(f"        if s1 < {start}: s1 = {start}")
                    clipped = True
                if mode == "pieces":
                    code.append(f"        if {match}: {name}.setdefault({key}, []).extend("
                                f"[(a, b, s1, e1) for a, b in {placed}])")
                elif placed:
                    code.append(f"        if {match}: {name}.setdefault({key}, []).extend({placed})")
                elif mode in ("runs", "facts"):
                    code.append(f"        if {match}: {name}.setdefault({key}, []).append((s1, e1))")
                else:
                    code.append(f"        if {match} and s1 < {name}.get({key}, NEVER): {name}[{key}] = s1")
        return code


class _Generator:
    """The generated source of a selection: `run`, which fills the tables (`_Tables`), then
    works out each compiled provision's instances and appends their CSV lines, in treaty order
    (the engine's lines of the other treaties in their place)."""

    def __init__(self, lib: Library, interp: A.InterpretationDecl | None,
                 plans: dict[str, list[_ProvisionPlan]], order: list[str], rows: bool = False,
                 members: bool = False, numbers: dict[str, int] | None = None):
        self.lib, self.interp, self.plans, self.order = lib, interp, plans, order
        # the parties' membership spans: the treaty's as declared (constants), or (`members`, for
        # a scenario in which parties withdraw: `Program.leaving`) the argument `members` of `run`
        self.members = members
        # what `run` gives: CSV lines, or (`rows`, for the result JSON) each listed instance as
        # ((treaty, provision), bearer, beneficiary, status, activation day or None, since, timeline)
        self.rows = rows
        self.state = "st, a, s, tl" if rows else "st, a, s"  # what the code of one instance sets
        self.constants = _Constants()
        self.tables = _Tables(lib, interp, self.constants, numbers)
        self.body: list[str] = []
        # the provision being written: its variables read as "some value" (`_hidden`)
        self.hidden: dict[str, tuple[tuple[A.Cond, tuple[A.Cond, ...]], ...]] = {}
        self.memberships: dict[str, tuple[str, str]] = {}  # see `spans`
        self.suspended: dict[str, tuple[str, str]] = {}  # see `suspensions`
        self.membership_days = ""  # its treaty's, if its memberships change (`spans`)
        self.runs: set[int] = set()  # the leaves of the instance being written whose tables keep runs of days

    def const(self, value: object) -> str:
        return self.constants.add(value)

    def day_of(self, var: str) -> str:
        """A day (an ordinal) as `run` gives it: ISO text in a CSV line, the ordinal in a row."""
        return var if self.rows else f"ISO.get({var}) or iso({var})"

    def spans(self, ctx: TreatyContext) -> tuple[str, str]:
        """The names of two constants of the generated code for a treaty whose memberships
        change: party -> its membership spans; spans -> the days on which they can change a
        status (each first day, each day after a last). (With `members`: two variables that
        `run` sets from its argument.)"""
        if self.members:
            return "MEM", "MDAYS"
        names = self.memberships.get(ctx.treaty.id)
        if names is None:
            of = {x: tuple(ctx.members[x]) for x in ctx.parties}
            days = {sp: tuple(d for s, e in sp for d in (s, e + 1) if d <= BIG) for sp in of.values()}
            names = self.memberships[ctx.treaty.id] = (self.constants.fresh(of), self.constants.fresh(days))
        return names

    def pair_spans(self, ctx: TreatyContext, p: A.Provision) -> str:
        """Code that sets `sx` and `sy`, the beneficiary's and the bearer's membership spans, and
        `vx`: whose membership a fact must overlap beside the bearer's (the beneficiary's, or, for a
        provision that protects a class wider than the parties, the bearer's again:
        `TreatyContext.seers`)."""
        members = self.spans(ctx)[0]
        return f"sx = {members}.get(x, ()); sy = {members}.get(y, ()); vx = {'sy' if p.protects is not None else 'sx'}"

    def suspensions(self, ctx: TreatyContext) -> tuple[str, str]:
        """The names of two constants of the generated code for a treaty that suspends duties:
        (bearer, beneficiary) -> the spans of days on which the bearer's duties toward the
        beneficiary are suspended; -> the days on which they start and end (the day after)."""
        names = self.suspended.get(ctx.treaty.id)
        if names is None:
            spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
            for bearer, beneficiary, s, e in ctx.suspensions:
                spans.setdefault((bearer, beneficiary), []).append((s, e))
            days = {pair: tuple(d for s, e in sp for d in (s, e + 1) if d <= BIG) for pair, sp in spans.items()}
            names = self.suspended[ctx.treaty.id] = (
                self.constants.fresh({pair: tuple(sp) for pair, sp in spans.items()}), self.constants.fresh(days))
        return names

    def source(self) -> str:
        for tid in self.order:
            if tid not in self.plans:
                if not self.rows:  # (rows: the engine's outcomes are put in place by the caller)
                    self.body.append(f"    out.extend(others[{tid!r}])")
                continue
            treaty = self.lib.treaties[tid]
            # a treaty a withdrawal of the scenario names: the engine's lines (`Program.withdrawn`)
            if self.rows:
                self.body += [f"    if {tid!r} not in others:", "        pass"]
            else:
                self.body += [f"    if {tid!r} in others:", f"        out.extend(others[{tid!r}])", "    else:",
                              "        pass"]
            block = len(self.body)
            for pp in sorted(self.plans[tid], key=lambda pp: _natural(pp.p.id)):
                self.provision(treaty, pp)
            self.body[block:] = ["    " + line for line in self.body[block:]]
        lines = [f"def run(hits, starts, {'' if self.rows else 'lead, '}others{', members' if self.members else ''}):",
                 "    out = []"]
        if self.members:  # (see `spans`)
            lines += ["    MEM = members",
                      "    MDAYS = {sp: tuple(d for s, e in sp for d in (s, e + 1) if d <= BIG)",
                      "             for sp in MEM.values()}"]
        lines += [f"    {name} = {{}}" for name in self.tables.names.values()]
        lines += self.tables.dispatch()
        lines += self.tables.temporal_code
        lines += self.body
        lines.append("    return out")
        return "\n".join(lines) + "\n"

    def tables_of(self, pp: _ProvisionPlan, start: int, probe: TreatyRun) -> dict[int, str]:
        """The tables of a provision's facts (`C.tabled`: trigger, prerequisite, discharge
        condition), by the leaf's id."""
        p = pp.p
        out = {id(n): self.table(n, start, probe, fixed=pp.fixed) for c in (p.when, p.upon, p.unless)
               for n, _ in C.tabled(c)}
        out.update({id(n): self.table(n, start, probe, starts=True, fixed=pp.fixed) for n, _ in C.tabled(p.until)})
        return out

    def instance(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str], probe: TreatyRun,
                 parties: list[str], pad: str, start: int, shared: bool = False) -> None:
        """`day` for the bearer `y`: under its own trigger where its reservations add to it."""
        if not pp.variants:
            self.day(pp, tname, seed, probe, parties, pad, start, shared)
            return
        hidden = self.hidden
        for k, (party, variant) in enumerate(pp.variants):
            self.body.append(f"{pad}{'if' if k == 0 else 'elif'} y == {party!r}:")
            self.hidden = variant.hidden
            self.day(variant, self.tables_of(variant, start, probe), seed, probe, parties, pad + "    ", start)
        self.hidden = hidden
        self.body.append(f"{pad}else:")
        self.day(pp, tname, seed, probe, parties, pad + "    ", start)

    def table(self, leaf: A.Cond, start: int, probe: TreatyRun, starts: bool = False, fixed: bool = True) -> str:
        """`_Tables.table` for a leaf of the provision being written."""
        tests = {v: next(t for f, t in self.hidden[v] if f is leaf) for v in C.names(leaf) if v in self.hidden}
        return self.tables.table(leaf, start, tests, probe, starts, fixed)

    def names(self, leaf: A.Cond) -> tuple[str, ...]:
        return _unhidden(leaf, self.hidden)

    # ------------------------------------------------------------ provisions
    def provision(self, treaty: A.TreatyDecl, pp: _ProvisionPlan) -> None:
        """Code that appends the CSV lines of a provision's listed instances, sorted by bearer
        and beneficiary (as the engine lists them)."""
        p = pp.p
        then, when, upon = p.then, p.when, p.upon
        assert then is not None and when is not None
        # a compiled treaty is in force for good: a fact counts from entry into force, for every
        # party, or (not `fixed`) for the parties whose membership it overlaps; who owes whom is
        # the context's
        ctx = static_context(treaty)
        start, fixed = ctx.start, pp.fixed
        parties = list(ctx.parties)
        probe = TreatyRun(self.lib, treaty, [], self.interp)
        self.hidden = pp.hidden
        if not fixed:
            self.membership_days = self.spans(ctx)[1]
        out = self.body
        out.append(f"    # {treaty.id}.{p.id}")
        if self.rows:
            line = f"out.append(Row({self.const((treaty.id, p.id))}, y, x, st, a, s, tl))"
        else:
            # (an article may hold any character)
            head = self.const(f",{treaty.id},{p.id},{records.csv_field(p.article)},")
            line = f"out.append(f'{{lead}}{{{head}}}{{y}},{{x}},{{st}},{{a}},{{s}}')"
        benefs = _beneficiaries(self.lib, ctx, p)
        reading = self.interp.name if self.interp is not None else "default"
        if not benefs or p.version is not None and not p.version.read_under(reading):
            return  # (a text that does not apply under the reading is never triggered: nothing listed)
        tname = self.tables_of(pp, start, probe)
        tables_w = [tname[id(n)] for n, _ in C.tabled(when)]
        x, y = "x", "y"  # the beneficiary, the bearer
        seed = {v: (x if v == pp.ben_var else y) for v in (pp.ben_var, pp.bearer_var) if v}
        # (whether the bearer acted, its duties are suspended, its reservation adds to its trigger,
        # is its own: every instance is worked out for itself)
        own = pp.bearer_var is not None and any(pp.bearer_var in A.variables(c) for c in (when, upon, p.until)
                                                if c is not None)
        acted_only = "action" in pp.machine.asks() and not (pp.suspends or pp.variants or own)
        per_bearer = "action" in pp.machine.asks() or pp.suspends or bool(pp.variants) or own
        # only values that a fact outside `not` binds can be beneficiaries (and bearers taken
        # from the trigger): every way the trigger holds binds them (`_plan_of`)
        ben_filter = _sources(tables_w, when, pp.ben_var, x, {}, self.hidden) if pp.ben_var else None
        if not per_bearer:
            self.per_beneficiary(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, line, start)
            return
        if acted_only:
            # nobody acted (no fact of the action in the scenario): as if it were not asked
            self.body.append(f"    if not {self.table(_action_leaf(p), start, probe, fixed=fixed)}:")
            block = len(self.body)
            self.per_beneficiary(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, line, start, acted=False)
            self.body[block:] = ["    " + code for code in self.body[block:]]
            self.body.append("    else:")
            block = len(self.body)
            self.per_bearer(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, line, start)
            self.body[block:] = ["    " + code for code in self.body[block:]]
            return
        self.per_bearer(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, line, start)

    def per_beneficiary(self, pp: _ProvisionPlan, ctx: TreatyContext, tname: dict[int, str], seed: dict[str, str],
                        probe: TreatyRun, parties: list[str], benefs: Sequence[str], ben_filter: str | None,
                        line: str, start: int, acted: bool = True) -> None:
        """The instances of one beneficiary live the same life whatever the bearer (its own
        membership aside): each beneficiary's once (per class of bearers alike in membership),
        then the lines, bearer by bearer (the engine's order). `acted`: whether the code reads
        the bearer's facts of the action (not: it has none)."""
        p, out, x, y = pp.p, self.body, "x", "y"
        when, upon = p.when, p.upon
        assert when is not None and p.then is not None
        fixed = pp.fixed
        pool, differ = ctx.bearer_pool(p.then.bearer)  # differ: the beneficiary is left out
        bearers = self.const(tuple(pool))
        out.append("    acts = []")
        if not fixed and self.members:  # the bearers' classes by their memberships in this scenario
            out.append(f"    classes = tuple(dict.fromkeys(MEM.get(b, ()) for b in {bearers}))")
            out.append(f"    class_of = tuple(classes.index(MEM.get(b, ())) for b in {bearers})")
        driver = _driver(when, pp.ben_var, tname, self.hidden) if pp.ben_var else None
        out.append(f"    for {x} in {self.const(tuple(benefs))}:")
        if driver:  # every beneficiary is a key of one of these tables
            out.append(f"        if {' and '.join(f'{x} not in {t}' for t in driver)}: continue")
        elif ben_filter and not _monotone(when, upon):
            out.append(f"        if not ({ben_filter}): continue")
        if fixed:
            self.day(pp, tname, seed, probe, parties, "        ", start, acted=acted)
            out.append(f"        if st is not None: acts.append(({x}, {self.state}))")
            out.append("    if acts:")
            out.append(f"        for {y} in {bearers}:")
            out.append(f"            for {x}, {self.state} in acts:")
            out.append(f"                if {y} != {x}: {line}" if differ else f"                {line}")
            return
        # the bearers whose memberships are the same (NATO's founders; those who joined on one
        # day) live the same life toward one beneficiary: once for each such class
        members = self.spans(ctx)[0]
        if self.members:  # (worked out above)
            classes_name, class_of = "classes", "class_of"
        else:
            of = cast("dict[str, tuple[tuple[int, int], ...]]", self.constants.values[members])
            classes = tuple(dict.fromkeys(of[b] for b in pool))
            classes_name = self.const(classes)
            class_of = self.const(tuple(classes.index(of[b]) for b in pool))  # each bearer's, in `bearers`
        out.append(f"        sx = {members}.get({x}, ())")
        out.append(f"        for c, sy in enumerate({classes_name}):")
        out.append(f"            vx = {'sy' if p.protects is not None else 'sx'}")
        self.day(pp, tname, seed, probe, parties, "            ", start, acted=acted)
        out.append(f"            if st is not None: acts.append(({x}, c, {self.state}))")
        out.append("    if acts:")
        out.append(f"        for {y}, cy in zip({bearers}, {class_of}):")
        out.append(f"            for {x}, c, {self.state} in acts:")
        out.append(f"                if c == cy{f' and {y} != {x}' if differ else ''}: {line}")

    def per_bearer(self, pp: _ProvisionPlan, ctx: TreatyContext, tname: dict[int, str], seed: dict[str, str],
                   probe: TreatyRun, parties: list[str], benefs: Sequence[str], ben_filter: str | None,
                   line: str, start: int) -> None:
        """Each instance worked out for itself, bearer by bearer (or from the pairs of facts that bind
        both), its lines sorted."""
        p, out, x, y = pp.p, self.body, "x", "y"
        when, upon = p.when, p.upon
        assert when is not None and p.then is not None
        fixed = pp.fixed
        pool, differ = ctx.bearer_pool(p.then.bearer)
        bearers = self.const(tuple(pool))
        tables_w = [tname[id(n)] for n, _ in C.tabled(when)]
        out.append("    rows = []")
        pairs = (_pair_driver(when, pp.ben_var, pp.bearer_var, tname, self.hidden) if pp.ben_var and pp.bearer_var
                 else None)
        if pairs is not None:
            # every way the trigger holds binds both by one fact: go through those facts' pairs
            tables, names = pairs
            assert pp.ben_var is not None and pp.bearer_var is not None  # pair_driver was asked
            keys = tables[0] if len(tables) == 1 else "{" + ", ".join(f"*{t}" for t in tables) + "}"
            out.append(f"    for k in {keys}:")
            out.append(f"        {x} = k[{names.index(pp.ben_var)}]; {y} = k[{names.index(pp.bearer_var)}]")
            out.append(f"        if {x} not in {self.const(frozenset(benefs))} or {y} not in "
                       f"{self.const(frozenset(cast('tuple[str, ...]', self.constants.values[bearers])))}: continue")
            if differ:
                out.append(f"        if {y} == {x}: continue")
            if not fixed:
                out.append(f"        {self.pair_spans(ctx, p)}")
            self.instance(pp, tname, seed, probe, parties, "        ", start)
            out.append(f"        if st is not None: rows.append(({y}, {x}, {self.state}))")
            out.append("    rows.sort()")
            out.append(f"    for {y}, {x}, {self.state} in rows: {line}")
            return
        out.append(f"    for {x} in {self.const(tuple(benefs))}:")
        if ben_filter:
            out.append(f"        if not ({ben_filter}): continue")
        # the bearer is in none of its conditions: instances alike but for it are worked out once
        shared = not pp.variants and (pp.bearer_var is None or not any(
            pp.bearer_var in A.variables(c) for c in (when, upon, p.until) if c is not None))
        if shared:
            out.append("        memo = {}")
        out.append(f"        for {y} in {bearers}:")
        if differ:
            out.append(f"            if {y} == {x}: continue")
        if pp.bearer_var is not None and C.binds(when, pp.bearer_var):
            bear_filter = _sources(tables_w, when, pp.bearer_var, y, seed, self.hidden)
            out.append(f"            if not ({bear_filter}): continue")
        if not fixed:
            out.append(f"            {self.pair_spans(ctx, p)}")
        self.instance(pp, tname, seed, probe, parties, "            ", start, shared)
        out.append(f"            if st is not None: rows.append(({y}, {x}, {self.state}))")
        out.append("    rows.sort()")
        out.append(f"    for {y}, {x}, {self.state} in rows: {line}")

    def day(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str], probe: TreatyRun,
            parties: list[str], pad: str, start: int, shared: bool = False, acted: bool = True) -> None:
        """`_day`, with what is the bearer's own set first: `w`, the facts of its action, and `su`,
        the spans of its suspension toward the beneficiary. `shared`: the rest depends on the
        bearer only through its membership (`sy`), so a bearer that did not act and is not
        suspended takes the status worked out for another with the same membership (`memo`,
        emptied for each beneficiary): NATO's thirty allies, once per accession day. Not `acted`:
        no bearer has a fact of the action, so the lifecycle is the one where it never comes."""
        out = self.body
        own = []
        if not acted:
            pp = dataclasses.replace(pp, machine=_machine(pp.p, pp.due, pp.fixed, pp.suspends, acted=False))
        if "action" in pp.machine.asks():
            # the bearer's facts of the action for the beneficiary (`_action_leaf`)
            leaf = _action_leaf(pp.p)
            key = _key(self.names(leaf), {**seed, _BY: "y"})
            entry = f"{self.table(leaf, start, probe, fixed=pp.fixed)}.get({key}, ())"
            out.append(f"{pad}w = {entry}")
            if not pp.fixed:
                out.append(f"{pad}if w: w = seen(w, vx, sy)")
            own.append("w")
        if pp.suspends:
            out.append(f"{pad}su = {self.suspensions(probe.ctx)[0]}.get((y, x), ())")
            own.append("su")
        if not shared:
            self._day(pp, tname, seed, probe, parties, pad, start)
            return
        k = "None" if pp.fixed else "sy"
        alone = f"not ({' or '.join(own)})" if own else "True"
        out.append(f"{pad}if {alone} and {k} in memo: {self.state} = memo[{k}]")
        out.append(f"{pad}else:")
        self._day(pp, tname, seed, probe, parties, pad + "    ", start)
        nothing = "(None, None, None, None)" if self.rows else "(None, '', '')"
        out.append(f"{pad}    if {alone}: memo[{k}] = ({self.state}) if st is not None else {nothing}")

    def _day(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str],
             probe: TreatyRun, parties: list[str], pad: str, start: int) -> None:
        """Code that sets `st` (None: dormant), `a` (activation date or '') and `s` (since): the
        lifecycle's decision trees for the provision (`_ProvisionPlan.machine`), written out over
        the days its conditions can change (entry into force, each fact's first day, the days an
        `ongoing` fact starts and stops, those on which the parties' memberships begin and end).
        In a treaty whose memberships change (not `pp.fixed`), `sx` and `sy` are the
        beneficiary's and the bearer's membership spans, and only the facts that overlap both
        count (`seen`)."""
        when, upon, machine = pp.p.when, pp.p.upon, pp.machine
        assert when is not None
        out = self.body
        leaves = [n for c in (when, upon, pp.p.unless) if c is not None for n in A.walk(c) if isinstance(n, _LEAVES)]
        local: dict[int, str] = {}
        self.runs = set()
        for i, n in enumerate(leaves):
            local[id(n)] = f"f{i}"
            mode = self.tables.modes[tname[id(n)]]
            entry = f"{tname[id(n)]}.get({_key(self.names(n), seed)}, {'NEVER' if mode == 'first' else '()'})"
            if mode == "runs":  # the days on which it holds
                self.runs.add(id(n))
                if not pp.fixed:
                    entry = f"seen({entry}, vx, sy)"
            elif mode == "pieces":  # the same, of the facts both parties see
                self.runs.add(id(n))
                entry = f"seen_pieces({entry}, vx, sy)"
            elif mode == "facts":  # the first day on which one that both parties see has started
                entry = f"first_seen({entry}, vx, sy)"
            out.append(f"{pad}f{i} = {entry}")
        expr = _Expressions(self.constants, local, self.runs, seed, self.hidden, pp.fixed, probe, parties)
        if _monotone(when, upon) and machine.once_active() and pp.p.version is None:
            # active from the first day the trigger holds, which then holds for good
            out.append(f"{pad}d = {expr.first(when, start)}")
            out.append(f"{pad}if d > BIG:")
            out.append(f"{pad}    st = None")
            out.append(f"{pad}else:")
            out.append(f"{pad}    st = {lifecycle.ACTIVE!r}; a = s = {self.day_of('d')}"
                       + (f"; tl = [(d, {lifecycle.ACTIVE!r})]" if self.rows else ""))
            return
        ask = {"trigger": expr.truth(when)}
        if pp.p.unless is not None:  # (it reads no variable of the trigger but the parties': `_hidden`)
            ask["undefeated"] = f"not {expr.truth(pp.p.unless)}"
        version = pp.p.version
        if version is not None:  # its text can be triggered only on its days (`TreatyContext.version_applies`)
            ask["trigger"] = (f"{version.start if version.start is not None else start} <= t"
                              f"{f' <= {version.end}' if version.end is not None else ''} and {ask['trigger']}")
        if not pp.fixed:
            ask.update(bearer_member="member(sy, t)", beneficiary_member="member(sx, t)")  # (as `machine` asks)
        suspended: list[str] = []  # the days its suspensions start and end
        if pp.suspends:  # (`su`: `day`)
            ask["suspended"] = "member(su, t)"
            suspended.append(f"*{self.suspensions(probe.ctx)[1]}.get((y, x), ())")
        if upon is not None:
            ask["prerequisites"] = expr.truth(upon)
        if pp.p.ends_with_situation:
            ask["situation_ended"] = f"not {ask['trigger']}"
        on_latch = ["a0 = t"]  # what is done on activation
        if "action" in machine.asks():
            # (`w`: `day`) it acted on the first day from activation on which one of its facts of
            # the action is under way; that day is one to look at
            ask["action"] = "acted(w, (t if a0 is None else a0)) <= t"
            on_latch.append("later(days, t, acted(w, t))")
        until = pp.p.until
        if until is not None:
            for j, n in enumerate(x for x in A.walk(until) if isinstance(x, A.Occurred)):
                local[id(n)] = f"u{j}"
                entry = f"{tname[id(n)]}.get({_key(self.names(n), seed)}, ())"
                out.append(f"{pad}u{j} = {entry if pp.fixed else f'seen({entry}, vx, sy)'}")
            # the first day from activation (now, if it activates now) on which it holds
            ask["discharge"] = f"{expr.discharge(until, '(t if a0 is None else a0)')} <= t"
            # that day, from the day of activation, is one the loop must look at
            on_latch.append(f"later(days, t, {expr.discharge(until, 't')})")
        states = [(status, latched) for status, latched, _ in machine.trees]
        # and the final ones (discharged: `Machine.trees` has the states an instance can leave)
        states += sorted({(step.status, latched or step.latch) for _, latched, tree in machine.trees
                          for step in lifecycle.leaves(tree)} - set(states))
        number = {state: i for i, state in enumerate(states)}
        moving = [(i, tree) for i, (_, _, tree) in enumerate(machine.trees) if not machine.absorbing(*states[i])]
        days = ", ".join([str(start)] + [f"*change_days({local[id(n)]})" if id(n) in self.runs else local[id(n)]
                                         for n in leaves]
                         + ([] if pp.fixed else [f"*{self.membership_days}[vx]", f"*{self.membership_days}[sy]"])
                         + suspended
                         + [str(d) for d in _version_days(version)])
        # q: the state's number in `states`; s0: since; a0: activation (days)
        out.append(f"{pad}q = 0; s0 = a0 = None" + ("; tl = []" if self.rows else ""))
        out.append(f"{pad}days = sorted({{{days}}})")
        out.append(f"{pad}for t in days:  # (`later` may add a day after t)")
        out.append(f"{pad}    if t > BIG: break")
        for k, (i, tree) in enumerate(moving):
            inner = pad + "    "
            if len(moving) > 1:
                out.append(f"{pad}    {'if' if k == 0 else 'elif'} q == {i}:")
                inner += "    "
            self.transitions(tree, i, states, number, machine, ask, on_latch, inner)
        # the status after the last day, as the engine's CSV gives it
        for k, (status, latched) in enumerate(states):
            head = f"{pad}{'if' if k == 0 else 'elif' if k < len(states) - 1 else 'else'}" + (
                f" q == {k}:" if k < len(states) - 1 else ":")
            if status == lifecycle.DORMANT:  # not listed
                out.append(f"{head} st = None")
            elif not latched:
                out.append(f"{head} st = {status!r}; a = {'None' if self.rows else repr('')}; s = {self.day_of('s0')}")
            elif _since_activation(states[k], machine):
                out.append(f"{head} st = {status!r}; a = s = {self.day_of('a0')}")
            else:
                out.append(f"{head} st = {status!r}; a = {self.day_of('a0')}; s = {self.day_of('s0')}")

    def transitions(self, tree: lifecycle.Tree, i: int, states: list[tuple[str, bool]],
                    number: dict[tuple[str, bool], int], machine: lifecycle.Machine, ask: dict[str, str],
                    on_latch: list[str], pad: str) -> None:
        """Code for one day of an instance in state `i`: the lifecycle's decision tree, each
        observation written as the expression in `ask`, `on_latch` done on activation; `break` once
        it can change no more."""
        out = self.body
        if not isinstance(tree, lifecycle.Step):
            name, no, yes = tree
            out.append(f"{pad}if {ask[name]}:")
            self.transitions(yes, i, states, number, machine, ask, on_latch, pad + "    ")
            if _moves(no, i, states, number):
                out.append(f"{pad}else:")
                self.transitions(no, i, states, number, machine, ask, on_latch, pad + "    ")
            return
        status, latched = states[i]
        target = (tree.status, latched or tree.latch)
        j = number[target]
        code = []
        if j != i:
            code.append(f"q = {j}")
        if tree.status != status:
            code.append("s0 = t")
            if self.rows:
                code.append(f"tl.append((t, {tree.status!r}))")
        if tree.latch:
            code += on_latch
        if machine.absorbing(*target):
            code.append("break")
        out.append(pad + ("; ".join(code) if code else "pass"))


class _Expressions:
    """Python expressions for a provision's conditions in its instance's code (`_Generator._day`):
    `local`: each leaf's local (its first day, or its runs of days, `runs`), `seed`: the locals of
    the bearer's and the beneficiary's variables, `hidden`: the variables read as "some value"
    (their tests applied in the tables), `fixed`: the parties are members for good, `probe`:
    the treaty's run (fixed tests are worked out by the engine, for every party)."""

    def __init__(self, constants: _Constants, local: dict[int, str], runs: set[int], seed: dict[str, str],
                 hidden: Collection[str], fixed: bool, probe: TreatyRun, parties: list[str]):
        self.constants, self.local, self.runs, self.seed = constants, local, runs, seed
        self.hidden, self.fixed, self.probe, self.parties = hidden, fixed, probe, parties

    def first(self, c: A.Cond, start: int) -> str:
        """The first day a condition without `not` or `ongoing` holds (NEVER if never)."""
        if isinstance(c, (A.Occurred, A.Temporal)):
            return self.local[id(c)]
        if isinstance(c, (A.And, A.Or)):
            parts = [self.first(i, start) for i in c.items]
            if len(parts) == 1:
                return parts[0]
            op = ">" if isinstance(c, A.And) else "<"
            if len(parts) == 2 and all(x.isidentifier() for x in parts):  # no call for the common case
                return f"({parts[0]} if {parts[0]} {op} {parts[1]} else {parts[1]})"
            return f"{'max' if isinstance(c, A.And) else 'min'}({', '.join(parts)})"
        return f"({start} if {self.test(c)} else NEVER)"

    def discharge(self, c: A.Cond, since: str) -> str:
        """The first day on or after `since` (an expression) on which a discharge condition holds
        on facts that started on or after it (NEVER if none: `_until_ok`)."""
        if isinstance(c, A.Occurred):
            return f"first_from({self.local[id(c)]}, {since})"
        if isinstance(c, (A.And, A.Or)):
            parts = [self.discharge(i, since) for i in c.items]
            return parts[0] if len(parts) == 1 else f"{'max' if isinstance(c, A.And) else 'min'}({', '.join(parts)})"
        return f"({since} if {self.test(c)} else NEVER)"

    def truth(self, c: A.Cond) -> str:
        """Whether a condition holds on day `t`."""
        if id(c) in self.runs:
            return f"under_way({self.local[id(c)]}, t)"
        if isinstance(c, _LEAVES):
            return f"{self.local[id(c)]} <= t"
        if isinstance(c, (A.And, A.Or)):
            joiner = " and " if isinstance(c, A.And) else " or "
            return "(" + joiner.join(self.truth(i) for i in c.items) + ")"
        if isinstance(c, A.Not) and A.variables(c) and A.variables(c) <= set(self.hidden):
            return "True"  # `not A in scope art3` of a variable read as "some value": applied where its fact binds it
        if isinstance(c, A.Not):
            return f"not {self.truth(c.item)}"
        if isinstance(c, A.InParties) and not self.fixed:  # (of the bearer or the beneficiary: `_hidden`)
            return f"member(s{self.seed[c.var]}, t)"
        return self.test(c)

    def test(self, c: A.Cond) -> str:
        """A scope, region or party test over the bearer's or the beneficiary's variable: fixed in
        time for a compiled treaty, so worked out here, by the engine, for every party."""
        var = c.var if isinstance(c, (A.InArea, A.InParties, A.IsWho, A.PlaceOf)) else None
        if var in self.hidden:
            return "True"  # applied to its value where its fact binds it (`_hidden`, `unify`, `_placed`)
        assert isinstance(c, (A.InArea, A.InParties, A.IsWho)) and var is not None
        probe = self.probe
        yes = frozenset(x for x in self.parties
                        if next(probe.solver.solve(c, {var: x}, probe.ctx.start, ()), None) is not None)
        return f"({self.seed[var]} in {self.constants.add(yes)})"


def _unhidden(leaf: A.Cond, hidden: Collection[str]) -> tuple[str, ...]:
    """The variables of a leaf that key its table: all but those read as "some value"."""
    return tuple(n for n in C.names(leaf) if n not in hidden)


def _sources(tables: list[str], when: A.Cond, var: str, local: str, seed: dict[str, str],
             hidden: Collection[str]) -> str:
    """An expression: some fact outside `not` binds `var` to the local `local`, beside the
    values the other variables of `seed` (casus variable -> local) have."""
    parts = []
    for (leaf, positive), t in zip(C.tabled(when), tables, strict=True):
        names = _unhidden(leaf, hidden)
        if not positive or var not in names:
            continue
        if len(names) == 1:
            parts.append(f"{local} in {t}")
            continue
        if all(n == var or n in seed for n in names):
            parts.append(f"{_key(names, {**seed, var: local})} in {t}")
            continue
        checks = [f"k[{names.index(var)}] == {local}"]
        checks += [f"k[{names.index(n)}] == {v}" for n, v in seed.items() if n != var and n in names]
        parts.append(f"any({' and '.join(checks)} for k in {t})")
    return " or ".join(parts)


def _driver(c: A.Cond, var: str, tname: dict[int, str], hidden: Collection[str]) -> list[str] | None:
    """Tables of facts that bind `var` alone, whose keys hold every value of `var` for
    which `c` can hold (None if there are none such)."""
    if isinstance(c, _LEAVES):
        return [tname[id(c)]] if _unhidden(c, hidden) == (var,) else None
    if isinstance(c, A.And):
        for item in c.items:
            got = _driver(item, var, tname, hidden)
            if got:
                return got
        return None
    if isinstance(c, A.Or):
        parts = [_driver(item, var, tname, hidden) for item in c.items]
        found = [ts for ts in parts if ts]
        return None if len(found) < len(parts) else [t for ts in found for t in ts]
    return None


def _pair_driver(c: A.Cond, ben: str, bearer: str, tname: dict[int, str], hidden: Collection[str]
                 ) -> tuple[list[str], tuple[str, ...]] | None:
    """Tables of facts that bind both the beneficiary and the bearer, one of which holds in
    every way `c` does (with their common variable order), or None."""
    if isinstance(c, _LEAVES):
        names = _unhidden(c, hidden)
        return ([tname[id(c)]], names) if set(names) == {ben, bearer} else None
    if isinstance(c, A.And):
        for item in c.items:
            got = _pair_driver(item, ben, bearer, tname, hidden)
            if got:
                return got
        return None
    if isinstance(c, A.Or):
        parts = [_pair_driver(item, ben, bearer, tname, hidden) for item in c.items]
        found = [got for got in parts if got]
        if len(found) < len(parts):
            return None
        return [t for ts, _ in found for t in ts], found[0][1]
    return None


def by_value(facts: list[tuple[int, int, dict[str, str]]], role: str | None
             ) -> dict[str | None, tuple[list[int], list[tuple[int, int, dict[str, str]]]]]:
    """The facts (start, end, roles) of a kind grouped by their value for `role` (all in one group,
    None, when no role joins), each group sorted by start, with its starts apart for bisection:
    what the generated code of a within/after/before/during/overlapping looks in (`table`)."""
    groups: dict[str | None, tuple[list[int], list[tuple[int, int, dict[str, str]]]]] = {}
    for item in sorted(facts, key=_start):
        key = None if role is None else item[2].get(role)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([], [])
        group[0].append(item[0])
        group[1].append(item)
    return groups


def _start(item: tuple[int, int, dict[str, str]]) -> int:
    return item[0]


def _pair_loop(leaf: A.Temporal, start: int, table: str, names: tuple[str, ...], firsts: str, first: str,
               group: str, second: str, first_only: bool) -> list[str]:
    """Generated code that fills `table` for a within/after/before/during/overlapping: for each
    fact of the list `firsts` that passes `first` (the first atom's unification), the facts of
    its `group` (by start) whose starts the relation allows, bisected, each tested in full
    (`C.relation_ok`) and by `second`. `first_only`: the table's key is the first fact's
    variables only, so the first pair that holds, by start, gives the least day (the later
    start) and the rest of the window is passed over."""
    lo, hi = C.gap_bounds(leaf)
    window: tuple[str | None, str | None]  # the bounds on s2 (`C.partners`; None: unbounded)
    if leaf.op == "during":  # C.relation_ok: A starts within B's interval
        test, window = "s2 <= s1 <= e2", (None, "s1")
    elif leaf.op == "overlapping":  # C.relation_ok: the intervals share a day
        test, window = "s1 <= e2 and s2 <= e1", (None, "e1")
    else:  # within / after / before: the days between the starts (C.gap_bounds)
        test = (f"{lo} <= s1 - s2 <= {hi}" if lo is not None and hi is not None else
                f"s1 - s2 >= {lo}" if lo is not None else f"s1 - s2 < {(hi or 0) + 1}")
        window = (None if hi is None else f"s1 - {hi}"), (None if lo is None else f"s1 - {lo}")
    i = "0" if window[0] is None else f"bisect_left(g[0], {window[0]})"
    j = "len(g[0])" if window[1] is None else f"bisect_right(g[0], {window[1]})"
    return [f"    for s1, e1, r1 in {firsts}:",
            f"        if e1 < {start} or not ({first}): continue",
            f"        g = {group}",
            "        if g is None: continue",
            "        gf = g[1]",
            f"        for n in range({i}, {j}):",  # not a slice: a copy of the window, however soon it stops
            "            s2, e2, r2 = gf[n]",
            f"            if e2 < {start} or not ({test}) or not ({second}): continue",
            f"            k = {_key(names)}",
            "            d = s1 if s1 > s2 else s2",
            f"            if d < {start}: d = {start}",
            f"            if d < {table}.get(k, NEVER): {table}[k] = d",
            *(["            break"] if first_only else [])]


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


def _version_days(version: A.Version | None) -> list[int]:
    """The days a version starts and stops applying (none: always)."""
    if version is None:
        return []
    return [d for d in (version.start, None if version.end is None else version.end + 1) if d is not None]


def _monotone(when: A.Cond, upon: A.Cond | None) -> bool:
    """Whether the trigger alone decides, and holds for good once it holds."""
    return upon is None and all(not isinstance(n, (A.Not, A.Ongoing, A.PlaceOf)) for n in A.walk(when))


def under_way(runs: list[tuple[int, int]], t: int) -> bool:
    """Whether a fact of an `ongoing` table's entry (`_Generator.table`) is under way on day t
    (`Solver.match`: started by t and ends on t or later)."""
    for s, e in runs:
        if s <= t <= e:
            return True
    return False


def _placed(lib: Library, interp: A.InterpretationDecl | None, tests: tuple[tuple[A.PlaceOf, ...], ...]
            ) -> Callable[[int, int, tuple[str, ...], tuple[str, ...]], list[tuple[int, int]]]:
    """For place tests (`A territory of X`, `A administered by X`; each one of alternatives), a
    function of a fact's days (s, e), its places and its parties (one each per alternative, in
    order): the runs of days in [s, e] on which every test holds, one of its alternatives at
    least: the place's sovereign (or administrator) under the interpretation is the party
    (`Solver.solve`; an area has neither). The days are cut where a territory can change hands
    (`place_changes`); who holds a place is asked once per place, relation and change."""
    flat = [(n, t) for n, alts in enumerate(tests) for t in alts]
    changes = sorted(place_changes(lib, interp))
    holders: dict[tuple[str, str, int], str | None] = {}

    def held(place: str, relation: str, day: int) -> str | None:
        since = changes[i - 1] if (i := bisect.bisect_right(changes, day)) else -1  # the last change by then
        key = (place, relation, since)
        if key not in holders:
            holders[key] = holder(lib, interp, place, relation, day)
        return holders[key]

    def placed(s: int, e: int, places: tuple[str, ...], whos: tuple[str, ...]) -> list[tuple[int, int]]:
        cuts = [s] + changes[bisect.bisect_right(changes, s):bisect.bisect_right(changes, e)]
        out: list[tuple[int, int]] = []
        for n, day in enumerate(cuts):
            ok = [False] * len(tests)  # per test: one of its alternatives holds
            for (n_test, t), place, who in zip(flat, places, whos, strict=True):
                ok[n_test] = ok[n_test] or held(place, t.relation, day) == who
            if all(ok):
                last = cuts[n + 1] - 1 if n + 1 < len(cuts) else e
                if out and out[-1][1] == day - 1:
                    out[-1] = (out[-1][0], last)
                else:
                    out.append((day, last))
        return out

    return placed


def acted(facts: list[tuple[int, int]], since: int) -> int:
    """The first day on or after `since` on which one of the facts (start, end) of a provision's
    action (`_action_leaf`) that reaches `since` is under way (NEVER: none)."""
    first = min((s for s, e in facts if e >= since), default=NEVER)
    return since if first <= since else first


@functools.cache
def _action_leaf(p: A.Provision) -> A.Ongoing:
    """The facts of a provision's action by its bearer (`by`, the variable `_BY`), as a leaf with
    a table of each matching fact's days (`TreatyRun._action_fact`)."""
    assert p.then is not None
    action = p.then.action
    by = A.Arg("by", A.Var(_BY, action.span), action.span)
    return A.Ongoing(A.Atom(action.kind, (*action.args, by), action.span), action.span)


def first_from(facts: list[tuple[int, int]], since: int) -> int:
    """The first start in a discharge table's entry (`_Generator.table`) on or after `since`
    (NEVER: none)."""
    return min((s for s, _ in facts if s >= since), default=NEVER)


def seen(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]
         ) -> list[tuple[int, int]]:
    """The facts (start, end) of a table's entry that overlap a membership span of each of two
    parties (`TreatyContext.visible`)."""
    return [(s, e) for s, e in facts if any(s <= e2 and e >= s2 for s2, e2 in sx)
            and any(s <= e2 and e >= s2 for s2, e2 in sy)]


def seen_pieces(pieces: list[tuple[int, int, int, int]], sx: tuple[tuple[int, int], ...],
                sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The runs of days (a, b) of a table's entry whose fact (its days s, e) both parties see
    (`seen`)."""
    return [(a, b) for a, b, s, e in pieces if any(s <= e2 and e >= s2 for s2, e2 in sx)
            and any(s <= e2 and e >= s2 for s2, e2 in sy)]


def first_seen(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]
               ) -> int:
    """The first start of the facts that both parties see (`seen`; NEVER: none)."""
    return min((s for s, _ in seen(facts, sx, sy)), default=NEVER)


def member(spans: tuple[tuple[int, int], ...], t: int) -> bool:
    """Whether a party with these membership spans is a member on day t (`TreatyContext.member`)."""
    for s, e in spans:
        if s <= t <= e:
            return True
    return False


def later(days: list[int], t: int, day: int) -> None:
    """Add a day after t to the sorted days an instance's loop goes through (the first on which
    its discharge condition holds: `_Generator.day`)."""
    if t < day <= BIG and day not in days:
        bisect.insort(days, day)


def change_days(runs: list[tuple[int, int]]) -> list[int]:
    """The days on which an `ongoing` table's entry can change: each fact's start and the day
    after its end (the engine's instants: `TreatyContext.days`)."""
    out = []
    for s, e in runs:
        out.append(s)
        out.append(e + 1)
    return out


def _moves(tree: lifecycle.Tree, i: int, states: list[tuple[str, bool]],
          number: dict[tuple[str, bool], int]) -> bool:
    """Whether a decision tree can take state `i` anywhere else."""
    if isinstance(tree, lifecycle.Step):
        return number[(tree.status, states[i][1] or tree.latch)] != i
    return _moves(tree[1], i, states, number) or _moves(tree[2], i, states, number)


def _since_activation(state: tuple[str, bool], machine: lifecycle.Machine) -> bool:
    """Whether an instance in this (latched) state is always in it since its activation: every
    way into it activates it."""
    into = [(s, lt, step) for s, lt, tree in machine.trees for step in lifecycle.leaves(tree)
            if (step.status, lt or step.latch) == state and (s, lt) != state]
    return all(step.latch for _, _, step in into)


def _key(names: tuple[str, ...], seed: dict[str, str] | None = None) -> str:
    """The key of a table (`_Generator.table`) in generated code."""
    vals = [seed[n] if seed is not None else f"v_{n}" for n in names]
    if len(vals) == 1:
        return vals[0]
    return "(" + "".join(v + ", " for v in vals) + ")" if vals else "()"


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


def reasons(lib: Library, treaty_ids: tuple[str, ...], interpretation: str) -> dict[str, str]:
    """Why each treaty of a selection that is not compiled for `--format csv` is not, in words
    (treaty id -> the first reason found); the compiled ones are absent."""
    interp = lib.interpretations.get(interpretation)
    if interp is not None and (interp.definitions or interp.self_defence):
        why = f"the interpretation {interpretation} derives facts or reads self-defence (the engine's `prepare`)"
        return {tid: why for tid in sorted(treaty_ids)}
    return dict(Program(lib, list(treaty_ids), interp).reasons)
