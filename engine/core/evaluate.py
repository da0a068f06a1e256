"""The engine: which instances of which provisions come alive, when, and why.

For each treaty the engine walks the instants where anything starts, ends or falls due (never
the calendar day by day). At each instant every candidate instance (provision, bearer,
beneficiary) moves through the states of SPEC "Instances and status", as the kernel's lifecycle
(engine/kernel/lifecycle.py `step`) says; the walk only works out what holds.

How it keeps the work linear (issue 6; tests/core/test_engine_work.py counts it):

- the scenario's facts are indexed once (`FactIndex`: by kind and by kind, role and value), and
  an atom looks only at the shortest list its known arguments allow;
- a candidate pass finds the (bearer, beneficiary) pairs that might ever come alive, projecting
  every step onto the variables still needed (`_candidates`);
- each instance walks only its own instants: those of the facts that can match its atoms once
  its bearer and beneficiary are known, and the treaty's own (entry into force, end,
  memberships, suspensions, states it mentions); once active, only its action's and its
  discharge condition's (`_instants`);
- a trigger that holds for good once it holds is found by bisection (`_skip_dormant`); other
  triggers and `upon` prerequisites become cheap tests of their parts (`_predicate`), so that
  dormant and pending stretches are passed over, not solved again at every instant;
- bearers that cannot be told apart share one evaluation (`_alike_key`);
- a provision whose instances can only go from dormant to active for good (`_simple`: facts,
  and / or / not, within / after / before and tests over the bearer and the beneficiary; no
  `upon`, `unless`, `until` or deadline; whole-time members; nothing of its action's kind in the
  scenario) is not walked at all: a table per fact of its trigger gives, for each binding, the
  first day it holds, and the instance is active from the first of those days on which the
  trigger holds (`_run_simple`).

Each shortcut gives exactly what the plain walk gives, down to `because` and `missing`; tests
turn them off and compare the result JSON (on the bundled scenarios, dense generated ones and
the peers' rules), and tests/reference.py (a day-by-day evaluator
sharing no code with this one) is compared with the engine on generated treaties."""

from __future__ import annotations

import bisect
import functools
import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.base.memo import per_object as _per_object
from engine.core.options import EvalOptions, current
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import TreatyContext, context
from engine.kernel.facts import BIG, Fact, Scenario, prepare, unify
from engine.kernel.lifecycle import TERMINAL
from engine.language import ast as A
from engine.language import render
from engine.language.codes import country_of
from engine.language.library import Library, beneficiary_arg

STATUS_ORDER = lifecycle.STATUS_ORDER  # reports order statuses by it
MODALITY_WORDS = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}

Proof = tuple  # ("fact", atom, Fact) | ("state", StateRef, text, source)
Solution = tuple[dict[str, str], tuple[Proof, ...]]


@dataclass(slots=True)
class InstanceRun:
    """One instance's life: the engine's own record, richer than the JSON result."""

    treaty: str
    provision: A.Provision
    bearer: str
    beneficiary: str
    status: str = lifecycle.DORMANT
    since: int | None = None
    activated: int | None = None
    deadline: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    because: tuple[Proof, ...] = ()
    missing: tuple[str, ...] = ()
    timeline: list[tuple[int, str]] = field(default_factory=list)
    fulfilled_by: Fact | None = None
    reason: str | None = None  # why discharged / violated, in words

    @property
    def listed(self) -> bool:
        return bool(self.timeline) and self.status != lifecycle.DORMANT

    def status_at(self, t: int) -> str:
        current = lifecycle.DORMANT
        for date, status in self.timeline:
            if date > t:
                break
            current = status
        return current


def strength(p: A.Provision, lib: Library) -> str:
    then = p.then
    assert then is not None
    info = lib.kinds.get(then.action.kind)
    if info is not None and "consult" in info.ancestors:
        return "procedural"
    if then.modality in ("permission", "right") or any(q.group == "discretion" for q in then.qualifiers):
        return "discretionary"
    if p.upon is not None:
        return "conditional"
    return "automatic"


def qualifier_words(then: A.Then) -> list[str]:
    out: list[str] = []
    for q in then.qualifiers:
        out.extend(q.value.split("+"))
    return out


class FactIndex:
    """A scenario's prepared facts, indexed by kind (a fact is filed under its kind and every
    ancestor) and by kind, role and value; every list keeps the facts' order (by start).

    A fact at a subdivision (`at: RU-KRS`) is also filed under its country for the roles `at` and
    `in`, since an atom naming the country matches it (`scenario.unify`)."""

    def __init__(self, lib: Library, facts: list[Fact]):
        self.facts = facts
        # the key's shape says what it holds: candidate envs (TreatyRun._candidates, _pairs), the
        # parties (_parties_all), a simple trigger's table or the facts behind it (_table)
        self.memo: dict[tuple[object, ...], Any] = {}
        self.by_kind: dict[str, list[Fact]] = {}
        self.by_role: dict[tuple[str, str, str], list[Fact]] = {}
        kinds = lib.kinds
        by_kind, by_role = self.by_kind, self.by_role
        for f in facts:
            info = kinds.get(f.kind)
            items = list(f.roles.items())
            for role, value in f.roles.items():
                if role in ("at", "in"):
                    country = country_of(value)
                    if country != value:
                        items.append((role, country))
            for k in (info.ancestors if info else (f.kind,)):
                lst = by_kind.get(k)
                if lst is None:
                    by_kind[k] = [f]
                else:
                    lst.append(f)
                for role, value in items:
                    key = (k, role, value)
                    lst = by_role.get(key)
                    if lst is None:
                        by_role[key] = [f]
                    else:
                        lst.append(f)

    def get(self, kind: str, role: str, value: str) -> list[Fact]:
        return self.by_role.get((kind, role, value), _EMPTY)

    def candidates(self, atom: A.Atom, env: dict[str, str]) -> list[Fact]:
        """The facts that may match `atom` under `env`: the shortest list among the atom's kind and
        its arguments whose values are known (a code, a name, or a variable bound in env)."""
        best = self.by_kind.get(atom.kind, _EMPTY)
        if not best:
            return best
        for role, const, var in _arg_plan(atom):
            value = const if var is None else env.get(var)
            if value is None:
                continue
            lst = self.by_role.get((atom.kind, role, value), _EMPTY)
            if len(lst) < len(best):
                best = lst
                if not best:
                    break
        return best


