"""Statuses without why, for what plays many scenarios through the treaties and reads only what
happened to each instance: `casus lint`'s and `casus diff`'s bounded searches
(engine/analysis/lint.py, diff.py) and `casus sweep`'s points (engine/analysis/sweep.py).

`outcomes` gives each treaty's listed instances in a scenario as `evaluate` lists them —
provision, bearer, beneficiary, status, activation, since and timeline — from the compiled code
(engine/core/compiled/ `Program.rows`) for the treaties that compile, where the scenario's facts
can be read so (`Program.read`), and from the engine for the rest (and for a treaty a
withdrawal of the scenario names). The compiled code works out no `because`, `missing` or env:
those stay empty (what needs them, a report or an explanation, evaluates).
tests/core/test_compiled_statuses.py holds the two to the same instances."""

from __future__ import annotations

from collections.abc import Sequence

from engine.core import compiled
from engine.core.evaluate import InstanceRun, evaluate
from engine.kernel import lifecycle
from engine.kernel.facts import Scenario
from engine.language import ast as A
from engine.language.library import Library


def outcomes(lib: Library, scenario: Scenario, treaty_ids: Sequence[str] | None, interpretation: str | None
             ) -> list[tuple[A.TreatyDecl, list[InstanceRun]]]:
    """Each treaty's listed instances (all the library's treaties by default, sorted by id, as
    `evaluate`), in the engine's order, with their statuses, dates and timelines (and no
    `because`, `missing` or env)."""
    ids = sorted(treaty_ids if treaty_ids is not None else lib.treaties)
    reading = interpretation or scenario.interpretation or "default"
    prog = compiled.program(lib, tuple(ids), reading)
    rows: dict[str, list[compiled.Row]] = {}
    walked = ids
    read = prog.read(scenario.facts) if prog is not None else None
    if prog is not None and read is not None:
        withdrawn = prog.withdrawn(read[0])
        try:
            for row in prog.rows(read[0], read[1], withdrawn):
                if row.status is not None:  # (not listed: a state another provision reads)
                    rows.setdefault(row.provision[0], []).append(row)
        except compiled.Invalid:  # (a fact ending before it starts: the engine says so)
            rows = {}
        else:
            walked = [tid for tid in ids if tid not in prog.plans or tid in withdrawn]
    engine = iter(evaluate(lib, scenario, walked, reading).outcomes if walked else ())
    out = []
    for tid in ids:
        treaty = lib.treaties[tid]
        if tid in walked:
            o = next(engine)
            out.append((o.treaty, o.instances))
            continue
        provisions = {p.id: p for p in treaty.provisions}
        out.append((treaty, [instance(r, provisions[r.provision[1]]) for r in rows.get(tid, ())]))
    return out


def instance(row: compiled.Row, provision: A.Provision) -> InstanceRun:
    """A row of the compiled code (`Program.rows`) as the engine's record of an instance, without
    why (`because`, `missing`, env: engine/core/explained.py adds them). Its timeline is the row's
    (read, never changed: alike rows share one)."""
    status = row.status if row.status is not None else lifecycle.DORMANT  # (not listed: `Row`)
    return InstanceRun(row.provision[0], provision, row.bearer, row.beneficiary, status, row.since,
                       row.activated, timeline=row.timeline)


def listed(lib: Library, scenario: Scenario, tid: str, interpretation: str | None) -> list[InstanceRun]:
    """`outcomes` of one treaty: its listed instances."""
    return outcomes(lib, scenario, [tid], interpretation)[0][1]
