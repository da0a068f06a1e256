"""Property-based testing of treaty rules: the properties a rule author writes in the language,
and built-in invariants any treaty must keep. Scenarios come from `engine.strategies`; a
failure is shrunk by Hypothesis and reported as a ready-to-run `.casus` scenario."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase, InMemoryExampleDatabase
from hypothesis.strategies import SearchStrategy

from engine.analysis.strategies import scenario_text, scenarios
from engine.core.evaluate import Evaluation, InstanceRun, TreatyOutcome, TreatyRun, evaluate
from engine.core.model import result_model
from engine.kernel.context import static_context
from engine.kernel.facts import BIG, Fact, Scenario
from engine.language import ast as A
from engine.language import render
from engine.language.build import iso
from engine.language.library import Library
from engine.language.statuses import TERMINAL

CACHE_DIR = ".casus-cache"
AFTER_ACTIVATION = frozenset({"active", "suspended", "fulfilled", "violated", "discharged"})


class PropertyFailed(AssertionError):
    """Raised inside the Hypothesis test when a scenario breaks a property."""


@dataclass(frozen=True)
class Failure:
    """A property or invariant that a (shrunk) scenario breaks."""

    name: str  # property name, or invariant name
    rule: str  # the rule as written, or the invariant's statement
    message: str  # what happened, in words
    scenario: Scenario
    treaty: str
    provision: str | None
    where: str  # file:line of the rule, or "built-in"
    seed: int | None = None  # the seed given to the search (`casus fuzz --seed N` repeats it); None: random
    expects: tuple[str, ...] = ()  # `expect` lines pinning what the engine answers on the counter-example

    @property
    def casus(self) -> str:
        """The counter-example as a ready-to-run `.casus` scenario: a header naming the property
        (or invariant), its rule and the seed, then the scenario with `expect` lines that pin the
        engine's answer on it, so that the file is a regression test as it stands (`casus test`)."""
        text = scenario_text(dataclasses.replace(self.scenario, name=f"counter-example to {self.name}"))
        what = "property" if self.where != "built-in" else "invariant"
        head = [f"# counter-example to {what} {self.name} [{self.where}]: {self.rule}",
                f"# found by casus fuzz {'(random search)' if self.seed is None else f'--seed {self.seed}'}: "
                f"{self.message}"]
        if self.expects:
            head.append("# the expect lines pin the answer the property rejects: when the rule or the treaty is")
            head.append("# fixed, they fail; replace them with the answer you then expect")
            body = text.rstrip("\n").split("\n")
            text = "\n".join(body[:-1] + [f"  {e}" for e in self.expects] + body[-1:]) + "\n"
        return "\n".join(head) + "\n" + text


# ------------------------------------------------------------------ checking one evaluation


def _reached(run: InstanceRun, state: str) -> int | None:
    """The first date an instance is in `state` (for `activated`: its activation date)."""
    if state == "activated":
        return run.activated
    return next((d for d, s in run.timeline if s == state), None)


def _intervals(run: InstanceRun, state: str, instants: list[int]) -> list[int]:
    """Every instant (of the treaty's timeline) at which the instance is in `state`."""
    if state == "activated":
        return [t for t in instants if run.activated is not None and t >= run.activated]
    out = []
    for t in sorted(set(instants) | {d for d, _ in run.timeline}):
        if run.status_at(t) == state:
            out.append(t)
    return out


def _holds(tr: TreatyRun, cond: A.Cond, env: dict[str, str], t: int, parties: tuple[str, str]) -> bool:
    """Whether a rule's condition holds at t as the (bearer, beneficiary) pair sees the facts: those
    that overlap the treaty's time in force and both parties' memberships, as the engine sees them."""
    return next(tr.solver.solve(cond, env, t, parties), None) is not None


def _outcome(ev: Evaluation, treaty: str) -> TreatyOutcome:
    return next(o for o in ev.outcomes if o.treaty.id == treaty)