_EMPTY: list[Fact] = []
_NO_ENV: dict[str, str] = {}
_NO_RUN = (BIG + 1, ())
_NEVER = BIG + 1
@_per_object
def _arg_plan(atom: A.Atom) -> tuple[tuple[str, str | None, str | None], ...]:
    """(role, constant, variable) for each argument of the atom that narrows the facts."""
    plan: list[tuple[str, str | None, str | None]] = []
    for a in atom.args:
        v = a.value
        if isinstance(v, A.Var):
            plan.append((a.role, None, v.name))
        elif isinstance(v, A.Code):
            plan.append((a.role, v.code, None))
        elif isinstance(v, A.Name):
            plan.append((a.role, v.name, None))
    return tuple(plan)


class TreatyRun:
    """Evaluates one treaty against one scenario's prepared facts."""

    def __init__(self, lib: Library, treaty: A.TreatyDecl, facts: list[Fact],
                 interp: A.InterpretationDecl | None, index: FactIndex | None = None,
                 options: EvalOptions | None = None):
        # which shortcuts it takes (engine/core/options.py): alike bearers share one evaluation
        # (`_alike_key`), simple provisions are worked out directly (`_run_simple`), …
        self.options = options if options is not None else current()
        self.lib = lib
        self.treaty = treaty
        self.interp = interp
        # the scenario's facts, indexed once for every treaty; a fact counts for this treaty when
        # it overlaps the treaty's time in force (`match` skips the others)
        self.index = index if index is not None else FactIndex(lib, facts)
        self.by_kind = self.index.by_kind
        # in force, memberships (withdrawals included), suspensions, visibility, bearers: the kernel's
        self.ctx: TreatyContext = context(treaty, self.index.get("withdrawal", "treaty", treaty.id))
        self.start, self.end = self.ctx.start, self.ctx.end
        self.members = self.ctx.members  # read by diff and counterfactual
        self.timing = dict(interp.timing) if interp is not None else {}
        self.instances: dict[str, dict[tuple[str, str], InstanceRun]] = {}
        self._sorted_runs: dict[str, list[tuple[tuple[str, str], InstanceRun]]] = {}
        self._first_memo: dict[tuple[object, ...], int | None] = {}
        self._days_memo: dict[tuple[object, ...], set[int]] = {}
        self.floor = 0  # facts that started before this day are ignored (discharge looks after activation)

    # ------------------------------------------------------------ solving conditions
    def match(self, atom: A.Atom, env: dict[str, str], t: int, parties: tuple[str, ...] | None,
              ongoing: bool = False) -> Iterator[tuple[dict[str, str], Fact]]:
        limit = min(t, self.end)
        floor = max(self.floor, 0)
        start = self.start
        for f in self.index.candidates(atom, env):
            if f.start > limit:
                break
            if f.start < floor or f.end < start:
                continue
            if ongoing and f.end < t:
                continue
            if parties is not None and not self.ctx.visible(f, parties):
                continue
            env2 = unify(atom, f.roles, env)
            if env2 is not None:
                yield env2, f

    def solve(self, c: A.Cond, env: dict[str, str], t: int, parties: tuple[str, ...] | None) -> Iterator[Solution]:
        """Every way `c` holds at instant t, extending env. `parties` None: the candidate pass
        (an over-approximation that ignores negation, membership and time)."""
        if isinstance(c, A.Occurred):
            for env2, f in self.match(c.atom, env, t, parties):
                yield env2, (("fact", c.atom, f),)
        elif isinstance(c, A.Ongoing):
            for env2, f in self.match(c.atom, env, t, parties, ongoing=parties is not None):
                yield env2, (("fact", c.atom, f),)
        elif isinstance(c, A.Temporal):
            for env1, fa in self.match(c.first, env, t, parties):
                for env2, fb in self.match(c.second, env1, t, parties):
                    if C.gap_ok(c, fa.start - fb.start):
                        yield env2, (("fact", c.first, fa), ("fact", c.second, fb))
        elif isinstance(c, A.And):
            yield from self._solve_and(list(c.items), env, t, parties)
        elif isinstance(c, A.Or):
            for item in c.items:
                yield from self.solve(item, env, t, parties)
        elif isinstance(c, A.Not):
            if parties is None or next(self.solve(c.item, env, t, parties), None) is None:
                yield env, ()
        elif isinstance(c, A.InArea):
            where = env.get(c.var)
            if where is None:
                return
            region = (self.lib.scopes.get((self.treaty.id, c.name)) if c.what == "scope"
                      else self.lib.regions.get(c.name))
            if region is not None and region.contains(where):
                yield env, ()
        elif isinstance(c, A.InParties):
            who = env.get(c.var)
            if who is not None and (self.ctx.member(who, t) if parties is not None else self.ctx.ever_member(who)):
                yield env, ()
        elif isinstance(c, A.StateRef):
            yield from self._solve_state(c, env, t, parties)
        else:  # pragma: no cover
            raise AssertionError(c)

    def _solve_and(self, items: list[A.Cond], env: dict[str, str], t: int,
                   parties: tuple[str, ...] | None) -> Iterator[Solution]:
        if not items:
            yield env, ()
            return
        # positive parts first, so negations and tests see their variables bound
        first_i = next((i for i, c in enumerate(items) if not C.is_test(c)), 0)
        head, rest = items[first_i], items[:first_i] + items[first_i + 1:]
        for env1, p1 in self.solve(head, env, t, parties):
            for env2, p2 in self._solve_and(rest, env1, t, parties):
                yield env2, p1 + p2

    def _solve_state(self, c: A.StateRef, env: dict[str, str], t: int,
                     parties: tuple[str, ...] | None) -> Iterator[Solution]:
        items = self._sorted_runs.get(c.provision)
        if items is None:
            items = self._sorted_runs[c.provision] = sorted(self.instances.get(c.provision, {}).items())
        for (bearer, benef), run in items:
            env2 = _bind(c.beneficiary, benef, env)
            if env2 is None:
                continue
            if c.bearer is not None:
                env2 = _bind(c.bearer, bearer, env2)
                if env2 is None:
                    continue
            if parties is None:
                ok = bool(run.timeline)  # it was in some state at some point (over-approximation)
            elif c.state == "activated":
                ok = run.activated is not None and run.activated <= t
            else:
                ok = run.status_at(t) == c.state
            if ok:
                text = (f"{self.treaty.id}.{c.provision} {bearer} -> {benef} "
                        f"{run.status_at(t) if parties else run.status}")
                yield env2, (("state", c, text, run.provision.span.short),)

    def missing(self, c: A.Cond, env: dict[str, str], t: int, parties: tuple[str, ...]) -> list[str]:
        """The parts of `c` that do not hold, written in the language with variables substituted."""
        if next(self.solve(c, env, t, parties), None) is not None:
            return []
        if isinstance(c, A.And):
            out: list[str] = []
            cur = env
            for item in sorted(c.items, key=lambda i: C.is_test(i)):
                sol = next(self.solve(item, cur, t, parties), None)
                if sol is not None:
                    cur = sol[0]
                else:
                    out.extend(self.missing(item, cur, t, parties))
            return out
        return [render.cond(c, env)]

    # ------------------------------------------------------------ instances
    def run(self) -> list[InstanceRun]:
        out: list[InstanceRun] = []
        for p in _plan(self.treaty):
            runs = self._run_provision(p)
            self.instances[p.id] = runs
            out.extend(r for r in runs.values() if r.listed)
        return out

    def _pairs(self, p: A.Provision) -> list[tuple[str, str, dict[str, str]]]:
        then = p.then
        assert then is not None and p.when is not None
        ben_value = beneficiary_arg(then)
        pairs: dict[tuple[str, str], dict[str, str]] = {}
        ctx = self.ctx
        keep = frozenset(x for x in (ben_value.name if isinstance(ben_value, A.Var) else None, then.bearer.var) if x)
        # treaties built from one template have equal triggers (spans do not count in equality):
        # a trigger that reads only facts has the same candidates in each of them
        key = (p.when, keep, self.start, self.end, None if C.facts_only(p.when) else self.treaty.id)
        envs = self.index.memo.get(key)
        if envs is None:
            envs = self.index.memo[key] = self._candidates(p.when, {}, keep)
        for env in envs:
            if isinstance(ben_value, A.Var):
                benef = env.get(ben_value.name)
            elif isinstance(ben_value, A.Code):
                benef = ben_value.code
            else:
                benef = None
            if benef is None or not ctx.can_benefit(benef):
                continue
            b = then.bearer
            for bearer in ctx.bearers(b, benef, env):
                pair = (bearer, benef)
                if pair not in pairs:
                    seed: dict[str, str] = {}
                    if isinstance(ben_value, A.Var):
                        seed[ben_value.name] = benef
                    if b.var:
                        seed[b.var] = bearer
                    pairs[pair] = seed
        return [(b, ben, env) for (b, ben), env in sorted(pairs.items())]

    def _candidates(self, c: A.Cond, env: dict[str, str], keep: frozenset[str]) -> list[dict[str, str]]:
        """The candidate pass: the distinct bindings of `keep` (and of what env already binds) under
        which `c` might hold at some time. It over-approximates (negation, membership and time,
        including the days of `within`, are ignored), which costs only instances that stay dormant
        (never listed), and it projects every step onto the variables still needed, so that a
        conjunction of many facts about the same parties does not multiply out."""
        if isinstance(c, (A.Occurred, A.Ongoing)):
            # treaties built from the same templates ask the same of the scenario's facts: the
            # answer depends on the atom's shape, the bindings it sees and the time in force only
            plan = _arg_plan(c.atom)
            key = (c.atom.kind, plan, tuple(sorted((k, v) for k, v in env.items() if k in keep or
                                                   any(k == var for _, _, var in plan))),
                   keep, self.start, self.end)
            found: list[dict[str, str]] | None = self.index.memo.get(key)
            if found is None:
                found = self.index.memo[key] = _distinct((e for e, _ in self.match(c.atom, env, BIG, None)), keep)
            return found
        if isinstance(c, A.Temporal):
            second_vars = frozenset(a.value.name for a in c.second.args if isinstance(a.value, A.Var))
            firsts = _distinct((e for e, _ in self.match(c.first, env, BIG, None)), keep | second_vars)
            return _distinct((e2 for e1 in firsts for e2, _ in self.match(c.second, e1, BIG, None)), keep)
        if isinstance(c, A.And):
            items = [i for i in c.items if not C.is_test(i)] + [i for i in c.items if C.is_test(i)]
            envs = [env]
            for n, item in enumerate(items):
                later = keep.union(*(A.variables(i) for i in items[n + 1:]))
                envs = _distinct((e2 for e in envs for e2 in self._candidates(item, e, later)), later)
                if not envs:
                    break
            return envs
        if isinstance(c, A.Or):
            return _distinct((e for item in c.items for e in self._candidates(item, env, keep)), keep)
        return _distinct((e for e, _ in self.solve(c, env, BIG, None)), keep)

    def _run_provision(self, p: A.Provision) -> dict[tuple[str, str], InstanceRun]:
        opts, counts = self.options, self.options.counts
        plan = self._simple(p) if opts.direct_simple else None
        if counts is not None:
            if plan is not None:
                counts.direct += 1
            else:
                counts.walked += 1
        if plan is not None:
            return self._run_simple(p, plan)
        info = _provision_info(p)
        extra: set[int] = set(self.ctx.instants)
        for ref in info.refs:
            for run in self.instances.get(ref, {}).values():
                extra.update(d for d, _ in run.timeline if self.start <= d <= self.end + 1)
        base = sorted(extra)
        atoms, monotone = info.atoms, info.monotone
        then = p.then
        assert then is not None and p.when is not None
        out: dict[tuple[str, str], InstanceRun] = {}
        until_atoms = A.atoms(p.until)
        cond_vars = frozenset().union(*(A.variables(c) for c in A.clauses(p)))
        shared = opts.share_alike and (then.bearer.var is None or then.bearer.var not in cond_vars)
        untriggered = _untriggered(then.modality)
        alike: dict[tuple[object, ...], InstanceRun] = {}
        for bearer, benef, seed in self._pairs(p):
            key = self._alike_key(p, bearer, benef, seed) if shared else None
            twin = alike.get(key) if key is not None else None
            if twin is not None:
                out[(bearer, benef)] = _twin(twin, bearer, then.bearer.var)
                if counts is not None:
                    counts.shared += 1
                continue
            run = InstanceRun(self.treaty.id, p, bearer, benef)
            instants = self._instants(base, atoms, then.action, seed, bearer)
            trigger: Callable[[int], bool] | None = None
            bound, parties = frozenset(seed), (bearer, benef)
            if monotone and opts.skip_dormant and lifecycle.DORMANT in untriggered:
                # the lifecycle keeps an instance dormant until its trigger holds, which then holds
                # for good: start at that instant
                instants = self._skip_dormant(p.when, seed, parties, instants)
                trigger = _always  # on every instant from the first one left
                if counts is not None:
                    counts.bisected += 1
            elif opts.predicates and not monotone:  # (monotone without bisection: solved in full)
                trigger = self._predicate(p.when, bound, seed, parties, instants)
                if counts is not None and trigger is not None:
                    counts.predicates += 1
            if instants:
                # once active, only the action, the discharge condition and the treaty's own instants
                # can change it (and states the discharge condition mentions: they are in `base`)
                after = self._instants(base, until_atoms, then.action, seed, bearer)
                prerequisite = None
                if (opts.predicates and p.upon is not None and p.unless is None and trigger is not None
                        and A.variables(p.upon) <= bound):
                    prerequisite = self._predicate(p.upon, bound, seed, parties, instants)
                self._run_instance(run, seed, instants, after, trigger, prerequisite)
            out[(bearer, benef)] = run
            if key is not None and run.reason is None:  # a reason names the bearer: not shared
                alike[key] = run
        return out

    # ------------------------------------------------------------ simple provisions, directly
    def _simple(self, p: A.Provision) -> _SimplePlan | None:
        """Whether an instance of `p` can only go from dormant to active, for good, in this scenario:
        a trigger of facts, `and`, `or`, `not`, within/after/before and scope, region and party
        tests over the bearer's and the beneficiary's variables only; no `upon`, `unless` or
        `until`; a treaty whose parties are all members from entry into force, for good, with no
        suspension; and the lifecycle, given that, a deadline or not and facts of the action's
        kind in the scenario or not, takes it only from dormant to active for good
        (`_once_active`). Its plan if so, else None."""
        plan = _simple_plan(p)
        if plan is None:
            return None
        then = p.then
        assert then is not None
        if not self.ctx.whole_time:
            return None
        acts = then.action.kind in self.by_kind
        due = bool(then.qualifiers) and self._deadline_days(then) is not None
        return plan if _once_active(then.modality, acts, due) else None

    def _run_simple(self, p: A.Provision, plan: _SimplePlan) -> dict[tuple[str, str], InstanceRun]:
        """The instances of a simple provision (`_simple`), without walking their instants.

        With the bearer and the beneficiary bound, the trigger is a combination by and / or / not
        of facts (each holding from the first day a matching fact counts, for good) and of tests
        that do not change with time. It can change only on those first days: the instance is
        active from the first of them (or entry into force) at which the combination holds, with
        the `because` that `solve` gives at that instant. The facts are looked at once per
        scenario, in a table per fact of the trigger (`_table`), shared by every treaty that
        asks the same. The result is what `_run_provision` gives, down to `because` (a test
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
                        if _holds_at(self, p.when, seed, firsts, index, t):
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
        table: dict[tuple[str, ...], int] | None = self.index.memo.get(key)
        if table is not None:
            return table
        table = {}
        end = self.end
        if isinstance(leaf, A.Occurred):
            atom = leaf.atom
            facts: dict[tuple[str, ...], Fact] = {}  # the fact behind each entry (see `_proof`)
            for f in self.index.candidates(atom, _NO_ENV):
                if f.start > end:
                    break
                if f.end < start:
                    continue
                env = unify(atom, f.roles, _NO_ENV)
                if env is not None:
                    k = tuple([env[n] for n in names])
                    if k not in table:
                        table[k] = max(f.start, start)
                        facts[k] = f
            self.index.memo[(leaf_key, start, "facts")] = facts
        else:
            assert isinstance(leaf, A.Temporal)
            for fa in self.index.candidates(leaf.first, _NO_ENV):
                if fa.start > end:
                    break
                if fa.end < start:
                    continue
                env1 = unify(leaf.first, fa.roles, _NO_ENV)
                if env1 is None:
                    continue
                for fb in self.index.candidates(leaf.second, env1):
                    if fb.start > end:
                        break
                    if fb.end < start:
                        continue
                    if not C.gap_ok(leaf, fa.start - fb.start):
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
        """The proof `solve` gives first for a simple trigger that holds at t (`_run_simple`)."""
        if isinstance(c, A.Occurred):
            # the fact `solve` finds first is the earliest that matches: the one its table kept
            facts = self.index.memo.get((C.leaf_key(c), self.start, "facts"))
            if facts is not None:
                f = facts.get(tuple([seed[n] for n in C.names(c)]))
                if f is not None:
                    return (("fact", c.atom, f),)
            return next(self.solve(c, seed, t, parties))[1]
        if isinstance(c, A.Temporal):
            return next(self.solve(c, seed, t, parties))[1]
        if isinstance(c, A.And):  # as `_solve_and` orders them: positive parts first
            items = [i for i in c.items if not C.is_test(i)] + [i for i in c.items if C.is_test(i)]
            return tuple(x for i in items for x in self._proof(i, seed, firsts, index, t, parties))
        if isinstance(c, A.Or):
            for item in c.items:
                if _holds_at(self, item, seed, firsts, index, t):
                    return self._proof(item, seed, firsts, index, t, parties)
            raise AssertionError(c)  # pragma: no cover - called only where c holds
        return ()  # `not` and tests prove nothing

    def _alike_key(self, p: A.Provision, bearer: str, benef: str, seed: dict[str, str]) -> tuple[object, ...] | None:
        """Bearers whose instances must live the same life: the conditions do not mention the
        bearer, the bearer has the same memberships (so sees the same facts), no suspension names
        it, and it has done nothing of the action's kind (so nothing can fulfil or break the duty
        for one and not the other). None when the bearer is not interchangeable."""
        then = p.then
        assert then is not None
        if self.index.get(then.action.kind, "by", bearer):
            return None
        if any(b == bearer for b, _, _, _ in self.ctx.suspensions):
            return None
        rest = tuple(sorted((k, v) for k, v in seed.items() if k != then.bearer.var))
        return (benef, rest, tuple(self.ctx.members.get(bearer, ())))

    def _instants(self, base: list[int], atoms: Sequence[A.Atom], action: A.Atom, seed: dict[str, str],
                  bearer: str) -> list[int]:
        """The instants at which an instance can change: the treaty's own (`base`) and the starts and
        ends of the facts that can match one of its atoms once its bearer and beneficiary are
        known, or be its action. Between two of these nothing it depends on changes."""
        # the atoms' part depends on the bearer only if they mention the bearer's variable: bearers
        # of `each other party` share it
        names = {a.value.name for atom in atoms for a in atom.args if isinstance(a.value, A.Var)}
        key = (tuple(map(id, atoms)), tuple(sorted((k, v) for k, v in seed.items() if k in names)))
        shared = self._days_memo.get(key)
        if shared is None:
            shared = self._days_memo[key] = self.ctx.days(f for a in atoms for f in self.index.candidates(a, seed))
        days = set(base)
        days.update(shared)
        days.update(self.ctx.days(self.index.get(action.kind, "by", bearer)))
        return sorted(days)

    def _predicate(self, c: A.Cond, bound: frozenset[str], seed: dict[str, str], parties: tuple[str, str],
                   instants: list[int]) -> Callable[[int], bool] | None:
        """Whether `c` has a solution extending `seed` at an instant of `instants`, as a cheap test,
        for a trigger that can stop holding (`not`): a combination by and / or / not of parts
        that, once they hold, hold for good (each found once by bisection), and of membership
        tests; `ongoing` and states are asked directly. None when the parts share a variable the
        seed does not bind (then they are not independent): the instance is then solved in full
        at every instant."""
        if C.monotone(c):
            first = self._first_instant(c, seed, parties, instants)
            return lambda t: t >= first
        if isinstance(c, A.Not):
            inner = self._predicate(c.item, bound, seed, parties, instants)
            return None if inner is None else (lambda t: not inner(t))
        if isinstance(c, A.InParties):
            who = seed.get(c.var)
            return None if who is None else (lambda t: self.ctx.member(who, t))
        if isinstance(c, (A.And, A.Or)):
            seen: set[str] = set()
            parts = []
            for item in c.items:
                free = A.variables(item) - bound
                if free & seen:
                    return None
                seen |= free
                part = self._predicate(item, bound, seed, parties, instants)
                if part is None:
                    return None
                parts.append(part)
            if isinstance(c, A.And):
                return lambda t: all(part(t) for part in parts)
            return lambda t: any(part(t) for part in parts)
        # `ongoing` and states: asked directly at each instant (no cheaper, but the rest of the
        # condition stays cheap)
        return lambda t: next(self.solve(c, seed, t, parties), None) is not None

    def _first_instant(self, c: A.Cond, seed: dict[str, str], parties: tuple[str, str], instants: list[int]) -> int:
        """The first of `instants` at which a condition that holds for good once it holds has a
        solution extending seed (BIG + 1 if none)."""
        rest = self._skip_dormant(c, seed, parties, instants)
        return rest[0] if rest else BIG + 1

    def _skip_dormant(self, when: A.Cond, seed: dict[str, str], parties: tuple[str, str],
                      instants: list[int]) -> list[int]:
        """For a trigger that, once it holds, holds for good (facts, `and`, `or`, areas: no `not`,
        no `ongoing`, no states, no membership tests), the instance is dormant until the first
        instant at which the trigger holds, whatever happens to memberships and suspensions before
        it: find that instant by bisection and start there. An empty list: it never holds."""
        # The answer depends on the bearer only through the facts it can see (its memberships) and
        # the variables the trigger shares with the seed: bearers alike in both share one search.
        # (The instant found is a fact's start or entry into force, in every such bearer's list.)
        key = (id(when), tuple(sorted((k, v) for k, v in seed.items() if k in A.variables(when))),
               tuple(tuple(self.ctx.members.get(p, ())) for p in parties))
        first = self._first_memo.get(key, 0)
        if first != 0:
            return [] if first is None else instants[bisect.bisect_left(instants, first):]

        def holds(t: int) -> bool:
            return next(self.solve(when, seed, t, parties), None) is not None

        lo, hi = 0, len(instants)
        if not instants or not holds(min(instants[-1], self.end)):
            self._first_memo[key] = None
            return []
        while lo < hi:
            mid = (lo + hi) // 2
            if holds(instants[mid]):
                hi = mid
            else:
                lo = mid + 1
        self._first_memo[key] = instants[lo]
        return instants[lo:]

    def _deadline_days(self, then: A.Then) -> int | None:
        days: int | None = None
        for q in then.qualifiers:
            if q.group == "timing":
                if q.days is not None:
                    return q.days
                if q.value in self.timing:
                    days = self.timing[q.value]
        return days

    def _run_instance(self, run: InstanceRun, seed: dict[str, str], base: list[int],
                      after: list[int] | None = None, trigger: Callable[[int], bool] | None = None,
                      prerequisite: Callable[[int], bool] | None = None) -> None:
        """Walk the instance through its instants, asking the lifecycle (`lifecycle.step`) at each
        what it becomes. `after`: the instants that matter once it is active; `trigger`: a cheap
        test of whether the trigger holds at an instant, to pass over the instants at which the
        lifecycle keeps an instance without its trigger where it is (dormant); `prerequisite`: the
        same for an `upon` that depends only on the bearer and the beneficiary, to pass over the
        instants at which it keeps a triggered instance without its prerequisites where it is
        (pending: all but the last before anything else happens to it, so that what it shows as
        `because` and `missing` is what the last one would show)."""
        p = run.provision
        then = p.then
        assert then is not None and p.when is not None
        modality = then.modality
        untriggered, unprepared = _untriggered(modality), _unprepared(modality)
        parties = (run.bearer, run.beneficiary)
        ctx = self.ctx
        now = _Now(self, run, seed)
        heap = list(base)
        heapq.heapify(heap)
        last = None
        while heap:
            t = heapq.heappop(heap)
            if t == last:
                continue
            last = t
            if run.status in TERMINAL:
                break
            latched = run.activated is not None
            if trigger is not None and not latched and run.status in untriggered and not trigger(t):
                continue  # nothing it could become without its trigger
            if (prerequisite is not None and trigger is not None and not latched and run.status in unprepared
                    and trigger(t) and not prerequisite(t) and ctx.binds(run.bearer, run.beneficiary, t)):
                while heap and heap[0] == t:
                    heapq.heappop(heap)
                if heap and ctx.binds(run.bearer, run.beneficiary, heap[0]):
                    continue  # the same; the next instant shows the same and more
            now.t, now.found, now.act = t, None, None
            s = lifecycle.step(run.status, latched, modality, now)
            if s.judged:  # record what explains it at this instant
                assert now.found is not None
                level, env, proof = now.found
                if s.latch:
                    run.activated, run.env, run.because, run.missing = t, env, proof, ()
                    if after is not None:
                        heap = [x for x in after if x > t]
                        heapq.heapify(heap)
                    days = self._deadline_days(then)
                    if days is not None and lifecycle.falls_due(modality):
                        run.deadline = t + days
                        heapq.heappush(heap, run.deadline + 1)
                elif level == _UNDEFEATED:  # a prerequisite missing
                    assert p.upon is not None
                    run.env, run.because = env, proof + self._partial(p.upon, env, t, parties)
                    run.missing = tuple(self.missing(p.upon, env, t, parties))
                elif level == _TRIGGERED:  # every way the trigger holds is defeated
                    run.env, run.because, run.missing = env, proof, ()
                else:
                    run.missing = ()
            if now.act is not None:
                run.fulfilled_by = now.act
            if s.reason is not None:
                run.reason = self._words(run, s.reason, now.act)
            if s.status != run.status:  # same-day changes collapse: the last one stands
                run.status = s.status
                run.since = t
                if run.timeline and run.timeline[-1][0] == t:
                    run.timeline[-1] = (t, s.status)
                else:
                    run.timeline.append((t, s.status))

    def _weigh(self, p: A.Provision, seed: dict[str, str], t: int,
               parties: tuple[str, str]) -> tuple[int, dict[str, str], tuple[Proof, ...]]:
        """How far the trigger, `unless` and `upon` go at t: `_PREPARED` with the first way the
        trigger holds, undefeated, with its prerequisites (and their env and proof); else
        `_UNDEFEATED` with the first undefeated way; else `_TRIGGERED` with the first defeated one
        (and the defeater's proof); else 0 (the trigger does not hold)."""
        assert p.when is not None
        pending: tuple[dict[str, str], tuple[Proof, ...]] | None = None
        defeated: tuple[dict[str, str], tuple[Proof, ...]] | None = None
        for env, proof in self.solve(p.when, seed, t, parties):
            if p.unless is not None:
                u = next(self.solve(p.unless, env, t, parties), None)
                if u is not None:
                    defeated = defeated or (u[0], proof + u[1])
                    continue
            if p.upon is None:
                return _PREPARED, env, proof
            up = next(self.solve(p.upon, env, t, parties), None)
            if up is not None:
                return _PREPARED, up[0], proof + up[1]
            pending = pending or (env, proof)
        if pending is not None:
            return _UNDEFEATED, pending[0], pending[1]
        if defeated is not None:
            return _TRIGGERED, defeated[0], defeated[1]
        return 0, seed, ()

    def _words(self, run: InstanceRun, reason: str, act: Fact | None) -> str:
        """Why an instance was discharged or violated (`lifecycle.REASONS`), with its names."""
        then = run.provision.then
        assert then is not None
        names: dict[str, object] = {"bearer": run.bearer, "beneficiary": run.beneficiary}
        if reason == "forbidden":
            assert act is not None
            names["act"] = act.text
        elif reason == "until":
            assert run.provision.until is not None
            names["until"] = render.cond(run.provision.until, run.env)
        elif reason == "deadline":
            assert run.deadline is not None and run.activated is not None
            names["action"], names["days"] = then.action.kind, run.deadline - run.activated
        return lifecycle.words(reason, **names)

    def _partial(self, c: A.Cond, env: dict[str, str], t: int, parties: tuple[str, str]) -> tuple[Proof, ...]:
        """Proofs of the conjuncts of a prerequisite that do hold (for `because` on pending)."""
        items = c.items if isinstance(c, A.And) else (c,)
        out: tuple[Proof, ...] = ()
        for item in items:
            sol = next(self.solve(item, env, t, parties), None)
            if sol is not None:
                out += sol[1]
        return out

    def _discharged(self, run: InstanceRun, env: dict[str, str], activated: int, t: int) -> bool:
        """Whether the discharge condition (`until`) holds at t, after activation."""
        until = run.provision.until
        if until is None:
            return False
        self.floor = activated  # the discharge condition must hold after activation
        try:
            return next(self.solve(until, env, t, (run.bearer, run.beneficiary)), None) is not None
        finally:
            self.floor = 0

    def _action_fact(self, run: InstanceRun, t: int, activated: int, env: dict[str, str],
                     deadline: int | None) -> Fact | None:
        """The first fact of the provision's action by the bearer for the beneficiary under way on or
        after activation, started by t (and by the deadline)."""
        then = run.provision.then
        assert then is not None
        env = dict(env)
        ben = beneficiary_arg(then)
        if isinstance(ben, A.Var):
            env[ben.name] = run.beneficiary
        limit = t if deadline is None else min(t, deadline)
        for f in self.index.get(then.action.kind, "by", run.bearer):
            if f.start > limit:
                break
            # an action counts when it is under way on or after activation (a deployment that
            # began earlier and is still going on fulfils from the day of activation)
            if f.end < activated or f.roles.get("by") != run.bearer:
                continue
            if not self.ctx.visible(f, (run.bearer, run.beneficiary)):
                continue
            if unify(then.action, f.roles, env) is None:
                continue
            return f
        return None


# how far the trigger, `unless` and `upon` go at an instant (`TreatyRun._weigh`)
_TRIGGERED, _UNDEFEATED, _PREPARED = 1, 2, 3


class _Now:
    """What holds for one instance at the walk's instant `t`: the lifecycle's `Instant`, worked
    out only when the lifecycle asks. It keeps what explains the answers for the walk to
    record: how far the trigger went (`found`, see `TreatyRun._weigh`) and the action fact."""

    __slots__ = ("act", "found", "parties", "run", "seed", "t", "tr")
    found: tuple[int, dict[str, str], tuple[Proof, ...]] | None
    act: Fact | None

    def __init__(self, tr: TreatyRun, run: InstanceRun, seed: dict[str, str]):
        self.tr, self.run, self.seed = tr, run, seed
        self.parties = (run.bearer, run.beneficiary)
        self.t = 0
        self.found = None
        self.act = None

    def in_force(self) -> bool:
        return self.t <= self.tr.end

    def bearer_member(self) -> bool:
        return self.tr.ctx.member(self.run.bearer, self.t)

    def beneficiary_member(self) -> bool:
        return self.tr.ctx.member(self.run.beneficiary, self.t)

    def suspended(self) -> bool:
        return self.tr.ctx.suspended(self.run.bearer, self.run.beneficiary, self.t)

    def _level(self) -> int:
        if self.found is None:
            self.found = self.tr._weigh(self.run.provision, self.seed, self.t, self.parties)
        return self.found[0]

    def trigger(self) -> bool:
        return self._level() >= _TRIGGERED

    def undefeated(self) -> bool:
        return self._level() >= _UNDEFEATED

    def prerequisites(self) -> bool:
        return self._level() >= _PREPARED

    def _activation(self) -> tuple[int, dict[str, str], int | None]:
        """(activation day, env, deadline): the instance's, or those it gets if it activates now."""
        run = self.run
        if run.activated is not None:
            return run.activated, run.env, run.deadline
        assert self.found is not None
        return self.t, self.found[1], None  # a deadline set now is not before now

    def action(self) -> bool:
        self.act = self.tr._action_fact(self.run, self.t, *self._activation())
        return self.act is not None

    def discharge(self) -> bool:
        activated, env, _ = self._activation()
        return self.tr._discharged(self.run, env, activated, self.t)

    def deadline_passed(self) -> bool:
        deadline = self.run.deadline
        return deadline is not None and self.t > deadline


@functools.cache
def _once_active(modality: str, acts: bool, due: bool) -> bool:
    """Whether the lifecycle takes an instance only from dormant to active, for good, in a treaty
    whose parties are members for all its time in force with no suspension, for a provision with
    no `upon`, `unless` or `until`; `acts`: the scenario has facts of its action's kind; `due`: it
    has a deadline."""
    known = {"in_force": True, "bearer_member": True, "beneficiary_member": True, "suspended": False,
             "undefeated": True, "prerequisites": True, "discharge": False}
    if not acts:
        known["action"] = False
    if not due:
        known["deadline_passed"] = False
    return lifecycle.machine(modality, **known).once_active()


@functools.cache
def _untriggered(modality: str) -> frozenset[str]:
    """The statuses the lifecycle keeps, whatever else holds, at an instant where a not yet
    activated instance's trigger does not hold: the walk passes over such instants."""
    return frozenset(s for s in lifecycle.STATUSES if s not in TERMINAL
                     and lifecycle.settled(s, False, modality, trigger=False))


@functools.cache
def _unprepared(modality: str) -> frozenset[str]:
    """The statuses the lifecycle keeps at an instant where a not yet activated instance is in
    force, between members, not suspended, triggered and undefeated, but without its
    prerequisites: the walk may pass over such instants."""
    return frozenset(s for s in lifecycle.STATUSES if s not in TERMINAL and lifecycle.settled(
        s, False, modality, in_force=True, bearer_member=True, beneficiary_member=True, suspended=False,
        trigger=True, undefeated=True, prerequisites=False))


def _twin(run: InstanceRun, bearer: str, var: str | None) -> InstanceRun:
    """The life of an instance whose bearer cannot be told apart from `run`'s, for `bearer`."""
    env = dict(run.env)
    if var is not None and var in env:
        env[var] = bearer
    return InstanceRun(run.treaty, run.provision, bearer, run.beneficiary, run.status, run.since, run.activated,
                       run.deadline, env, run.because, run.missing, list(run.timeline), run.fulfilled_by, run.reason)


def _holds_at(tr: TreatyRun, c: A.Cond, seed: dict[str, str], firsts: list[int], index: dict[int, int],
              t: int) -> bool:
    """Whether a simple trigger holds at t, given the first day of each of its facts (`firsts`, in
    the order of the plan's leaves; `index`: a leaf's position there, by its id)."""
    if isinstance(c, (A.Occurred, A.Temporal)):
        return firsts[index[id(c)]] <= t
    if isinstance(c, A.And):
        return all(_holds_at(tr, i, seed, firsts, index, t) for i in c.items)
    if isinstance(c, A.Or):
        return any(_holds_at(tr, i, seed, firsts, index, t) for i in c.items)
    if isinstance(c, A.Not):
        return not _holds_at(tr, c.item, seed, firsts, index, t)
    return next(tr.solve(c, seed, t, ()), None) is not None  # a scope, region or party test: fixed in time


@dataclass(frozen=True)
class _SimplePlan:
    """What `TreatyRun._run_simple` needs of a simple provision, worked out once."""

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
    """The plan of a provision that `TreatyRun._simple` may take (None if it never can)."""
    then = p.then
    if then is None or p.when is None or p.upon is not None or p.unless is not None or p.until is not None:
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
    # fact: so every instance that can come alive is among the candidate pass's (`_pairs`), and
    # trying every value such facts bind finds the same ones
    if ben_var is not None and not C.binds(when, ben_var) or b.mode == "var" and b.var and not C.binds(when, b.var):
        return None
    leaves = tuple((n, C.names(n), C.leaf_key(n)) for n, _ in C.leaves(when))
    positives = [positive for _, positive in C.leaves(when)]
    sources = tuple((i, names.index(ben_var)) for i, ((_, names, _), positive) in enumerate(zip(leaves, positives))
                    if positive and ben_var is not None and ben_var in names)
    index = {id(leaf): i for i, (leaf, _, _) in enumerate(leaves)}
    per_bearer = b.var is not None and b.var in A.variables(when)
    bearer_sources = None
    if per_bearer and b.var is not None and C.binds(when, b.var):
        bearer_sources = tuple((i, names.index(b.var), names.index(ben_var) if ben_var in names else -1)
                               for i, ((_, names, _), positive) in enumerate(zip(leaves, positives))
                               if positive and b.var in names)
    return _SimplePlan(leaves, ben_var, sources, b.var, per_bearer, bearer_sources, index)


def _always(t: int) -> bool:
    return True


def _distinct(envs: Iterator[dict[str, str]], keep: frozenset[str]) -> list[dict[str, str]]:
    """The envs projected onto `keep`, without repeats, in first-seen order."""
    names = sorted(keep)
    out: dict[tuple[str | None, ...], dict[str, str]] = {}
    for e in envs:
        key = tuple([e.get(k) for k in names])
        if key not in out:
            out[key] = {k: v for k, v in zip(names, key, strict=True) if v is not None}
    return list(out.values())


@dataclass(frozen=True)
class _ProvisionInfo:
    refs: tuple[str, ...]  # the provisions whose states its conditions mention
    atoms: tuple[A.Atom, ...]  # every atom of its conditions
    monotone: bool  # its trigger holds for good once it holds


@_per_object
def _plan(treaty: A.TreatyDecl) -> list[A.Provision]:
    """The provisions to evaluate, each after the ones whose states it mentions (the checker has
    ruled out cycles)."""
    provs = {p.id: p for p in treaty.provisions if p.when is not None and p.then is not None}
    done: list[A.Provision] = []
    seen: set[str] = set()

    def visit(pid: str) -> None:
        if pid in seen or pid not in provs:
            return
        seen.add(pid)
        for ref in _provision_info(provs[pid]).refs:
            visit(ref)
        done.append(provs[pid])

    for pid in sorted(provs):
        visit(pid)
    return done


@_per_object
def _provision_info(p: A.Provision) -> _ProvisionInfo:
    refs = tuple(r.provision for c in (p.when, p.upon, p.unless, p.until) for r, _ in A.state_refs(c))
    return _ProvisionInfo(refs, tuple(a for c in A.clauses(p) for a in A.atoms(c)),
                          p.when is not None and C.monotone(p.when))


def _bind(v: A.Value, actual: str, env: dict[str, str]) -> dict[str, str] | None:
    if isinstance(v, A.Var):
        have = env.get(v.name)
        if have is None:
            return {**env, v.name: actual}
        return env if have == actual else None
    if isinstance(v, A.Code):
        return env if v.code == actual else None
    return env


@dataclass
class TreatyOutcome:
    treaty: A.TreatyDecl
    instances: list[InstanceRun]
    run: TreatyRun


@dataclass
class Evaluation:
    """Everything the engine found for one scenario under one interpretation."""

    scenario: Scenario
    interpretation: str
    outcomes: list[TreatyOutcome]
    facts: list[Fact]


def evaluate(lib: Library, scenario: Scenario, treaties: list[str] | None = None,
             interpretation: str | None = None, options: EvalOptions | None = None) -> Evaluation:
    """Play a scenario through the library's treaties (all of them, sorted by id, by default).
    `options` (engine/core/options.py) chooses the shortcuts it may take: all by default, or
    those of an enclosing `options.using` block; every choice gives the same result."""
    name = interpretation or scenario.interpretation or "default"
    interp = lib.interpretations.get(name)
    facts = prepare(lib, scenario, interp)
    index = FactIndex(lib, facts)
    outcomes = []
    for tid in sorted(treaties if treaties is not None else lib.treaties):
        treaty = lib.treaties[tid]
        tr = TreatyRun(lib, treaty, facts, interp, index, options)
        runs = tr.run()
        runs.sort(key=lambda r: (_natural(r.provision.id), r.bearer, r.beneficiary))
        outcomes.append(TreatyOutcome(treaty, runs, tr))
    return Evaluation(scenario, name, outcomes, facts)


@functools.lru_cache(maxsize=4096)
def _natural(s: str) -> tuple[object, ...]:
    import re

    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s))
