"""The direct path: a provision whose instances can only go from dormant to active for good
(`DirectPath.plan`: facts, and / or / not, within / after / before and tests over the bearer and
the beneficiary; no `upon`, `unless`, `until`; whole-time members; nothing the lifecycle could do
but activate it for good) is not walked at all: a table per fact of its trigger gives, for each
binding, the first day it holds, and the instance is active from the first of those days on which
the trigger holds (`DirectPath.run`). It gives what the walk gives, down to `because`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from engine.base.memo import per_object as _per_object
from engine.core.solver import InstanceRun, Proof, Solver
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.facts import BIG, Fact, unify
from engine.language import ast as A
from engine.language.library import beneficiary_arg

_NO_ENV: dict[str, str] = {}
_NO_RUN = (BIG + 1, ())
_NEVER = BIG + 1


class DirectPath:
    """Simple provisions of one treaty, worked out from their facts' first days; asks the solver
    (for `because` and for the tests of a trigger), never changes it."""

    def __init__(self, solver: Solver):
        self.solver = solver
        self.index = solver.index
        self.ctx = solver.ctx
        self.treaty = solver.treaty
        self.start, self.end = solver.start, solver.end

    def plan(self, p: A.Provision, due: Callable[[A.Then], bool]) -> _SimplePlan | None:
        """Whether an instance of `p` can only go from dormant to active, for good, in this scenario:
        a trigger of facts, `and`, `or`, `not`, within/after/before and scope, region and party
        tests over the bearer's and the beneficiary's variables only; no `upon`, `unless` or
        `until`; a treaty whose parties are all members from entry into force, for good, with no
        suspension; and the lifecycle, given that, a deadline or not and facts of the action's
        kind in the scenario or not, takes it only from dormant to active for good
        (`_once_active`). Its plan if so, else None. `due`: whether the duty has a deadline (under
        the interpretation)."""
        plan = _simple_plan(p)
        if plan is None:
            return None
        then = p.then
        assert then is not None
        if not self.ctx.whole_time:
            return None
        acts = then.action.kind in self.index.by_kind
        return plan if _once_active(then.modality, acts, due(then)) else None

    def run(self, p: A.Provision, plan: _SimplePlan) -> dict[tuple[str, str], InstanceRun]:
        """The instances of a simple provision (`plan`), without walking their instants.

        With the bearer and the beneficiary bound, the trigger is a combination by and / or / not
        of facts (each holding from the first day a matching fact counts, for good) and of tests
        that do not change with time. It can change only on those first days: the instance is
        active from the first of them (or entry into force) at which the combination holds, with
        the `because` that `solve` gives at that instant. The facts are looked at once per
        scenario, in a table per fact of the trigger (`_table`), shared by every treaty that
        asks the same. The result is what the walk (`TreatyRun._run_provision`) gives, down to `because` (a test
        compares them on the peers' rules)."""
        assert p.when is not None  # a simple plan has a trigger
        out: dict[tuple[str, str], InstanceRun] = {}
        start = self.start
        tables = [self._table(leaf, names, key, start) for leaf, names, key in plan.leaves]
        ctx = self.ctx
        then = p.then
        assert then is not None
        ben_var = plan.ben_var
        benefs = ctx.beneficiaries(beneficiary_arg(then))
        if ben_var is not None:
            # every way the trigger holds binds the beneficiary by a fact outside `not`
            # (`_simple_plan`): only the values such facts bind can be beneficiaries
            found: set[str] = set()
            for i, pos in plan.ben_sources:
                found.update(key[pos] for key in tables[i])
            if not found:
                return out
            benefs = [x for x in benefs if x in found]
        if not benefs:
            return out
        bvar, index = plan.bearer_var, plan.index
        tid = self.treaty.id
        for benef in benefs:
            # a variable of the trigger as bearer: bound by a fact, so any member may be it
            bearers = ctx.bearers(then.bearer, benef)
            if plan.bearer_sources is not None:
                # every way the trigger holds binds the bearer by a fact outside `not` too: only
                # the values such facts bind beside this beneficiary can be bearers
                values: set[str] = set()
                for i, pos, ben_pos in plan.bearer_sources:
                    values.update(key[pos] for key in tables[i] if ben_pos < 0 or key[ben_pos] == benef)
                bearers = [x for x in bearers if x in values]
            shared: tuple[int, tuple[Proof, ...]] | None = None
            for bearer in bearers:
                seed = {}
                if ben_var is not None:
                    seed[ben_var] = benef
                if bvar:
                    seed[bvar] = bearer
                if plan.per_bearer or shared is None:
                    firsts = [table.get(tuple([seed[n] for n in names]), _NEVER)
                              for (_, names, _), table in zip(plan.leaves, tables, strict=True)]
                    shared = _NO_RUN
                    for t in sorted({start, *firsts}):
                        if t > BIG:
                            break
                        if _holds_at(self.solver, p.when, seed, firsts, index, t):
                            shared = (t, self._proof(p.when, seed, firsts, index, t, (bearer, benef)))
                            break
                t, proof = shared
                if t <= BIG:
                    out[(bearer, benef)] = InstanceRun(tid, p, bearer, benef, lifecycle.ACTIVE, t, t, None, seed, proof,
                                                       (), [(t, lifecycle.ACTIVE)])
        return out

    def _table(self, leaf: A.Cond, names: tuple[str, ...], leaf_key: tuple[object, ...],
               start: int) -> dict[tuple[str, ...], int]:
        """For a fact or a within/after/before of a simple trigger: the values of its variables
        (in the order of `names`) under which it ever holds, each with the first day it holds
        (entry into force at the earliest). Worked out once per scenario, from the facts of its
        kind only."""
        key = (leaf_key, start)  # treaties built from one template share it
        table = self.index.memo.get(key)
        if table is not None:
            return table
        table = {}
        end = self.end
        if isinstance(leaf, A.Occurred):
            atom = leaf.atom
            facts: dict[tuple[str, ...], Fact] = {}  # the fact behind each entry (see `_proof`)
            for f in self.index.spans(self.index.candidates(atom, _NO_ENV)).reaching(-BIG, end, start):
                env = unify(atom, f.roles, _NO_ENV)
                if env is not None:
                    k = tuple([env[n] for n in names])
                    if k not in table:
                        table[k] = max(f.start, start)
                        facts[k] = f
            self.index.memo[(leaf_key, start, "facts")] = facts
        else:
            assert isinstance(leaf, A.Temporal)
            for fa in self.index.spans(self.index.candidates(leaf.first, _NO_ENV)).reaching(-BIG, end, start):
                env1 = unify(leaf.first, fa.roles, _NO_ENV)
                if env1 is None:
                    continue
                # only the facts whose days can stand in the relation with fa's (`C.partners`)
                first, last, reach = C.partners(leaf, fa.start, fa.end)
                for fb in self.index.spans(self.index.candidates(leaf.second, env1)).reaching(
                        first, min(last, end), max(reach, start)):
                    if not C.relation_ok(leaf, (fa.start, fa.end), (fb.start, fb.end)):
                        continue
                    env2 = unify(leaf.second, fb.roles, env1)
                    if env2 is None:
                        continue
                    k = tuple([env2[n] for n in names])
                    day = max(fa.start, fb.start, start)
                    if day < table.get(k, _NEVER):
                        table[k] = day
        self.index.memo[key] = table
        return table

    def _proof(self, c: A.Cond, seed: dict[str, str], firsts: list[int], index: dict[int, int], t: int,
               parties: tuple[str, str]) -> tuple[Proof, ...]:
        """The proof `solve` gives first for a simple trigger that holds at t (`run`)."""
        if isinstance(c, A.Occurred):
            # the fact `solve` finds first is the earliest that matches: the one its table kept
            facts = self.index.memo.get((C.leaf_key(c), self.start, "facts"))
            if facts is not None:
                f = facts.get(tuple([seed[n] for n in C.names(c)]))
                if f is not None:
                    return (("fact", c.atom, f),)
            return next(self.solver.solve(c, seed, t, parties))[1]
        if isinstance(c, A.Temporal):
            return next(self.solver.solve(c, seed, t, parties))[1]
        if isinstance(c, A.And):  # as `_solve_and` orders them: positive parts first
            items = [i for i in c.items if not C.is_test(i)] + [i for i in c.items if C.is_test(i)]
            return tuple(x for i in items for x in self._proof(i, seed, firsts, index, t, parties))
        if isinstance(c, A.Or):
            for item in c.items:
                if _holds_at(self.solver, item, seed, firsts, index, t):
                    return self._proof(item, seed, firsts, index, t, parties)
            raise AssertionError(c)  # pragma: no cover - called only where c holds
        return ()  # `not` and tests prove nothing


@functools.cache
def _once_active(modality: str, acts: bool, due: bool) -> bool:
    """Whether the lifecycle takes an instance only from dormant to active, for good, in a treaty
    whose parties are members for all its time in force with no suspension, for a provision with
    no `upon`, `unless` or `until`; `acts`: the scenario has facts of its action's kind; `due`: it
    has a deadline."""
    known = {"in_force": True, "bearer_member": True, "beneficiary_member": True, "suspended": False,
             "undefeated": True, "prerequisites": True, "discharge": False, "situation_ended": False}
    if not acts:
        known["action"] = False
    if not due:
        known["deadline_passed"] = False
    return lifecycle.machine(modality, **known).once_active()



def _holds_at(solver: Solver, c: A.Cond, seed: dict[str, str], firsts: list[int], index: dict[int, int],
              t: int) -> bool:
    """Whether a simple trigger holds at t, given the first day of each of its facts (`firsts`, in
    the order of the plan's leaves; `index`: a leaf's position there, by its id)."""
    if isinstance(c, (A.Occurred, A.Temporal)):
        return firsts[index[id(c)]] <= t
    if isinstance(c, A.And):
        return all(_holds_at(solver, i, seed, firsts, index, t) for i in c.items)
    if isinstance(c, A.Or):
        return any(_holds_at(solver, i, seed, firsts, index, t) for i in c.items)
    if isinstance(c, A.Not):
        return not _holds_at(solver, c.item, seed, firsts, index, t)
    return next(solver.solve(c, seed, t, ()), None) is not None  # a scope, region or party test: fixed in time


@dataclass(frozen=True)
class _SimplePlan:
    """What `DirectPath.run` needs of a simple provision, worked out once."""

    leaves: tuple[tuple[A.Cond, tuple[str, ...], tuple[object, ...]], ...]  # (leaf, its variables, `_leaf_key`)
    ben_var: str | None
    ben_sources: tuple[tuple[int, int], ...]  # (leaf, position) where a fact outside `not` binds ben_var
    bearer_var: str | None
    per_bearer: bool  # the trigger mentions the bearer's variable
    # (leaf, position of the bearer's variable, of the beneficiary's or -1) where a fact outside
    # `not` binds the bearer, when every way the trigger holds does so; else None
    bearer_sources: tuple[tuple[int, int, int], ...] | None
    index: dict[int, int]  # a leaf's position in `leaves`, by its id (see `_holds_at`)


@_per_object
def _simple_plan(p: A.Provision) -> _SimplePlan | None:
    """The plan of a provision that `DirectPath.plan` may take (None if it never can)."""
    then = p.then
    if (then is None or p.when is None or p.upon is not None or p.unless is not None or p.until is not None
            or p.ends_with_situation):
        return None
    when = p.when
    if not C.by_first_days(when):
        return None
    ben = beneficiary_arg(then)
    ben_var = ben.name if isinstance(ben, A.Var) else None
    b = then.bearer
    if not A.variables(when) <= {x for x in (ben_var, b.var) if x}:
        return None
    # every way the trigger holds binds the beneficiary (and a bearer taken from the trigger) by a
    # fact: so every instance that can come alive is among the candidate pass's (`Solver.pairs`), and
    # trying every value such facts bind finds the same ones
    if ben_var is not None and not C.binds(when, ben_var) or b.mode == "var" and b.var and not C.binds(when, b.var):
        return None
    leaves = tuple((n, C.names(n), C.leaf_key(n)) for n, _ in C.leaves(when))
    positives = [positive for _, positive in C.leaves(when)]
    sources = tuple((i, names.index(ben_var))
                    for i, ((_, names, _), positive) in enumerate(zip(leaves, positives, strict=True))
                    if positive and ben_var is not None and ben_var in names)
    index = {id(leaf): i for i, (leaf, _, _) in enumerate(leaves)}
    per_bearer = b.var is not None and b.var in A.variables(when)
    bearer_sources = None
    if per_bearer and b.var is not None and C.binds(when, b.var):
        bearer_sources = tuple((i, names.index(b.var), names.index(ben_var) if ben_var in names else -1)
                               for i, ((_, names, _), positive) in enumerate(zip(leaves, positives, strict=True))
                               if positive and b.var in names)
    return _SimplePlan(leaves, ben_var, sources, b.var, per_bearer, bearer_sources, index)