def rule_text(rule: A.PropertyRule) -> str:
    if rule.form == "before":
        assert rule.later is not None
        t2, p2, s2 = rule.later
        return f"{rule.treaty}.{rule.provision} {rule.state} before {t2}.{p2} {s2} for {rule.var}"
    text = f"{rule.form} {rule.state} {rule.treaty}.{rule.provision} for {rule.var}"
    if rule.cond is not None:
        text += (" unless " if rule.form == "never" else " when ") + render.cond(rule.cond)
    return text


def check_rule(rule: A.PropertyRule, ev: Evaluation) -> tuple[str, str | None] | None:
    """None if the evaluation keeps the rule; else (message, provision at fault)."""
    bad = _check_rule(rule, ev)
    return None if bad is None else (bad[0], bad[1])


def _check_rule(rule: A.PropertyRule, ev: Evaluation) -> tuple[str, str | None, tuple[str, str, str | None]] | None:
    """As `check_rule`, with the instance at fault: (treaty, provision, bearer or None for all)
    toward the beneficiary, as a pair (treaty.provision, beneficiary) for the `expect` line."""
    out = _outcome(ev, rule.treaty)
    tr = out.run
    runs = [r for r in out.instances if r.provision.id == rule.provision]
    ctx = tr.ctx
    facts = ctx.days(f for f in tr.index.facts if ctx.visible(f))  # the instants the facts add
    instants = sorted(set(ctx.instants) | facts | {d for r in out.instances for d, _ in r.timeline})
    if rule.form == "never":
        for r in runs:
            for t in _intervals(r, rule.state, instants):
                env = {rule.var: r.beneficiary}
                if rule.cond is None or not _holds(tr, rule.cond, env, t, (r.bearer, r.beneficiary)):
                    why = "" if rule.cond is None else f" while not {render.cond(rule.cond, env)}"
                    return (f"{rule.treaty}.{rule.provision} {r.bearer} -> {r.beneficiary} is {rule.state} "
                            f"on {iso(t)}{why}", rule.provision, (rule.treaty, r.beneficiary, r.bearer))
        return None
    if rule.form == "always":
        assert rule.cond is not None
        then = next((p.then for p in tr.treaty.provisions if p.id == rule.provision), None)
        for t in instants:
            for x in ctx.parties:
                if not ctx.member(x, t):
                    continue
                env = {rule.var: x}
                # the condition holds for x when some pair the engine would consider (a bearer of
                # the provision toward x, both members at t) sees the facts that make it hold
                bearers = ctx.bearers(then.bearer, x, t=t) if then is not None else []
                holds = [y for y in bearers if _holds(tr, rule.cond, env, t, (y, x))]
                if not holds:
                    continue
                # only the bearers that are members at t, and see the condition, owe it then: a party
                # that joins later is rightly dormant until it joins (issue 16 item 8)
                owing = [y for y in holds if ctx.member(y, t)]
                if not owing:
                    continue
                mine = [r for r in runs if r.beneficiary == x and r.bearer in owing]
                short = [r for r in mine if not (
                    (r.activated is not None and r.activated <= t) if rule.state == "activated"
                    else r.status_at(t) == rule.state)]
                if not mine or short:
                    # the evidence: the instances that fall short (or that there is none)
                    states = ", ".join(f"{r.bearer} -> {x} {r.status_at(t)}" for r in short) or "no instance"
                    shown = render.cond(rule.cond, _bound(tr, rule.cond, env, t, (owing[0], x)))
                    return (f"on {iso(t)} {shown} holds but {rule.treaty}.{rule.provision} "
                            f"for {x} is not {rule.state} ({states})", rule.provision,
                            (rule.treaty, x, short[0].bearer if len(short) == 1 and len(mine) == 1 else None))
        return None
    assert rule.later is not None
    t2, p2, s2 = rule.later
    later_out = _outcome(ev, t2)
    for r2 in [r for r in later_out.instances if r.provision.id == p2]:
        when2 = _reached(r2, s2)
        if when2 is None:
            continue
        firsts = [_reached(r, rule.state) for r in runs if r.beneficiary == r2.beneficiary]
        if not any(w is not None and w <= when2 for w in firsts):
            return (f"{t2}.{p2} {r2.bearer} -> {r2.beneficiary} is {s2} on {iso(when2)}, but "
                    f"{rule.treaty}.{rule.provision} for {r2.beneficiary} was not {rule.state} by then", p2,
                    (t2, r2.beneficiary, r2.bearer))
    return None


