"""`casus diff`: the minimal scenarios on which two treaties give different obligations.

The search is exhaustive up to a bound, not sampled. It builds a finite universe of facts from
what the two treaties mention and enumerates every set of at most K of them, smallest first:

* **kinds**: every atom of `when`, `upon`, `unless`, `until` (and the provisions they refer to
  with `art3 fulfilled for X`), each kind with its is-a descendants (an `armed_attack` also
  satisfies `aggression(on: X)`), the bodies of the interpretation's `define`s, and the action
  of each obligation (done by the bearer, for the beneficiary);
* **parties**: the members of both treaties, with B's parties renamed by `--map` (a party in
  both maps to itself). Members that stand in exactly the same relation to both treaties (same
  membership dates, never named by a provision, same territories with respect to every scope
  tested) are interchangeable: up to two of each such group are kept, and the others are
  represented by them. One party outside both treaties fills the roles a trigger leaves free
  (the sanctioning state, say);
* **territories**: one per scope class — for each combination of in/out of every scope and
  region the treaties test, a territory of the party attacked where it has one (so the fact
  reads `armed_attack(at: US-HI)`), another one otherwise;
* **dates**: one per stretch of time between the in-force, end, membership and suspension
  dates that matter for the pair of parties involved, while at least one treaty is in force
  for them (the first such date where both are in force comes first), plus day offsets where
  the treaties make order count (`unless`, `within N days`, deadlines).

The universe is split by *key* — (action, bearer, beneficiary) — because the instances of one
key depend only on the facts that can match the conditions of the provisions giving that key.
Every subset of at most K facts of each key's universe, on at most `max_dates` distinct dates,
is evaluated by the engine under both treaties (with the treaties cut down to the kept parties,
which changes nothing for them). A *difference* is a key whose instances differ in modality,
status or strength between the two treaties; it is recorded with the provisions involved, so
"assistance active under Art. 2 and Art. 4(2)(b)" is a different finding from "assistance
active under Art. 2". Enumeration by increasing size makes the first scenario recorded for a
difference minimal; that is then checked explicitly against every proper subset, and confirmed
by running the scenario through the engine with the treaties as written (all members).

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

import dataclasses
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.base.errors import CasusError, Diagnostic, Diagnostics, suggest
from engine.base.paths import display_path
from engine.base.source import Span
from engine.core.evaluate import InstanceRun, TreatyRun, evaluate, strength
from engine.core.model import instance_model
from engine.kernel.facts import BIG, Fact, Scenario, sovereign
from engine.language import ast as A
from engine.language.build import iso
from engine.language.codes import country_of, is_country
from engine.language.library import KindInfo, Library, Region, beneficiary_arg, check_documents, parse_files

SCHEMA = "casus.diff/1"
DEFAULT_MAX_FACTS = 3
REPS_PER_CLASS = 2
SMALL = 10  # up to this many parties in all, two of each class are kept
OUTSIDERS = ("US", "CN", "GB", "FR", "DE", "IN", "BR", "ZA", "JP", "AU", "CH", "SE", "NZ", "IE", "UA")
MODAL = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}
CLI = Span("<command line>", 1, 1, 1, 1)

Key = tuple[str, str, str]  # (action, bearer, beneficiary), in A's names
Entry = tuple[str, str, str, str, str]  # (provision, action, modality, status, strength)
Sig = tuple[Key, frozenset, frozenset]  # (key, entries under A, entries under B)


def _usage(message: str, hint: str | None = None, suggestions: tuple[str, ...] = ()) -> CasusError:
    if hint is None and suggestions:
        from engine.base.errors import did_you_mean

        hint = did_you_mean(suggestions)
    return CasusError([Diagnostic(CLI, "E-USAGE", message, hint, suggestions)])


# ---------------------------------------------------------------------------- loading


@dataclass
class Side:
    """One treaty to compare: its id, the library it is checked in, and where it came from."""

    arg: str
    tid: str
    lib: Library
    source: str | None  # the file it was read from, when given as a file

    @property
    def treaty(self) -> A.TreatyDecl:
        return self.lib.treaties[self.tid]


def load_sides(a: str, b: str, library: str | Sequence[str] | None = None) -> tuple[Side, Side]:
    """A and B: treaty ids of the library, or `.casus` files declaring one treaty each (two
    versions of the same treaty may share an id: each file replaces the library's treaty of
    that id for its own side)."""
    from engine.io.load import _library_files

    diags = Diagnostics()
    base_files = _library_files(library)
    base_docs = parse_files(base_files, diags)
    lib_paths = {display_path(f) for f in base_files}
    file_docs: dict[str, A.Document] = {}
    for arg in (a, b):
        if Path(arg).is_file():
            got = parse_files([arg], diags)
            if got:
                file_docs[arg] = got[0]
    diags.raise_if_any()
    shared: Library | None = None
    sides = []
    for arg in (a, b):
        doc = file_docs.get(arg)
        if doc is None:
            if Path(arg).exists() or arg.endswith(".casus"):
                if not Path(arg).exists():
                    raise CasusError([Diagnostic(Span(arg, 1, 1, 1, 1), "E-FILE", "no such file")])
                raise _usage(f"'{arg}' is not a file declaring a treaty")
            if shared is None:
                d2 = Diagnostics()
                shared, _ = check_documents(base_docs, d2, lib_paths)
                d2.raise_if_any()
            if arg not in shared.treaties:
                sugg = suggest(arg, shared.treaties)
                raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown treaty '{arg}'", _hint(sugg), sugg)])
            sides.append(Side(arg, arg, shared, None))
            continue
        tids = [i.id for i in doc.items if isinstance(i, A.TreatyDecl)]
        if len(tids) != 1:
            raise _usage(f"'{arg}' declares {len(tids)} treaties ({', '.join(tids) or 'none'}); "
                         "casus diff compares files that declare one treaty each")
        tid = tids[0]
        docs = []
        for d in base_docs:  # the file's treaty replaces the library's treaty of the same id
            items = tuple(i for i in d.items if not (isinstance(i, A.TreatyDecl) and i.id == tid))
            docs.append(A.Document(d.path, items))
        docs.append(doc)
        d2 = Diagnostics()
        for path, text in diags.lines.items():
            d2.add_source(path, text)
        lib, _ = check_documents(docs, d2, lib_paths)
        d2.raise_if_any()
        sides.append(Side(arg, tid, lib, display_path(arg)))
    return sides[0], sides[1]


def _hint(sugg: tuple[str, ...]) -> str | None:
    from engine.base.errors import did_you_mean

    return did_you_mean(sugg) or "'casus treaties' lists the library"


def parse_map(items: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        if item.count("=") != 1:
            raise _usage(f"--map '{item}' should be X=Y", "for example: --map BY=KP")
        x, y = (s.strip() for s in item.split("="))
        if not (is_country(x) and is_country(y)):
            bad = x if not is_country(x) else y
            raise _usage(f"--map '{item}': '{bad}' is not a party code (ISO 3166-1 alpha-2)")
        if x in out:
            raise _usage(f"--map names '{x}' twice")
        if y in out.values():
            raise _usage(f"--map maps two parties to '{y}'")
        out[x] = y
    return out


# ---------------------------------------------------------------------------- facts


@dataclass(frozen=True, order=True)
class DFact:
    """A fact of the search universe, in A's names. `end` == `start` for a one-day fact."""

    start: int
    kind: str
    roles: tuple[tuple[str, str], ...]
    end: int

    def render(self, roles: dict[str, str] | None = None) -> str:
        r = dict(self.roles) if roles is None else roles
        return f"{self.kind}({', '.join(f'{k}: {v}' for k, v in r.items())})"


