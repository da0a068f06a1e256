"""`casus lint`: what in a library is probably a mistake, though it checks.

Findings (each with a location, a message and a hint):

* **W-NEVER** — a provision that can never activate: its trigger contradicts itself through the
  is-a hierarchy (`armed_attack(on: X) and not aggression(on: X)`: every armed attack is an
  aggression), its `unless` holds whenever its trigger does, its bearer or beneficiary is a
  party code that is never a member, or no scenario within the bound activates it. Also a scope
  containing no member's territory (an article that only an attack on a member's forces abroad
  could bring in).
* **W-CONFLICT** — `must` and `must not` of the same action, by the same bearer toward the same
  beneficiary, active together in one reachable scenario (given in the message).
* **W-SUBSUMED** — a provision whose every activation, within the bound, comes with an
  activation no later of another provision of the same treaty with the same modality, action,
  bearer and beneficiary: it adds nothing but its qualifiers.
* **W-UNUSED** — a kind, region, scope or interpretation nothing uses. Used means: named by a
  treaty, a region, an interpretation, a property or a scenario (the bundled scenarios count
  when the bundled library is linted), or for kinds an is-a relative of a kind so named;
  `withdrawal` (the engine reads it) and the interpretation `default` (the engine's default)
  are always used.
* **W-MEMBERSHIP** — membership or suspension dates outside the treaty's life, a membership
  that ends before it starts, or two memberships of one party that overlap; also a signature
  after entry into force.
* **W-SUPPRESS** — a suppression comment without a reason, or one that suppresses nothing.

The activation, conflict and subsumption checks are a bounded search (every scenario of up to K
facts built from what the treaty mentions, by engine/analysis/universe.py as for `casus diff`):
a finding is reported only with the scenario or the bound that supports it.

Suppression: a comment `# lint: allow W-CODE because REASON` on the line of the flagged
declaration or in the comment block just above it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.paths import display_path, library_dir, scenarios_dir
from engine.base.source import Span, split_lines
from engine.kernel import conditions as C
from engine.language import ast as A
from engine.language.build import iso
from engine.language.codes import country_of
from engine.language.library import Library, check_documents, iter_casus_files, parse_files

if TYPE_CHECKING:
    from engine.core.evaluate import InstanceRun
    from engine.io.load import LibraryArg

ALLOW = re.compile(r"#\s*lint:\s*allow\s+(?P<codes>W-[A-Z]+(?:\s*,\s*W-[A-Z]+)*)(?P<rest>.*)$")
MAX_FACTS = 3


@dataclass(frozen=True)
class Finding:
    span: Span
    code: str
    message: str
    hint: str | None = None

    def diagnostic(self, lines: dict[str, str]) -> Diagnostic:
        text = lines.get(self.span.path)
        src = (split_lines(text)[self.span.line - 1]
               if text is not None and self.span.line <= len(split_lines(text)) else None)
        return Diagnostic(self.span, self.code, self.message, self.hint, (), src)


@dataclass
class LintResult:
    findings: list[Finding]
    suppressed: list[tuple[Finding, str]]
    files: list[str]
    lines: dict[str, str] = field(default_factory=dict)
    # `--explain-speed`: one line per treaty of the files, whether `run --batch --format csv`
    # compiles it to Python and, if not, why (`speed_lines`)
    speed: list[str] = field(default_factory=list)

    def render(self) -> str:
        out = [self.findings_text()] if self.findings else []
        out += self.speed
        n = len(self.findings)
        sup = f" ({len(self.suppressed)} suppressed with a reason)" if self.suppressed else ""
        if n:
            out.append(f"casus lint: {n} finding{'s' if n != 1 else ''}{sup}")
        else:
            out.append(f"ok: no findings in {len(self.files)} file{'s' if len(self.files) != 1 else ''}{sup}")
        return "\n".join(out) + "\n"

    def findings_text(self) -> str:
        return "\n".join(f.diagnostic(self.lines).render() for f in self.findings)


# ---------------------------------------------------------------------------- loading


def lint_paths(files: Sequence[str] = (), library: LibraryArg = None,
               max_facts: int = MAX_FACTS, explain_speed: bool = False) -> LintResult:
    """Lint FILEs (with the library they are checked against: `--with` files too), or the bundled
    library; `explain_speed`: also say, per treaty, whether CSV batches compile it (`speed_lines`)."""
    from engine.io.load import library_documents, library_files

    diags = Diagnostics()
    chosen = library_files(library)
    lib_files = chosen.all
    # the library given (not the standard files `--library` keeps beside it), or the files given
    targets = list(iter_casus_files(files)) if files else [*chosen.base, *chosen.extra]
    for t in targets:
        if not Path(t).exists():
            raise CasusError([Diagnostic(Span(t, 1, 1, 1, 1), "E-FILE", "no such file")])
    lib_set = {Path(f).resolve() for f in lib_files}
    extra = [t for t in targets if Path(t).resolve() not in lib_set]
    docs, lib_paths = library_documents(library, diags, parse_files(extra, diags))
    users: list[A.Document] = []
    bundled = library is None and not files
    if bundled and scenarios_dir().is_dir():  # the bundled scenarios use the bundled library
        users = parse_files(list(iter_casus_files([scenarios_dir()])), diags)
    diags.raise_if_any()
    lib, _ = check_documents(docs + users, diags, lib_paths)
    diags.raise_if_any()
    shown = {display_path(t) for t in targets}
    result = lint_library(lib, docs + users, shown, max_facts)
    if explain_speed:
        result.speed = speed_lines(lib, result.files)
    return result


def speed_lines(lib: Library, files: Iterable[str], interpretation: str = "default") -> list[str]:
    """For each treaty declared in `files`, at its declaration: whether `casus run --batch FILE
    --format csv` compiles it to Python (engine/core/compiled/, the fast path) under the
    interpretation, or why the engine evaluates it instead, in words."""
    from engine.core import compiled

    shown = set(files)
    ids = tuple(sorted(tid for tid, t in lib.treaties.items() if t.span.path in shown))
    why = compiled.reasons(lib, ids, interpretation)
    out = []
    for tid in sorted(ids, key=lambda tid: (lib.treaties[tid].span.path, lib.treaties[tid].span.line)):
        sp = lib.treaties[tid].span
        said = (f"not compiled for --format csv (the engine evaluates it): {why[tid]}" if tid in why
                else "compiled to Python for --format csv")
        out.append(f"{sp.path}:{sp.line}:{sp.column}: speed: treaty {tid}: {said}")
    return out


def lint_library(lib: Library, docs: list[A.Document], files: Iterable[str], max_facts: int = MAX_FACTS) -> LintResult:
    files = sorted(set(files))
    linter = _Linter(lib, docs, max_facts)
    found = [f for f in linter.run(files) if f.span.path in files]
    kept, suppressed = _suppress(found, lib.sources, files)
    kept.sort(key=lambda f: (f.span.path, f.span.line, f.span.column, f.code, f.message))
    return LintResult(kept, suppressed, files, dict(lib.sources))


# ---------------------------------------------------------------------------- suppression


def _suppress(found: list[Finding], sources: dict[str, str],
              files: list[str]) -> tuple[list[Finding], list[tuple[Finding, str]]]:
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, str]] = []
    used: set[tuple[str, int]] = set()
    allows: dict[tuple[str, int], tuple[set[str], str, int]] = {}
    for path in files:
        text = sources.get(path)
        if text is None:
            continue
        for i, line in enumerate(split_lines(text), 1):
            m = ALLOW.search(line)
            if m:
                codes = {c.strip() for c in m.group("codes").split(",")}
                rest = m.group("rest").strip()
                reason = rest[len("because"):].strip() if rest.startswith("because") else ""
                allows[(path, i)] = (codes, reason, m.start() + 1)
    extra: list[Finding] = []
    for f in found:
        source = sources.get(f.span.path)
        cands = [f.span.line]
        if source is not None:  # the comment block just above the declaration
            src_lines = split_lines(source)
            k = f.span.line - 1
            while k >= 1 and src_lines[k - 1].strip().startswith("#"):
                cands.append(k)
                k -= 1
        hit = next(((f.span.path, ln) for ln in cands if (f.span.path, ln) in allows
                    and f.code in allows[(f.span.path, ln)][0]), None)
        if hit is None:
            kept.append(f)
            continue
        used.add(hit)
        codes, reason, col = allows[hit]
        if reason:
            suppressed.append((f, reason))
        else:
            kept.append(f)
            extra.append(Finding(Span(hit[0], hit[1], col, hit[1], col + 1), "W-SUPPRESS",
                                 f"'lint: allow {f.code}' gives no reason",
                                 f"write: # lint: allow {f.code} because <why this is intended>"))
    for (path, at), (codes, _, col) in sorted(allows.items()):
        if (path, at) not in used:
            extra.append(Finding(Span(path, at, col, at, col + 1), "W-SUPPRESS",
                                 f"'lint: allow {', '.join(sorted(codes))}' suppresses nothing here",
                                 "remove it, or put it on or just above the declaration it is about"))
    return kept + extra, suppressed


# ---------------------------------------------------------------------------- the checks


class _Linter:
    def __init__(self, lib: Library, docs: list[A.Document], max_facts: int):
        self.lib = lib
        self.docs = docs
        self.K = max_facts
        self.out: list[Finding] = []

    def add(self, span: Span, code: str, message: str, hint: str | None = None) -> None:
        self.out.append(Finding(span, code, message, hint))

    def run(self, files: Iterable[str]) -> list[Finding]:
        """The findings of the treaties declared in `files` (a treaty's findings are at its own
        declaration and provisions: the library's other treaties, often the whole bundled one
        beside a file of one's own, are not searched) and of the vocabulary."""
        shown = set(files)
        for tid in sorted(self.lib.treaties):
            t = self.lib.treaties[tid]
            if t.span.path not in shown:
                continue
            self.membership(t)
            self.scopes(t)
            self.symbolic(t)
            self.search(t)
        self.unused()
        return self.out

    # ------------------------------------------------------------ membership dates
    def membership(self, t: A.TreatyDecl) -> None:
        start, end = t.in_force, t.ends
        if t.signed is not None and start is not None and t.signed > start:
            self.add(t.in_force_span or t.span, "W-MEMBERSHIP",
                     f"'{t.id}' is signed {iso(t.signed)}, after its entry into force {iso(start)}",
                     "check the two dates")
        spans: dict[str, list[A.Membership]] = {}
        for m in t.members:
            spans.setdefault(m.party.code, []).append(m)
            s = m.start if m.start is not None else start
            e = m.end
            life = f"{iso(start)}–{iso(end) if end is not None else ''}"
            if m.start is not None and start is not None and m.start < start:
                self.add(m.span, "W-MEMBERSHIP",
                         f"{m.party.code} is a member of '{t.id}' from {iso(m.start)}, "
                         f"before it is in force ({iso(start)})",
                         "a membership counts from entry into force: write the later date, or leave 'from' out")
            if m.start is not None and end is not None and m.start > end:
                self.add(m.span, "W-MEMBERSHIP",
                         f"{m.party.code} joins '{t.id}' on {iso(m.start)}, after it ended ({life})",
                         "check the dates")
            if e is not None and start is not None and e < start:
                self.add(m.span, "W-MEMBERSHIP",
                         f"{m.party.code}'s membership of '{t.id}' ends {iso(e)}, "
                         f"before the treaty is in force ({iso(start)})",
                         "check the dates")
            if e is not None and end is not None and e > end:
                self.add(m.span, "W-MEMBERSHIP",
                         f"{m.party.code}'s membership of '{t.id}' ends {iso(e)}, after the treaty ({life})",
                         "a membership cannot outlive the treaty: leave 'until' out")
            if e is not None and s is not None and e < s:
                self.add(m.span, "W-MEMBERSHIP",
                         f"{m.party.code}'s membership of '{t.id}' ends ({iso(e)}) before it starts ({iso(s)})",
                         "swap the dates")
        for code, ms in sorted(spans.items()):
            iv = sorted(((m.start if m.start is not None else (start or 0)),
                         (m.end if m.end is not None else 10**9), i) for i, m in enumerate(ms))
            for (_s1, e1, i1), (s2, _e2, i2) in itertools.pairwise(iv):
                if s2 <= e1:
                    self.add(ms[i2].span, "W-MEMBERSHIP", f"{code}'s memberships of '{t.id}' overlap",
                             f"the other one is at {ms[i1].span.where}; merge them")
        for sus in t.suspensions:
            if start is not None and sus.start < start or end is not None and sus.start > end:
                self.add(sus.span, "W-MEMBERSHIP", f"the suspension of {sus.bearer.code} toward {sus.beneficiary.code} "
                         f"starts {iso(sus.start)}, outside the life of '{t.id}'", "check the dates")

    # ------------------------------------------------------------ scopes
    def scopes(self, t: A.TreatyDecl) -> None:
        members = {m.party.code for m in t.members}
        tested = {node.name for p in t.provisions for c in _conds(p) for node in C.nodes(c, A.InArea)
                  if node.what == "scope"}
        for s in t.scopes:
            region = self.lib.scopes.get((t.id, s.name))
            if region is None:
                continue
            if s.name not in tested:
                self.add(s.span, "W-UNUSED", f"scope '{s.name}' of '{t.id}' is tested by no provision",
                         f"use it (… and A in scope {s.name}) or remove it")
            if not any(country_of(code) in members or code in members for code, _ in region.entries):
                self.add(s.span, "W-NEVER", f"scope '{s.name}' contains no member's territory",
                         "provisions testing it activate only for attacks on a member's forces abroad; "
                         "check the scope's entries")

    # ------------------------------------------------------------ contradictions read off the text
    def symbolic(self, t: A.TreatyDecl) -> None:
        self.never_reason: dict[tuple[str, str], str] = getattr(self, "never_reason", {})
        members = {m.party.code for m in t.members}
        for p in t.provisions:
            if p.when is None or p.then is None:
                continue
            reason = None
            for branch in C.dnf(p.when if p.upon is None else A.And((p.when, p.upon), p.span), _MAX_BRANCHES):
                why = self._contradiction(branch)
                if why is None:
                    break
                reason = why
            else:
                if reason is not None:
                    self.never_reason[(t.id, p.id)] = reason
            if p.unless is not None:
                implied = self._always(p.when, p.unless)
                if implied:
                    self.never_reason[(t.id, p.id)] = f"its 'unless' ({implied}) holds whenever its trigger does"
            b = p.then.bearer
            if b.mode == "code" and b.value is not None and b.value not in members:
                self.add(b.span, "W-NEVER", f"'{t.id}.{p.id}': the bearer {b.value} is never a member of '{t.id}'",
                         f"members are {', '.join(sorted(members))}")
                self.never_reason.setdefault((t.id, p.id), "reported")
            ben = p.then.beneficiary
            if isinstance(ben, A.Code) and ben.code not in members:
                self.add(ben.span, "W-NEVER",
                         f"'{t.id}.{p.id}': the beneficiary {ben.code} is never a member of '{t.id}'",
                         f"members are {', '.join(sorted(members))}")
                self.never_reason.setdefault((t.id, p.id), "reported")

    def _implies(self, pos: A.Atom, neg: A.Atom) -> bool:
        """Every fact matching `pos` (with the same variables) matches `neg`."""
        info = self.lib.kinds.get(pos.kind)
        if info is None or neg.kind not in info.ancestors:
            return False
        have = {a.role: a.value for a in pos.args}
        for a in neg.args:
            if isinstance(a.value, A.Wildcard):
                continue
            if a.role not in have or have[a.role] != a.value or isinstance(have[a.role], A.Wildcard):
                return False
        return True

    def _contradiction(self, branch: list[tuple[bool, A.Cond]]) -> str | None:
        pos = [c for positive, c in branch if positive and isinstance(c, (A.Occurred, A.Ongoing))]
        neg = [c for positive, c in branch if not positive and isinstance(c, A.Occurred)]
        for n in neg:
            for p in pos:
                if isinstance(p, A.Occurred) and self._implies(p.atom, n.atom):
                    if p.atom.kind == n.atom.kind:
                        return f"it asks for {p.atom.render()} and not {n.atom.render()}"
                    return (f"every {p.atom.kind} is an {n.atom.kind}" if n.atom.kind[0] in "aeiou" else
                            f"every {p.atom.kind} is a {n.atom.kind}") + \
                        f", so {p.atom.render()} and not {n.atom.render()} cannot both hold"
        return None

    def _always(self, when: A.Cond, unless: A.Cond) -> str | None:
        """The `unless` atom, when every way the trigger holds brings a fact that matches it."""
        if not isinstance(unless, A.Occurred):
            return None
        for b in C.dnf(when, _MAX_BRANCHES):
            if not any(positive and isinstance(c, A.Occurred) and self._implies(c.atom, unless.atom)
                       for positive, c in b):
                return None
        return unless.atom.render()

    # ------------------------------------------------------------ the bounded search
    def search(self, t: A.TreatyDecl) -> None:
        from engine.analysis.sides import Side, view
        from engine.analysis.universe import Universe
        from engine.core.statuses import listed

        provs = [p for p in t.provisions if p.when is not None and p.then is not None]
        if not provs:
            return
        need = max(sum(C.min_facts(c) for c in (p.when, p.upon) if c is not None) for p in provs)
        k = max(self.K, min(need, 5))
        if "default" not in self.lib.interpretations or k > 6:  # the facts are read under 'default', K ≤ 6
            return
        side = view(Side(t.id, t.id, self.lib, None))
        universe = Universe((side,), "default", None, 1)
        activated: dict[str, frozenset] = {}
        conflict: dict[tuple[str, str], tuple[frozenset, str]] = {}
        # subsumption: for p, the q that came with every activation so far
        covers: dict[str, set[str] | None] = {p.id: None for p in provs}
        by = {p.id: p for p in provs}
        for size in range(1, k + 1):
            for facts in universe.candidates(size):
                runs = listed(side.reduced, universe.scenario(side, sorted(facts)), t.id, "default")
                act = [r for r in runs if r.activated is not None]
                for r in act:
                    activated.setdefault(r.provision.id, facts)
                index: dict[tuple[str, str, str], list] = {}
                for r in act:
                    assert r.provision.then is not None
                    index.setdefault((r.provision.then.action.kind, r.bearer, r.beneficiary), []).append(r)
                for (_action, bearer, benef), rs in index.items():
                    musts = [r for r in rs if r.provision.then.modality == "obligation"]
                    nots = [r for r in rs if r.provision.then.modality == "prohibition"]
                    for r1 in musts:
                        for r2 in nots:
                            key = tuple(sorted((r1.provision.id, r2.provision.id)))
                            if key in conflict:
                                continue
                            both = _active_together(r1, r2)
                            if both is not None:
                                conflict[key] = (facts, f"{bearer} → {benef} on {iso(both)}")
                    for r in rs:
                        mod = r.provision.then.modality
                        others = {o.provision.id for o in rs if o is not r and o.provision.then.modality == mod
                                  and o.activated <= r.activated}
                        prev = covers[r.provision.id]
                        covers[r.provision.id] = others if prev is None else prev & others
        # a text that applies only under other readings (`version "…" under NAME`): searched again
        # under the first one it names, until it activates
        for p in provs:
            if p.version is None or p.version.read_under("default") or p.id in activated:
                continue
            reading = next((n for n in p.version.under if n in self.lib.interpretations), None)
            found = reading is None or any(
                any(r.provision.id == p.id and r.activated is not None
                    for r in listed(side.reduced, universe.scenario(side, sorted(facts)), t.id, reading))
                for size in range(1, k + 1) for facts in universe.candidates(size))
            if found:
                activated[p.id] = frozenset()
        for p in provs:
            reason = self.never_reason.get((t.id, p.id))
            if reason == "reported":
                continue
            if p.id not in activated:
                if reason:
                    self.add(p.span, "W-NEVER", f"'{t.id}.{p.id}' can never activate: {reason}",
                             "rewrite the condition; as it stands the provision is dead")
                else:
                    self.add(p.span, "W-NEVER", f"'{t.id}.{p.id}' never activates in any scenario of up to {k} facts "
                             "built from what the treaty mentions (bounded search)",
                             "check its trigger, prerequisites and 'unless' against the vocabulary, the membership "
                             "and the dates in force")
        for (p1, p2), (facts, when) in sorted(conflict.items()):
            later = max(by[p1], by[p2], key=lambda x: (x.span.line, x.span.column))
            other = by[p2] if later is by[p1] else by[p1]
            assert later.then is not None  # both have a duty: they conflict over its action
            scen = "; ".join(f"{iso(f.start)} {f.render(universe.side_roles(side, f))}" for f in sorted(facts))
            self.add(later.span, "W-CONFLICT",
                     f"'{t.id}.{later.id}' and '{other.id}' (line {other.span.line}) make one party both do and not do "
                     f"{later.then.action.kind} ({when}), in the scenario: {scen}",
                     "narrow one of the triggers, or add 'unless' to one so they cannot hold together")
        for p in provs:
            cov = covers[p.id]
            if p.id not in activated or not cov:
                continue
            # two that always come together: the later one is reported
            cov = {q for q in cov if not (p.id in (covers[q] or set()) and
                                          (by[q].span.line, by[q].span.column) > (p.span.line, p.span.column))}
            # two dated texts of one article (`version`) are distinct on purpose: each applies on its days
            cov = {q for q in cov if p.version is None or by[q].version is None}
            if not cov:
                continue
            q = by[sorted(cov, key=lambda x: (by[x].span.line, x))[0]]
            self.add(p.span, "W-SUBSUMED",
                     f"'{t.id}.{p.id}' is subsumed by '{q.id}' (line {q.span.line}): in every scenario of up to {k} "
                     f"facts where it activates, '{q.id}' activates no later for the same bearer and beneficiary "
                     f"(bounded search)",
                     f"merge it into '{q.id}', or if the articles are distinct on purpose (different qualifiers: "
                     f"{_qualifiers(p)} vs {_qualifiers(q)}), say so with '# lint: allow W-SUBSUMED because …'")

    # ------------------------------------------------------------ unused names
    def unused(self) -> None:
        used_kinds: set[str] = {"withdrawal", "denunciation"}  # read by the treaty context
        used_regions: set[str] = set()
        used_interps: set[str] = {"default"}
        region_decls: dict[str, A.RegionDecl] = {}
        for doc in self.docs:
            for item in doc.items:
                if isinstance(item, A.RegionDecl):
                    region_decls.setdefault(item.name, item)
                    used_regions.update(a.region for a in item.areas if a.region and a.region != item.name)
                elif isinstance(item, A.TreatyDecl):
                    for s in item.scopes:
                        used_regions.update(a.region for a in s.areas if a.region)
                    for r in item.reservations:  # a reservation's condition reads facts too
                        if r.when is not None:
                            used_kinds.update(a.kind for a in A.atoms(r.when))
                    for p in item.provisions:
                        if p.protects is not None:  # the protected class
                            used_regions.add(p.protects)
                        if p.version is not None:  # the readings its text applies under
                            used_interps.update(p.version.under + p.version.except_under)
                        for c in _conds(p):
                            used_kinds.update(a.kind for a in A.atoms(c))
                            used_regions.update(n.name for n in C.nodes(c, A.InArea) if n.what == "region")
                        if p.then is not None:
                            used_kinds.add(p.then.action.kind)
                elif isinstance(item, A.InterpretationDecl):
                    for d in item.definitions:
                        used_kinds.update({d.head.kind, d.body.kind})
                elif isinstance(item, A.PropertyDecl):
                    for rule in item.rules:
                        used_kinds.update(a.kind for a in A.atoms(rule.cond))
                        used_regions.update(n.name for n in C.nodes(rule.cond, A.InArea) if n.what == "region")
                elif isinstance(item, A.ScenarioDecl):
                    used_kinds.update(f.atom.kind for f in item.facts)
                    if item.interpretation:
                        used_interps.add(item.interpretation)
                    for e in item.expects:
                        if e.interpretation:
                            used_interps.add(e.interpretation)
        # a kind is used when an is-a relative of it is named: its facts can match, or it is a parent
        related = set(used_kinds)
        for k in used_kinds:
            info = self.lib.kinds.get(k)
            if info is not None:
                related.update(info.ancestors)
                related.update(self.lib.descendants(k))
        for name, info in sorted(self.lib.kinds.items()):
            if name not in related:
                self.add(info.span, "W-UNUSED", f"{'action' if info.is_action else 'kind'} '{name}' is used by no "
                         "treaty, interpretation, property or scenario",
                         "remove it, or explain why it stays: # lint: allow W-UNUSED because …")
        for name, decl in sorted(region_decls.items()):
            if name not in used_regions:
                self.add(decl.span, "W-UNUSED", f"region '{name}' is used by no scope, condition or other region",
                         "remove it, or use it in a scope")
        for name, it in sorted(self.lib.interpretations.items()):
            if name not in used_interps:
                self.add(it.span, "W-UNUSED",
                         f"interpretation '{name}' is named by no scenario, expectation or version",
                         "add a scenario that reads the facts under it, or remove it")


# ---------------------------------------------------------------------------- helpers


def _active_together(r1: InstanceRun, r2: InstanceRun) -> int | None:
    dates = sorted({d for d, _ in r1.timeline} | {d for d, _ in r2.timeline})
    for d in dates:
        if r1.status_at(d) == "active" and r2.status_at(d) == "active":
            return d
    return None


def _qualifiers(p: A.Provision) -> str:
    assert p.then is not None
    words = [q.value.replace("+", " and ") for q in p.then.qualifiers]
    return ", ".join(words) if words else "none"


_conds = A.clauses


_MAX_BRANCHES = 256  # the ways of holding the symbolic checks read (`C.dnf`)


def default_targets() -> list[str]:
    return list(iter_casus_files([library_dir()]))