def _bound(tr: TreatyRun, cond: A.Cond, env: dict[str, str], t: int, parties: tuple[str, str]) -> dict[str, str]:
    """`env` with the other variables the condition binds when it holds (the first way it holds),
    so that the message names the values (`armed_attack(on: FR, at: P)` with P bound)."""
    got = next(tr.solver.solve(cond, env, t, parties), None)
    if got is None:
        return env
    return {**{k: v for k, v in got[0].items() if isinstance(k, str) and isinstance(v, str)}, **env}


# ------------------------------------------------------------------ built-in invariants


def _shift_treaty(t: A.TreatyDecl, d: int) -> A.TreatyDecl:
    sh = lambda x: None if x is None else x + d  # noqa: E731
    return dataclasses.replace(
        t, signed=sh(t.signed), in_force=sh(t.in_force), ends=sh(t.ends),
        members=tuple(dataclasses.replace(m, start=sh(m.start), end=sh(m.end)) for m in t.members),
        suspensions=tuple(dataclasses.replace(s, start=s.start + d, end=sh(s.end)) for s in t.suspensions),
        provisions=tuple(p if p.version is None else dataclasses.replace(
            p, version=dataclasses.replace(p.version, start=sh(p.version.start), end=sh(p.version.end)))
            for p in t.provisions),
        reservations=tuple(dataclasses.replace(r, start=sh(r.start), end=sh(r.end)) for r in t.reservations))


def shift_library(lib: Library, d: int) -> Library:
    """The same library with every date moved by d days."""
    interps = {n: dataclasses.replace(i, reassignments=tuple(dataclasses.replace(r, start=r.start + d)
                                                             for r in i.reassignments),
                                      memberships=tuple(dataclasses.replace(
                                          m, start=m.start + d, end=None if m.end is None else m.end + d)
                                          for m in i.memberships))
               for n, i in lib.interpretations.items()}
    return dataclasses.replace(lib, treaties={k: _shift_treaty(t, d) for k, t in lib.treaties.items()},
                               interpretations=interps)


def shift_scenario(s: Scenario, d: int) -> Scenario:
    return dataclasses.replace(s, facts=tuple(
        Fact(f.kind, f.roles, f.start + d, f.end if f.end >= BIG else f.end + d, f.text, f.source, f.note)
        for f in s.facts))


def _result_json(lib: Library, s: Scenario, treaty: str, interpretation: str | None = None) -> dict[str, Any]:
    return json.loads(result_model(lib, evaluate(lib, s, [treaty], interpretation)).to_json())


def _shift_dates(doc: dict[str, Any], d: int) -> dict[str, Any]:
    import datetime as dt

    def one(x: str | None) -> str | None:
        return None if x is None else (dt.date.fromisoformat(x) + dt.timedelta(days=d)).isoformat()

    for tr in doc["results"]:
        for i in tr["instances"]:
            i["activated"], i["since"] = one(i["activated"]), one(i["since"])
            for e in i["timeline"]:
                e["date"] = one(e["date"])
    return doc


def symmetric_pair(lib: Library, treaty: str) -> tuple[str, str] | None:
    """The two parties of a treaty whose text never tells them apart, else None."""
    t = lib.treaties[treaty]
    ctx = static_context(t)
    codes = ctx.parties
    if len(codes) != 2 or ctx.suspensions or any(k[0] == treaty for k in lib.scopes):
        return None
    if ctx.members[codes[0]] != ctx.members[codes[1]]:
        return None
    text = repr(t.provisions)
    if re.search(r"Code\(code='", text) or "mode='code'" in text:
        return None
    return codes[0], codes[1]


