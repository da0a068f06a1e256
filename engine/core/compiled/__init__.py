"""Sweeps at the speed of hand-written code: treaties compiled to Python source, for
`casus run --batch FILE` (CSV, and the result JSON with engine/core/explained.py).

A sweep of 100,000 scenarios asks for one thing per instance: its status and dates. For the
treaties where that answer can be worked out from the facts' days alone, this module
writes one Python function per library selection (and interpretation) that does exactly that,
with every table lookup and test spelled out, as a hand-written evaluator would. The engine
(`evaluate`) stays the definition: a test holds the two to the same CSV, byte for byte, on the
peers' rule sets, the bundled library and generated treaties.

**Which treaties are compiled.** A treaty in force from a date (for good, or until an end date:
its parties' memberships end with it; its parties may join and leave on their own dates, have
their duties suspended, and its provisions may have versions, protect a class wider than the
parties, and have reservations that add to a party's trigger, for good or for a time: on their
days only, `_ProvisionPlan.windows`), in which every provision (see `_plan_of`)

- has a trigger (`when`) and, optionally, a prerequisite (`upon`) built from facts, `ongoing`,
  `and`, `or`, `not`, within/after/before, scope, region and party tests and states of other
  provisions of its treaty (`p active for X`, `p fulfilled for X by Y`), over the bearer's
  and the beneficiary's variables (every way the trigger holds binding the beneficiary, and a
  bearer taken from the trigger, by a fact or a state outside `not`: `plan.bound`) and
  variables read as "some value" (`_hidden`: the attacker S of `armed_attack(by: S, on: X) and
  S is a state`, the place A of `armed_attack(on: X, at: A) and A territory of X`, and the S of
  `threat(by: S, on: X) and not consult(by: S, with: X)`, beside a fact that is `ongoing` or
  names a place too: `_Tables.antijoin`);
- may be defeated by an `unless` of the same kind (reading no variable of the trigger but the
  bearer's and the beneficiary's), may end with its situation, or when a discharge condition
  (`until`) of facts (`ongoing` too), fixed tests and states (`plan._until_ok`) holds after
  activation;
- has an action that names no variable beside the bearer and the beneficiary (a deadline,
  `within N days` or a timing word the interpretation maps, is compiled: `_Life`).

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
discharge condition holds, or the bearer acts, is one more day to look at). A state of another
provision holds on the days an instance of it is in that state: a provision's code runs after
those whose states it reads (`generate._stratified`; its lines keep their place), and files
each of its instances' timelines, toward a beneficiary by a bearer, in a table of its own
(`_Tables.states`); the provision that reads it takes those days as an `ongoing` fact's
(`runtime.state_runs`).

**Which scenarios.** A scenario with a fact whose `on` the interpretation derives from its `at`
and would move (a territory it reassigns) goes to the engine whole; so does one in which an
interpretation that reads armed attacks in self-defence as no armed attacks reads one so (an
attack answering an earlier one going on: `reads_self_defence`). The facts an interpretation's
definitions derive from a fact are added beside it (`derive`, once per distinct event). The
treaty a withdrawal or denunciation names runs as code generated for it alone with memberships
that change (`Program.leaving`: each party's spans are an argument, from the scenario's
withdrawals), or, where it cannot be compiled so, is evaluated by the engine for that scenario,
as is every treaty that is not compiled.

For the result JSON, `Program.rows` is `run` giving each listed instance with its timeline
instead of a CSV line (engine/core/explained.py adds why)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from typing import cast

from engine.base.memo import collector_paused
from engine.core.compiled.generate import _function, _Generator
from engine.core.compiled.plan import _ProvisionPlan, _refusals, every_reason
from engine.core.compiled.runtime import NEVER, Invalid, Row
from engine.core.evaluate import leavers
from engine.core.solver import FactIndex
from engine.kernel.context import LEAVING, context
from engine.kernel.facts import (
    TARGET,
    Fact,
    Scenario,
    at_from_on,
    defined,
    is_attack,
    on_from_at,
    prepare,
    reads_self_defence,
    target_missing,
)
from engine.language import ast as A
from engine.language.codes import country_of
from engine.language.library import DEFAULT_TARGET, Library

__all__ = ["NEVER", "Invalid", "Program", "Row", "every_reason", "program", "reasons"]


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
        with collector_paused():  # (as while the code is written: `_Generator.source`)
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
        self._code_of: dict[str, int] = {}  # see `code_of`
        self.run = cast("Callable[..., list[str]]", _function(self.source, gen.constants))
        self._leaving: dict[tuple[str, bool], Callable[..., list[object]] | None] = {}  # see `leaving`
        # each distinct event (its date taken out: its text, or its reading by the json module) ->
        # (kind code, roles, end), or False when its scenario goes to the engine
        # (engine/io/batchline.py `canonical_input`, `light_facts`)
        self.shapes: dict[tuple[object, ...], tuple[int, dict[str, str], int | None] | bool] = {}
        # under an interpretation with definitions: each distinct event -> the facts they derive
        # from it, as the code reads facts (`derive`); None: it defines nothing
        self.derived: dict[tuple[object, ...], tuple[tuple[int, dict[str, str], int | None], ...]] | None = (
            {} if interp is not None and interp.definitions else None)
        # under an interpretation that reads attacks in self-defence: the kinds of armed attacks
        # (a scenario in which it reads one so goes to the engine); None: it does not
        self.attack_kinds: frozenset[str] | None = None
        if interp is not None and interp.self_defence:
            self.attack_kinds = frozenset(k for k, info in lib.kinds.items() if "armed_attack" in info.ancestors)

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

    def memberships(self, tids: Sequence[str], scenario: Scenario) -> dict[str, dict[str, tuple[tuple[int, int], ...]]]:
        """For each treaty of `tids` (those a withdrawal or denunciation of the scenario names):
        each party's membership spans in the scenario (`context`, from the facts the walk reads
        them from: `leavers`), for `leaving`. Only its withdrawals and denunciations are read: a
        scenario of them alone will do (none is derived: `derive` sends such a scenario to the
        engine)."""
        index = FactIndex(self.lib, prepare(self.lib, scenario, self.interp))
        out = {}
        for tid in tids:
            ctx = context(self.lib.treaties[tid], leavers(index, tid), self.interp)
            out[tid] = {party: tuple(spans) for party, spans in ctx.members.items()}
        return out

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

    def derive(self, kind: str, roles: dict[str, str], end: int | None
               ) -> tuple[tuple[int, dict[str, str], int | None], ...] | None:
        """The facts the interpretation's definitions derive from a fact (its roles completed:
        `complete`), each as (kind number, roles, end) with the fact's days (`facts.defined`);
        None when its scenario must go to the engine (a derived withdrawal, which `withdrawn`
        does not look for)."""
        assert self.interp is not None
        facts = defined(self.lib, self.interp, Fact(kind, roles, 0, 0, "", ""))
        out = tuple((self.code_of(f.kind), f.roles, end) for f in facts)
        return None if any(code == self.withdrawal for code, _, _ in out) else out

    def reads_self_defence(self, kinds: Sequence[str], hits: Sequence[tuple[int, dict[str, str], int | None]],
                           starts: Sequence[int]) -> bool:
        """Whether the interpretation (`attack_kinds`: it reads attacks in self-defence) reads one of
        a scenario's facts (their kinds, hits and starts) as force in self-defence
        (`facts.reads_self_defence`): the engine, which re-reads it, must see the scenario."""
        assert self.attack_kinds is not None
        attacks = [f for kind, (_, roles, end), start in zip(kinds, hits, starts, strict=True)
                   if kind in self.attack_kinds
                   and is_attack(self.lib, f := Fact(kind, roles, start, start if end is None else end, "", ""))]
        return len(attacks) > 1 and reads_self_defence(self.lib, sorted(attacks, key=Fact.sort_key))

    def read(self, facts: Sequence[Fact]) -> tuple[list[tuple[int, dict[str, str], int | None]], list[int]] | None:
        """A scenario's facts (as written, already checked: `Scenario.facts`) as the code reads
        them, (hits, starts) as engine/io/batchline.py reads a line's; None when the engine must see
        them (`complete`, `reads_self_defence`, `derive`)."""
        hits: list[tuple[int, dict[str, str], int | None]] = []
        for f in facts:
            roles = self.complete(f.kind, f.roles)
            if roles is None:
                return None
            hits.append((self.code_of(f.kind), roles, f.end))
        starts = [f.start for f in facts]
        if self.attack_kinds is not None and self.reads_self_defence([f.kind for f in facts], hits, starts):
            return None
        if self.derived is not None:
            for f, (_, roles, end) in zip(facts, list(hits), strict=True):
                derived = self.derive(f.kind, roles, end)
                if derived is None:
                    return None
                hits += derived
                starts += [f.start] * len(derived)
        return hits, starts

    def code_of(self, kind: str) -> int:
        """The number by which the compiled code knows a kind (0: it reads no fact of it), worked
        out once per kind (`_code_of`)."""
        code = self._code_of.get(kind)
        if code is None:
            info = self.lib.kinds.get(kind)
            leaves = info is not None and any(k in info.ancestors for k in LEAVING)
            code = self._code_of[kind] = self.withdrawal if leaves else self.codes.get(kind, 0)
        return code

    def withdrawn(self, hits: list[tuple[int, dict[str, str], int | None]]) -> list[str]:
        """The compiled treaties a withdrawal or denunciation of the scenario names, sorted: their
        memberships change with the scenario (`context`), so `run` leaves them out and gives, in
        their place, the lines it is given (`leaving`'s code, or the engine's)."""
        if self.withdrawal not in map(_CODE, hits):
            return []
        return sorted({roles.get("treaty", "") for code, roles, _ in hits if code == self.withdrawal}
                      & set(self.compiled))


_CODE = operator.itemgetter(0)  # a hit's kind number


def program(lib: Library, treaty_ids: tuple[str, ...], interpretation: str) -> Program | None:
    """The compiled program of a selection (None when nothing can be compiled), built once per
    library, selection and interpretation (for the last few libraries: `casus diff` asks of two
    in turn)."""
    mine = next((entry for entry in _PROGRAMS if entry[0] is lib), None)
    if mine is None:
        mine = (lib, {})
        _PROGRAMS[:] = [*_PROGRAMS[-3:], mine]
    cache = mine[1]
    key = (treaty_ids, interpretation)
    if key not in cache:
        if len(cache) > 32:
            cache.clear()
        prog = Program(lib, list(treaty_ids), lib.interpretations.get(interpretation))
        cache[key] = prog if prog.compiled else None
    return cache[key]


_PROGRAMS: list[tuple[Library, dict[tuple[tuple[str, ...], str], Program | None]]] = []


def reasons(lib: Library, treaty_ids: tuple[str, ...], interpretation: str) -> dict[str, str]:
    """Why each treaty of a selection that is not compiled for `--format csv` is not, in words
    (treaty id -> the first reason found); the compiled ones are absent."""
    return dict(Program(lib, list(treaty_ids), lib.interpretations.get(interpretation)).reasons)
