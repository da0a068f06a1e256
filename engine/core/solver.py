"""Solving conditions over one scenario's facts for one treaty: every way a condition holds at an
instant (`Solver.solve`), what of it does not (`missing`), how far a provision's trigger, `unless`
and `upon` go (`weigh`), and the candidate pass that finds the (bearer, beneficiary) pairs that
might ever come alive (`pairs`, `candidates`).

The facts are indexed once per scenario (`FactIndex`: by kind and by kind, role and value), and an
atom looks only at the shortest list its known arguments allow. The states of other provisions
that conditions mention are read from `Solver.instances`, which the walk (engine/core/evaluate.py)
fills provision by provision, each after those it mentions."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engine.base.memo import per_object as _per_object
from engine.core.spans import Spans
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import TreatyContext
from engine.kernel.facts import BIG, Fact, holder, unify
from engine.language import ast as A
from engine.language import render
from engine.language.codes import country_of
from engine.language.library import Library, Region, beneficiary_arg, is_who

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


class FactIndex:
    """A scenario's prepared facts, indexed by kind (a fact is filed under its kind and every
    ancestor) and, for a kind the first time a condition asks for it, by role and value; every
    list keeps the facts' order (by start).

    A fact at a subdivision (`at: RU-KRS`) is also filed under its country for the roles `at` and
    `in`, since an atom naming the country matches it (`scenario.unify`)."""

    def __init__(self, lib: Library, facts: list[Fact]):
        self.facts = facts
        # the key's shape says what it holds: candidate envs (Solver.candidates, pairs), a simple
        # trigger's table or the facts behind it (DirectPath._table)
        self.memo: dict[tuple[object, ...], Any] = {}
        self.by_kind: dict[str, list[Fact]] = {}
        # kind -> (role, value) -> its facts (`_roles`): built for the kinds conditions ask about
        self._by_role: dict[str, dict[tuple[str, str], list[Fact]]] = {}
        self._spans: dict[int, Spans] = {}  # see `spans`
        kinds = lib.kinds
        by_kind = self.by_kind
        for f in facts:
            info = kinds.get(f.kind)
            for k in (info.ancestors if info else (f.kind,)):
                lst = by_kind.get(k)
                if lst is None:
                    by_kind[k] = [f]
                else:
                    lst.append(f)

    def _roles(self, kind: str) -> dict[tuple[str, str], list[Fact]]:
        """The facts of a kind by (role, value), filed the first time the kind is asked for."""
        got = self._by_role.get(kind)
        if got is None:
            got = self._by_role[kind] = {}
            for f in self.by_kind.get(kind, _EMPTY):
                items = list(f.roles.items())
                for role, value in f.roles.items():
                    if role in ("at", "in"):
                        country = country_of(value)
                        if country != value:
                            items.append((role, country))
                for item in items:
                    lst = got.get(item)
                    if lst is None:
                        got[item] = [f]
                    else:
                        lst.append(f)
        return got

    def get(self, kind: str, role: str, value: str) -> list[Fact]:
        return self._roles(kind).get((role, value), _EMPTY)

    @functools.cached_property
    def values(self) -> frozenset[str]:
        """Every value a fact's role has: all that a variable matched against a fact can be bound
        to."""
        return frozenset(v for f in self.facts for v in f.roles.values())

    def spans(self, facts: list[Fact]) -> Spans:
        """One of the index's lists by start and end (`Spans`), built the first time it is asked
        for: which of its facts start in a window of days and reach a day."""
        got = self._spans.get(id(facts))
        if got is None:
            got = self._spans[id(facts)] = Spans(facts)  # it holds the list: the id stays its own
        return got

    def candidates(self, atom: A.Atom, env: dict[str, str]) -> list[Fact]:
        """The facts that may match `atom` under `env`: the shortest list among the atom's kind and
        its arguments whose values are known (a code, a name, or a variable bound in env)."""
        best = self.by_kind.get(atom.kind, _EMPTY)
        if not best:
            return best
        by_role = None
        for role, text, is_var in _arg_plan(atom):
            value = env.get(text) if is_var else text
            if value is None:
                continue
            if by_role is None:
                by_role = self._roles(atom.kind)
            lst = by_role.get((role, value), _EMPTY)
            if len(lst) < len(best):
                best = lst
                if not best:
                    break
        return best


_EMPTY: list[Fact] = []
_SHORT = 8  # a list of facts this short is scanned by `Solver.match`, not searched by bisection


@_per_object
def _reads_states(p: A.Provision) -> bool:
    """Whether a provision's trigger reads other instances' states."""
    return bool(A.state_refs(p.when))


@_per_object
def _variables(c: A.Cond) -> frozenset[str]:
    """`A.variables`, worked out once per condition (the solver asks at every instant)."""
    return A.variables(c)


@_per_object
def _arg_plan(atom: A.Atom) -> tuple[tuple[str, str, bool], ...]:
    """(role, text, is_var) for each argument of the atom that narrows the facts: a variable's name
    (is_var), or a constant (a code or a name)."""
    plan: list[tuple[str, str, bool]] = []
    for a in atom.args:
        v = a.value
        if isinstance(v, A.Var):
            plan.append((a.role, v.name, True))
        elif isinstance(v, A.Code):
            plan.append((a.role, v.code, False))
        elif isinstance(v, A.Name):
            plan.append((a.role, v.name, False))
    return tuple(plan)


# how far the trigger, `unless` and `upon` go at an instant (`Solver.weigh`)
TRIGGERED, UNDEFEATED, PREPARED = 1, 2, 3


class Solver:
    """Solves one treaty's conditions over a scenario's indexed facts, in the treaty's context."""

    def __init__(self, lib: Library, treaty: A.TreatyDecl, index: FactIndex, ctx: TreatyContext,
                 interp: A.InterpretationDecl | None = None):
        self.lib = lib
        self.interp = interp  # whose territory a place is, who administers it
        self.reading = interp.name if interp is not None else "default"  # which texts apply (versions)
        self.treaty = treaty
        self.index = index
        self.ctx = ctx
        self.start, self.end = ctx.start, ctx.end
        # the instances of the provisions evaluated so far, by provision (the walk fills it): read
        # by conditions that mention their states
        self.instances: dict[str, dict[tuple[str, str], InstanceRun]] = {}
        self._sorted_runs: dict[str, list[tuple[tuple[str, str], InstanceRun]]] = {}
        self._floor = 0  # facts that started before this day are ignored (see `holds_after`)
        self._benefits: dict[str | None, bool] = {}  # see `_anyone_benefits`, by protected class

    # ------------------------------------------------------------ solving conditions
    def match(self, atom: A.Atom, env: dict[str, str], t: int, parties: tuple[str, ...] | None,
              ongoing: bool = False, window: tuple[int, int, int] | None = None
              ) -> Iterator[tuple[dict[str, str], Fact]]:
        """The facts that match `atom` under env at instant t, in the index's order (by start), each
        with env extended: started by t (and by the end of the treaty's time in force), not
        before the floor (`holds_after`), not over before entry into force, under way at t if
        `ongoing`, and within `window` (first start, last start, earliest end) if given. They
        are found by bisection on the list's starts and ends (`FactIndex.spans`), not by a scan
        from its first fact: the walk asks at every instant."""
        first, last, reach = max(self._floor, 0), min(t, self.end), self.start
        if ongoing and t > reach:
            reach = t
        if window is not None:
            first, last, reach = max(first, window[0]), min(last, window[1]), max(reach, window[2])
        facts = self.index.candidates(atom, env)
        # a short list is scanned (the same facts, in the same order, as `Spans.reaching` gives)
        found = ([f for f in facts if first <= f.start <= last and f.end >= reach] if len(facts) <= _SHORT
                 else self.index.spans(facts).reaching(first, last, reach))
        for f in found:
            if parties is not None and not self.ctx.visible(f, parties):
                continue
            env2 = unify(atom, f.roles, env)
            if env2 is not None:
                yield env2, f

    def under_way(self, atom: A.Atom, env: dict[str, str], parties: tuple[str, ...]) -> tuple[list[int], list[int]]:
        """The days on which `ongoing atom` holds under env: from the start to the end of each
        fact `match` ever finds for it (at the last instant, without asking that it be under way
        then), as (starts, ends) of the runs of such days, merged and sorted, for a test by
        bisection."""
        runs = sorted((f.start, f.end) for _, f in self.match(atom, env, BIG, parties))
        starts: list[int] = []
        ends: list[int] = []
        for s, e in runs:
            if ends and s <= ends[-1] + 1:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        return starts, ends

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
                # only the facts whose days can stand in the relation with fa's are looked at
                for env2, fb in self.match(c.second, env1, t, parties, window=C.partners(c, fa.start, fa.end)):
                    if C.relation_ok(c, (fa.start, fa.end), (fb.start, fb.end)):
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
        elif isinstance(c, A.IsWho):
            who = env.get(c.var)
            if who is not None and is_who(self.lib, who, c.what):
                yield env, ()
        elif isinstance(c, A.PlaceOf):
            where = env.get(c.var)
            who = env.get(c.party.name) if isinstance(c.party, A.Var) else str(c.party)
            if where is None or who is None:
                return
            if parties is None:  # the candidate pass: sovereignty and administration change in time
                yield env, ()
            elif holder(self.lib, self.interp, where, c.relation, t) == who:
                yield env, ()
        elif isinstance(c, A.StateRef):
            yield from self._solve_state(c, env, t, parties)
        else:  # pragma: no cover
            raise AssertionError(c)

    def _solve_and(self, items: list[A.Cond], env: dict[str, str], t: int,
                   parties: tuple[str, ...] | None) -> Iterator[Solution]:
        """Every way a conjunction holds, in order: the first part that binds (positive parts
        first, so that negations and tests see their variables bound), then the rest under each
        of its ways. A test binds nothing, proves nothing and answers at most once, so it is
        asked as soon as its variables are known: that changes no answer and no order, only the
        work (a threat outside the scope is dropped before the requests are looked at)."""
        ready = [c for c in items if C.is_test(c) and _variables(c).issubset(env)]
        for c in ready:
            if next(self.solve(c, env, t, parties), None) is None:
                return
        if ready:
            items = [c for c in items if not any(c is r for r in ready)]
        if not items:
            yield env, ()
            return
        first_i = next((i for i, c in enumerate(items) if not C.is_test(c)), 0)
        head, rest = items[first_i], items[:first_i] + items[first_i + 1:]
        binds = _variables(head).difference(env)
        if not binds or not binds <= C.bound(head):
            for env1, p1 in self.solve(head, env, t, parties):
                for env2, p2 in self._solve_and(rest, env1, t, parties):
                    yield env2, p1 + p2
            return
        # every way the head holds binds `binds`: the tests of the rest that read only those and
        # what env knows filter the head's ways; when what is left of the rest reads none of
        # `binds` (`threat(on: Z) and Z in scope far_east and request(from: X)`, X known), its
        # answers are the same for every way the head holds, so once it has none the search
        # stops, instead of trying it again for each (threats x requests)
        known = binds.union(env)
        filters = [c for c in rest if C.is_test(c) and _variables(c) <= known]
        if filters:
            rest = [c for c in rest if not any(c is f for f in filters)]
        apart = not any(binds & _variables(c) for c in rest)
        for env1, p1 in self.solve(head, env, t, parties):
            if any(next(self.solve(c, env1, t, parties), None) is None for c in filters):
                continue
            found = False
            for env2, p2 in self._solve_and(rest, env1, t, parties):
                found = True
                yield env2, p1 + p2
            if apart and not found:
                return

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
                status = run.status_at(t) if parties else run.status
                text = f"{self.treaty.id}.{c.provision} {bearer} -> {benef} {status}"
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

    def partial(self, c: A.Cond, env: dict[str, str], t: int, parties: tuple[str, ...]) -> tuple[Proof, ...]:
        """Proofs of the conjuncts of a prerequisite that do hold (for `because` on pending)."""
        items = c.items if isinstance(c, A.And) else (c,)
        out: tuple[Proof, ...] = ()
        for item in items:
            sol = next(self.solve(item, env, t, parties), None)
            if sol is not None:
                out += sol[1]
        return out

    def holds_after(self, c: A.Cond, env: dict[str, str], since: int, t: int, parties: tuple[str, ...]) -> bool:
        """Whether `c` holds at t on facts that started on or after `since` (a discharge condition
        must hold after activation)."""
        self._floor = since
        try:
            return next(self.solve(c, env, t, parties), None) is not None
        finally:
            self._floor = 0

    def weigh(self, p: A.Provision, seed: dict[str, str], t: int,
               parties: tuple[str, ...]) -> tuple[int, dict[str, str], tuple[Proof, ...]]:
        """How far the trigger, `unless` and `upon` go at t: `PREPARED` with the first way the
        trigger holds, undefeated, with its prerequisites (and their env and proof); else
        `UNDEFEATED` with the first undefeated way; else `TRIGGERED` with the first defeated one
        (and the defeater's proof); else 0 (the trigger does not hold)."""
        assert p.when is not None
        pending: tuple[dict[str, str], tuple[Proof, ...]] | None = None
        defeated: tuple[dict[str, str], tuple[Proof, ...]] | None = None
        if not self.ctx.version_applies(p, t, self.reading):  # its text does not apply: it cannot be triggered now
            return 0, seed, ()
        when = p.when
        extra = [r.when for r in self.ctx.reservations(p, parties[0], t) if r.when is not None]
        if extra:  # the bearer's reservation adds its condition to the trigger
            when = A.And((when, *extra), when.span)
        for env, proof in self.solve(when, seed, t, parties):
            if p.unless is not None:
                u = next(self.solve(p.unless, env, t, parties), None)
                if u is not None:
                    defeated = defeated or (u[0], proof + u[1])
                    continue
            if p.upon is None:
                return PREPARED, env, proof
            up = next(self.solve(p.upon, env, t, parties), None)
            if up is not None:
                return PREPARED, up[0], proof + up[1]
            pending = pending or (env, proof)
        if pending is not None:
            return UNDEFEATED, pending[0], pending[1]
        if defeated is not None:
            return TRIGGERED, defeated[0], defeated[1]
        return 0, seed, ()

    # ------------------------------------------------------------ the candidate pass
    def pairs(self, p: A.Provision) -> list[tuple[str, str, dict[str, str]]]:
        """The (bearer, beneficiary, seed) of every instance of `p` that might ever come alive,
        sorted: the candidate pass over its trigger, each binding expanded to its bearers (`ctx.bearers`)."""
        then = p.then
        assert then is not None and p.when is not None
        ben_value = beneficiary_arg(then)
        pairs: dict[tuple[str, str], dict[str, str]] = {}
        # a protected class wider than the parties: beneficiaries drawn from it (SPEC)
        region = self.lib.regions.get(p.protects) if p.protects is not None else None
        ctx = self.ctx
        if isinstance(ben_value, A.Var) and not self._anyone_benefits(p, region):
            return []
        keep = frozenset(x for x in (ben_value.name if isinstance(ben_value, A.Var) else None, then.bearer.var) if x)
        # treaties built from one template have equal triggers (spans do not count in equality):
        # a trigger that reads only facts has the same candidates in each of them
        key = (C.key(p.when), keep, self.start, self.end, None if C.facts_only(p.when) else self.treaty.id)
        envs = self.index.memo.get(key)
        if envs is None:
            envs = self.index.memo[key] = self.candidates(p.when, {}, keep)
        for env in envs:
            if isinstance(ben_value, A.Var):
                benef = env.get(ben_value.name)
            elif isinstance(ben_value, A.Code):
                benef = ben_value.code
            else:
                benef = None
            if benef is None or not ctx.can_benefit(benef, None if region is None else region.contains(benef)):
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

    def _anyone_benefits(self, p: A.Provision, region: Region | None) -> bool:
        """Whether a value of the scenario's facts can be owed `p`'s duty (`ctx.can_benefit`): a
        beneficiary written as a variable is bound by a fact of the trigger, or by another
        instance's state (where the trigger reads one, this says yes). When none can, the
        candidate pass can find no instance: it is not made."""
        if _reads_states(p):
            return True
        key = None if region is None else region.name
        got = self._benefits.get(key)
        if got is None:
            can = self.ctx.can_benefit
            got = self._benefits[key] = any(can(v, None if region is None else region.contains(v))
                                            for v in self.index.values)
        return got

    def candidates(self, c: A.Cond, env: dict[str, str], keep: frozenset[str]) -> list[dict[str, str]]:
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
                                                   any(is_var and k == text for _, text, is_var in plan))),
                   keep, self.start, self.end)
            found = self.index.memo.get(key)
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
                envs = _distinct((e2 for e in envs for e2 in self.candidates(item, e, later)), later)
                if not envs:
                    break
            return envs
        if isinstance(c, A.Or):
            return _distinct((e for item in c.items for e in self.candidates(item, env, keep)), keep)
        return _distinct((e for e, _ in self.solve(c, env, BIG, None)), keep)


def _distinct(envs: Iterator[dict[str, str]], keep: frozenset[str]) -> list[dict[str, str]]:
    """The envs projected onto `keep`, without repeats, in first-seen order."""
    names = sorted(keep)
    out: dict[tuple[str | None, ...], dict[str, str]] = {}
    for e in envs:
        key = tuple([e.get(k) for k in names])
        if key not in out:
            out[key] = {k: v for k, v in zip(names, key, strict=True) if v is not None}
    return list(out.values())


def _bind(v: A.Value, actual: str, env: dict[str, str]) -> dict[str, str] | None:
    if isinstance(v, A.Var):
        have = env.get(v.name)
        if have is None:
            return {**env, v.name: actual}
        return env if have == actual else None
    if isinstance(v, A.Code):
        return env if v.code == actual else None
    return env

