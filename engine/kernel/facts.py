"""Scenarios as the engine sees them: facts with intervals, roles completed (`on` from `at`
under the interpretation, `at` from `on`), and derived facts from the interpretation's
definitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from dataclasses import field

from engine.base.record import record
from engine.language import ast as A
from engine.language.codes import country_of, is_country
from engine.language.library import DEFAULT_TARGET, Library

BIG = dt.date.max.toordinal()  # the end of an open-ended interval


@record(eq=False)
class Fact:
    kind: str
    roles: dict[str, str]
    start: int
    end: int  # inclusive; BIG when open-ended
    text: str  # as written by the user
    source: str  # path:line
    note: str | None = None

    def sort_key(self) -> tuple[int, int, str, str, str]:
        return (self.start, self.end, self.kind, self.text, self.source)


@record
class Scenario:
    """A scenario ready to evaluate. `facts` are as written (roles not yet completed)."""

    name: str
    source: str
    interpretation: str | None
    facts: tuple[Fact, ...]
    expects: tuple[A.Expect, ...] = ()
    decl: A.ScenarioDecl | None = field(default=None, compare=False)


def from_decl(decl: A.ScenarioDecl) -> Scenario:
    facts = []
    for f in decl.facts:
        roles = {a.role: str(a.value) for a in f.atom.args}
        facts.append(Fact(f.atom.kind, roles, f.start, BIG if f.end is None else f.end, f.atom.render(),
                          f.span.short, f.note))
    return Scenario(decl.name, decl.span.path, decl.interpretation, tuple(facts), decl.expects, decl)


def sovereign(interp: A.InterpretationDecl | None, territory: str, date: int) -> str:
    """Who a territory belongs to on a date, under an interpretation."""
    owner = country_of(territory)
    if interp is not None:
        best = -1
        for r in interp.reassignments:
            if r.start <= date and any(t.code == territory for t in r.territories) and r.start >= best:
                best, owner = r.start, r.to.code
    return owner


def administrator(lib: Library, interp: A.InterpretationDecl | None, territory: str, date: int) -> str:
    """Who administers a territory on a date: the latest entry of record (`administration` blocks)
    or of the interpretation (`from DATE: CODES administered by CODE`; on the same date the
    interpretation's entry wins) that names the territory or its country; without one, its
    sovereign under the interpretation (SPEC "Whose territory": administration is dated and
    separate from sovereignty)."""
    country = country_of(territory)
    best: tuple[int, int, int] | None = None
    owner = None
    entries = [(0, r) for r in lib.administration] + [(1, r) for r in (interp.administrations if interp else ())]
    for rank, r in entries:
        if r.start > date:
            continue
        for t in r.territories:
            # an entry for the territory itself beats one for its whole country
            exact = 1 if t.code == territory else 0 if t.code == country else -1
            if exact < 0:
                continue
            key = (r.start, exact, rank)
            if best is None or key >= best:
                best, owner = key, r.to.code
    return owner if owner is not None else sovereign(interp, territory, date)


def holder(lib: Library, interp: A.InterpretationDecl | None, place: str, relation: str, date: int) -> str | None:
    """Who a place is the territory of (`relation` "territory": its sovereign) or is administered
    by ("administration") on a date, under an interpretation: what `A territory of X` / `A
    administered by X` compare with X. An area (a sea) has neither: None."""
    if is_area(lib, place):
        return None
    return sovereign(interp, place, date) if relation == "territory" else administrator(lib, interp, place, date)


def place_changes(lib: Library, interp: A.InterpretationDecl | None) -> frozenset[int]:
    """The dates on which a territory's sovereign or administrator can change (the instants a
    `territory of` / `administered by` test must be looked at)."""
    entries = lib.administration + (interp.administrations + interp.reassignments if interp else ())
    return frozenset(r.start for r in entries)


def is_area(lib: Library, place: str) -> bool:
    """Whether a place is a declared area (a sea, an ocean), not a territory: it has no sovereign."""
    return place in lib.areas


def prepare(lib: Library, scenario: Scenario, interp: A.InterpretationDecl | None) -> list[Fact]:
    """Complete roles and add derived facts; sorted, so the result never depends on input order."""
    out: list[Fact] = []
    kinds = lib.kinds
    for f in scenario.facts:
        info = kinds.get(f.kind)
        if info is not None:
            have = f.roles
            if not on_from_at(info.roles, have) and at_from_on(info.roles, have) is have \
                    and not target_missing(info.roles, have):
                out.append(f)  # nothing to complete: the fact as written
                continue
        roles = dict(f.roles)
        pieces = [(f.start, f.end)]
        if info is not None:
            if target_missing(info.roles, roles):
                roles[TARGET] = DEFAULT_TARGET  # SPEC: `against` left out means `territory`
            if on_from_at(info.roles, roles):
                # a fact at a territory that changes hands under the interpretation is cut at
                # each change, so every piece is on the sovereign of its own days
                pieces = _split(interp, roles["at"], f.start, f.end)
            roles = at_from_on(info.roles, roles)
        for start, end in pieces:
            piece_roles = dict(roles)
            if "at" in roles and "on" not in f.roles and info is not None and "on" in info.roles:
                piece_roles["on"] = sovereign(interp, roles["at"], start)
            out.append(Fact(f.kind, piece_roles, start, end, f.text, f.source, f.note))
    if interp is not None and interp.self_defence:
        out = _self_defence(lib, interp, out)
    if interp is not None and interp.definitions:
        out += [d for f in list(out) for d in defined(lib, interp, f)]
    out.sort(key=Fact.sort_key)
    return out


def defined(lib: Library, interp: A.InterpretationDecl, f: Fact) -> list[Fact]:
    """The facts an interpretation's definitions derive from one fact (roles completed), with its
    days: definition by definition, from the fact and from those that earlier definitions derived
    from it (a derived fact has one source, so this is `prepare`'s whole derivation, per fact; the
    compiled code asks it once per distinct event)."""
    chain = [f]
    for d in interp.definitions:
        for g in list(chain):
            if d.body.kind not in lib.kinds.get(g.kind, _NOKIND).ancestors:
                continue
            env = unify(d.body, g.roles, {})
            if env is None:
                continue
            roles = {a.role: (env.get(a.value.name, a.value.name) if isinstance(a.value, A.Var) else str(a.value))
                     for a in d.head.args}
            chain.append(Fact(d.head.kind, roles, g.start, g.end,
                              f"{d.head.render(env)} [defined by {interp.name}: {d.body.render(env)}]", g.source, None))
    return chain[1:]


SELF_DEFENCE = "self_defence"  # the kind an armed attack in self-defence is read as (obligations/vocabulary.casus)


def _self_defence(lib: Library, interp: A.InterpretationDecl, facts: list[Fact]) -> list[Fact]:
    """`armed attacks in self-defence are not armed attacks`: an armed attack by A on B that starts
    while an armed attack by B on A, begun earlier, is going on is read as a `self_defence` fact
    (no armed attack, aggression or threat on B), whose text says which attack it answers (UN
    Charter Art. 51). Both attacks must name who attacked; the first such attack (by start, then
    text) is the one cited."""
    attacks = sorted((f for f in facts if is_attack(lib, f)), key=Fact.sort_key)
    if SELF_DEFENCE not in lib.kinds or not attacks:
        return facts
    out = []
    for f in facts:
        prior = _answered(attacks, f) if is_attack(lib, f) else None
        if prior is None:
            out.append(f)
            continue
        roles = {r: v for r, v in f.roles.items() if r in lib.kinds[SELF_DEFENCE].roles}
        why = (f"{f.text} [self-defence under {interp.name}: against armed_attack(by: {prior.roles['by']}, "
               f"on: {prior.roles['on']}) going on since {dt.date.fromordinal(prior.start).isoformat()}]")
        out.append(Fact(SELF_DEFENCE, roles, f.start, f.end, why, f.source, f.note))
    return out


def is_attack(lib: Library, f: Fact) -> bool:
    """Whether `self_defence` may read a fact as force in self-defence: an armed attack that names
    who attacked whom."""
    info = lib.kinds.get(f.kind)
    return info is not None and "armed_attack" in info.ancestors and "by" in f.roles and "on" in f.roles


def _answered(attacks: list[Fact], f: Fact) -> Fact | None:
    """The first of `attacks` (sorted) that the attack f answers: by f's target on f's attacker,
    begun before f and still going on when f starts (None: f answers none)."""
    return next((g for g in attacks if g.roles["by"] == f.roles["on"] and g.roles["on"] == f.roles["by"]
                 and g.start < f.start <= g.end), None)


def reads_self_defence(lib: Library, attacks: list[Fact]) -> bool:
    """Whether `self_defence` reads one of a scenario's attacks (`is_attack`, sorted) as force in
    self-defence: the compiled code sends such a scenario to the engine."""
    return SELF_DEFENCE in lib.kinds and any(_answered(attacks, f) is not None for f in attacks)


TARGET = "against"


def target_missing(kind_roles: Container[str], roles: dict[str, str]) -> bool:
    """Whether `prepare` fills a fact's `against: territory`: its kind has the role, the fact
    does not give it."""
    return TARGET in kind_roles and TARGET not in roles


def on_from_at(kind_roles: Container[str], roles: dict[str, str]) -> bool:
    """Whether `prepare` derives a fact's `on` from its `at` (the sovereign of the territory on
    each day, under the interpretation): its kind has `on`, the fact gives `at` and not `on`. (An
    area has no sovereign: the checker makes a fact placed in one name `on`.)"""
    return "on" in kind_roles and "on" not in roles and "at" in roles


def at_from_on(kind_roles: Container[str], roles: dict[str, str]) -> dict[str, str]:
    """A fact's roles with `at` completed as `prepare` completes it: from a country `on`, when its
    kind has `at` and the fact gives `on` and not `at` (the same dict otherwise) — and only for an
    attack against territory (SPEC "No silent place": forces, vessels or aircraft attacked with no
    `at` have no known place)."""
    if "at" in kind_roles and "at" not in roles and "on" in roles and is_country(roles["on"]) \
            and roles.get(TARGET, DEFAULT_TARGET) == DEFAULT_TARGET:
        return {**roles, "at": roles["on"]}
    return roles


def _split(interp: A.InterpretationDecl | None, territory: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = sorted({r.start for r in interp.reassignments
                   if start < r.start <= end and any(t.code == territory for t in r.territories)}) if interp else []
    bounds = [start] + cuts
    return [(b, (bounds[i + 1] - 1) if i + 1 < len(bounds) else end) for i, b in enumerate(bounds)]


class _NoKind:
    ancestors: tuple[str, ...] = ()


_NOKIND = _NoKind()


def unify(atom: A.Atom, roles: dict[str, str], env: dict[str, str]) -> dict[str, str] | None:
    """Match an atom's arguments against a fact's roles, extending `env`; None if they clash."""
    out = env
    for arg in atom.args:
        v = arg.value
        if isinstance(v, A.Wildcard):
            continue
        have = roles.get(arg.role)
        if have is None:
            return None
        if isinstance(v, A.Var):
            bound = out.get(v.name)
            if bound is None:
                if out is env:
                    out = dict(env)
                out[v.name] = have
            elif bound != have:
                return None
        elif isinstance(v, A.Code):
            if have != v.code and not (arg.role in ("at", "in") and is_country(v.code) and country_of(have) == v.code):
                return None
        elif have != v.name:
            return None
    return out
