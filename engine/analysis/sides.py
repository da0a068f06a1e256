"""The treaties a bounded search plays scenarios through, and who and where the scenarios are about.

`casus diff` compares two treaties, `casus lint` searches one; both see each treaty through a
`SideView`: its members (in canonical names, which are A's names under a `--map`), and the
library cut down to the parties kept. `Parties` chooses those parties: the members of every
treaty, one party outside them all, and among members of exactly the same standing only two
(the others are represented by them); `Territories` gives one territory per class of the scope
and region tests.

What a treaty sees of time and parties (in force, dated memberships, suspensions, bearer
expansion) is the kernel's treaty context (engine/kernel/context.py), built once per treaty with
`static_context`; a `SideView` translates canonical names around its answers."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.kernel import conditions as C
from engine.kernel.context import TreatyContext, static_context
from engine.kernel.facts import BIG
from engine.language import ast as A
from engine.language.codes import country_of, is_country
from engine.language.library import Library, Region, beneficiary_arg

REPS_PER_CLASS = 2
SMALL = 10  # up to this many parties in all, two of each class are kept
OUTSIDERS = ("US", "CN", "GB", "FR", "DE", "IN", "BR", "ZA", "JP", "AU", "CH", "SE", "NZ", "IE", "UA")

Members = dict[str, list[tuple[int, int]]]  # party -> membership periods (start, end), inclusive


@dataclass
class Side:
    """One treaty to search: its id, the library it is checked in, and where it came from."""

    arg: str
    tid: str
    lib: Library
    source: str | None  # the file it was read from, when given as a file

    @property
    def treaty(self) -> A.TreatyDecl:
        return self.lib.treaties[self.tid]


@dataclass
class SideView:
    """A treaty as the search sees it: canonical party names (A's names) to and from its own,
    its members in canonical names, and (once the parties are chosen) its library with the
    treaty cut down to the kept parties."""

    side: Side
    name: str  # "a" or "b"
    to_side: dict[str, str]  # canonical party -> this side's name
    to_canon: dict[str, str]
    ctx: TreatyContext  # the kernel's context of the treaty, in its own names
    reduced: Library = field(default_factory=Library)
    kinds: frozenset[str] = frozenset()  # kinds a fact may have and still matter to this side
    mentioned: frozenset[str] = frozenset()  # kinds its conditions name directly

    @property
    def treaty(self) -> A.TreatyDecl:
        return self.side.treaty

    def party(self, p: str) -> str:
        return self.to_side.get(p, p)

    def canon(self, p: str) -> str:
        return self.to_canon.get(p, p)

    def territory(self, t: str) -> str:
        return self.to_side.get(t, t) if is_country(t) else t

    def canon_territory(self, t: str) -> str:
        return self.to_canon.get(t, t) if is_country(t) else t

    @functools.cached_property
    def members(self) -> Members:
        """Each party's membership spans (the context's), in canonical names."""
        return {self.canon(p): spans for p, spans in self.ctx.members.items()}

    @property
    def kept(self) -> TreatyContext:
        """The context of the treaty cut down to the kept parties (once they are chosen)."""
        return static_context(self.reduced.treaties[self.side.tid])

    def in_force(self, d: int) -> bool:
        """The treaty is in force on day d (a treaty never in force is in force on no day)."""
        return self.ctx.start < BIG and self.ctx.in_force(d)

    def both_members(self, bearer: str, benef: str, d: int) -> bool:
        """The treaty is in force on day d with both parties (canonical names) members; a
        suspension between them does not count here: its dates are tried as stretches."""
        return self.in_force(d) and self.ctx.member(self.party(bearer), d) and self.ctx.member(self.party(benef), d)


def view(side: Side) -> SideView:
    """A treaty seen alone (no renaming), as `casus lint` searches it."""
    return SideView(side, "a", {}, {}, static_context(side.treaty))


# ---------------------------------------------------------------------------- the treaty context
# (in force, memberships, bearer expansion: the kernel's TreatyContext, read in canonical names)


def instance_pairs(s: SideView, p: A.Provision) -> list[tuple[str, str, dict[str, str]]]:
    """(bearer, beneficiary, binding) of the instances of p among the kept members (the side's
    names): the beneficiaries and the bearer expansion are the kernel's, read in the treaty cut
    down to the kept parties."""
    assert p.then is not None
    ctx = s.kept
    ben = beneficiary_arg(p.then)
    b = p.then.bearer
    out = []
    for x in ctx.beneficiaries(ben):
        for y in ctx.bearers(b, x):
            env: dict[str, str] = {}
            if isinstance(ben, A.Var):
                env[ben.name] = x
            if b.var:
                if env.get(b.var, y) != y:
                    continue
                env[b.var] = y
            out.append((y, x, env))
    return out


def instants(sides: Sequence[SideView], bearer: str, benef: str) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """Representative dates for an instance (bearer, benef), in canonical names: one per stretch
    between the dates that matter (in force, end, joining, leaving, suspensions), while at least
    one treaty binds the two; each with the first date of the next stretch, the first date on
    which every treaty binds first. Also why each date matters."""
    crit: dict[int, list[str]] = {}

    def note(d: int | None, why: str) -> None:
        if d is not None and d < BIG and why not in crit.get(d, []):
            crit.setdefault(d, []).append(why)

    for s in sides:
        ctx, tid = s.ctx, s.treaty.id
        note(ctx.start, f"{tid} in force")
        note(ctx.end + 1, f"{tid} ended")
        for p in (bearer, benef):
            for st, en in ctx.members.get(s.party(p), ()):
                if st > ctx.start:
                    note(st, f"{s.party(p)} joins {tid}")
                if en < ctx.end:
                    note(en + 1, f"{s.party(p)} leaves {tid}")
        for sb, sx, st, en in ctx.suspensions:
            if {s.canon(sb), s.canon(sx)} <= {bearer, benef}:
                note(st, f"{sb} suspended toward {sx} in {tid}")
                note(en + 1, f"suspension of {sb} toward {sx} ends")
    points = sorted(crit)
    out: list[tuple[int, int, int]] = []
    notes: dict[int, str] = {}
    for i, c in enumerate(points):
        nxt = points[i + 1] if i + 1 < len(points) else BIG
        binding = [s for s in sides if s.both_members(bearer, benef, c)]
        if not binding:
            continue
        both = len(binding) == len(sides)
        out.append((0 if both else 1, c, nxt))
        notes[c] = "; ".join(crit[c]) + ("; both bind" if both else f"; only {binding[0].side.tid} binds")
    first_both = min((d for both, d, _ in out if both == 0), default=None)
    out.sort(key=lambda bd: (bd[1] != first_both, bd[1]))
    return [(d, nxt) for _, d, nxt in out], notes


# ---------------------------------------------------------------------------- territories


class Territories:
    """The scope and region tests of the treaties, and the territories worth trying: one per
    class of them (in or out of each test)."""

    def __init__(self, sides: Sequence[SideView], parties: Sequence[str], outsider: str):
        self.outsider = outsider
        self.tests: list[tuple[SideView, A.InArea]] = []
        seen_tests = set()
        for s in sides:
            for p in s.treaty.provisions:
                for c in A.clauses(p):
                    for node in C.nodes(c, A.InArea):
                        if (s.name, node.what, node.name) not in seen_tests:
                            seen_tests.add((s.name, node.what, node.name))
                            self.tests.append((s, node))
        cands: set[str] = set()
        for s, test in self.tests:
            region = self.region(s, test)
            if region is None:
                continue
            for code, excepts in region.entries:
                cands.add(s.canon_territory(code))
                cands.update(excepts)
        cands.update(parties)
        cands.add(outsider)
        self.all = sorted(cands)
        self.vectors = {t: self.vector(t) for t in self.all}
        self.by_vector: dict[tuple[bool, ...], list[str]] = {}
        for terr in self.all:
            self.by_vector.setdefault(self.vectors[terr], []).append(terr)

    @staticmethod
    def region(s: SideView, t: A.InArea) -> Region | None:
        if t.what == "scope":
            return s.side.lib.scopes.get((s.side.tid, t.name))
        return s.side.lib.regions.get(t.name)

    def vector(self, territory: str) -> tuple[bool, ...]:
        """In or out of each test."""
        out = []
        for s, t in self.tests:
            region = self.region(s, t)
            out.append(bool(region is not None and region.contains(s.territory(territory))))
        return tuple(out)

    def choices(self, on: str | None) -> list[str]:
        """One territory per scope class: the party's own where it has one, else the outsider's,
        else another."""
        out = []
        for vec in sorted(self.by_vector):
            pool = self.by_vector[vec]
            own = sorted((t for t in pool if on is not None and country_of(t) == on), key=lambda t: (t != on, t))
            outs = sorted((t for t in pool if country_of(t) == self.outsider), key=lambda t: (t != self.outsider, t))
            out.append((own or outs or pool)[0])
        return out


# ---------------------------------------------------------------------------- parties


class Parties:
    """The parties a search tries: the members of the treaties (canonical names), two of each
    class of the same standing (`reps`, each standing for the rest of its class), and one party
    outside them all. Cuts each side's library down to the kept parties (`SideView.reduced`)."""

    def __init__(self, sides: Sequence[SideView], taken: Iterable[str] = ()):
        self.sides = tuple(sides)
        canon = sorted(set().union(*(s.members for s in self.sides)))
        named: set[str] = set()
        for s in self.sides:
            for code in named_codes(s.treaty):
                named.add(s.canon(code))
            for bearer, beneficiary, _, _ in s.ctx.suspensions:
                named.add(s.canon(bearer))
                named.add(s.canon(beneficiary))
        taken = set(canon) | set(taken) | named
        self.outsider = next((c for c in OUTSIDERS if c not in taken),
                             next(c for c in sorted(_all_countries()) if c not in taken))
        self.territories = Territories(self.sides, canon, self.outsider)
        # parties of the same standing: the same sequence of membership states (member of A,
        # of B, of both, of neither while a treaty is in force), never named by a provision, and
        # territories in the same scope classes
        vectors, terrs = self.territories.vectors, self.territories.all
        classes: dict[tuple[Any, ...], list[str]] = {}
        exact: dict[str, tuple[Any, ...]] = {}
        for party in canon:
            own = frozenset(vectors[x] for x in terrs if country_of(x) == party)
            exact[party] = tuple(tuple(s.members.get(party, ())) for s in self.sides) + (own,)
            sig: tuple[Any, ...] = ("named", party) if party in named else (self._profile(party), own)
            classes.setdefault(sig, []).append(party)
        self.reps: list[str] = []
        self.stands_for: dict[str, list[str]] = {}
        self.twins: list[tuple[str, str]] = []  # two kept members, exactly interchangeable
        groups = sorted(classes.values(), key=lambda m: m[0])
        largest = max(groups, key=len) if groups else []
        for members in groups:
            # two of a class, so that a bearer of the same standing as the beneficiary is seen;
            # among many parties, only for the largest class
            n = REPS_PER_CLASS if (len(canon) <= SMALL or members is largest) else 1
            kept = members[:n]
            self.reps.extend(kept)
            self.stands_for[kept[0]] = members[len(kept):]
            if len(kept) == 2 and exact[kept[0]] == exact[kept[1]]:
                self.twins.append((kept[0], kept[1]))
        self.reps.sort()
        self.rep_set = frozenset(self.reps)
        self.all = self.reps + [self.outsider]
        for s in self.sides:
            keep = {s.party(p) for p in self.reps}
            t = s.treaty
            reduced = dataclasses.replace(
                t, members=tuple(m for m in t.members if m.party.code in keep),
                suspensions=tuple(x for x in t.suspensions if x.bearer.code in keep and x.beneficiary.code in keep))
            s.reduced = dataclasses.replace(s.side.lib, treaties={**s.side.lib.treaties, s.side.tid: reduced})

    def _profile(self, p: str) -> tuple[tuple[bool, ...], ...]:
        """The sequence of (binds under each treaty) states of party p over time, from the
        first date either treaty is in force, repeated states merged."""
        dates: set[int] = set()
        for s in self.sides:
            ctx = s.ctx
            dates |= {d for d in (ctx.start, ctx.end + 1) if d < BIG}
            for st, en in s.members.get(p, ()):
                dates.add(st)
                if en < BIG:
                    dates.add(en + 1)
        out: list[tuple[bool, ...]] = []
        for d in sorted(dates):
            state = tuple(s.both_members(p, p, d) for s in self.sides)
            if (not out and not any(state)) or (out and out[-1] == state):
                continue
            out.append(state)
        return tuple(out)


def named_codes(t: A.TreatyDecl) -> set[str]:
    """The party codes a treaty's provisions name."""
    out: set[str] = set()
    for p in t.provisions:
        for c in A.clauses(p):
            for atom in A.atoms(c):
                out |= {a.value.code for a in atom.args if isinstance(a.value, A.Code) and is_country(a.value.code)}
            for node, _ in A.state_refs(c):
                out |= {v.code for v in (node.beneficiary, node.bearer) if isinstance(v, A.Code)}
        if p.then is not None:
            if p.then.bearer.mode == "code" and p.then.bearer.value:
                out.add(p.then.bearer.value)
            out |= {a.value.code for a in p.then.action.args
                    if isinstance(a.value, A.Code) and is_country(a.value.code)}
            if isinstance(p.then.beneficiary, A.Code):
                out.add(p.then.beneficiary.code)
    return out


def _all_countries() -> frozenset[str]:
    from engine.language.codes import countries

    return countries()


__all__ = [
    "Parties",
    "Side",
    "SideView",
    "Territories",
    "instance_pairs",
    "instants",
    "named_codes",
    "view",
]
