"""Why, or why not: for one provision, each instance's reasons, and for each way the provision
could trigger, what held and what did not (treaty not in force, party not a member, territory
outside the scope, another interpretation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypedDict

from engine.analysis.counterfactual import MAX_FACTS, Search, counterfactuals
from engine.base.errors import Diagnostics
from engine.base.source import Span
from engine.core.evaluate import BIG, Evaluation, TreatyRun, evaluate
from engine.core.records import because_items
from engine.kernel import conditions as C
from engine.kernel.facts import SELF_DEFENCE, Fact, Scenario, administrator, prepare, sovereign, unify
from engine.language import ast as A
from engine.language import render
from engine.language.build import iso
from engine.language.library import Library, beneficiary_arg

MAX_BRANCHES = 16


class InstanceEntry(TypedDict):
    """One instance of the provision, its dates as ISO text."""
    bearer: str
    beneficiary: str
    status: str
    since: str | None
    activated: str | None
    because: list[Any]  # engine.core.records' Because items: atom, fact, source
    missing: list[str]
    reason: str | None


@dataclass
class Check:
    text: str  # the literal, variables substituted
    held: bool
    detail: str  # the fact that satisfied it, or why not


@dataclass
class Branch:
    beneficiary: str
    checks: list[Check]
    # the bearers these checks are for, when they differ between this beneficiary's bearers
    # (empty: the same for every bearer)
    bearers: tuple[str, ...] = ()


@dataclass
class Explanation:
    treaty: str
    provision: A.Provision
    interpretation: str
    instances: list[InstanceEntry]
    structural: list[str] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    other_interpretations: list[str] = field(default_factory=list)
    counterfactuals: list[Search] = field(default_factory=list)

    def render(self) -> str:
        p = self.provision
        lines = [f"{self.treaty}.{p.id} — Art. {p.article}: {p.title}  (interpretation {self.interpretation})"]
        if p.says:
            lines.append(f"  “{p.says}”")
        if p.version is not None:  # the text this provision is: judged only on its days, under its reading
            v = p.version
            days = (f" from {iso(v.start)}" if v.start is not None else "") + (
                f" to {iso(v.end)}" if v.end is not None else "")
            reading = (f" under {', '.join(v.under)}" if v.under else
                       f" except under {', '.join(v.except_under)}" if v.except_under else "")
            judged = (" (its trigger is judged only on these days)" if not reading else
                      f" (this text applies under {self.interpretation})" if v.read_under(self.interpretation) else
                      f" (this text does not apply under {self.interpretation}: it is never triggered)")
            lines.append(f"  version {v.name}{days}{reading}{judged}")
        if p.when is not None:
            lines.append(f"  when   {render.cond(p.when)}")
        if p.upon is not None:
            lines.append(f"  upon   {render.cond(p.upon)}")
        if p.unless is not None:
            lines.append(f"  unless {render.cond(p.unless)}")
        if p.until is not None:
            lines.append(f"  until  {render.cond(p.until)}")
        lines.append("")
        if self.instances:
            # bearers with the same outcome toward one beneficiary are one block, as `run` groups
            # them ("AL, BE +29 more → PL"; issue 16 item 4), the bearers listed in full below it
            groups: dict[tuple[object, ...], list[InstanceEntry]] = {}
            for inst in self.instances:
                key = (inst["beneficiary"], inst["status"], inst["since"], inst["activated"],
                       tuple((str(b.atom), str(b.fact), str(b.source)) for b in inst["because"]),
                       tuple(inst["missing"]), inst.get("reason"))
                groups.setdefault(key, []).append(inst)
            for same in groups.values():
                inst = same[0]
                bearers = [i["bearer"] for i in same]
                who = ", ".join(bearers) if len(bearers) <= 3 else f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
                lines.append(f"{who} -> {inst['beneficiary']}: {inst['status']} since {inst['since']}"
                             + (f" (activated {inst['activated']})" if inst["activated"] else ""))
                if len(bearers) > 3:
                    lines.append(f"  bearers {' '.join(bearers)}")
                for b in inst["because"]:
                    lines.append(f"  because {b.atom}  <-  {b.fact}  [{b.source}]")
                for m in inst["missing"]:
                    lines.append(f"  missing {m}")
                if inst.get("reason"):
                    lines.append(f"  {inst['reason']}")
        else:
            lines.append("No instance: the provision stayed dormant. Why not:")
        for s in self.structural:
            lines.append(f"  - {s}")
        for br in self.branches:
            who = f" (bearer{'s' if len(br.bearers) > 1 else ''} {', '.join(br.bearers)})" if br.bearers else ""
            lines.append(f"  for {br.beneficiary}{who}:")
            for c in br.checks:
                lines.append(f"    {'held   ' if c.held else 'did not'} {c.text}"
                             + (f"  — {c.detail}" if c.detail else ""))
        for o in self.other_interpretations:
            lines.append(f"  - {o}")
        if self.counterfactuals:
            lines.append("")
            lines.append("What would change it (each set confirmed by re-running the scenario):")
            for search in self.counterfactuals:
                lines.extend(search.render())
        return "\n".join(lines) + "\n"


def _literal(tr: TreatyRun, lit: A.Cond, env: dict[str, str], parties: tuple[str, str],
             all_facts: list[Fact]) -> tuple[Check, dict[str, str]]:
    """Whether a literal of a way the provision could trigger holds for the (bearer, beneficiary)
    pair, seeing the facts as the engine does; if not, why not."""
    text = render.cond(lit, env)
    sol = next(tr.solver.solve(lit, env, BIG, parties), None)
    if sol is not None:
        env2, proof = sol
        facts = [p[2] for p in proof if p[0] == "fact"]
        detail = "; ".join(f"{f.text} [{f.source}]" for f in facts) if facts else ""
        return Check(render.cond(lit, env2), True, detail), env2
    atom = lit.atom if isinstance(lit, (A.Occurred, A.Ongoing)) else None
    if atom is not None:
        kinds = set(tr.lib.descendants(atom.kind)) or {atom.kind}
        near = [f for f in all_facts if f.kind in kinds and unify(atom, f.roles, env) is not None]
        if near:
            f = near[0]
            ctx = tr.ctx
            start, end = ctx.start, ctx.end
            if not ctx.visible(f):
                return Check(text, False, f"{f.text} [{f.source}] happened when the treaty was not in force "
                                          f"(in force {iso(start)}{' to ' + iso(end) if end < BIG else ''})"), env
            # the beneficiary first, then the bearer
            outside = ctx.not_seen_by(f, (parties[1], parties[0]))
            if outside is not None:
                spans = ctx.members.get(outside, [])
                when = ", ".join(f"{iso(s)}–{iso(e) if e < BIG else ''}" for s, e in spans) or "never"
                why = f"{f.text} [{f.source}], but {outside} was not a member then (member: {when})"
                return Check(text, False, why), env
            if isinstance(lit, A.Ongoing):
                return Check(text, False, f"{f.text} [{f.source}] is not ongoing at the end of the scenario"), env
        if "armed_attack" in kinds:  # an attack the interpretation reads as self-defence (kernel/facts.py)
            defence = [f for f in all_facts if f.kind == SELF_DEFENCE and unify(atom, f.roles, env) is not None]
            if defence:
                return Check(text, False, f"{defence[0].text} [{defence[0].source}]: not an armed attack"), env
        unplaced = _unplaced(atom, all_facts, env, kinds)
        if unplaced is not None:
            return Check(text, False, f"{unplaced.text} [{unplaced.source}] matches, but its place was not "
                                      "given (no `at`: an attack on forces, vessels or aircraft is not "
                                      "placed in the country attacked)"), env
        return Check(text, False, "no fact matches"), env
    if isinstance(lit, A.Temporal):
        # the facts each side matches on its own, and why no pair stands in the relation
        firsts = _matching(tr, lit.first, env, all_facts)
        seconds = _matching(tr, lit.second, env, all_facts)
        if not firsts or not seconds:
            missing = lit.first if not firsts else lit.second
            return Check(text, False, f"no fact matches {missing.render(env)}"), env
        ctx = tr.ctx
        # a side none of whose facts the treaty sees: they happened when it was not in force
        unseen = next((side[0] for side in (firsts, seconds) if not any(ctx.visible(f) for f in side)), None)
        if unseen is not None:
            start, end = ctx.start, ctx.end
            return Check(text, False, f"{unseen.text} [{unseen.source}] happened when the treaty was not in force "
                                      f"(in force {iso(start)}{' to ' + iso(end) if end < BIG else ''})"), env
        a, b = firsts[0], seconds[0]
        words = {"during": "does not start while {b} lasts", "overlapping": "shares no day with {b}",
                 "after": "does not start on or after {b}", "before": "does not start before {b}"}
        rel = words.get(lit.op, f"does not start within {lit.days} days after {{b}}")
        return Check(text, False, f"{a.text} [{a.source}] {rel.format(b=f'{b.text} [{b.source}]')}"), env
    if isinstance(lit, A.PlaceOf):
        where = env.get(lit.var)
        if where is None:
            return Check(text, False, f"no fact gave the place {lit.var}"), env
        if where in tr.lib.areas:
            return Check(text, False, f"{where} is an area (a sea or an ocean): nobody's territory"), env
        if lit.relation == "territory":
            word = f"its sovereign is {sovereign(tr.interp, where, BIG)}"
        else:
            word = f"it is administered by {administrator(tr.lib, tr.interp, where, BIG)}"
        return Check(text, False, f"{where}: {word} (at the end of the scenario, under the interpretation)"), env
    if isinstance(lit, A.InArea):
        if lit.var not in env:  # never "A is outside scope art6" of a variable no fact bound
            return Check(text, False, f"no fact gave the place {lit.var}"), env
        return Check(text, False, f"{env[lit.var]} is outside {lit.what} {lit.name}"), env
    if isinstance(lit, A.IsWho):
        if lit.var not in env:
            return Check(text, False, f"no fact named {lit.var}"), env
        who = env[lit.var]
        return Check(text, False, f"{who} is not {'a state' if lit.what == 'state' else 'a declared actor'}"), env
    if isinstance(lit, A.Not):
        return Check(text, False, "the negated condition holds"), env
    return Check(text, False, ""), env


def _matching(tr: TreatyRun, atom: A.Atom, env: dict[str, str], all_facts: list[Fact]) -> list[Fact]:
    """The facts of an atom's kind (or a kind below it) whose roles fit it."""
    kinds = set(tr.lib.descendants(atom.kind)) or {atom.kind}
    return [f for f in all_facts if f.kind in kinds and unify(atom, f.roles, env) is not None]


