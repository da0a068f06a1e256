"""`expect` lines: what a scenario says should happen, checked against the engine."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.evaluate import Evaluation, InstanceRun, evaluate
from engine.core.records import because_items
from engine.kernel.facts import Scenario
from engine.language import ast as A
from engine.language.build import iso
from engine.language.library import Library


@dataclass(frozen=True)
class ExpectOutcome:
    expect: A.Expect
    interpretation: str
    ok: bool
    message: str

    @property
    def where(self) -> str:
        return self.expect.span.where


def _describe(e: A.Expect) -> str:
    pair = f"{e.bearer or '*'} -> {e.beneficiary or '*'}"
    if e.form == "nothing":
        return f"nothing from {e.treaty}"
    if e.form == "absent":
        return f"no {e.treaty}.{e.provision} {pair}"
    return f"{e.treaty}.{e.provision} {pair} {e.status}"


def _check_instance(e: A.Expect, run: InstanceRun) -> list[str]:
    problems = []
    who = f"{run.bearer} -> {run.beneficiary}"
    if run.status != e.status:
        problems.append(f"{who} is {run.status} since {iso(run.since)}, not {e.status}")
    if e.since is not None and run.since != e.since:
        problems.append(f"{who} is {run.status} since {iso(run.since)}, not since {iso(e.since)}")
    if e.activated is not None and run.activated != e.activated:
        problems.append(f"{who} was activated {iso(run.activated) or 'never'}, not {iso(e.activated)}")
    if e.never_activated and run.activated is not None:
        problems.append(f"{who} was activated on {iso(run.activated)}")
    for atom in e.missing:
        want = atom.render()
        if not any(want == m or want in _alternatives(m) for m in run.missing):
            problems.append(f"{who} does not miss {want}; missing: {', '.join(run.missing) or 'nothing'}")
    atoms = [b.atom for b in because_items(run)]
    for atom in e.because:
        want = atom.render()
        if want not in atoms:
            problems.append(f"{who} is not because of {want}; because: {', '.join(atoms) or 'nothing'}")
    return problems


def _alternatives(missing: str) -> list[str]:
    """The alternatives of a missing `a or b` (an expectation may name either)."""
    text = missing[1:-1] if missing.startswith("(") and missing.endswith(")") else missing
    return [part.strip() for part in text.split(" or ")]


def check_one(e: A.Expect, ev: Evaluation) -> ExpectOutcome:
    outcome = next((o for o in ev.outcomes if o.treaty.id == e.treaty), None)
    runs = [] if outcome is None else outcome.instances
    if e.form == "nothing":
        ok = not runs
        msg = "ok" if ok else "found " + ", ".join(
            f"{r.provision.id} {r.bearer} -> {r.beneficiary} {r.status}"
            for r in runs[:5]) + (" …" if len(runs) > 5 else "")
        return ExpectOutcome(e, ev.interpretation, ok, msg)
    matching = [r for r in runs if r.provision.id == e.provision
                and (e.bearer is None or r.bearer == e.bearer)
                and (e.beneficiary is None or r.beneficiary == e.beneficiary)]
    if e.form == "absent":
        ok = not matching
        return ExpectOutcome(e, ev.interpretation, ok, "ok" if ok else "found " + ", ".join(
            f"{r.bearer} -> {r.beneficiary} {r.status}" for r in matching))
    if not matching:
        return ExpectOutcome(e, ev.interpretation, False, "no such instance: it stayed dormant")
    problems = [p for r in matching for p in _check_instance(e, r)]
    return ExpectOutcome(e, ev.interpretation, not problems, "ok" if not problems else "; ".join(problems))


def check_expectations(lib: Library, scenario: Scenario) -> list[ExpectOutcome]:
    """Check every `expect` of a scenario, evaluating once per interpretation it mentions."""
    cache: dict[str, Evaluation] = {}
    out = []
    base = scenario.interpretation or "default"
    for e in scenario.expects:
        name = e.interpretation or base
        if name not in cache:
            cache[name] = evaluate(lib, scenario, interpretation=name)
        out.append(check_one(e, cache[name]))
    return out


__all__ = ["ExpectOutcome", "check_expectations", "check_one", "_describe"]
