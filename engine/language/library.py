"""Loading and checking: files -> a checked `Library` (vocabulary, regions, interpretations,
treaties) and checked scenarios. Every name is resolved here, with "did you mean" on failure."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from engine.base.errors import CasusError, Diagnostics, did_you_mean, suggest
from engine.base.paths import library_dir
from engine.base.record import record
from engine.base.source import Source, Span
from engine.language import ast as A
from engine.language.build import build
from engine.language.codes import country_of, is_country, is_territory, suggest_country, suggest_territory
from engine.language.statuses import ACTIVATED, DORMANT
from engine.language.syntax import parse, read_source

# the hint under an `expect` line naming `activated`: every status an expect line may name (the
# listed statuses, engine/language/statuses.py; tests/language/test_statuses.py holds it to them)
EXPECT_HINT = "expect active, fulfilled, violated, discharged, pending, defeated, suspended or lapsed"
TIMING_WORDS = ("immediately", "promptly", "forthwith")
BENEFICIARY_ROLES = ("to", "with")
# SPEC "Places, targets and time between facts" (firm): what an attack is against. `territory` is
# the default (engine/kernel/facts.py `prepare` fills it in); `vessels` are public vessels
# (warships, coast guard), `civilian_vessels` and `civilian_aircraft` the others.
TARGETS = ("territory", "forces", "vessels", "aircraft", "civilian_vessels", "civilian_aircraft")
DEFAULT_TARGET = "territory"


@record
class KindInfo:
    name: str
    is_action: bool
    roles: dict[str, A.RoleDecl]
    parents: tuple[str, ...]
    ancestors: tuple[str, ...]  # itself first, then every ancestor once, each before its parents
    doc: str | None
    span: Span


@record
class AreaInfo:
    """A declared area (a sea, an ocean and its airspace): the areas it lies within (`inside`:
    itself and every area it lies within, transitively) and its side of the Tropic of Cancer."""

    name: str
    title: str | None
    within: tuple[str, ...]
    inside: frozenset[str]
    tropic: str | None  # north | south | None (straddles it, or not said)
    span: Span


@dataclass(frozen=True)
class Region:
    """A resolved region or scope: entries (code, exceptions), nested regions flattened, and the
    declared areas it covers (each area listed with every area declared within it)."""

    name: str
    title: str | None
    entries: tuple[tuple[str, frozenset[str]], ...]
    areas: frozenset[str] = frozenset()

    def contains(self, territory: str) -> bool:
        """Whether a place (a territory code or a declared area's name) lies in the region: an
        area it covers, a code it lists, or a territory of a country it lists (less that entry's
        exceptions). An area that merely overlaps the region (the North Atlantic for a scope that
        lists only its part north of the Tropic) is not known to lie in it: no."""
        if territory in self.areas:
            return True
        index = self._by_code
        if territory in index:
            return True
        excepted = index.get(country_of(territory))
        return excepted is not None and any(territory not in e for e in excepted)

    @cached_property
    def _by_code(self) -> dict[str, tuple[frozenset[str], ...]]:
        """Each listed code with the exceptions of its entries (a code may be listed twice): a
        scope test is asked for every candidate fact at every instant, and NATO's lists 30 codes."""
        out: dict[str, tuple[frozenset[str], ...]] = {}
        for code, excepts in self.entries:
            out[code] = (*out.get(code, ()), excepts)
        return out


@dataclass
class Library:
    """The checked library. Treat as read-only once built."""

    kinds: dict[str, KindInfo] = field(default_factory=dict)
    actors: dict[str, A.ActorDecl] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    areas: dict[str, AreaInfo] = field(default_factory=dict)
    # who administers a territory from a date, of record (`administration` blocks), by start
    administration: tuple[A.Reassign, ...] = ()
    interpretations: dict[str, A.InterpretationDecl] = field(default_factory=dict)
    treaties: dict[str, A.TreatyDecl] = field(default_factory=dict)
    scopes: dict[tuple[str, str], Region] = field(default_factory=dict)
    properties: dict[str, A.PropertyDecl] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def descendants(self, kind: str) -> frozenset[str]:
        return frozenset(k for k, info in self.kinds.items() if kind in info.ancestors)

    def treaty_order(self) -> list[str]:
        return sorted(self.treaties)


# ---------------------------------------------------------------------------- reading files


def iter_casus_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Files named directly, and every `.casus` file below named directories, sorted."""
    for p in paths:
        path = Path(p)
        if os.path.isdir(path):  # not Path.is_dir, which raises on a name too long (fuzzed: tests/test_fuzz_inputs.py)
            for f in sorted(path.rglob("*.casus")):
                yield str(f)
        else:
            yield str(p)


def parse_files(paths: Iterable[str], diags: Diagnostics) -> list[A.Document]:
    docs = []
    for path in paths:
        try:
            src = read_source(path)
        except CasusError as e:
            diags.items.extend(e.diagnostics)
            continue
        doc = parse_source(src, diags)
        if doc is not None:
            docs.append(doc)
    return docs


def parse_text(path: str, text: str, diags: Diagnostics) -> A.Document | None:
    return parse_source(Source(path, text), diags)


def parse_source(src: Source, diags: Diagnostics, try_quick: bool = True) -> A.Document | None:
    """One file's text -> its document; None (and the problems in `diags`) if it does not parse.
    `try_quick`: first the reader of files of scenarios only (engine/language/quick.py; pass
    False when it has declined this text already)."""
    diags.add_source(src.path, src.text)
    if try_quick:
        from engine.language import quick  # here: a run whose files come from the cache reads none

        doc = quick.read(src, diags)  # a file of scenarios only, without Lark
        if doc is not None:
            return doc
    try:
        return build(src, parse(src), diags)
    except CasusError as e:
        diags.items.extend(e.diagnostics)
        return None


# ---------------------------------------------------------------------------- the checker

# the condition nodes that bind nothing (they test what is already bound): the checker is below
# the kernel, so it names them here; tests/kernel/test_conditions.py holds them to the `test`
# column of the kernel's KINDS table
TESTS = (A.Not, A.InArea, A.InParties, A.IsWho, A.PlaceOf)



class _ScenarioChecks:
    """The checks that read a whole treaty or the whole library once it is collected (the
    stratification of state references, properties, scenarios and their `expect` lines): mixed
    into `Checker`, whose declarations and helpers they use."""

    if TYPE_CHECKING:  # Checker's, which these checks use
        d: Diagnostics
        lib: Library

        def atom(self, atom: A.Atom, *, in_fact: bool = False,
                 treaty: A.TreatyDecl | None = None) -> KindInfo | None: ...
        def country_code(self, code: str, span: Span) -> bool: ...
        def cond(self, t: A.TreatyDecl, c: A.Cond, outer: set[str], ids: set[str]) -> set[str]: ...

    def stratify(self, t: A.TreatyDecl) -> None:
        """Provisions that refer to each other's states must not form a cycle."""
        edges: dict[str, list[tuple[str, bool]]] = {}
        for p in t.provisions:
            refs: list[tuple[str, bool]] = []
            for clause, negative in ((p.when, False), (p.upon, False), (p.unless, True), (p.until, True)):
                if clause is not None:
                    refs.extend((r.provision, neg) for r, neg in A.state_refs(clause, negative))
            edges[p.id] = sorted(set(refs))
        state: dict[str, int] = {}
        stack: list[tuple[str, bool]] = []
        reported: set[frozenset[str]] = set()
        spans = {p.id: p.span for p in t.provisions}

        def visit(n: str) -> None:
            state[n] = 1
            for m, neg in edges.get(n, []):
                if m not in edges:
                    continue
                stack.append((m, neg))
                if state.get(m) == 1:
                    names = [x for x, _ in stack]
                    start = names.index(m)  # the first time m is on the path
                    cyc = names[start:]  # m ... n, m
                    negs = any(neg2 for _, neg2 in stack[start + 1:])
                    key = frozenset(cyc)
                    if key not in reported:
                        reported.add(key)
                        self.d.error(spans[n], "E-CYCLE",
                                     f"provisions of '{t.id}' depend on each other in a cycle"
                                     f"{' through not/unless/until' if negs else ''}: {' -> '.join(cyc)}",
                                     "a provision may refer only to provisions that do not refer back to it")
                elif m not in state:
                    visit(m)
                stack.pop()
            state[n] = 2

        for pid in sorted(edges):
            if pid not in state:
                stack.append((pid, False))
                visit(pid)
                stack.pop()

    # ------------------------------------------------------------ properties
    def properties(self) -> None:
        for _name, prop in sorted(self.lib.properties.items()):
            for rule in prop.rules:
                refs = [(rule.treaty, rule.provision, rule.state)]
                if rule.later is not None:
                    refs.append(rule.later)
                for tid, pid, state in refs:
                    t = self.lib.treaties.get(tid)
                    if t is None:
                        self.d.unknown(rule.span, "treaty", tid, self.lib.treaties)
                        continue
                    ids = [p.id for p in t.provisions]
                    if pid not in ids:
                        self.d.unknown(rule.span, "provision", pid, ids, owner=tid)
                    if state == DORMANT:  # pragma: no cover - the grammar has no such word
                        self.d.error(rule.span, "E-PROPERTY", "dormant instances are not listed")
                if rule.cond is not None and rule.treaty in self.lib.treaties:
                    t = self.lib.treaties[rule.treaty]
                    # variables other than rule.var are existential, in an `unless` as in a `when`
                    # ("always active nato_1949.art5 for X when armed_attack(on: X, at: P) and P in
                    # scope art6": some P; issue 16 item 10); `cond` checks that they are bound
                    self.cond(t, rule.cond, {rule.var}, {p.id for p in t.provisions})

    # ------------------------------------------------------------ scenarios
    def scenario(self, s: A.ScenarioDecl) -> None:
        if s.interpretation is not None and s.interpretation not in self.lib.interpretations:
            self.d.unknown(s.interpretation_span or s.span, "interpretation", s.interpretation,
                           self.lib.interpretations)
        for f in s.facts:
            self.fact(f)
        for e in s.expects:
            self.expect(e)

    def fact(self, f: A.FactDecl) -> None:
        self.atom(f.atom, in_fact=True)

    def expect(self, e: A.Expect) -> None:
        if e.interpretation is not None and e.interpretation not in self.lib.interpretations:
            self.d.unknown(e.span, "interpretation", e.interpretation, self.lib.interpretations)
        t = self.lib.treaties.get(e.treaty)
        if t is None:
            self.d.unknown(e.treaty_span or e.span, "treaty", e.treaty, self.lib.treaties)
            return
        if e.provision is not None:
            ids = [p.id for p in t.provisions]
            if e.provision not in ids:
                self.d.unknown(e.provision_span or e.span, "provision", e.provision, ids, owner=t.id)
        for code in (e.bearer, e.beneficiary):
            if code is not None:
                self.country_code(code, e.span)
        if e.status == ACTIVATED:
            self.d.error(e.span, "E-EXPECT", f"'{ACTIVATED}' is not a status an instance ends in", EXPECT_HINT)
        for a in e.missing + e.because:
            self.atom(a)


class Checker(_ScenarioChecks):
    def __init__(self, diags: Diagnostics, library_paths: Iterable[str] = ()):
        self.d = diags
        self.lib = Library()
        self.library_paths = frozenset(library_paths)

    # ------------------------------------------------------------ collect declarations
    def collect(self, docs: list[A.Document]) -> None:
        seen: dict[tuple[str, str], Span] = {}

        def unique(kind: str, name: str, span: Span) -> bool:
            key = (kind, name)
            if key in seen:
                other = seen[key]
                self.d.error(span, "E-DUPLICATE", f"{kind} '{name}' is declared twice",
                             f"the other declaration is at {other.where}")
                return False
            seen[key] = span
            return True

        kind_decls: dict[str, A.KindDecl] = {}
        region_decls: dict[str, A.RegionDecl] = {}
        area_decls: dict[str, A.AreaDecl] = {}
        admin: list[A.Reassign] = []
        # the library's own files first, so that a clash is blamed on the user's file
        for doc in sorted(docs, key=lambda d: (d.path not in self.library_paths, d.path)):
            for item in doc.items:
                if isinstance(item, A.VocabularyDecl):
                    for k in item.kinds:
                        if unique("kind", k.name, k.span):
                            kind_decls[k.name] = k
                    for a in item.actors:
                        if unique("actor", a.name, a.span):
                            self.lib.actors[a.name] = a
                elif isinstance(item, A.RegionDecl):
                    if unique("region", item.name, item.span):
                        region_decls[item.name] = item
                elif isinstance(item, A.AreaDecl):
                    if unique("area", item.name, item.span):
                        area_decls[item.name] = item
                elif isinstance(item, A.AdministrationDecl):
                    if unique("administration", item.name, item.span):
                        admin.extend(item.entries)
                elif isinstance(item, A.InterpretationDecl):
                    if unique("interpretation", item.name, item.span):
                        self.lib.interpretations[item.name] = item
                elif isinstance(item, A.TreatyDecl):
                    if unique("treaty", item.id, item.span):
                        self.lib.treaties[item.id] = item
                elif isinstance(item, A.PropertyDecl):
                    if unique("property", item.name, item.span):
                        self.lib.properties[item.name] = item
        self._kinds(kind_decls)
        self.lib.areas = resolve_areas(area_decls, self.d)
        for entry in admin:
            self.reassign(entry)
        self.lib.administration = tuple(sorted(admin, key=lambda e: (e.start, e.span.where)))
        for name, r in sorted(region_decls.items()):
            self.lib.regions[name] = self._resolve_region(r, region_decls, (name,))
        for tid, t in sorted(self.lib.treaties.items()):
            for s in t.scopes:
                self.lib.scopes[(tid, s.name)] = self._resolve_region(s, region_decls, ())

    def _kinds(self, decls: dict[str, A.KindDecl]) -> None:
        ancestors: dict[str, tuple[str, ...] | None] = {}  # None: unresolved (an unknown parent or a cycle)
        for _name, k in sorted(decls.items()):
            for parent, span in zip(k.parents, k.parent_spans or (k.span,) * len(k.parents), strict=True):
                if parent not in decls:
                    self.d.unknown(span, "kind", parent, decls)
        for name, k in sorted(decls.items()):
            line = self._ancestors(name, decls, ancestors, [])
            roles: dict[str, A.RoleDecl] = {}
            for r in k.roles:
                if r.name in roles:
                    self.d.error(r.span, "E-DUPLICATE", f"role '{r.name}' is declared twice in '{name}'")
                roles[r.name] = r
            ok = line is not None
            self.lib.kinds[name] = KindInfo(name, k.is_action, roles, k.parents if ok else (),
                                            line if line is not None else (name,), k.doc, k.span)

    def _ancestors(self, name: str, decls: dict[str, A.KindDecl], done: dict[str, tuple[str, ...] | None],
                   path: list[str]) -> tuple[str, ...] | None:
        """The is-a closure of `name` over the DAG of parents: itself first, then every ancestor
        once, each before its own parents (a topological order; ties in the order the parents are
        written), so the order never depends on hashing or file order. A cycle is an error at each
        kind on it, naming the cycle."""
        if name in done:
            return done[name]
        if name in path:
            cycle = path[path.index(name):] + [name]
            self.d.error(decls[cycle[0]].span, "E-CYCLE",
                         f"kind '{cycle[0]}' is its own ancestor: " + " is ".join(cycle))
            return None
        k = decls[name]
        post: list[str] = []  # a postorder of the parents' closures: ancestors before descendants
        seen: set[str] = set()
        ok = True
        for parent in reversed(k.parents):  # the last parent's closure first, so the first comes out first
            if parent not in decls:
                ok = False
                continue
            line = self._ancestors(parent, decls, done, path + [name])
            if line is None:
                ok = False
                continue
            for a in reversed(line):
                if a not in seen:
                    seen.add(a)
                    post.append(a)
        result = (name, *reversed(post)) if ok else None
        done[name] = result
        return result

    def _resolve_region(self, r: A.RegionDecl, decls: dict[str, A.RegionDecl], path: tuple[str, ...]) -> Region:
        entries: list[tuple[str, frozenset[str]]] = []
        areas: set[str] = set()
        for area in r.areas:
            if area.area is not None:
                areas.update(covered_areas(self.lib, area, self.d))
            elif area.region is not None:
                if area.region not in decls:
                    self.d.unknown(area.span, "region", area.region, decls)
                    continue
                if area.region in path:
                    self.d.error(area.span, "E-CYCLE", "region includes itself: " + " -> ".join(path + (area.region,)))
                    continue
                inner = self._resolve_region(decls[area.region], decls, path + (area.region,))
                entries.extend(inner.entries)
                areas.update(inner.areas)
            else:
                assert area.code is not None
                self.territory_code(area.code, area.span)
                for x in area.excepts:
                    self.territory_code(x, area.span)
                    if country_of(x) != area.code and x != area.code:
                        self.d.error(area.span, "E-EXCEPT", f"'{x}' is not part of '{area.code}'",
                                     "an exception names a subdivision of the code before 'except'")
                entries.append((area.code, frozenset(area.excepts)))
        return Region(r.name, r.title, tuple(entries), frozenset(areas))

    # ------------------------------------------------------------ codes
    def country_code(self, code: str, span: Span) -> bool:
        if is_country(code):
            return True
        if is_territory(code):
            self.d.error(span, "E-CODE", f"'{code}' is a territory, not a party",
                         f"a party is a country code such as '{country_of(code)}'")
            return False
        self.d.error(span, "E-CODE", f"unknown party code '{code}' (ISO 3166-1 alpha-2)",
                     suggestions=suggest_country(code))
        return False

    def territory_code(self, code: str, span: Span) -> bool:
        if is_territory(code):
            return True
        self.d.error(span, "E-CODE", f"unknown territory code '{code}' (ISO 3166-2)",
                     suggestions=suggest_territory(code))
        return False

    # ------------------------------------------------------------ atoms
    def atom(self, atom: A.Atom, *, in_fact: bool = False, treaty: A.TreatyDecl | None = None) -> KindInfo | None:
        info = self.lib.kinds.get(atom.kind)
        if info is None:
            near = suggest(atom.kind, self.lib.kinds)
            self.d.error(atom.span, "E-UNKNOWN", f"unknown kind '{atom.kind}'", hint=_declare_hint(atom, near),
                         suggestions=near)
            return None
        seen: set[str] = set()
        for arg in atom.args:
            role = info.roles.get(arg.role)
            if role is None:
                self.d.error(arg.span, "E-ROLE", f"'{atom.kind}' has no role '{arg.role}'",
                             suggestions=tuple(r for r in _close(arg.role, info.roles)),
                             hint=None if _close(arg.role, info.roles) else
                             f"its roles are: {', '.join(info.roles) or 'none'}")
                continue
            if arg.role in seen:
                self.d.error(arg.span, "E-ROLE", f"role '{arg.role}' is given twice")
            seen.add(arg.role)
            self.value(arg.value, role.type, in_fact)
        if in_fact:
            for rname, role in info.roles.items():
                if role.optional or rname in seen:
                    continue
                if rname == "on" and placed_without_on(info, seen):
                    if _area_at(atom):
                        area_needs_on(self.d, atom)
                    continue
                if rname == "at" and "on" in seen:
                    continue
                self.d.error(atom.span, "E-ROLE-MISSING", f"'{atom.kind}' needs the role '{rname}'",
                             f"write it as {atom.kind}"
                             f"({', '.join(r + ': …' for r, d in info.roles.items() if not d.optional)})")
        return info

    def value(self, v: A.Value, rtype: str, in_fact: bool) -> None:
        if in_fact and isinstance(v, (A.Var, A.Wildcard)):
            self.d.error(v.span, "E-FACT", f"a fact names concrete parties, not '{v}'",
                         "variables and '_' belong in treaty conditions")
            return
        if isinstance(v, (A.Var, A.Wildcard)):
            return
        if rtype == "party":
            if isinstance(v, A.Code):
                self.country_code(v.code, v.span)
            elif v.name not in self.lib.actors:
                self.d.error(v.span, "E-TYPE", f"'{v.name}' is not a party or a declared actor",
                             suggestions=_close(v.name, self.lib.actors),
                             hint=None if _close(v.name, self.lib.actors) else
                             "parties are ISO codes (RU, BY); non-state actors are declared with 'actor'")
        elif rtype == "territory":
            if isinstance(v, A.Code):
                self.territory_code(v.code, v.span)
            else:
                self.d.error(v.span, "E-TYPE", f"'{v.name}' is not a territory",
                             "territories are ISO 3166-2 codes such as RU-KRS or UA-43, or a country code")
        elif rtype in ("place", "target"):
            if isinstance(v, A.Code) and rtype == "place":
                self.territory_code(v.code, v.span)
            else:
                check_place_or_target(self.d, self.lib, v, rtype)
        elif rtype == "action":
            kind = self.lib.kinds.get(v.name) if isinstance(v, A.Name) else None
            if kind is None or not kind.is_action:  # (the set of actions: only to name them)
                actions = {k for k, i in self.lib.kinds.items() if i.is_action}
                self.d.error(v.span, "E-TYPE", f"'{v}' is not an action",
                             suggestions=_close(str(v), actions),
                             hint=None if _close(str(v), actions) else f"actions are: {', '.join(sorted(actions))}")
        elif rtype == "treaty":
            if not isinstance(v, A.Name) or v.name not in self.lib.treaties:
                self.d.unknown(v.span, "treaty", str(v), self.lib.treaties)
        elif isinstance(v, A.Code):
            self.d.error(v.span, "E-TYPE", f"'{v.code}' is a code, but this role takes a {rtype}")

    # ------------------------------------------------------------ interpretations
    def reassign(self, r: A.Reassign) -> None:
        for t in r.territories:
            self.territory_code(t.code, t.span)
        self.country_code(r.to.code, r.to.span)

    def interpretations(self) -> None:
        for _name, it in sorted(self.lib.interpretations.items()):
            for r in it.reassignments + it.administrations:
                self.reassign(r)
            for d in it.definitions:
                self.atom(d.head)
                self.atom(d.body)
                head_vars = _atom_vars(d.head)
                body_vars = _atom_vars(d.body)
                for v in sorted(head_vars - body_vars):
                    self.d.error(d.span, "E-UNBOUND", f"variable '{v}' in the defined fact is not bound by its body")
            for m in it.memberships:
                # an entry for a treaty not loaded (interpretations.casus read with other
                # treaties, as tests and single files do) changes nothing: not an error
                self.country_code(m.party.code, m.party.span)
                if m.toward is not None:
                    self.country_code(m.toward.code, m.toward.span)

    # ------------------------------------------------------------ treaties
    def treaties(self) -> None:
        for _tid, t in sorted(self.lib.treaties.items()):
            self.treaty(t)

    def treaty(self, t: A.TreatyDecl) -> None:
        if t.in_force is None:
            self.d.error(t.span, "E-TREATY", f"treaty '{t.id}' has no 'in force' date",
                         "write: in force YYYY-MM-DD")
        parties = set()
        for m in t.members:
            if self.country_code(m.party.code, m.party.span):
                parties.add(m.party.code)
        if not t.members:
            self.d.error(t.span, "E-TREATY", f"treaty '{t.id}' has no parties", "write: parties RU, BY")
        for s in t.suspensions:
            for c in (s.bearer, s.beneficiary):
                if self.country_code(c.code, c.span) and c.code not in parties:
                    self.d.error(c.span, "E-MEMBER", f"'{c.code}' is not a party to '{t.id}'",
                                 suggestions=_close(c.code, parties))
        ids: dict[str, Span] = {}
        for p in t.provisions:
            if p.id in ids:
                self.d.error(p.span, "E-DUPLICATE", f"provision '{p.id}' is declared twice in '{t.id}'",
                             f"the other declaration is at {ids[p.id].where}")
            ids[p.id] = p.span
        for p in t.provisions:
            self.provision(t, p, set(ids))
        for r in t.reservations:
            self.reservation(t, r, set(ids))
        self.stratify(t)

    def reservation(self, t: A.TreatyDecl, r: A.Reservation, ids: set[str]) -> None:
        """A reservation names a party and provisions of its treaty; its condition uses only the
        variables each provision's trigger binds (and its bearer's)."""
        if self.country_code(r.party.code, r.party.span) and not any(m.party.code == r.party.code
                                                                     for m in t.members):
            self.d.error(r.party.span, "E-MEMBER", f"'{r.party.code}' is not a party to '{t.id}'")
        provs = {p.id: p for p in t.provisions}
        for pid in r.provisions:
            p = provs.get(pid)
            if p is None:
                self.d.unknown(r.span, "provision", pid, provs, owner=t.id)
                continue
            if r.when is None or p.when is None or p.then is None:
                continue
            bound = self.cond(t, p.when, set(), ids)
            if p.then.bearer.var:
                bound = bound | {p.then.bearer.var}
            new = self.cond(t, r.when, bound, ids) - bound
            for v in sorted(new):
                self.d.error(r.when.span, "E-UNBOUND", f"variable '{v}' of the {r.kind} is not one of '{pid}'",
                             "a reservation's condition speaks of the provision's own variables")

    def provision(self, t: A.TreatyDecl, p: A.Provision, ids: set[str]) -> None:
        if p.protects is not None and p.protects not in self.lib.regions:
            self.d.unknown(p.span, "region", p.protects, self.lib.regions)
        if p.version is not None:  # a reading names interpretations: a typo would silently drop the text
            known = set(self.lib.interpretations) | {"default"}
            for name in p.version.under + p.version.except_under:
                if name not in known:
                    self.d.unknown(p.version.span, "interpretation", name, known)
        if p.when is None:
            self.d.error(p.span, "E-PROVISION", f"provision '{p.id}' has no 'when' trigger")
            return
        if p.then is None:
            self.d.error(p.span, "E-PROVISION", f"provision '{p.id}' has no 'then' clause")
            return
        bound = self.cond(t, p.when, set(), ids)
        bearer = p.then.bearer
        if bearer.mode == "code" and bearer.value is not None:
            self.country_code(bearer.value, bearer.span)
        if bearer.mode == "var" and bearer.var not in bound:
            self.d.error(bearer.span, "E-UNBOUND", f"the bearer '{bearer.var}' is not bound by the 'when' condition",
                         "name a party code, 'each other party', or a variable the trigger binds")
        if bearer.var:
            bound = bound | {bearer.var}
        if p.upon is not None:
            bound = bound | self.cond(t, p.upon, bound, ids)
        for c in (p.unless, p.until):
            if c is not None:
                self.cond(t, c, bound, ids)
        info = self.lib.kinds.get(p.then.action.kind)
        self.atom(p.then.action)
        if info is not None and not info.is_action:
            actions = sorted(k for k, i in self.lib.kinds.items() if i.is_action)
            self.d.error(p.then.action.span, "E-TYPE", f"'{info.name}' is not an action",
                         f"obligations are to do an action: {', '.join(actions)}")
        for arg in p.then.action.args:
            if isinstance(arg.value, A.Var) and arg.value.name not in bound:
                self.d.error(arg.value.span, "E-UNBOUND", f"variable '{arg.value.name}' is not bound by the conditions",
                             suggestions=_close(arg.value.name, bound))
        if p.then.beneficiary is not None:
            if isinstance(p.then.beneficiary, A.Var) and p.then.beneficiary.name not in bound:
                self.d.error(p.then.beneficiary.span, "E-UNBOUND",
                             f"the beneficiary '{p.then.beneficiary.name}' is not bound by the conditions")
        elif beneficiary_arg(p.then) is None:
            self.d.error(p.then.action.span, "E-BENEFICIARY", f"who benefits from '{p.then.action.kind}'?",
                         "give the action a 'to:' or 'with:' role, or add 'for X' after it")

    def cond(self, t: A.TreatyDecl, c: A.Cond, outer: set[str], ids: set[str]) -> set[str]:
        """Check a condition; return the variables it binds (positively, on every branch)."""
        if isinstance(c, (A.Occurred, A.Ongoing)):
            self.atom(c.atom, treaty=t)
            return _atom_vars(c.atom)
        if isinstance(c, A.Temporal):
            self.atom(c.first, treaty=t)
            self.atom(c.second, treaty=t)
            return _atom_vars(c.first) | _atom_vars(c.second)
        if isinstance(c, A.And):
            bound = set(outer)
            out: set[str] = set()
            # bind positively first, so that order within `and` does not matter for safety
            for item in sorted(c.items, key=lambda i: isinstance(i, TESTS)):
                got = self.cond(t, item, bound, ids)
                bound |= got
                out |= got
            return out
        if isinstance(c, A.Or):
            sets = [self.cond(t, i, outer, ids) for i in c.items]
            return set.intersection(*sets) if sets else set()
        if isinstance(c, A.Not):
            inner = A.variables(c.item)
            for v in sorted(inner - outer):
                self.d.error(c.span, "E-UNSAFE", f"variable '{v}' appears only under 'not'",
                             f"bind '{v}' outside the negation, e.g. in the 'when' trigger")
            self.cond(t, c.item, outer, ids)
            return set()
        if isinstance(c, A.InArea):
            if c.var not in outer:
                self.d.error(c.span, "E-UNSAFE", f"variable '{c.var}' must be bound before 'in {c.what}'",
                             f"bind it in an atom, e.g. armed_attack(on: X, at: {c.var})")
            if c.what == "scope" and (t.id, c.name) not in self.lib.scopes:
                self.d.unknown(c.span, "scope", c.name, owner=t.id,
                               candidates=[s for (tid, s) in self.lib.scopes if tid == t.id])
            if c.what == "region" and c.name not in self.lib.regions:
                self.d.unknown(c.span, "region", c.name, self.lib.regions)
            return set()
        if isinstance(c, A.InParties):
            if c.var not in outer:
                self.d.error(c.span, "E-UNSAFE", f"variable '{c.var}' must be bound before 'in parties'")
            return set()
        if isinstance(c, A.IsWho):
            if c.var not in outer:
                self.d.error(c.span, "E-UNSAFE", f"variable '{c.var}' must be bound before 'is {c.what}'",
                             f"bind it in an atom, e.g. armed_attack(by: {c.var}, on: X)")
            return set()
        if isinstance(c, A.PlaceOf):
            check_place_of(self.d, c, outer)
            if isinstance(c.party, A.Code):
                self.country_code(c.party.code, c.party.span)
            return set()
        if isinstance(c, A.StateRef):
            if c.provision not in ids:
                self.d.unknown(c.span, "provision", c.provision, ids, owner=t.id)
            out = set()
            for party in (c.beneficiary, c.bearer):
                if isinstance(party, A.Var):
                    out.add(party.name)
                elif isinstance(party, A.Code):
                    self.country_code(party.code, party.span)
            return out
        raise AssertionError(c)  # pragma: no cover



def is_who(lib: Library, value: str, what: str) -> bool:
    """`value is a state` (an ISO 3166-1 alpha-2 code, the way a state is named as a party) or
    `value is an actor` (a non-state actor declared with `actor` in a vocabulary)."""
    return is_country(value) if what == "state" else value in lib.actors


def resolve_areas(decls: dict[str, A.AreaDecl], diags: Diagnostics) -> dict[str, AreaInfo]:
    """The declared areas, each with every area it lies within (cycles and unknown names are
    errors), checked for the side of the Tropic they say they lie on."""
    inside: dict[str, frozenset[str]] = {}
    areas: dict[str, AreaInfo] = {}

    def up(name: str, path: tuple[str, ...]) -> frozenset[str]:
        if name in inside:
            return inside[name]
        out = {name}
        for w in decls[name].within:
            if w.name not in decls:
                diags.unknown(w.span, "area", w.name, decls)
            elif w.name in path:
                diags.error(w.span, "E-CYCLE", "area lies within itself: " + " within ".join(path + (w.name,)))
            else:
                out |= up(w.name, path + (w.name,))
        inside[name] = frozenset(out)
        return inside[name]

    for name, a in sorted(decls.items()):
        areas[name] = AreaInfo(name, a.title, tuple(w.name for w in a.within), up(name, (name,)), a.tropic, a.span)
    for name, info in sorted(areas.items()):
        # an area wholly on one side of the Tropic cannot lie within an area wholly on the other
        for other in sorted(info.inside - {name}):
            side = areas[other].tropic if other in areas else None
            if info.tropic is not None and side is not None and side != info.tropic:
                diags.error(decls[name].span, "E-AREA",
                            f"area '{name}' lies {info.tropic} of the Tropic of Cancer, "
                            f"but within '{other}', which lies {side} of it",
                            "an area within another lies on the same side of the Tropic, or the outer one "
                            "straddles it (then say neither)")
    return areas


def covered_areas(lib: Library, area: A.Area, diags: Diagnostics) -> set[str]:
    """The areas a region's `area NAME` entry covers: the area and every area declared within it."""
    assert area.area is not None
    if area.area not in lib.areas:
        diags.unknown(area.span, "area", area.area, lib.areas)
        return set()
    return {n for n, info in lib.areas.items() if area.area in info.inside}


def check_place_or_target(diags: Diagnostics, lib: Library, v: A.Value, rtype: str) -> None:
    """A value in a `place` role that is not a code (it must be a declared area), or in a `target`
    role (one of TARGETS), with "did you mean"."""
    pool: Iterable[str] = lib.areas if rtype == "place" else TARGETS
    if isinstance(v, A.Name) and v.name in pool:
        return
    close = _close(str(v), pool)
    if rtype == "place":
        diags.error(v.span, "E-TYPE", f"'{v}' is not a territory or a declared area", suggestions=close,
                    hint=None if close else "a place is an ISO 3166 code (RU-KRS, UA-43, US) or an area "
                    "declared with 'area' (pacific_ocean, south_china_sea, …)")
    else:
        diags.error(v.span, "E-TYPE", f"'{v}' is not a target", suggestions=close,
                    hint=None if close else f"targets are: {', '.join(TARGETS)}")


def check_place_of(diags: Diagnostics, c: A.PlaceOf, outer: set[str]) -> None:
    """`A territory of X` / `A administered by X` test what is bound: both variables must be."""
    word = "territory of" if c.relation == "territory" else "administered by"
    if c.var not in outer:
        diags.error(c.span, "E-UNSAFE", f"variable '{c.var}' must be bound before '{word}'",
                    f"bind it in an atom, e.g. armed_attack(on: X, at: {c.var})")
    if isinstance(c.party, A.Var) and c.party.name not in outer:
        diags.error(c.party.span, "E-UNSAFE", f"variable '{c.party.name}' must be bound before '{word}'",
                    f"bind it in an atom, e.g. armed_attack(on: {c.party.name}, at: {c.var})")


def placed_without_on(info: KindInfo, roles: Collection[str]) -> bool:
    """Whether a fact of this kind with these roles lacks the `on` its kind needs and is placed
    `at` instead: it is taken only where that place is not an area (`Checker.atom`, `area_needs_on`)
    — the one way taking a fact reads one of its values beyond the value's own check."""
    on = info.roles.get("on")
    return on is not None and not on.optional and "on" not in roles and "at" in roles


def area_needs_on(diags: Diagnostics, atom: A.Atom) -> None:
    """A fact placed in an area must name `on` (SPEC "No silent place": an area has no sovereign)."""
    where = next(str(a.value) for a in atom.args if a.role == "at")
    diags.error(atom.span, "E-ROLE-MISSING", f"'{atom.kind}' at the area '{where}' needs the role 'on'",
                "an area has no sovereign: name the party attacked, "
                f"e.g. {atom.kind}(on: US, at: {where}, against: vessels)")


def beneficiary_arg(then: A.Then) -> A.Value | None:
    if then.beneficiary is not None:
        return then.beneficiary
    for role in BENEFICIARY_ROLES:
        for arg in then.action.args:
            if arg.role == role and not isinstance(arg.value, A.Wildcard):
                return arg.value
    return None


def _declare_hint(atom: A.Atom, near: tuple[str, ...]) -> str:
    """For an unknown kind: the close names, or else how to declare it, with the atom's own roles
    (a role given a code with a subdivision is a place, another code a party, a name an action)."""
    def role_type(v: A.Value) -> str:
        if isinstance(v, A.Code):
            return "place" if "-" in v.code else "party"
        return "action" if isinstance(v, A.Name) else "party"

    roles = ", ".join(f"{a.role}: {role_type(a.value)}" for a in atom.args)
    declare = (f"declare it in a vocabulary block (in this file or one given with --with): "
               f"vocabulary mine {{ kind {atom.kind}({roles}) }} ('is aggression' after it makes it one)")
    return did_you_mean(near) or declare  # a close name is most likely a typo


def _close(word: str, pool: Iterable[str]) -> tuple[str, ...]:
    from engine.base.errors import suggest

    return suggest(word, pool)


def _area_at(atom: A.Atom) -> bool:
    """Whether an atom is placed in a declared area (`at:` a name, not a code)."""
    return any(a.role == "at" and isinstance(a.value, A.Name) for a in atom.args)


def _atom_vars(atom: A.Atom) -> set[str]:
    return {a.value.name for a in atom.args if isinstance(a.value, A.Var)}


# ---------------------------------------------------------------------------- public entry points


def check_documents(docs: list[A.Document], diags: Diagnostics,
                    library_paths: Iterable[str] = ()) -> tuple[Library, list[A.ScenarioDecl]]:
    ch = Checker(diags, library_paths)
    ch.collect(docs)
    ch.interpretations()
    ch.treaties()
    ch.properties()
    scenarios: list[A.ScenarioDecl] = []
    for doc in docs:
        for item in doc.items:
            if isinstance(item, A.ScenarioDecl):
                ch.scenario(item)
                scenarios.append(item)
    ch.lib.sources = dict(diags.lines)
    ch.lib.files = tuple(sorted(d.path for d in docs))
    return ch.lib, scenarios


def load_library(paths: Iterable[str | os.PathLike[str]] | None = None) -> Library:
    """Parse and check library files (default: the bundled `obligations/`)."""
    diags = Diagnostics()
    files = list(iter_casus_files([library_dir()] if paths is None else paths))
    docs = parse_files(files, diags)
    lib, _ = check_documents(docs, diags)
    diags.raise_if_any()
    return lib


def scenario_checker(lib: Library, diags: Diagnostics) -> Checker:
    """What checks scenarios against a checked library (`scenario`, and `fact` for a fact read
    apart from its scenario: engine/language/quick.py, `stream`), problems to `diags`."""
    ch = Checker(diags)
    ch.lib = lib
    return ch


def check_scenario(lib: Library, scenario: A.ScenarioDecl, diags: Diagnostics) -> None:
    scenario_checker(lib, diags).scenario(scenario)
