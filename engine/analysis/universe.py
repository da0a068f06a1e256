"""The facts worth trying: a finite universe of facts built from what one or two treaties mention,
and the scenarios of up to K of them that `casus diff` and `casus lint` play through the engine.

* **kinds**: every atom of `when`, `upon`, `unless`, `until` (and the provisions they refer to
  with `art3 fulfilled for X`), each kind with its is-a descendants (an `armed_attack` also
  satisfies `aggression(on: X)`), the bodies of the interpretation's `define`s, and the action
  of each obligation (done by the bearer, for the beneficiary): engine/analysis/shapes.py;
* **parties** and **territories**: chosen by `Parties` (engine/analysis/sides.py): the kept
  members, one outsider in the roles a trigger leaves free, one territory per scope class (the
  party attacked's own where it has one, so the fact reads `armed_attack(at: US-HI)`);
* **dates**: one per stretch of time between the in-force, end, membership and suspension
  dates that matter for the pair of parties involved, while at least one treaty is in force
  for them (the first such date where all are in force comes first), plus day offsets where
  the treaties make order count (`unless`, `within N days`, deadlines).

The universe is split by *key* — (action, bearer, beneficiary) — because the instances of one
key depend only on the facts that can match the conditions of the provisions giving that key.
`candidates(size)` gives every set of `size` facts of one key's universe, on one base date and
at most `max_dates` distinct days, preferred witnesses first; sets that are another with two
exactly interchangeable parties exchanged are left out (`canonical`)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.analysis.shapes import Shapes
from engine.analysis.sides import Parties, SideView, instance_pairs, instants
from engine.kernel import conditions as C
from engine.kernel.facts import BIG, Fact, Scenario, sovereign
from engine.kernel.lifecycle import deadline_days
from engine.language import ast as A
from engine.language.build import iso
from engine.language.codes import country_of
from engine.language.library import KindInfo, Library

Key = tuple[str, str, str]  # (action, bearer, beneficiary), in canonical names


@dataclass(frozen=True, order=True)
class DFact:
    """A fact of the search universe, in canonical names. `end` == `start` for a one-day fact."""

    start: int
    kind: str
    roles: tuple[tuple[str, str], ...]
    end: int

    def render(self, roles: dict[str, str] | None = None) -> str:
        r = dict(self.roles) if roles is None else roles
        return f"{self.kind}({', '.join(f'{k}: {v}' for k, v in r.items())})"


def dates_text(f: DFact) -> str:
    if f.end == f.start:
        return iso(f.start) or ""
    return f"{iso(f.start)}.." + ("" if f.end >= BIG else (iso(f.end) or ""))


class Universe:
    """The facts worth trying for `sides` (one treaty, or two to compare) under one
    interpretation; only toward duties of `action` when given."""

    def __init__(self, sides: Sequence[SideView], interpretation: str, action: str | None = None,
                 max_dates: int | None = None, taken: Iterable[str] = ()):
        self.sides = tuple(sides)
        self.interp_name = interpretation
        self.action = action
        self.parties = Parties(self.sides, taken)
        self.shapes = Shapes(self.parties, interpretation)
        self.offsets, self.action_offsets = self._offsets()
        self.refs = any(A.state_refs(c) for s in self.sides for p in s.treaty.provisions for c in A.clauses(p))
        self._build_keys()
        # one date per scenario, or two where the treaties make the order of events count
        self.D = max_dates if max_dates is not None else (2 if self.action_offsets else 1)
        self.within_bound = 1  # scenarios within the bound, the empty one included
        self._rank: dict[DFact, int] | None = None

    def kind(self, kind: str) -> KindInfo | None:
        for s in self.sides:
            info = s.side.lib.kinds.get(kind)
            if info is not None:
                return info
        return None

    def _offsets(self) -> tuple[list[int], list[int]]:
        """Days after a scenario's date on which facts may also be placed: (for every fact, for
        action facts only). Order counts for `unless` (checked when the trigger comes), `after`,
        `before` and `within N days after`, and references to another provision's state; a
        deadline (`within N days`, or a timing word the interpretation maps to days) counts only
        for the action that fulfils it."""
        order: set[int] = set()
        deadline: set[int] = set()
        for s in self.sides:
            interp = s.side.lib.interpretations.get(self.interp_name)
            timing = dict(interp.timing) if interp is not None else {}
            for p in s.treaty.provisions:
                if p.unless is not None:
                    order.add(1)
                for c in A.clauses(p):
                    order |= C.offsets(c)
                if p.then is not None and p.then.modality == "obligation":
                    days = deadline_days(p.then.qualifiers, timing)
                    if days is not None:
                        deadline.update({days, days + 1})
        order_list = sorted(d for d in order if d > 0)
        return order_list, sorted(d for d in (order | deadline) if d > 0)

    # ------------------------------------------------------------ keys and their universes
    def _build_keys(self) -> None:
        self.keys: dict[Key, dict[int, set[DFact]]] = {}  # key -> base date -> facts
        self.date_notes: dict[int, str] = {}
        binds: dict[int, set[str]] = {}  # per date, "both bind" / "only T binds" over every pair
        self.trigger_kinds: set[str] = set()
        self.always = False  # a provision whose trigger needs no fact at all
        self.ongoing_kinds: set[str] = set()
        for s in self.sides:
            kinds: set[str] = {"withdrawal", "denunciation"}
            mentioned: set[str] = set()
            for p in s.treaty.provisions:
                for c in A.clauses(p):
                    for atom in A.atoms(c):
                        mentioned.add(atom.kind)
                        kinds |= s.side.lib.descendants(atom.kind)
                        kinds |= self.shapes.defined_bodies(s, atom.kind)
                    for k in sorted(C.interval_kinds(c)):  # `ongoing`, `during`, `overlapping`
                        self.ongoing_kinds |= s.side.lib.descendants(k)
                if p.then is not None:
                    kinds |= s.side.lib.descendants(p.then.action.kind)
                if p.when is not None:
                    pos = C.positive_atoms(p.when)
                    if not pos:
                        self.always = True
                    for atom in pos:
                        self.trigger_kinds |= s.side.lib.descendants(atom.kind)
                        self.trigger_kinds |= self.shapes.defined_bodies(s, atom.kind)
            s.kinds = frozenset(kinds)
            s.mentioned = frozenset(mentioned)
        for s in self.sides:
            for p in s.treaty.provisions:
                if p.then is None or p.when is None:
                    continue
                if self.action is not None and p.then.action.kind != self.action:
                    continue
                for bearer, benef, env in instance_pairs(s, p):
                    key = (p.then.action.kind, s.canon(bearer), s.canon(benef))
                    shapes = self.shapes.of_instance(s, p, env, bearer, benef)
                    bases, notes = instants(self.sides, s.canon(bearer), s.canon(benef))
                    for d, why in notes.items():
                        self.date_notes.setdefault(d, why)
                        binds.setdefault(d, set()).add(why.rpartition("; ")[2])
                    per_base = self.keys.setdefault(key, {})
                    for kind, roles in shapes:
                        if _self_related(s.side.lib, kind, roles):
                            continue
                        ends = [None, BIG] if kind in self.ongoing_kinds else [None]
                        info = s.side.lib.kinds[kind]
                        offsets = [0] + (self.action_offsets if info.is_action else self.offsets)
                        for base, limit in bases:
                            u = per_base.setdefault(base, set())
                            for off in offsets:
                                d = base + off
                                if d >= limit:
                                    continue
                                if off:
                                    note = f"{off} day{'s' if off > 1 else ''} after {iso(base)}"
                                    self.date_notes.setdefault(d, note)
                                for e in ends:
                                    u.add(DFact(d, kind, roles, d if e is None else e))
        # a date's note was the first pair's: "only T binds" for a party not yet a member of the
        # other treaty, when both bind most pairs then (issue 16 item 4); say it for every pair
        for d, seen in binds.items():
            reason, _, first = self.date_notes[d].rpartition("; ")
            if first not in seen or len(seen) == 1:
                continue
            others = sorted(x for x in seen if x != "both bind")
            label = (f"both bind (for some pairs; {', '.join(others)} for others)" if "both bind" in seen
                     else "; ".join(sorted(seen)))
            self.date_notes[d] = f"{reason}; {label}"

    def facts(self) -> set[DFact]:
        """The whole universe."""
        return {f for per in self.keys.values() for u in per.values() for f in u}

    # ------------------------------------------------------------ scenarios
    def side_roles(self, s: SideView, f: DFact) -> dict[str, str]:
        """The fact's roles in the side's names (`on` left out where the territory gives it)."""
        info = s.side.lib.kinds[f.kind]
        roles = {}
        for r, v in f.roles:
            t = info.roles[r].type if r in info.roles else ""
            roles[r] = s.party(v) if t == "party" else s.territory(v) if t in ("territory", "place") else v
        if "at" in roles and "on" in roles:
            interp = s.side.lib.interpretations.get(self.interp_name)
            if sovereign(interp, roles["at"], f.start) == roles["on"]:
                del roles["on"]
        return roles

    def scenario(self, s: SideView, facts: Sequence[DFact], name: str = "diff") -> Scenario:
        """The facts as a scenario for the engine, in the side's names."""
        out = []
        for i, f in enumerate(sorted(facts)):
            roles = self.side_roles(s, f)
            text = f.render(roles)
            out.append(Fact(f.kind, roles, f.start, f.end, text, f"<diff>:{i + 1}"))
        return Scenario(name, "<diff>", self.interp_name, tuple(out))

    def candidates(self, size: int) -> list[frozenset[DFact]]:
        """Every scenario of `size` facts within the bound (from one key's universe, on one base
        date, at most D days), preferred witnesses first; counted in `within_bound`. Left out: those
        with no fact a trigger can match, and mirror images of exactly interchangeable parties."""
        if self._rank is None:
            self._rank = {f: i for i, f in enumerate(sorted(self.facts(), key=self._fact_order))}
        rank = self._rank
        cands: set[frozenset[DFact]] = set()
        for key in sorted(self.keys):
            for base in sorted(self.keys[key]):  # one base date per scenario
                u = sorted(self.keys[key][base], key=rank.__getitem__)
                for combo in itertools.combinations(u, size):
                    if len({f.start for f in combo}) > self.D:
                        continue
                    cands.add(frozenset(combo))
        self.within_bound += len(cands)
        out = []
        for facts in sorted(cands, key=lambda fs: (len({f.start for f in fs}), sorted(rank[f] for f in fs))):
            if not self.always and not any(f.kind in self.trigger_kinds for f in facts):
                continue
            if not self.canonical(facts):
                continue
            out.append(facts)
        return out

    def _fact_order(self, f: DFact) -> tuple[Any, ...]:
        """Which of several equally small witnesses is shown: facts on the first date all treaties
        bind, kinds all treaties speak of (so the contrast shows), general kinds before specific
        ones, the outsider before members in free roles."""
        info = self.kind(f.kind)
        depth = len(info.ancestors) if info else 0
        action = bool(info and info.is_action)
        spoken = -sum(f.kind in s.mentioned for s in self.sides)
        roles = tuple((r, v != self.parties.outsider, v) for r, v in f.roles)
        return (self.date_rank(f.start), f.end != f.start, action, spoken, depth, f.kind, roles)

    def date_rank(self, d: int) -> tuple[int, int]:
        # the first date where all treaties bind comes first (see sides.instants)
        both = [x for x in self.date_notes if all(s.in_force(x) for s in self.sides)]
        first = min(both) if both else None
        return (0 if d == first else 1, d)

    # ------------------------------------------------------------ symmetry
    def swap(self, f: DFact, x: str, y: str) -> DFact | None:
        """The fact with parties x and y exchanged (and their territories, class for class)."""
        territories = self.parties.territories
        roles = []
        for r, v in f.roles:
            if v == x:
                v2 = y
            elif v == y:
                v2 = x
            elif "-" in v and country_of(v) in (x, y):
                other = y if country_of(v) == x else x
                vec = territories.vectors.get(v)
                match = [t for t in territories.choices(other) if territories.vectors.get(t) == vec
                         and country_of(t) == other]
                if not match:
                    return None
                v2 = match[0]
            else:
                v2 = v
            roles.append((r, v2))
        return DFact(f.start, f.kind, tuple(roles), f.end)

    def swap_set(self, facts: Iterable[DFact], x: str, y: str) -> frozenset[DFact] | None:
        out = []
        for f in facts:
            g = self.swap(f, x, y)
            if g is None:
                return None
            out.append(g)
        return frozenset(out)

    def canonical(self, facts: frozenset[DFact]) -> bool:
        """False when exchanging two interchangeable parties gives a scenario that comes first."""
        mentioned = {v for f in facts for _, v in f.roles}
        mentioned |= {country_of(v) for v in mentioned}
        twins = [(x, y) for x, y in self.parties.twins if x in mentioned or y in mentioned]
        if not twins:
            return True
        mine = tuple(sorted(facts))
        for n in range(1, len(twins) + 1):
            for combo in itertools.combinations(twins, n):
                cur: frozenset[DFact] | None = facts
                for x, y in combo:
                    cur = self.swap_set(cur, x, y) if cur is not None else None
                if cur is not None and tuple(sorted(cur)) < mine:
                    return False
        return True


# ---------------------------------------------------------------------------- helpers


def _self_related(lib: Library, kind: str, roles: tuple[tuple[str, str], ...]) -> bool:
    """A fact naming one party in two roles (a state agreeing with itself, sanctioning itself)."""
    info = lib.kinds.get(kind)
    if info is None:
        return False
    parties = [v for r, v in roles if r in info.roles and info.roles[r].type == "party"]
    return len(parties) != len(set(parties))


__all__ = ["DFact", "Key", "Universe", "dates_text"]
