"""Counterfactuals for `casus explain`: what would change a provision's status.

For an instance (or a provision) that is not active, the search adds facts drawn from the
provision's own `when` and `upon` atoms, with the instance's variables substituted, each dated
at one of the scenario's relevant dates; for an active one, it removes facts of the scenario
that the provision's conditions or its action could have used. Every candidate set is
confirmed by re-running the engine on the changed scenario. Sets are tried smallest first and
no superset of a working set is tried, so when the search covers every set up to its bound
(`complete`), each set it reports is minimal: no proper subset works (at the dates tried)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.core.evaluate import BIG, Evaluation, InstanceRun, evaluate
from engine.kernel import conditions as C
from engine.kernel.context import TreatyContext
from engine.kernel.facts import Fact, Scenario
from engine.language import ast as A
from engine.language import render
from engine.language.build import iso
from engine.language.codes import country_of, is_country
from engine.language.library import Library, beneficiary_arg

MAX_FACTS = 3  # the default bound: sets of up to this many facts
MAX_RUNS = 4000  # engine runs per search before it stops (and says it is incomplete)
MAX_DATES = 4
MAX_TARGETS = 4
ACTIVATED = ("active", "fulfilled", "violated")


@dataclass
class Change:
    facts: tuple[str, ...]  # as written, with a date (added) or the source line (removed)
    outcome: str  # what the instance became


@dataclass
class Search:
    """One search: for one instance (or one beneficiary, when there is no instance), the
    minimal sets of facts to add (mode 'add') or remove (mode 'remove')."""

    target: str  # "RU -> KP pending", or "toward PL (no instance)"
    mode: str
    goal: str  # "active" or "another status"
    candidates: list[str]
    dates: list[str]
    bound: int
    runs: int = 0
    complete: bool = True
    found: list[Change] = field(default_factory=list)
    not_searched: list[str] = field(default_factory=list)

    def render(self) -> list[str]:
        verb = "add" if self.mode == "add" else "remove"
        n = len(self.candidates)
        where = f", dated {' or '.join(self.dates)}" if self.mode == "add" and self.dates else ""
        scope = (f"every set of up to {self.bound} facts from {n} candidate{'s' if n != 1 else ''}{where}; "
                 f"{self.runs} engine run{'s' if self.runs != 1 else ''}")
        head = f"  {self.target} → {self.goal}"
        lines = []
        if self.found:
            if self.complete:
                lines.append(f"{head}: {verb} one of these minimal sets")
                lines.append(f"    searched {scope}; complete, so no proper subset of a set works")
            else:
                lines.append(f"{head}: {verb} one of these sets")
                lines.append(f"    searched {scope}, then stopped before covering every set: the sets work, "
                             f"but are not shown to be minimal")
            for ch in self.found:
                lines.append(f"    {verb} {' + '.join(ch.facts)}  ⇒  {ch.outcome}")
        elif not self.candidates:
            lines.append(f"{head}: no candidate fact to {verb}")
        elif self.complete:
            lines.append(f"{head}: no set of up to {self.bound} facts to {verb} does it")
            lines.append(f"    searched {scope}; complete")
        else:
            lines.append(f"{head}: none found")
            lines.append(f"    searched {scope}, then stopped before covering every set")
        for ns in self.not_searched:
            lines.append(f"    not searched: {ns}")
        return lines


# ---------------------------------------------------------------------------- helpers


# the literals the search cannot add as facts, and why (by `C.kind`)
_NOT_A_FACT = {"area": "a test of where, not a fact", "parties": "a test of membership, not a fact",
               "state": "another provision's state, not a fact"}


def _fact_text(kind: str, roles: dict[str, str]) -> str:
    return f"{kind}({', '.join(f'{r}: {v}' for r, v in roles.items())})"


def _kinds(c: A.Cond | None, out: set[str], lib: Library, treaty: A.TreatyDecl, seen: set[str]) -> None:
    """Every fact kind a condition can read, through chained provisions too."""
    out.update(a.kind for a in A.atoms(c))
    for ref, _ in A.state_refs(c):
        if ref.provision not in seen:
            seen.add(ref.provision)
            other = next((p for p in treaty.provisions if p.id == ref.provision), None)
            if other is not None:
                _provision_kinds(other, out, lib, treaty, seen)


def _provision_kinds(p: A.Provision, out: set[str], lib: Library, treaty: A.TreatyDecl, seen: set[str]) -> None:
    for clause in (p.when, p.upon, p.unless, p.until):
        _kinds(clause, out, lib, treaty, seen)
    if p.then is not None:
        out.add(p.then.action.kind)


def _reads(lib: Library, fact_kind: str, kinds: set[str]) -> bool:
    info = lib.kinds.get(fact_kind)
    return bool(set(info.ancestors if info else (fact_kind,)) & kinds)


class _Filler:
    """Values for variables the instance leaves open: a territory in the scope the condition
    tests, a party from the scenario."""

    def __init__(self, lib: Library, treaty: A.TreatyDecl, p: A.Provision, scenario: Scenario,
                 avoid: set[str]):
        self.lib, self.treaty = lib, treaty
        self.area: dict[str, A.InArea] = {}
        for lit in C.outside_not(p.when) + C.outside_not(p.upon):
            if isinstance(lit, A.InArea):
                self.area[lit.var] = lit
        parties = sorted({v for f in scenario.facts for r, v in f.roles.items()
                          if r in ("by", "from", "on", "party", "against") and v not in avoid})
        self.party = parties[0] if parties else None

    def value(self, var: str, rtype: str, env: dict[str, str], benef: str | None) -> str | None:
        if rtype in ("territory", "place"):
            test = self.area.get(var)
            if test is not None:
                region = (self.lib.scopes.get((self.treaty.id, test.name)) if test.what == "scope"
                          else self.lib.regions.get(test.name))
                if region is not None and region.entries:
                    own = [code for code, _ in region.entries if benef and country_of(code) == benef]
                    return own[0] if own else region.entries[0][0]
            return benef if benef and is_country(benef) else None
        if rtype == "party":
            return self.party
        return None


def _ground(lib: Library, atom: A.Atom, env: dict[str, str], filler: _Filler,
            benef: str | None) -> dict[str, str] | None:
    """The atom as a fact's roles, variables substituted (env is extended in place)."""
    info = lib.kinds.get(atom.kind)
    if info is None:
        return None
    roles: dict[str, str] = {}
    for arg in atom.args:
        v = arg.value
        decl = info.roles.get(arg.role)
        rtype = decl.type if decl else "party"
        if isinstance(v, A.Wildcard):
            if decl is not None and decl.optional:
                continue
            value = filler.value("_", rtype, env, benef)
        elif isinstance(v, A.Var):
            value = env.get(v.name)
            if value is None:
                value = filler.value(v.name, rtype, env, benef)
                if value is not None:
                    env[v.name] = value
        else:
            value = str(v)
        if value is None:
            return None
        roles[arg.role] = value
    return roles