def _dates_text(f: DFact) -> str:
    if f.end == f.start:
        return iso(f.start) or ""
    return f"{iso(f.start)}.." + ("" if f.end >= BIG else (iso(f.end) or ""))


# ---------------------------------------------------------------------------- the search


@dataclass
class _SideRun:
    side: Side
    name: str  # "a" or "b"
    to_side: dict[str, str]  # canonical party -> this side's name
    to_canon: dict[str, str]
    members: dict[str, list[tuple[int, int]]]  # canonical names
    reduced: Library = field(default_factory=Library)
    kinds: frozenset[str] = frozenset()  # kinds a fact may have and still matter to this side
    mentioned: frozenset[str] = frozenset()  # kinds its conditions name directly
    cache: dict[frozenset, dict[Key, frozenset]] = field(default_factory=dict)

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


@dataclass
class Difference:
    facts: tuple[DFact, ...]
    sigs: list[Sig]
    a_runs: list[InstanceRun]
    b_runs: list[InstanceRun]
    scenario: dict[str, Any]
    scenario_b: dict[str, Any] | None
    summary: str
    mirror_of: int | None = None
    mirrors: list[str] = field(default_factory=list)


@dataclass
class DiffResult:
    a: Side
    b: Side
    mapping: dict[str, str]
    interpretation: str
    bound: dict[str, Any]
    differences: list[Difference]
    scenarios: int
    universe: int
    lines: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA, "a": self.a.tid, "b": self.b.tid}
        if self.a.source:
            out["a_source"] = self.a.source
        if self.b.source:
            out["b_source"] = self.b.source
        out["map"] = dict(self.mapping)
        out["interpretation"] = self.interpretation
        out["bound"] = self.bound
        diffs = []
        for d in self.differences:
            item: dict[str, Any] = {"scenario": d.scenario}
            if d.scenario_b is not None:
                item["scenario_b"] = d.scenario_b
            item["a"] = [json.loads(instance_model(self.a.lib, r).model_dump_json()) for r in d.a_runs]
            item["b"] = [json.loads(instance_model(self.b.lib, r).model_dump_json()) for r in d.b_runs]
            item["summary"] = d.summary
            item["facts"] = len(d.facts)
            item["differs"] = [_sig_json(s) for s in d.sigs]
            if d.mirror_of is not None:
                item["mirror_of"] = d.mirror_of
            diffs.append(item)
        out["differences"] = diffs
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _sig_json(s: Sig) -> dict[str, Any]:
    (act, bearer, benef), ea, eb = s
    return {"action": act, "bearer": bearer, "beneficiary": benef,
            "a": [{"provision": p, "action": act, "modality": m, "status": st, "strength": sg}
                  for p, act, m, st, sg in sorted(ea)],
            "b": [{"provision": p, "action": act, "modality": m, "status": st, "strength": sg}
                  for p, act, m, st, sg in sorted(eb)]}


