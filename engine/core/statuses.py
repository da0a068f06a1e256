"""Statuses without why, for the analyses that play thousands of small scenarios through one
treaty and read only what happened to each instance: `casus lint`'s and `casus diff`'s bounded
searches (engine/analysis/lint.py, diff.py).

`listed` gives a treaty's listed instances in a scenario as `evaluate` lists them — provision,
bearer, beneficiary, status, activation, since and timeline — from the compiled code
(engine/core/compiled/ `Program.rows`) where the treaty compiles and the scenario's facts can be
read so (`Program.read`), else from the engine. The compiled code works out no `because`,
`missing` or env: those stay empty (what needs them, a report or an explanation, evaluates).
tests/core/test_statuses.py holds the two to the same instances."""

from __future__ import annotations

from engine.core import compiled
from engine.core.evaluate import InstanceRun, evaluate
from engine.kernel.facts import Scenario
from engine.language.library import Library


def listed(lib: Library, scenario: Scenario, tid: str, interpretation: str) -> list[InstanceRun]:
    """Treaty `tid`'s listed instances in a scenario under an interpretation, in the engine's order,
    with their statuses, dates and timelines (and no `because`, `missing` or env)."""
    prog = compiled.program(lib, (tid,), interpretation)
    read = prog.read(scenario.facts) if prog is not None and tid in prog.plans else None
    if prog is not None and read is not None and not prog.withdrawn(read[0]):
        try:
            rows = prog.rows(read[0], read[1], ())
        except compiled.Invalid:  # (a fact ending before it starts: the engine says so)
            pass
        else:
            provisions = {p.id: p for p in lib.treaties[tid].provisions}
            return [InstanceRun(tid, provisions[r.provision[1]], r.bearer, r.beneficiary, r.status, r.since,
                                r.activated, timeline=r.timeline) for r in rows]
    return evaluate(lib, scenario, [tid], interpretation).outcomes[0].instances