def _swap_text(text: str, a: str, b: str) -> str:
    return re.sub(rf"\b({a}|{b})\b", lambda m: b if m.group(1) == a else a, text)


INVARIANTS: dict[str, str] = {
    "order": "the order of facts does not change the result",
    "files": "the order of the library's files does not change the result",
    "shift": "moving every date by the same number of days moves only the dates in the result",
    "swap": "renaming the two parties of a symmetric bilateral treaty swaps bearers and beneficiaries only",
    "terminal": "no instance leaves fulfilled, violated or discharged",
    "latch": "once activated, an instance is never pending, dormant, defeated or lapsed again",
}


def check_invariants(lib: Library, treaty: str, s: Scenario, reordered: Library | None = None
                     ) -> tuple[str, str] | None:
    """The first invariant the scenario breaks for the treaty: (name, message), or None."""
    base = _result_json(lib, s, treaty)
    ev = evaluate(lib, s, [treaty])
    for r in ev.outcomes[0].instances:
        seen_terminal = None
        for d, status in r.timeline:
            if seen_terminal is not None and status != seen_terminal:
                return "terminal", (f"{r.provision.id} {r.bearer} -> {r.beneficiary} went from {seen_terminal} "
                                    f"to {status} on {iso(d)}")
            if status in TERMINAL:
                seen_terminal = status
        if r.activated is not None:
            for d, status in r.timeline:
                if d >= r.activated and status not in AFTER_ACTIVATION:
                    return "latch", (f"{r.provision.id} {r.bearer} -> {r.beneficiary} was {status} on {iso(d)} "
                                     f"after activation on {iso(r.activated)}")
    flipped = dataclasses.replace(s, facts=tuple(reversed(s.facts)))
    if _result_json(lib, flipped, treaty) != base:
        return "order", "reversing the facts changed the result"
    if reordered is not None and _result_json(reordered, s, treaty) != base:
        return "files", "loading the library's files in another order changed the result"
    for d in (37, -1000):
        got = _result_json(shift_library(lib, d), shift_scenario(s, d), treaty)
        if got != _shift_dates(json.loads(json.dumps(base)), d):
            return "shift", f"moving every date by {d} days changed more than the dates"
    pair = symmetric_pair(lib, treaty)
    values = [v for f in s.facts for v in f.roles.values()]
    if pair and not any("-" in v and v.split("-")[0] in pair for v in values):
        a, b = pair
        swapped = dataclasses.replace(s, facts=tuple(
            Fact(f.kind, {k: (b if v == a else a if v == b else v) for k, v in f.roles.items()}, f.start, f.end,
                 _swap_text(f.text, a, b), f.source, f.note) for f in s.facts))
        got = _result_json(lib, swapped, treaty)
        want = json.loads(_swap_text(json.dumps(base), a, b))
        key = lambda i: (i["provision"], i["bearer"], i["beneficiary"])  # noqa: E731
        for doc in (got, want):
            for tr in doc["results"]:
                tr["instances"].sort(key=key)
        if got != want:
            return "swap", f"swapping {a} and {b} changed more than bearers and beneficiaries"
    return None


# ------------------------------------------------------------------ searching


def _database(cache: str | os.PathLike[str] | None) -> ExampleDatabase:
    """Hypothesis's database under the cache folder (found failures are replayed first), or in
    memory when the folder cannot be written."""
    path = Path(cache if cache is not None else CACHE_DIR) / "hypothesis"
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
        return DirectoryBasedExampleDatabase(str(path))
    except OSError:
        return InMemoryExampleDatabase()