class Search:
    def __init__(self, a: Side, b: Side, mapping: dict[str, str], action: str | None = None,
                 max_facts: int = DEFAULT_MAX_FACTS, max_dates: int | None = None,
                 interpretation: str | None = None):
        self.A, self.B = a, b
        self.mapping = mapping
        self.action = action
        self.K = max_facts
        self.interp_name = interpretation or "default"
        if self.interp_name not in a.lib.interpretations or self.interp_name not in b.lib.interpretations:
            pool = set(a.lib.interpretations) & set(b.lib.interpretations)
            raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown interpretation '{self.interp_name}'",
                                         _hint(suggest(self.interp_name, pool)), suggest(self.interp_name, pool))])
        self.interp = a.lib.interpretations[self.interp_name]
        self.interp_b = b.lib.interpretations[self.interp_name]
        if action is not None:
            acts = ({k for k, i in a.lib.kinds.items() if i.is_action}
                    | {k for k, i in b.lib.kinds.items() if i.is_action})
            if action not in acts:
                raise CasusError([Diagnostic(CLI, "E-UNKNOWN", f"unknown action '{action}'",
                                             _hint(suggest(action, acts)), suggest(action, acts))])
        if max_facts < 0 or max_facts > 6:
            raise _usage("--max-facts must be between 0 and 6")
        self.scenarios = 0  # engine runs
        self.checked = 1  # scenarios within the bound, the empty one included
        self._setup()
        # one date per scenario, or two where the treaties make the order of events count
        self.D = max_dates if max_dates is not None else (2 if self.action_offsets else 1)
        if self.D < 1:
            raise _usage("--max-dates must be at least 1")

    # ------------------------------------------------------------ parties and territories
    def _members(self, side: Side) -> dict[str, list[tuple[int, int]]]:
        run = TreatyRun(side.lib, side.treaty, [], side.lib.interpretations.get(self.interp_name))
        return run.members

    def _setup(self) -> None:
        mem_a = self._members(self.A)
        mem_b = self._members(self.B)
        for x, y in self.mapping.items():
            if x not in mem_a:
                raise _usage(f"--map {x}={y}: '{x}' is not a party to {self.A.tid}",
                             suggestions=suggest(x, mem_a))
            if y not in mem_b:
                raise _usage(f"--map {x}={y}: '{y}' is not a party to {self.B.tid}",
                             suggestions=suggest(y, mem_b))
            if x in mem_b:
                raise _usage(f"--map {x}={y}: '{x}' is a party to both treaties, so it maps to itself")
            if y in mem_a:
                raise _usage(f"--map {x}={y}: '{y}' is a party to both treaties, so it maps to itself")
        inverse = {y: x for x, y in self.mapping.items()}
        for y in mem_b:
            if y not in inverse and y in self.mapping:
                raise _usage(f"'{y}' is a party to {self.B.tid} and is mapped to {self.mapping[y]}: map {y} too")
        self.a = _SideRun(self.A, "a", {}, {}, dict(mem_a))
        self.b = _SideRun(self.B, "b", dict(self.mapping), inverse,
                          {inverse.get(p, p): v for p, v in mem_b.items()})
        self.sides = (self.a, self.b)
        canon = sorted(set(self.a.members) | set(self.b.members))
        named: set[str] = set()
        for s in self.sides:
            for code in _named_codes(s.treaty):
                named.add(s.canon(code))
            for sus in s.treaty.suspensions:
                named.add(s.canon(sus.bearer.code))
                named.add(s.canon(sus.beneficiary.code))
        taken = set(canon) | set(self.mapping.values()) | named
        self.outsider = next((c for c in OUTSIDERS if c not in taken),
                             next(c for c in sorted(_all_countries()) if c not in taken))
        # the scope and region tests, and a territory per class of them
        self.tests: list[tuple[_SideRun, A.InArea]] = []
        seen_tests = set()
        for s in self.sides:
            for p in s.treaty.provisions:
                for c in _conds(p):
                    for node in _walk(c):
                        if isinstance(node, A.InArea) and (s.name, node.what, node.name) not in seen_tests:
                            seen_tests.add((s.name, node.what, node.name))
                            self.tests.append((s, node))
        cands: set[str] = set()
        for s, test in self.tests:
            region = self._region(s, test)
            if region is None:
                continue
            for code, excepts in region.entries:
                cands.add(s.canon_territory(code))
                cands.update(excepts)
        cands.update(canon)
        cands.add(self.outsider)
        self.territories = sorted(cands)
        self.vectors = {t: self._vector(t) for t in self.territories}
        # parties of the same standing: the same sequence of membership states (member of A,
        # of B, of both, of neither while a treaty is in force), never named by a provision, and
        # territories in the same scope classes
        classes: dict[tuple[Any, ...], list[str]] = {}
        exact: dict[str, tuple[Any, ...]] = {}
        for party in canon:
            own = frozenset(self.vectors[x] for x in self.territories if country_of(x) == party)
            exact[party] = (tuple(self.a.members.get(party, ())), tuple(self.b.members.get(party, ())), own)
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
        self.parties = self.reps + [self.outsider]
        for s in self.sides:
            keep = {s.party(p) for p in self.reps}
            t = s.treaty
            reduced = dataclasses.replace(
                t, members=tuple(m for m in t.members if m.party.code in keep),
                suspensions=tuple(x for x in t.suspensions if x.bearer.code in keep and x.beneficiary.code in keep))
            s.reduced = dataclasses.replace(s.side.lib, treaties={**s.side.lib.treaties, s.side.tid: reduced})
        # territory of each vector, per party attacked
        self.by_vector: dict[tuple[bool, ...], list[str]] = {}
        for terr in self.territories:
            self.by_vector.setdefault(self.vectors[terr], []).append(terr)
        self.offsets, self.action_offsets = self._offsets()
        self.refs = any(isinstance(node, A.StateRef) for s in self.sides for p in s.treaty.provisions
                        for c in _conds(p) for node in _walk(c))
        self._build_keys()
        self._is_action = {k: bool((self.A.lib.kinds.get(k) or self.B.lib.kinds[k]).is_action)
                           for f in self._all_facts() for k in (f.kind,)}
        self._action_keys: dict[tuple[str, str], list[Key]] = {}
        for k in self.keys:
            self._action_keys.setdefault((k[0], k[1]), []).append(k)

    def _profile(self, p: str) -> tuple[tuple[bool, bool], ...]:
        """The sequence of (binds under A, binds under B) states of party p over time, from the
        first date either treaty is in force, repeated states merged."""
        dates: set[int] = set()
        for s in self.sides:
            t = s.treaty
            if t.in_force is not None:
                dates.add(t.in_force)
            if t.ends is not None:
                dates.add(t.ends + 1)
            for st, en in s.members.get(p, ()):
                dates.add(st)
                if en < BIG:
                    dates.add(en + 1)
        out: list[tuple[bool, bool]] = []
        for d in sorted(dates):
            state = (self._binds(self.a, p, p, d), self._binds(self.b, p, p, d))
            if (not out and state == (False, False)) or (out and out[-1] == state):
                continue
            out.append(state)
        return tuple(out)

    def _region(self, s: _SideRun, t: A.InArea) -> Region | None:
        if t.what == "scope":
            return s.side.lib.scopes.get((s.side.tid, t.name))
        return s.side.lib.regions.get(t.name)

    def _vector(self, territory: str) -> tuple[bool, ...]:
        out = []
        for s, t in self.tests:
            region = self._region(s, t)
            out.append(bool(region is not None and region.contains(s.territory(territory))))
        return tuple(out)

    def territory_choices(self, on: str | None) -> list[str]:
        """One territory per scope class: the party's own where it has one, else the outsider's,
        else another."""
        out = []
        for vec in sorted(self.by_vector):
            pool = self.by_vector[vec]
            own = sorted((t for t in pool if on is not None and country_of(t) == on), key=lambda t: (t != on, t))
            outs = sorted((t for t in pool if country_of(t) == self.outsider), key=lambda t: (t != self.outsider, t))
            out.append((own or outs or pool)[0])
        return out

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
                for c in _conds(p):
                    for node in _walk(c):
                        if isinstance(node, A.Temporal):
                            if node.op == "within" and node.days is not None:
                                order.update({node.days, node.days + 1})
                            else:
                                order.add(1)
                        if isinstance(node, A.StateRef):
                            order.add(1)
                if p.then is not None and p.then.modality == "obligation":
                    for q in p.then.qualifiers:
                        if q.group == "timing":
                            days = q.days if q.days is not None else timing.get(q.value)
                            if days is not None:
                                deadline.update({days, days + 1})
        order_list = sorted(d for d in order if d > 0)
        return order_list, sorted(d for d in (order | deadline) if d > 0)

    # ------------------------------------------------------------ keys and their universes
    def _build_keys(self) -> None:
        self.keys: dict[Key, dict[int, set[DFact]]] = {}  # key -> base date -> facts
        self.date_notes: dict[int, str] = {}
        self.trigger_kinds: set[str] = set()
        self.always = False  # a provision whose trigger needs no fact at all
        self.ongoing_kinds: set[str] = set()
        for s in self.sides:
            kinds: set[str] = {"withdrawal"}
            mentioned: set[str] = set()
            for p in s.treaty.provisions:
                for c in _conds(p):
                    for node in _walk(c):
                        for atom in _node_atoms(node):
                            mentioned.add(atom.kind)
                            kinds |= s.side.lib.descendants(atom.kind)
                            kinds |= self._defined_bodies(s, atom.kind)
                        if isinstance(node, A.Ongoing):
                            self.ongoing_kinds |= s.side.lib.descendants(node.atom.kind)
                if p.then is not None:
                    kinds |= s.side.lib.descendants(p.then.action.kind)
                if p.when is not None:
                    pos = _positive_atoms(p.when)
                    if not pos:
                        self.always = True
                    for atom in pos:
                        self.trigger_kinds |= s.side.lib.descendants(atom.kind)
                        self.trigger_kinds |= self._defined_bodies(s, atom.kind)
            s.kinds = frozenset(kinds)
            s.mentioned = frozenset(mentioned)
        for s in self.sides:
            for p in s.treaty.provisions:
                if p.then is None or p.when is None:
                    continue
                if self.action is not None and p.then.action.kind != self.action:
                    continue
                for bearer, benef, env in self._pairs(s, p):
                    key = (p.then.action.kind, s.canon(bearer), s.canon(benef))
                    shapes = self._shapes(s, p, env, bearer, benef, set())
                    bases = self._dates(s.canon(bearer), s.canon(benef))
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
                                    self.date_notes.setdefault(
                                        d, f"{off} day{'s' if off > 1 else ''} after {iso(base)}")
                                for e in ends:
                                    u.add(DFact(d, kind, roles, d if e is None else e))

    def _all_facts(self) -> set[DFact]:
        return {f for per in self.keys.values() for u in per.values() for f in u}

    def _defined_bodies(self, s: _SideRun, kind: str) -> set[str]:
        interp = s.side.lib.interpretations.get(self.interp_name)
        out: set[str] = set()
        if interp is None:
            return out
        for d in interp.definitions:
            info = s.side.lib.kinds.get(d.head.kind)
            if info is not None and kind in info.ancestors:
                out |= s.side.lib.descendants(d.body.kind)
        return out

    def _pairs(self, s: _SideRun, p: A.Provision) -> list[tuple[str, str, dict[str, str]]]:
        """(bearer, beneficiary, binding) in the side's names, for the kept members."""
        assert p.then is not None
        members = sorted(s.party(x) for x in self.reps if s.members.get(x))
        ben = beneficiary_arg(p.then)
        b = p.then.bearer
        out = []
        if isinstance(ben, A.Code):
            benefs = [ben.code] if ben.code in members else []
        else:
            benefs = members
        for x in benefs:
            if b.mode == "each_other":
                bearers = [y for y in members if y != x]
            elif b.mode == "each":
                bearers = list(members)
            elif b.mode == "code":
                bearers = [b.value] if b.value in members else []
            else:
                bearers = list(members)
            for y in bearers:
                env: dict[str, str] = {}
                if isinstance(ben, A.Var):
                    env[ben.name] = x
                if b.var:
                    if env.get(b.var, y) != y:
                        continue
                    env[b.var] = y
                out.append((y, x, env))
        return out

    def _shapes(self, s: _SideRun, p: A.Provision, env: dict[str, str], bearer: str, benef: str,
                visited: set[str]) -> set[tuple[str, tuple[tuple[str, str], ...]]]:
        """Facts (kind, roles in A's names) that can matter to the instance (bearer, benef) of p."""
        visited = visited | {p.id}
        out: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        for c in _conds(p):
            for node in _walk(c):
                for atom in _node_atoms(node):
                    for kind, roles in self._instantiate(s, atom, env):
                        out.add(self._canon_shape(s, kind, roles))
                if isinstance(node, A.StateRef):
                    q = next((x for x in s.treaty.provisions if x.id == node.provision), None)
                    if q is None or q.id in visited or q.then is None:
                        continue
                    for qb, qx, qenv in self._pairs(s, q):
                        if not _compatible(node.beneficiary, qx, env) or (
                                node.bearer is not None and not _compatible(node.bearer, qb, env)):
                            continue
                        out |= self._shapes(s, q, qenv, qb, qx, visited)
        if p.then is not None:
            action = p.then.action
            args = tuple(a for a in action.args if a.role != "by")
            by = A.Arg("by", A.Code(bearer, action.span), action.span)
            atom = A.Atom(action.kind, (by,) + args, action.span)
            aenv = dict(env)
            ben = beneficiary_arg(p.then)
            if isinstance(ben, A.Var):
                aenv[ben.name] = benef
            for kind, roles in self._instantiate(s, atom, aenv, exact=True):
                out.add(self._canon_shape(s, kind, roles))
        return out

    def _canon_shape(self, s: _SideRun, kind: str, roles: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        info = s.side.lib.kinds[kind]
        out = []
        for r, v in roles.items():
            t = info.roles[r].type if r in info.roles else ""
            if t == "party":
                v = s.canon(v)
            elif t == "territory":
                v = s.canon_territory(v)
            out.append((r, v))
        order = list(info.roles)
        out.sort(key=lambda rv: order.index(rv[0]) if rv[0] in order else 99)
        return kind, tuple(out)

    def _instantiate(self, s: _SideRun, atom: A.Atom, env: dict[str, str],
                     exact: bool = False) -> list[tuple[str, dict[str, str]]]:
        lib = s.side.lib
        kinds = [atom.kind] if exact else sorted(lib.descendants(atom.kind))
        out: list[tuple[str, dict[str, str]]] = []
        for kind in kinds:
            info = lib.kinds.get(kind)
            if info is None or any(a.role not in info.roles for a in atom.args):
                continue
            args = sorted(atom.args, key=lambda a: info.roles[a.role].type != "party")
            given = {a.role for a in atom.args}
            extra = [r for r, d in info.roles.items() if r not in given and not d.optional
                     and not (r == "on" and "at" in given) and not (r == "at" and "on" in given)]
            for roles in self._fill(s, info, args, extra, env, {}):
                out.append((kind, roles))
        # derived facts: a define whose head can match this atom is matched by its body
        interp = lib.interpretations.get(self.interp_name)
        if interp is not None and not exact:
            for d in interp.definitions:
                head = lib.kinds.get(d.head.kind)
                if head is None or atom.kind not in head.ancestors:
                    continue
                benv: dict[str, str] = {}
                for ha in d.head.args:
                    if not isinstance(ha.value, A.Var):
                        continue
                    for aa in atom.args:
                        if aa.role == ha.role:
                            if isinstance(aa.value, A.Code):
                                benv[ha.value.name] = aa.value.code
                            elif isinstance(aa.value, A.Var) and aa.value.name in env:
                                benv[ha.value.name] = env[aa.value.name]
                out.extend(self._instantiate(s, d.body, benv))
        return out

    def _fill(self, s: _SideRun, info: KindInfo, args: list[A.Arg], extra: list[str], env: dict[str, str],
              roles: dict[str, str]) -> Iterator[dict[str, str]]:
        if not args:
            if not extra:
                yield dict(roles)
                return
            r = extra[0]
            for v in self._filler(s, info.roles[r].type, roles):
                yield from self._fill(s, info, [], extra[1:], env, {**roles, r: v})
            return
        a, rest = args[0], args[1:]
        rd = info.roles[a.role]
        value = a.value
        if isinstance(value, A.Wildcard):
            if rd.optional:
                yield from self._fill(s, info, rest, extra, env, roles)
            else:
                for x in self._filler(s, rd.type, roles):
                    yield from self._fill(s, info, rest, extra, env, {**roles, a.role: x})
        elif isinstance(value, A.Code):
            yield from self._fill(s, info, rest, extra, env, {**roles, a.role: value.code})
        elif isinstance(value, A.Name):
            yield from self._fill(s, info, rest, extra, env, {**roles, a.role: value.name})
        else:
            if value.name in env:
                yield from self._fill(s, info, rest, extra, env, {**roles, a.role: env[value.name]})
                return
            for x in self._domain(s, rd.type, roles):
                yield from self._fill(s, info, rest, extra, {**env, value.name: x}, {**roles, a.role: x})

    def _domain(self, s: _SideRun, rtype: str, roles: dict[str, str]) -> list[str]:
        if rtype == "party":
            return [s.party(p) for p in self.parties]
        if rtype == "territory":
            on = roles.get("on")
            return [s.territory(t) for t in self.territory_choices(s.canon(on) if on else None)]
        if rtype == "action":
            return sorted(k for k, i in s.side.lib.kinds.items() if i.is_action)
        if rtype == "treaty":
            return [s.side.tid]
        return ["other"]

    def _filler(self, s: _SideRun, rtype: str, roles: dict[str, str]) -> list[str]:
        if rtype == "party":
            return [s.party(self.outsider)]
        if rtype == "territory":
            return [self.outsider]
        return self._domain(s, rtype, roles)[:1]

    # ------------------------------------------------------------ dates
    def _dates(self, bearer: str, benef: str) -> list[tuple[int, int]]:
        """Representative dates for an instance (bearer, benef), in A's names: one per stretch
        between the dates that matter, while at least one treaty binds the two; each with the
        first date of the next stretch."""
        crit: dict[int, list[str]] = {}

        def note(d: int | None, why: str) -> None:
            if d is not None and d < BIG and why not in crit.get(d, []):
                crit.setdefault(d, []).append(why)

        for s in self.sides:
            t = s.treaty
            note(t.in_force, f"{t.id} in force")
            if t.ends is not None:
                note(t.ends + 1, f"{t.id} ended")
            for p in (bearer, benef):
                for st, en in s.members.get(p, ()):
                    if t.in_force is not None and st > t.in_force:
                        note(st, f"{s.party(p)} joins {t.id}")
                    if en < (t.ends if t.ends is not None else BIG):
                        note(en + 1, f"{s.party(p)} leaves {t.id}")
            for sus in t.suspensions:
                if {s.canon(sus.bearer.code), s.canon(sus.beneficiary.code)} <= {bearer, benef}:
                    note(sus.start, f"{sus.bearer.code} suspended toward {sus.beneficiary.code} in {t.id}")
                    if sus.end is not None:
                        note(sus.end + 1, f"suspension of {sus.bearer.code} toward {sus.beneficiary.code} ends")
        points = sorted(crit)
        out: list[tuple[int, int, int]] = []
        for i, c in enumerate(points):
            nxt = points[i + 1] if i + 1 < len(points) else BIG
            binding = [s for s in self.sides if self._binds(s, bearer, benef, c)]
            if not binding:
                continue
            both = len(binding) == 2
            out.append((0 if both else 1, c, nxt))
            self.date_notes.setdefault(c, "; ".join(crit[c])
                                       + ("; both bind" if both else f"; only {binding[0].side.tid} binds"))
        # the first date on which both treaties bind comes first, then the others in order
        first_both = min((d for both, d, _ in out if both == 0), default=None)
        out.sort(key=lambda bd: (bd[1] != first_both, bd[1]))
        return [(d, nxt) for _, d, nxt in out]

    def _binds(self, s: _SideRun, bearer: str, benef: str, d: int) -> bool:
        t = s.treaty
        if t.in_force is None or d < t.in_force or (t.ends is not None and d > t.ends):
            return False
        return all(any(st <= d <= en for st, en in s.members.get(p, ())) for p in (bearer, benef))

    # ------------------------------------------------------------ evaluation
    def side_roles(self, s: _SideRun, f: DFact) -> dict[str, str]:
        info = s.side.lib.kinds[f.kind]
        roles = {}
        for r, v in f.roles:
            t = info.roles[r].type if r in info.roles else ""
            roles[r] = s.party(v) if t == "party" else s.territory(v) if t == "territory" else v
        if "at" in roles and "on" in roles:
            interp = s.side.lib.interpretations.get(self.interp_name)
            if sovereign(interp, roles["at"], f.start) == roles["on"]:
                del roles["on"]
        return roles

    def scenario(self, s: _SideRun, facts: Sequence[DFact], name: str = "diff") -> Scenario:
        out = []
        for i, f in enumerate(sorted(facts)):
            roles = self.side_roles(s, f)
            text = f.render(roles)
            out.append(Fact(f.kind, roles, f.start, f.end, text, f"<diff>:{i + 1}"))
        return Scenario(name, "<diff>", self.interp_name, tuple(out))

    def outcome(self, s: _SideRun, facts: frozenset[DFact]) -> dict[Key, frozenset]:
        mine = frozenset(f for f in facts if f.kind in s.kinds)
        got = s.cache.get(mine)
        if got is None:
            self.scenarios += 1
            ev = evaluate(s.reduced, self.scenario(s, sorted(mine)), [s.side.tid], self.interp_name)
            got = _entries(s, ev.outcomes[0].instances, s.reduced)
            s.cache[mine] = got
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
        that duty and agree on it."""
        for f in facts:
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
        treaties already differ on that action without it: the action only fulfils."""
        for f in facts:
            if not _fulfils(f, key):
                continue
            rest = facts - {f}
            oa, ob = self.outcome(self.a, rest), self.outcome(self.b, rest)
            if _proj(oa.get(key, frozenset())) != _proj(ob.get(key, frozenset())):
                return True
        return False

    # ------------------------------------------------------------ symmetry
    def _swap(self, f: DFact, x: str, y: str) -> DFact | None:
        roles = []
        for r, v in f.roles:
            if v == x:
                v2 = y
            elif v == y:
                v2 = x
            elif "-" in v and country_of(v) in (x, y):
                other = y if country_of(v) == x else x
                vec = self.vectors.get(v)
                match = [t for t in self.territory_choices(other)
                         if self.vectors.get(t) == vec and country_of(t) == other]
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
            g = self._swap(f, x, y)
            if g is None:
                return None
            out.append(g)
        return frozenset(out)

    def canonical(self, facts: frozenset[DFact]) -> bool:
        """False when exchanging two interchangeable parties gives a scenario that comes first."""
        mentioned = {v for f in facts for _, v in f.roles}
        mentioned |= {country_of(v) for v in mentioned}
        twins = [(x, y) for x, y in self.twins if x in mentioned or y in mentioned]
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

    # ------------------------------------------------------------ the search itself
    def run(self) -> DiffResult:
        found: dict[Sig, frozenset[DFact]] = {}
        order: list[frozenset[DFact]] = []
        universe = sorted(self._all_facts())
        empty_sigs = self.sigs(frozenset())
        for sig in sorted(empty_sigs, key=_sig_order):
            found[sig] = frozenset()
        if empty_sigs:
            order.append(frozenset())
        for size in range(1, self.K + 1):
            for facts in self.candidates(size):
                if not self.refs and not self._actions_can_matter(facts):
                    continue
                new = [s for s in self.sigs(facts) if s not in found]
                if new:
                    for s in new:
                        found[s] = facts
                    order.append(facts)
        self.runs = self.scenarios
        return self._report(found, order, len(universe))

    def candidates(self, size: int) -> list[frozenset[DFact]]:
        """Every scenario of `size` facts within the bound (from one key's universe, on one base
        date, at most D days), preferred witnesses first; counted in `checked`. Left out: those
        with no fact a trigger can match, and mirror images of exactly interchangeable parties."""
        if not hasattr(self, "_rank"):
            self._rank = {f: i for i, f in enumerate(sorted(self._all_facts(), key=self._fact_order))}
        rank = self._rank
        cands: set[frozenset[DFact]] = set()
        for key in sorted(self.keys):
            for base in sorted(self.keys[key]):  # one base date per scenario
                u = sorted(self.keys[key][base], key=rank.__getitem__)
                for combo in itertools.combinations(u, size):
                    if len({f.start for f in combo}) > self.D:
                        continue
                    cands.add(frozenset(combo))
        self.checked += len(cands)
        out = []
        for facts in sorted(cands, key=lambda fs: (len({f.start for f in fs}), sorted(rank[f] for f in fs))):
            if not self.always and not any(f.kind in self.trigger_kinds for f in facts):
                continue
            if not self.canonical(facts):
                continue
            out.append(facts)
        return out

    def _fact_order(self, f: DFact) -> tuple[Any, ...]:
        """Which of several equally small witnesses is shown: facts on the first date both treaties
        bind, kinds both treaties speak of (so the contrast shows), general kinds before specific
        ones, the outsider before members in free roles."""
        info = self.A.lib.kinds.get(f.kind) or self.B.lib.kinds.get(f.kind)
        depth = len(info.ancestors) if info else 0
        action = bool(info and info.is_action)
        spoken = -sum(f.kind in s.mentioned for s in self.sides)
        roles = tuple((r, v != self.outsider, v) for r, v in f.roles)
        return (self._date_rank(f.start), f.end != f.start, action, spoken, depth, f.kind, roles)

    def _date_rank(self, d: int) -> tuple[int, int]:
        # the first date where both treaties bind comes first (see _dates)
        both = [x for x in self.date_notes if self._both(x)]
        first = min(both) if both else None
        return (0 if d == first else 1, d)

    def _both(self, d: int) -> bool:
        return all(s.treaty.in_force is not None and s.treaty.in_force <= d and
                   (s.treaty.ends is None or d <= s.treaty.ends) for s in self.sides)

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
        return DiffResult(self.A, self.B, self.mapping, self.interp_name, self._bound(universe), diffs,
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
        sc_a = self.scenario(self.a, sorted(facts))
        sc_b = self.scenario(self.b, sorted(facts))
        runs_a = evaluate(self.A.lib, sc_a, [self.A.tid], self.interp_name).outcomes[0].instances
        runs_b = evaluate(self.B.lib, sc_b, [self.B.tid], self.interp_name).outcomes[0].instances
        full_a = {k: v for k, v in _entries(self.a, runs_a, self.A.lib).items() if {k[1], k[2]} <= self.rep_set}
        full_b = {k: v for k, v in _entries(self.b, runs_b, self.B.lib).items() if {k[1], k[2]} <= self.rep_set}
        confirmed = self.sigs(facts, full_a, full_b)
        ok = [s for s in kept if s in confirmed]
        self.unconfirmed += len(kept) - len(ok)
        if not ok:
            return None
        return Difference(tuple(sorted(facts)), ok, runs_a, runs_b, self._scenario_json(self.a, facts, n),
                          self._scenario_json(self.b, facts, n) if self._renames(facts) else None,
                          self._summary(ok))

    def _fold_mirrors(self, diffs: list[Difference]) -> None:
        """A difference that is another one with two parties exchanged is marked as its mirror
        (and shown with the mirrored scenario when that one is a minimal witness too)."""
        pairs = list(itertools.combinations(self.reps, 2))
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
                other = self.swap_set(d.facts, x, y)
                if other is not None and other != frozenset(diffs[j].facts) and target <= self.sigs(other):
                    better = self._difference(other, target, j + 1)
                    if better is not None and set(better.sigs) == target:
                        diffs[j] = better
                diffs[j].mirror_of = i + 1
                d.mirrors.append(f"{x}↔{y}")

    def _renames(self, facts: Iterable[DFact]) -> bool:
        return any(v in self.mapping for f in facts for _, v in f.roles)

    def _scenario_json(self, s: _SideRun, facts: Iterable[DFact], n: int) -> dict[str, Any]:
        events = []
        for f in sorted(facts):
            ev: dict[str, Any] = {"kind": f.kind, "date": iso(f.start)}
            if f.end != f.start:
                ev["until"] = None if f.end >= BIG else iso(f.end)
            ev.update(self.side_roles(s, f))
            events.append(ev)
        return {"name": f"casus diff {self.A.tid} {self.B.tid} #{n}"
                        + (f" ({s.side.tid})" if s.name == "b" and self.mapping else ""),
                "interpretation": self.interp_name, "events": events}

    def _summary(self, sigs: list[Sig]) -> str:
        parts = []
        for (act, bearer, benef), ea, eb in sigs:
            who = f"{act} {bearer} → {benef}"
            parts.append(f"{who}: {self.A.tid} {_entries_text(ea)}; {self.B.tid} {_entries_text(eb)}")
        return ". ".join(parts)

    def _bound(self, universe: int) -> dict[str, Any]:
        parties = []
        for p in self.reps:
            entry: dict[str, Any] = {"party": p}
            if p in self.mapping:
                entry["b"] = self.mapping[p]
            entry["in"] = [s.side.tid for s in self.sides if s.members.get(p)]
            others = self.stands_for.get(p)
            if others:
                entry["stands_for"] = others
            parties.append(entry)
        dates = [{"date": iso(d), "why": self.date_notes[d]} for d in sorted(self.date_notes, key=self._date_rank)]
        kinds = sorted({f.kind for f in self._all_facts()})
        return {
            "max_facts": self.K, "max_dates": self.D,
            "parties": parties, "outsider": self.outsider, "interchangeable": [list(t) for t in self.twins],
            "territories": sorted({v for f in self._all_facts() for r, v in f.roles if r in ("at", "in")}),
            "dates": dates, "kinds": kinds, "facts": universe, "scenarios": self.checked, "runs": self.runs,
            "complete": True,
            "note": (f"every set of at most {self.K} of these facts sharing one of these dates (at most {self.D} "
                     "distinct days) was checked under both treaties; each difference is listed once, with a scenario "
                     "no proper subset of which shows it, confirmed with the treaties as written. Decided without "
                     "running the engine: scenarios with no fact a trigger can match, actions toward a duty that only "
                     "one treaty gives or on which the treaties already differ, and exchanges of two exactly "
                     "interchangeable parties"),
        }


# ---------------------------------------------------------------------------- helpers


def _entries(s: _SideRun, runs: Sequence[InstanceRun], lib: Library) -> dict[Key, frozenset]:
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


def _self_related(lib: Library, kind: str, roles: tuple[tuple[str, str], ...]) -> bool:
    """A fact naming one party in two roles (a state agreeing with itself, sanctioning itself)."""
    info = lib.kinds.get(kind)
    if info is None:
        return False
    parties = [v for r, v in roles if r in info.roles and info.roles[r].type == "party"]
    return len(parties) != len(set(parties))


def _swap_sig(s: Sig, x: str, y: str) -> Sig:
    (act, b, c), ea, eb = s
    sw = {x: y, y: x}
    return ((act, sw.get(b, b), sw.get(c, c)), ea, eb)


def _sig_order(s: Sig) -> tuple[Any, ...]:
    return (s[0], sorted(s[1]), sorted(s[2]))


def _entries_text(entries: frozenset) -> str:
    """`must assist active (conditional: art2, art4_2b)`, one group per duty and status."""
    if not entries:
        return "nothing"
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for prov, action, modality, status, sg in sorted(entries):
        groups.setdefault((action, modality, status, sg), []).append(prov)
    order = sorted(groups, key=lambda g: (g[0], list(MODAL).index(g[1]), g[2]))
    return "; ".join(f"{MODAL[m]} {a} {st} ({sg}: {', '.join(groups[(a, m, st, sg)])})" for a, m, st, sg in order)


def _compatible(v: A.Value, actual: str, env: dict[str, str]) -> bool:
    if isinstance(v, A.Var):
        return env.get(v.name, actual) == actual
    if isinstance(v, A.Code):
        return v.code == actual
    return True


_conds = A.clauses
_walk = A.walk
_node_atoms = A.node_atoms


def _positive_atoms(c: A.Cond) -> list[A.Atom]:
    if isinstance(c, (A.Occurred, A.Ongoing, A.Temporal)):
        return _node_atoms(c)
    if isinstance(c, (A.And, A.Or)):
        return [a for i in c.items for a in _positive_atoms(i)]
    return []


def _named_codes(t: A.TreatyDecl) -> set[str]:
    out: set[str] = set()
    for p in t.provisions:
        for c in _conds(p):
            for node in _walk(c):
                for atom in _node_atoms(node):
                    out |= {a.value.code for a in atom.args if isinstance(a.value, A.Code) and is_country(a.value.code)}
                if isinstance(node, A.StateRef):
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


# ---------------------------------------------------------------------------- entry point


def diff(a: str, b: str, mapping: Sequence[str] = (), action: str | None = None,
         max_facts: int = DEFAULT_MAX_FACTS, max_dates: int | None = None,
         interpretation: str | None = None, library: str | Sequence[str] | None = None) -> DiffResult:
    """Compare treaties `a` and `b` (ids or files) and return the minimal differences."""
    side_a, side_b = load_sides(a, b, library)
    search = Search(side_a, side_b, parse_map(mapping), action, max_facts, max_dates, interpretation)
    return search.run()


# ---------------------------------------------------------------------------- the table


def _who(bearers: list[str], benef: str) -> str:
    shown = ", ".join(bearers) if len(bearers) <= 3 else f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
    return f"{shown} → {benef}"


def _rows(lib: Library, runs: Sequence[InstanceRun]) -> list[list[str]]:
    groups: dict[tuple[str, str, str, str, str], list[str]] = {}
    for r in runs:
        p = r.provision
        assert p.then is not None
        duty = f"{MODAL[p.then.modality]} {p.then.action.kind}"
        groups.setdefault((p.id, r.beneficiary, duty, r.status, strength(p, lib)), []).append(r.bearer)
    return [[prov, _who(bearers, benef), duty, status, sg]
            for (prov, benef, duty, status, sg), bearers in groups.items()]


def render_table(result: DiffResult) -> str:
    a, b = result.a, result.b
    bound = result.bound
    title = f"{a.tid} and {b.tid}"
    if a.tid == b.tid:
        title = f"{a.tid} ({a.source or 'library'}) and {b.tid} ({b.source or 'library'})"
    mapped = ", ".join(f"{x} = {y}" for x, y in sorted(result.mapping.items()))
    lines = [f"casus diff: {title}{f' ({mapped})' if mapped else ''}, interpretation {result.interpretation}", ""]
    parties = []
    for p in bound["parties"]:
        text = p["party"] + (f" (= {p['b']})" if "b" in p else "")
        if p.get("stands_for"):
            others = p["stands_for"]
            text += f" (standing for {', '.join(others[:3])}{f' +{len(others) - 3} more' if len(others) > 3 else ''})"
        parties.append(text)
    dates = "; ".join(f"{d['date']} ({d['why']})" for d in bound["dates"])
    per = "one date" if bound["max_dates"] == 1 else f"at most {bound['max_dates']} dates"
    lines.append(f"Bound: every scenario of up to {bound['max_facts']} facts on {per}, "
                 f"from {bound['facts']} facts about")
    twins = "".join(f"; {x} and {y} interchangeable" for x, y in bound.get("interchangeable", []))
    lines.append(f"  parties  {', '.join(parties)}; {bound['outsider']} outside both{twins}")
    lines.append(f"  dates    {dates}")
    lines.append(f"  kinds    {', '.join(bound['kinds'])}")
    main = [d for d in result.differences if d.mirror_of is None]
    mirrors = len(result.differences) - len(main)
    lines.append(f"{bound['scenarios']} scenarios checked ({bound['runs']} engine runs). "
                 f"{len(main) or 'No'} minimal difference{'s' if len(main) != 1 else ''}"
                 + (f" (and {mirrors} mirror image{'s' if mirrors != 1 else ''}, in --format json)" if mirrors else "")
                 + ((": no smaller scenario shows any of them, and none within the bound is missing." if len(main) > 1
                     else ": no smaller scenario shows it, and none other exists within the bound.")
                    if main else ": the treaties agree on every scenario within the bound."))
    if not main:
        return "\n".join(lines) + "\n"
    lines.append("")
    labels = _labels(a, b)
    header = ["#", "date", "facts", "treaty", "provision", "bearer → beneficiary", "duty", "status", "strength"]
    body: list[list[str]] = []
    for n, d in enumerate(main, 1):
        left: list[list[str]] = []
        last = None
        for f in d.facts:
            date = _dates_text(f)
            left.append([date if date != last else "", f.render(dict(_json_roles(d.scenario, f)))])
            last = date
        if not d.facts:
            left.append(["", "(no facts)"])
        if d.mirrors:
            pairs = ", ".join(m.replace("↔", " and ") for m in d.mirrors)
            left.append(["", f"(also with {pairs} exchanged)"])
        right: list[list[str]] = []
        for label, side, runs in ((labels[0], a, d.a_runs), (labels[1], b, d.b_runs)):
            rows = _rows(side.lib, runs)
            if not rows:
                right.append([label, "—", "", "", "", ""])
            for i, row in enumerate(rows):
                right.append([label if i == 0 else ""] + row)
        for i in range(max(len(left), len(right))):
            lft = left[i] if i < len(left) else ["", ""]
            rgt = right[i] if i < len(right) else [""] * 6
            body.append([str(n) if i == 0 else ""] + lft + rgt)
        body.append([""] * len(header))
    body.pop()
    widths = [max(len(r[c]) for r in [header] + body) for c in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip()

    lines.append(fmt(header))
    lines.append(fmt(["─" * w for w in widths]))
    lines.extend(fmt(r) for r in body)
    return "\n".join(lines) + "\n"


def _labels(a: Side, b: Side) -> tuple[str, str]:
    """How the table names the two sides: their ids, or their files when the ids are the same."""
    if a.tid != b.tid:
        return a.tid, b.tid
    na, nb = (Path(s.source).name if s.source else f"{s.tid} (library)" for s in (a, b))
    return (na, nb) if na != nb else ("A", "B")


def _json_roles(scenario: dict[str, Any], f: DFact) -> list[tuple[str, str]]:
    """The fact's roles as the scenario writes them (in A's names; `on` left out where the
    territory gives it)."""
    for ev in scenario["events"]:
        if ev["kind"] == f.kind and ev["date"] == iso(f.start):
            roles = [(k, v) for k, v in ev.items() if k not in ("kind", "date", "until", "note")]
            if all(dict(f.roles).get(k) == v for k, v in roles):
                return roles
    return list(f.roles)