# ---------------------------------------------------------------------------- the search


class _Searcher:
    def __init__(self, lib: Library, scenario: Scenario, treaty: str, interpretation: str | None,
                 max_facts: int, max_runs: int):
        self.lib, self.scenario, self.treaty, self.interpretation = lib, scenario, treaty, interpretation
        self.max_facts, self.max_runs = max_facts, max_runs
        self.base_facts: list[Fact] = []

    def run(self, facts: tuple[Fact, ...]) -> Evaluation:
        return evaluate(self.lib, dataclasses.replace(self.scenario, facts=facts), [self.treaty],
                        self.interpretation)

    def search(self, s: Search, pool: Sequence[object], variants: Callable[[tuple[int, ...]], list[tuple[Fact, ...]]],
               goal: Callable[[Evaluation], str | None], describe: Callable[[tuple[int, ...]], tuple[str, ...]]
               ) -> Search:
        wins: list[frozenset[int]] = []
        for size in range(1, min(self.max_facts, len(pool)) + 1):
            for combo in itertools.combinations(range(len(pool)), size):
                if any(w <= set(combo) for w in wins):
                    continue
                for k, facts in enumerate(variants(combo)):
                    if s.runs >= self.max_runs:
                        s.complete = False
                        return s
                    s.runs += 1
                    outcome = goal(self.run(facts))
                    if outcome is not None:
                        wins.append(frozenset(combo))
                        s.found.append(Change(describe(combo) if s.mode == "remove" else
                                              tuple(f"{t} on {s.dates[k]}" for t in describe(combo)), outcome))
                        break
        return s