def _search(key: str, strategy: SearchStrategy[Scenario],
            check: Callable[[Scenario], tuple[str, str, str | None] | None],
            examples: int, seed: int | None, cache: str | os.PathLike[str] | None
            ) -> tuple[Scenario, str, str, str | None] | None:
    """Run Hypothesis; return the shrunk failing scenario with (name, message, provision)."""
    found: list[tuple[Scenario, str, str, str | None]] = []

    def test(scenario: Scenario) -> None:
        bad = check(scenario)
        if bad is not None:
            found.append((scenario, *bad))
            raise PropertyFailed(bad[1])

    wrapped = settings(max_examples=examples, deadline=None, database=_database(cache), verbosity=Verbosity.quiet,
                       suppress_health_check=list(HealthCheck), print_blob=False)(given(strategy)(test))
    if seed is not None:
        wrapped = hypothesis_seed(seed)(wrapped)
    # each property gets its own key in the database, so its failures are replayed first
    wrapped._hypothesis_internal_add_digest = hashlib.sha256(key.encode()).digest()  # type: ignore[attr-defined]
    try:
        wrapped()
    except PropertyFailed:
        return found[-1]  # Hypothesis replays the shrunk example last
    return None


def minimize(s: Scenario, fails: Callable[[Scenario], bool]) -> Scenario:
    """The scenario with every fact removed that the failure does not need, one at a time until
    none can go (Hypothesis shrinks the draw, not the scenario: a fact the strategy drew to reach
    a date or a party may survive it). The result still fails, and no single fact can be dropped."""
    facts = list(s.facts)
    changed = True
    while changed and len(facts) > 1:
        changed = False
        for i in range(len(facts)):
            trial = dataclasses.replace(s, facts=tuple(facts[:i] + facts[i + 1:]))
            if fails(trial):
                facts = list(trial.facts)
                changed = True
                break
    return dataclasses.replace(s, facts=tuple(facts))


def _expect_lines(lib: Library, s: Scenario, treaty: str, provision: str | None = None,
                  beneficiary: str | None = None, bearer: str | None = None) -> tuple[str, ...]:
    """`expect` lines for what the engine answers on `s`: the instances of `treaty` (of
    `provision`, toward `beneficiary`, from `bearer` when given), each with its final status and
    activation date; `expect no …` / `expect nothing from …` when there is none."""
    out = _outcome(evaluate(lib, s, [treaty]), treaty)
    runs = [r for r in out.instances if (provision is None or r.provision.id == provision)
            and (beneficiary is None or r.beneficiary == beneficiary) and (bearer is None or r.bearer == bearer)]
    if not runs:
        if provision is None:
            return (f"expect nothing from {treaty}",)
        return (f"expect no {treaty}.{provision} {bearer or '*'} -> {beneficiary or '*'}",)
    lines = []
    for r in sorted(runs, key=lambda r: (r.provision.id, r.bearer, r.beneficiary)):
        when = f"activated {iso(r.activated)}" if r.activated is not None else "activated never"
        lines.append(f"expect {treaty}.{r.provision.id} {r.bearer} -> {r.beneficiary} {r.status}, {when}")
    return tuple(lines)


def fuzz_rule(lib: Library, prop: A.PropertyDecl, rule: A.PropertyRule, examples: int = 200,
              seed: int | None = None, cache: str | os.PathLike[str] | None = None) -> Failure | None:
    treaties = sorted({rule.treaty} | ({rule.later[0]} if rule.later else set()))

    def bad_of(s: Scenario) -> tuple[str, str | None, tuple[str, str, str | None]] | None:
        return _check_rule(rule, evaluate(lib, s, treaties))

    def check(s: Scenario) -> tuple[str, str, str | None] | None:
        bad = bad_of(s)
        return None if bad is None else (prop.name, bad[0], bad[1])

    key = f"property:{prop.name}:{rule_text(rule)}:{_library_digest(lib, treaties)}"
    got = _search(key, scenarios(lib, rule.treaty, max_facts=6), check, examples, seed, cache)
    if got is None:
        return None
    s = minimize(got[0], lambda x: bad_of(x) is not None)
    bad = bad_of(s)
    assert bad is not None  # minimize keeps the failure
    message, provision, (tid, beneficiary, bearer) = bad  # of the counter-example as reported
    expects = _expect_lines(lib, s, tid, provision, beneficiary, bearer)
    return Failure(prop.name, rule_text(rule), message, s, rule.treaty, provision, rule.span.where, seed, expects)