def _unplaced(atom: A.Atom, facts: list[Fact], env: dict[str, str], kinds: set[str]) -> Fact | None:
    """A fact that would match the atom but for its place: it gives no `at` (SPEC "No silent
    place": `explain` says the place was not given)."""
    if not any(a.role == "at" for a in atom.args):
        return None
    rest = A.Atom(atom.kind, tuple(a for a in atom.args if a.role != "at"), atom.span)
    return next((f for f in facts if f.kind in kinds and "at" not in f.roles and unify(rest, f.roles, env) is not None),
                None)


def explain(lib: Library, scenario: Scenario, treaty: str, provision: str,
            interpretation: str | None = None, max_facts: int = MAX_FACTS) -> Explanation:
    """Why an instance of `treaty.provision` is in its status, or why it never came alive; and
    the minimal sets of up to `max_facts` facts to add or remove that would change it (0: no
    search; see engine.analysis.counterfactual)."""
    diags = Diagnostics()
    span = Span("<command line>", 1, 1, 1, 1)
    if treaty not in lib.treaties:
        diags.unknown(span, "treaty", treaty, lib.treaties)
        diags.raise_if_any()
    t = lib.treaties[treaty]
    prov = next((p for p in t.provisions if p.id == provision), None)
    if prov is None:
        diags.unknown(span, "provision", provision, owner=treaty, candidates=[p.id for p in t.provisions])
        diags.raise_if_any()
    assert prov is not None
    ev: Evaluation = evaluate(lib, scenario, [treaty], interpretation)
    outcome = ev.outcomes[0]
    runs = [r for r in outcome.instances if r.provision.id == provision]
    insts: list[InstanceEntry] = [{"bearer": r.bearer, "beneficiary": r.beneficiary, "status": r.status,
                                   "since": iso(r.since), "activated": iso(r.activated), "because": because_items(r),
                                   "missing": list(r.missing), "reason": r.reason} for r in runs]
    ex = Explanation(treaty, prov, ev.interpretation, insts)
    tr = outcome.run
    if t.in_force is not None:
        ex.structural.append(f"{treaty} in force from {iso(t.in_force)}" + (f" until {iso(t.ends)}" if t.ends else ""))
    if prov.version is not None and not prov.version.read_under(ev.interpretation):
        ex.structural.append(f"its text (version {prov.version.name}) does not apply under {ev.interpretation}")
    if not runs and prov.then is not None:
        all_facts = prepare(lib, scenario, lib.interpretations.get(ev.interpretation))
        ben = beneficiary_arg(prov.then)
        ctx = tr.ctx
        mentioned = sorted({v for f in all_facts for v in f.roles.values() if v in ctx.members})
        candidates = [ben.code] if isinstance(ben, A.Code) else (mentioned or sorted(ctx.members)[:3])
        bearer = prov.then.bearer
        trigger = A.And(tuple(c for c in (prov.when, prov.upon) if c is not None), prov.span)
        # a `not` is a literal of its own; the first MAX_BRANCHES ways
        branches = [[lit for _, lit in b] for b in C.dnf(trigger, MAX_BRANCHES, push_not=False)[:MAX_BRANCHES]]
        for benef in candidates:
            # each (bearer, beneficiary) pair the engine would consider, seeing the facts as it does;
            # bearers whose checks come out the same are shown once
            found: dict[tuple[tuple[str, bool, str], ...], tuple[list[str], list[list[Check]]]] = {}
            for who in ctx.bearers(bearer, benef) or [benef]:
                env0 = {ben.name: benef} if isinstance(ben, A.Var) else {}
                if bearer.var:
                    env0[bearer.var] = who
                results = []
                for branch in branches:
                    checks, env = [], dict(env0)
                    for lit in sorted(branch, key=C.is_test):
                        check, env = _literal(tr, lit, env, (who, benef), all_facts)
                        checks.append(check)
                    results.append(checks)
                key = tuple((c.text, c.held, c.detail) for checks in results for c in checks)
                found.setdefault(key, ([], results))[0].append(who)
            for whos, results in found.values():
                shown = tuple(whos) if len(found) > 1 else ()
                ex.branches.extend(Branch(benef, checks, shown) for checks in results)
    for name in sorted(lib.interpretations):
        if name == ev.interpretation:
            continue
        other = evaluate(lib, scenario, [treaty], name).outcomes[0]
        here = {(r.bearer, r.beneficiary): r.status for r in runs}
        there = {(r.bearer, r.beneficiary): r.status for r in other.instances if r.provision.id == provision}
        if here != there:
            diff = ", ".join(f"{b} -> {ben} {s}" for (b, ben), s in sorted(there.items())) or "nothing"
            ex.other_interpretations.append(f"under interpretation {name}: {diff}")
    if max_facts > 0:
        ex.counterfactuals = counterfactuals(lib, scenario, treaty, provision, interpretation, max_facts)
    return ex