def _status_of(ev: Evaluation, pid: str, bearer: str | None, benef: str) -> InstanceRun | None:
    runs = [r for r in ev.outcomes[0].instances if r.provision.id == pid and r.beneficiary == benef
            and (bearer is None or r.bearer == bearer)]
    act = [r for r in runs if r.activated is not None]
    found = act or runs
    return found[0] if found else None


def _describe_run(r: InstanceRun | None, benef: str) -> str:
    if r is None:
        return f"no instance toward {benef}"
    return f"{r.bearer} -> {r.beneficiary} {r.status} since {iso(r.since)}"


def counterfactuals(lib: Library, scenario: Scenario, treaty: str, provision: str,
                    interpretation: str | None = None, max_facts: int = MAX_FACTS,
                    max_runs: int = MAX_RUNS) -> list[Search]:
    """The searches `casus explain` shows under "What would change it"."""
    t = lib.treaties[treaty]
    p = next(x for x in t.provisions if x.id == provision)
    if p.then is None or p.when is None or max_facts < 1:
        return []
    sr = _Searcher(lib, scenario, treaty, interpretation, max_facts, max_runs)
    base = sr.run(scenario.facts)
    sr.base_facts = base.facts
    ctx = base.outcomes[0].run.ctx  # the treaty as the engine saw it (withdrawals applied)
    runs = [r for r in base.outcomes[0].instances if r.provision.id == provision]
    ben_arg = beneficiary_arg(p.then)
    out: list[Search] = []

    groups: dict[tuple[str, str], list[InstanceRun]] = {}
    for r in runs:
        groups.setdefault((r.beneficiary, r.status), []).append(r)
    targets = list(groups.values())[:MAX_TARGETS]
    for group in targets:
        r = group[0]
        who = (r.bearer if len(group) == 1
               else f"{r.bearer} (and {len(group) - 1} other bearer{'s' if len(group) > 2 else ''})")
        label = f"{who} -> {r.beneficiary} {r.status}"
        if r.activated is not None:
            out.append(_remove(sr, p, t, r, label, goal_active=False))
        else:
            out.append(_add(sr, p, t, ctx, r.beneficiary, r.bearer, dict(r.env), label, r.since))
            if r.status == "defeated":
                out.append(_remove(sr, p, t, r, label, goal_active=True))
    if not runs:
        if isinstance(ben_arg, A.Code):
            bens = [ben_arg.code]
        else:
            mentioned = sorted({v for f in base.facts for v in f.roles.values() if v in ctx.members})
            bens = mentioned or sorted(ctx.members)[:3]
        for benef in bens[:MAX_TARGETS]:
            env = {ben_arg.name: benef} if isinstance(ben_arg, A.Var) else {}
            bearer = None
            b = p.then.bearer
            if b.mode == "code":
                bearer = b.value
            elif b.mode in ("each_other", "each"):
                bearer = next(iter(ctx.bearers(b, benef)), None)
                if b.var and bearer:
                    env[b.var] = bearer
            out.append(_add(sr, p, t, ctx, benef, None, env, f"toward {benef} (no instance)", None))
    return out


def _dates(sr: _Searcher, ctx: TreatyContext, p: A.Provision, kinds: set[str], benef: str, bearer: str | None,
           since: int | None) -> list[int]:
    facts = sr.base_facts
    relevant = sorted({f.start for f in facts if _reads(sr.lib, f.kind, kinds)})
    every = sorted({f.start for f in facts})
    cands: list[int] = []
    if since is not None:
        cands.append(since)
    cands += relevant
    if every:
        cands.append(every[-1])
    cands.append(ctx.start)  # the entry into force (for a scenario set before it)
    for party in (benef, bearer):
        for s, _ in ctx.members.get(party, ()) if party else ():
            cands.append(s)

    def ok(d: int) -> bool:
        return d < BIG and ctx.in_force(d) and all(ctx.member(x, d) for x in (benef, bearer) if x)

    dates: list[int] = []
    for d in cands:  # in order of preference: the instance's date, the scenario's, then the treaty's
        if ok(d) and d not in dates:
            dates.append(d)
    dates = dates[:MAX_DATES]
    return dates