def fuzz_invariants(lib: Library, treaty: str, examples: int = 100, seed: int | None = None,
                    cache: str | os.PathLike[str] | None = None, reordered: Library | None = None
                    ) -> Failure | None:
    def check(s: Scenario) -> tuple[str, str, str | None] | None:
        bad = check_invariants(lib, treaty, s, reordered)
        return None if bad is None else (bad[0], bad[1], None)

    key = f"invariants:{treaty}:{_library_digest(lib, [treaty])}"
    got = _search(key, scenarios(lib, treaty, max_facts=6), check, examples, seed, cache)
    if got is None:
        return None
    first = got[1]
    s = minimize(got[0], lambda x: (check(x) or ("",))[0] == first)  # the same invariant still breaks
    bad = check(s)
    assert bad is not None
    name, message, _ = bad
    return Failure(name, INVARIANTS[name], message, s, treaty, None, "built-in", seed, _expect_lines(lib, s, treaty))


def _library_digest(lib: Library, treaties: Iterable[str]) -> str:
    h = hashlib.sha256()
    for t in sorted(treaties):
        h.update(repr(lib.treaties[t]).encode())
    return h.hexdigest()[:16]


def check_property(lib: Library, prop: A.PropertyDecl, examples: int = 200, seed: int | None = None,
                   cache: str | os.PathLike[str] | None = None) -> list[Failure]:
    """Fuzz every rule of a property; the failures (one per failing rule)."""
    out = []
    for rule in prop.rules:
        f = fuzz_rule(lib, prop, rule, examples, seed, cache)
        if f is not None:
            out.append(f)
    return out


__all__ = ["Failure", "check_rule", "check_invariants", "check_property", "fuzz_rule", "fuzz_invariants",
           "INVARIANTS", "rule_text", "minimize", "shift_library", "shift_scenario", "symmetric_pair"]


# ------------------------------------------------------------------ reporting


def save_counterexample(failure: Failure, cache: str | os.PathLike[str] | None = None) -> Path | None:
    """Write the counter-example where the user can run it; None if the folder is read-only."""
    folder = Path(cache if cache is not None else CACHE_DIR) / "counterexamples"
    seed = f"_seed{failure.seed}" if failure.seed is not None else ""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", f"{failure.name}_{failure.treaty}{seed}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.casus"
        tmp = path.with_suffix(".casus.tmp")
        tmp.write_text(failure.casus, encoding="utf-8")
        os.replace(tmp, path)
        return path
    except OSError:
        return None


def explain_failure(lib: Library, failure: Failure, path: Path | None) -> str:
    """The explanation of the violating instance, on the counter-example as saved (so that the
    sources it cites are lines of that file)."""
    from engine.analysis.explain import explain
    from engine.base.errors import Diagnostics
    from engine.language.library import check_scenario, parse_text

    if failure.provision is None:
        return ""
    shown = str(path) if path is not None else "<counter-example>"
    diags = Diagnostics()
    doc = parse_text(shown, failure.casus, diags)
    if doc is None or not doc.items:  # pragma: no cover - we wrote it ourselves
        return ""
    decl = doc.items[0]
    assert isinstance(decl, A.ScenarioDecl)
    check_scenario(lib, decl, diags)
    if diags.items:  # pragma: no cover
        return ""
    from engine.kernel.facts import from_decl

    return explain(lib, from_decl(decl), failure.treaty, failure.provision).render()
