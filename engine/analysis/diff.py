"""`casus diff`: the minimal scenarios on which two treaties give different obligations.

The search is exhaustive up to a bound, not sampled. It builds a finite universe of facts from
what the two treaties mention (engine/analysis/universe.py: kinds, parties, territories, dates)
and enumerates every set of at most K of them, smallest first.

**Parties.** The members of both treaties, with B's parties renamed by `--map` (a party in
both maps to itself). Members that stand in exactly the same relation to both treaties (same
membership dates, never named by a provision, same territories with respect to every scope
tested) are interchangeable: up to two of each such group are kept, and the others are
represented by them. One party outside both treaties fills the roles a trigger leaves free
(the sanctioning state, say); engine/analysis/sides.py chooses them.

**The search.** The universe is split by *key* — (action, bearer, beneficiary) — because the
instances of one key depend only on the facts that can match the conditions of the provisions
giving that key. Every subset of at most K facts of each key's universe, on at most `max_dates`
distinct dates, is evaluated by the engine under both treaties (with the treaties cut down to
the kept parties, which changes nothing for them). A *difference* is a key whose instances
differ in modality, status or strength between the two treaties; it is recorded with the
provisions involved, so "assistance active under Art. 2 and Art. 4(2)(b)" is a different finding
from "assistance active under Art. 2". Enumeration by increasing size makes the first scenario
recorded for a difference minimal; that is then checked explicitly against every proper subset,
and confirmed by running the scenario through the engine with the treaties as written (all
members). engine/analysis/diff_report.py gives the result as JSON and as a table.

**Party mapping.** Scenarios are written in A's names. Treaty B is evaluated on the same facts
with the parties renamed by the mapping (`BY` -> `KP`), and B's bearers and beneficiaries are
mapped back to A's names to compare. The JSON output gives each scenario in A's names
(`scenario`) and, when the mapping renames a party, in B's names (`scenario_b`); `a` lists what
the engine gives for `scenario` under A, `b` what it gives for `scenario_b` under B.

Not searched: `withdrawal` facts (they only end a membership early), non-state actors in free
roles, and fulfilment of an obligation that only one treaty gives (it adds nothing to the
difference "owed under one, not the other").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from engine.analysis.diff_load import check_options, load_sides, mapped_views, parse_map, usage_error
from engine.analysis.diff_report import (
    SCHEMA,
    Difference,
    DiffResult,
    Entry,
    Sig,
    bound,
    render_table,
    scenario_json,
    summary,
)
from engine.analysis.sides import Side, SideView
from engine.analysis.universe import DFact, Key, Universe
from engine.core.evaluate import InstanceRun, evaluate, strength
from engine.core.statuses import listed
from engine.language.library import Library

DEFAULT_MAX_FACTS = 3

if TYPE_CHECKING:
    from engine.io.load import LibraryArg


# ---------------------------------------------------------------------------- the search


class Search:
    """The bounded search for the minimal differences between A and B."""

    def __init__(self, a: Side, b: Side, mapping: dict[str, str], action: str | None = None,
                 max_facts: int = DEFAULT_MAX_FACTS, max_dates: int | None = None,
                 interpretation: str | None = None):
        self.A, self.B = a, b
        self.mapping = mapping
        self.action = action
        self.K = max_facts
        self.interp_name = check_options(a, b, action, max_facts, interpretation)
        self.scenarios = 0  # engine runs
        self.a, self.b = mapped_views(a, b, mapping)
        self.sides = (self.a, self.b)
        self.universe = Universe(self.sides, self.interp_name, action, max_dates, taken=mapping.values())
        if self.universe.D < 1:
            raise usage_error("--max-dates must be at least 1")
        self._cache: dict[str, dict[frozenset, dict[Key, frozenset]]] = {"a": {}, "b": {}}
        self._is_action = {f.kind: bool((info := self.universe.kind(f.kind)) is not None and info.is_action)
                           for f in self.universe.facts()}
        self._action_keys: dict[tuple[str, str], list[Key]] = {}
        for k in self.universe.keys:
            self._action_keys.setdefault((k[0], k[1]), []).append(k)

    # ------------------------------------------------------------ evaluation
    def outcome(self, s: SideView, facts: frozenset[DFact]) -> dict[Key, frozenset]:
        mine = frozenset(f for f in facts if f.kind in s.kinds)
        cache = self._cache[s.name]
        got = cache.get(mine)
        if got is None:
            self.scenarios += 1
            got = _entries(s, listed(s.reduced, self.universe.scenario(s, sorted(mine)), s.side.tid, self.interp_name),
                           s.reduced)
            cache[mine] = got
        return got

    def sigs(self, facts: frozenset[DFact], out_a: dict[Key, frozenset] | None = None,
             out_b: dict[Key, frozenset] | None = None) -> frozenset[Sig]:
        """The differences a scenario shows: per (action, bearer, beneficiary), the instances under
        A and under B, when they differ in modality, status or strength."""
        oa = self.outcome(self.a, facts) if out_a is None else out_a
        ob = self.outcome(self.b, facts) if out_b is None else out_b
        out = set()
        for k in set(oa) | set(ob):
            if self.action is not None and k[0] != self.action:
                continue
            ea, eb = oa.get(k, frozenset()), ob.get(k, frozenset())
            if _proj(ea) == _proj(eb):
                continue
            if out_a is None and self._fulfilment_only(facts, k, ea, eb):
                continue
            out.add((k, ea, eb))
        return frozenset(out)

    def _actions_can_matter(self, facts: frozenset[DFact]) -> bool:
        """An action fact changes only the instances it is done toward (no provision refers to
        another's state): it can add a difference only where, without it, the two treaties give
        that duty and agree on it. The facts in order: which outcomes are worked out (the engine
        runs the report counts) must not depend on a set's hash order."""
        for f in sorted(facts):
            if not self._is_action[f.kind]:
                continue
            roles = dict(f.roles)
            keys = [k for k in self._action_keys.get((f.kind, roles.get("by", "")), ()) if _fulfils(f, k)]
            rest = facts - {f}
            oa, ob = self.outcome(self.a, rest), self.outcome(self.b, rest)
            if not any((oa.get(k) or ob.get(k)) and _proj(oa.get(k, frozenset())) == _proj(ob.get(k, frozenset()))
                       for k in keys):
                return False
        return True

    def _fulfilment_only(self, facts: frozenset[DFact], key: Key, ea: frozenset, eb: frozenset) -> bool:
        """True when the scenario holds an action done toward a duty of `key` and the two
        treaties already differ on that action without it: the action only fulfils. The facts in
        order, as in `_actions_can_matter`."""
        for f in sorted(facts):
            if not _fulfils(f, key):
                continue
            rest = facts - {f}
            oa, ob = self.outcome(self.a, rest), self.outcome(self.b, rest)
            if _proj(oa.get(key, frozenset())) != _proj(ob.get(key, frozenset())):
                return True
        return False

    # ------------------------------------------------------------ the search itself
    def run(self) -> DiffResult:
        found: dict[Sig, frozenset[DFact]] = {}
        order: list[frozenset[DFact]] = []
        universe = sorted(self.universe.facts())
        empty_sigs = self.sigs(frozenset())
        for sig in sorted(empty_sigs, key=_sig_order):
            found[sig] = frozenset()
        if empty_sigs:
            order.append(frozenset())
        for size in range(1, self.K + 1):
            for facts in self.universe.candidates(size):
                if not self.universe.refs and not self._actions_can_matter(facts):
                    continue
                new = [s for s in self.sigs(facts) if s not in found]
                if new:
                    for s in new:
                        found[s] = facts
                    order.append(facts)
        self.runs = self.scenarios
        return self._report(found, order, len(universe))

    def _report(self, found: dict[Sig, frozenset[DFact]], order: list[frozenset[DFact]], universe: int) -> DiffResult:
        by_scenario: dict[frozenset[DFact], list[Sig]] = {}
        for sig, facts in found.items():
            by_scenario.setdefault(facts, []).append(sig)
        diffs: list[Difference] = []
        self.unconfirmed = 0
        for facts in order:
            d = self._difference(facts, by_scenario.get(facts, []), len(diffs) + 1)
            if d is not None:
                diffs.append(d)
        self._fold_mirrors(diffs)
        return DiffResult(self.A, self.B, self.mapping, self.interp_name, bound(self, universe), diffs,
                          self.scenarios, universe, {})

    def _difference(self, facts: frozenset[DFact], sigs: Iterable[Sig], n: int) -> Difference | None:
        """The difference `facts` shows for `sigs`, after checking that it is minimal and
        confirming it with the treaties as written (all members); None if neither holds."""
        kept = sorted(sigs, key=_sig_order)
        # minimal: no proper subset shows the same difference (checked explicitly)
        for size in range(len(facts)):
            for sub in itertools.combinations(sorted(facts), size):
                shown = self.sigs(frozenset(sub))
                kept = [s for s in kept if s not in shown]
        if not kept:
            return None
        sc_a = self.universe.scenario(self.a, sorted(facts))
        sc_b = self.universe.scenario(self.b, sorted(facts))
        runs_a = evaluate(self.A.lib, sc_a, [self.A.tid], self.interp_name).outcomes[0].instances
        runs_b = evaluate(self.B.lib, sc_b, [self.B.tid], self.interp_name).outcomes[0].instances
        reps = self.universe.parties.rep_set
        full_a = {k: v for k, v in _entries(self.a, runs_a, self.A.lib).items() if {k[1], k[2]} <= reps}
        full_b = {k: v for k, v in _entries(self.b, runs_b, self.B.lib).items() if {k[1], k[2]} <= reps}
        confirmed = self.sigs(facts, full_a, full_b)
        ok = [s for s in kept if s in confirmed]
        self.unconfirmed += len(kept) - len(ok)
        if not ok:
            return None
        return Difference(tuple(sorted(facts)), ok, runs_a, runs_b, scenario_json(self, self.a, facts, n),
                          scenario_json(self, self.b, facts, n) if self._renames(facts) else None,
                          summary(self, ok))

    def _fold_mirrors(self, diffs: list[Difference]) -> None:
        """A difference that is another one with two parties exchanged is marked as its mirror
        (and shown with the mirrored scenario when that one is a minimal witness too)."""
        pairs = list(itertools.combinations(self.universe.parties.reps, 2))
        index = {frozenset(d.sigs): i for i, d in enumerate(diffs)}
        for i, d in enumerate(diffs):
            if d.mirror_of is not None:
                continue
            for x, y in pairs:
                target = frozenset(_swap_sig(s, x, y) for s in d.sigs)
                if target == frozenset(d.sigs):
                    continue
                j = index.get(target)
                if j is None or j <= i or diffs[j].mirror_of is not None or len(diffs[j].facts) != len(d.facts):
                    continue
                other = self.universe.swap_set(d.facts, x, y)
                if other is not None and other != frozenset(diffs[j].facts) and target <= self.sigs(other):
                    better = self._difference(other, target, j + 1)
                    if better is not None and set(better.sigs) == target:
                        diffs[j] = better
                diffs[j].mirror_of = i + 1
                d.mirrors.append(f"{x}↔{y}")

    def _renames(self, facts: Iterable[DFact]) -> bool:
        return any(v in self.mapping for f in facts for _, v in f.roles)


# ---------------------------------------------------------------------------- helpers


def _entries(s: SideView, runs: Sequence[InstanceRun], lib: Library) -> dict[Key, frozenset]:
    out: dict[Key, set[Entry]] = {}
    for r in runs:
        p = r.provision
        assert p.then is not None
        key = (p.then.action.kind, s.canon(r.bearer), s.canon(r.beneficiary))
        out.setdefault(key, set()).add((p.id, p.then.action.kind, p.then.modality, r.status, strength(p, lib)))
    return {k: frozenset(v) for k, v in out.items()}


def _proj(entries: frozenset) -> frozenset:
    return frozenset(e[1:] for e in entries)


def _fulfils(f: DFact, key: Key) -> bool:
    act, bearer, benef = key
    roles = dict(f.roles)
    if f.kind != act or roles.get("by") != bearer:
        return False
    target = roles.get("to") or roles.get("with")
    return target is None or target == benef


def _swap_sig(s: Sig, x: str, y: str) -> Sig:
    (act, b, c), ea, eb = s
    sw = {x: y, y: x}
    return ((act, sw.get(b, b), sw.get(c, c)), ea, eb)


def _sig_order(s: Sig) -> tuple[Any, ...]:
    return (s[0], sorted(s[1]), sorted(s[2]))


# ---------------------------------------------------------------------------- entry point


def diff(a: str, b: str, mapping: Sequence[str] = (), action: str | None = None,
         max_facts: int = DEFAULT_MAX_FACTS, max_dates: int | None = None,
         interpretation: str | None = None, library: LibraryArg = None) -> DiffResult:
    """Compare treaties `a` and `b` (ids or files) and return the minimal differences."""
    side_a, side_b = load_sides(a, b, library)
    search = Search(side_a, side_b, parse_map(mapping), action, max_facts, max_dates, interpretation)
    return search.run()


__all__ = [
    "DEFAULT_MAX_FACTS",
    "SCHEMA",
    "DFact",
    "DiffResult",
    "Difference",
    "Entry",
    "Search",
    "Side",
    "Sig",
    "diff",
    "load_sides",
    "parse_map",
    "render_table",
]