def _add(sr: _Searcher, p: A.Provision, t: A.TreatyDecl, ctx: TreatyContext, benef: str, bearer: str | None,
         env: dict[str, str], label: str, since: int | None) -> Search:
    assert p.then is not None
    b = p.then.bearer
    if bearer is not None and b.var and b.var not in env:
        env[b.var] = bearer
    ben_arg = beneficiary_arg(p.then)
    if isinstance(ben_arg, A.Var):
        env.setdefault(ben_arg.name, benef)
    filler = _Filler(sr.lib, t, p, sr.scenario, {benef} | ({bearer} if bearer else set()))
    lits = C.outside_not(p.when) + C.outside_not(p.upon)
    pool: list[tuple[str, dict[str, str]]] = []
    skipped: list[str] = []
    # variables that tests bind (A in `A in scope art6`) are filled before the atoms that use them
    for lit in lits:
        kind = _NOT_A_FACT.get(C.kind(lit).name)
        if kind is not None:
            skipped.append(f"{render.cond(lit, env)} ({kind})")
            continue
        # the second fact of within/after/before first, as the search has always grounded them
        for atom in reversed(A.node_atoms(lit)):
            roles = _ground(sr.lib, atom, env, filler, benef)
            if roles is None:
                skipped.append(f"{atom.render(env)} (no value for a variable)")
                continue
            text = _fact_text(atom.kind, roles)
            if text not in [x for x, _ in pool]:
                pool.append((text, roles))
    kinds: set[str] = set()
    _provision_kinds(p, kinds, sr.lib, t, set())
    dates = _dates(sr, ctx, p, kinds, benef, bearer, since)
    s = Search(label, "add", "active", [x for x, _ in pool], [iso(d) or "" for d in dates], sr.max_facts,
               not_searched=sorted(set(skipped)))
    if not dates:
        s.not_searched.append("no date at which the treaty is in force with the parties as members")
        return s
    kinds_of = {x: r for x, r in pool}
    texts = [x for x, _ in pool]

    def variants(combo: tuple[int, ...]) -> list[tuple[Fact, ...]]:
        out = []
        for d in dates:
            added = tuple(Fact(texts[i].split("(", 1)[0], dict(kinds_of[texts[i]]), d, d, texts[i],
                               "<counterfactual>") for i in combo)
            out.append(tuple(sr.scenario.facts) + added)
        return out

    def goal(ev: Evaluation) -> str | None:
        r = _status_of(ev, p.id, bearer, benef)
        return _describe_run(r, benef) if r is not None and r.activated is not None else None

    return sr.search(s, texts, variants, goal, lambda combo: tuple(texts[i] for i in combo))


def _remove(sr: _Searcher, p: A.Provision, t: A.TreatyDecl, r: InstanceRun, label: str,
            goal_active: bool) -> Search:
    kinds: set[str] = {"withdrawal", "denunciation"}
    _provision_kinds(p, kinds, sr.lib, t, set())
    facts = list(sr.scenario.facts)
    idx = [i for i, f in enumerate(facts) if _reads(sr.lib, f.kind, kinds)]
    texts = [f"{facts[i].text} [{facts[i].source}]" for i in idx]
    s = Search(label, "remove", "active" if goal_active else "another status", texts, [], sr.max_facts)
    before = r.status

    def variants(combo: tuple[int, ...]) -> list[tuple[Fact, ...]]:
        drop = {idx[i] for i in combo}
        return [tuple(f for i, f in enumerate(facts) if i not in drop)]

    def goal(ev: Evaluation) -> str | None:
        after = _status_of(ev, p.id, r.bearer, r.beneficiary)
        if goal_active:
            return _describe_run(after, r.beneficiary) if after is not None and after.activated is not None else None
        if after is None or after.status != before:
            return _describe_run(after, r.beneficiary)
        return None

    return sr.search(s, texts, variants, goal, lambda combo: tuple(texts[i] for i in combo))


__all__ = ["counterfactuals", "Search", "Change", "MAX_FACTS"]
