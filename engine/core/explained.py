"""The result JSON of compiled treaties: the compiled code's instances, with why.

`Program.rows` (engine/core/compiled/) gives each listed instance of a compiled treaty with its
status, its dates and its timeline, worked out from the facts' days alone. The result JSON says
why as well: `because` (the facts behind its trigger and prerequisites) and `missing` (what a
pending instance waits for). The walk (engine/core/evaluate.py `TreatyRun._run_instance`) records
them at each instant at which the lifecycle weighs the instance's trigger (`lifecycle.Step.judged`):
the last such instant's stand. Here the solver is asked once per instance, at an instant where it
says what it said there (`Solver.weigh`, as the walk asks it):

- an instance that was activated: at its activation, the last instant weighed;
- one that never was: in the last stretch of its timeline in which it was pending or defeated
  (its trigger weighed at every instant of it), on the stretch's last day, or, for a stretch
  that does not end, after every instant (BIG). What the solver says changes only at the walk's
  instants (where a fact starts or ends, a window closes, a membership changes), and the walk
  looks at the last instant of such a stretch (`TreatyRun._run_instance`'s `prerequisite`), so
  the answer is the one it recorded. Before any such stretch nothing was recorded.

The walk records nothing at an instant where the trigger does not hold: a lapsed or suspended
instance keeps what it was last waiting for. Where the compiled code and the solver disagree on
how far an instance's trigger went (a mistake of the compiled code: tests hold them together)
the engine walks the treaty for the scenario, and `outcomes` counts it in `Counts.rewalked`.

tests/core/test_explained.py holds the result JSON built so to the engine's, byte for byte."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from engine.core.compiled import Program, Row
from engine.core.evaluate import (
    FactIndex,
    InstanceRun,
    Proof,
    TreatyRun,
    _provision_info,
    walk,
)
from engine.core.options import EvalOptions
from engine.core.solver import PREPARED, TRIGGERED, UNDEFEATED
from engine.core.statuses import instance
from engine.kernel import lifecycle
from engine.kernel.facts import BIG, Scenario, prepare
from engine.language import ast as A
from engine.language.library import Library, beneficiary_arg

# how far an instance's trigger went, its env, `because` and `missing`
_Why = tuple[int, dict[str, str], tuple[Proof, ...], tuple[str, ...]]
# the statuses in which the walk weighs an instance's trigger at every instant (never activated)
_WEIGHED = {lifecycle.PENDING: UNDEFEATED, lifecycle.DEFEATED: TRIGGERED}


def outcomes(lib: Library, prog: Program, scenario: Scenario, rows: Sequence[Row], walked: Collection[str],
             interpretation: str | None, options: EvalOptions
             ) -> tuple[str, list[tuple[A.TreatyDecl, list[InstanceRun]]]]:
    """The interpretation's name and each treaty's listed instances (of the treaties of
    `prog.order`, as `evaluate` would list them) for a scenario: those of its compiled treaties
    from the compiled code's rows, the engine walking those in `walked` and those it does not
    compile."""
    name = interpretation or scenario.interpretation or "default"
    interp = lib.interpretations.get(name)
    facts = prepare(lib, scenario, interp)
    index = FactIndex(lib, facts)
    first = min((f.start for f in facts), default=BIG)  # the first day a fact starts
    by_treaty: dict[str, list[Row]] = {}
    for row in rows:
        by_treaty.setdefault(row.provision[0], []).append(row)
    out: list[tuple[A.TreatyDecl, list[InstanceRun]]] = []
    for tid in prog.order:
        treaty = lib.treaties[tid]
        if tid not in walked and tid in prog.plans:
            mine = by_treaty.get(tid)
            if not mine:
                out.append((treaty, []))
                continue
            runs = _Explainer(TreatyRun(lib, treaty, facts, interp, index, options), first).runs(mine)
            if runs is not None:
                out.append((treaty, runs))
                continue
            if options.counts is not None:
                options.counts.rewalked += 1
        out.append((treaty, walk(lib, treaty, facts, interp, index, options).instances))
    return name, out


class _Explainer:
    """A compiled treaty's rows as the walk's runs, with `because` and `missing` from its solver."""

    def __init__(self, tr: TreatyRun, first: int):
        self.tr = tr
        self.first = first  # the first day a fact of the scenario starts
        self.provisions = {p.id: p for p in tr.treaty.provisions}
        # (provision, beneficiary, day, the bearer's membership from `first` on) -> what the solver
        # says, for the bearers it cannot tell apart (their variable is in no condition, no
        # reservation of theirs, and each fact overlaps both memberships or neither)
        self.memo: dict[tuple[object, ...], _Why] = {}
        self.names: dict[str, tuple[str | None, str | None, bool]] = {}  # see `_names`
        self.spans: dict[str, tuple[tuple[int, int], ...]] = {}  # a bearer's membership from `first` on

    def runs(self, rows: Sequence[Row]) -> list[InstanceRun] | None:
        """The listed rows as runs, in the engine's order (None: one of them needs the walk). Every
        row's run is first filed with its provision's instances, where the solver reads the
        states of other provisions (`p active for X`), as the walk files them (the rows of
        instances not listed, status None, are there for that alone)."""
        made = [(row, instance(row, self.provisions[row.provision[1]])) for row in rows]
        instances = self.tr.instances
        for row, run in made:
            instances.setdefault(row.provision[1], {})[(row.bearer, row.beneficiary)] = run
        out = []
        for row, run in made:
            if row.status is not None:
                if not self.explain(row, run):
                    return None
                out.append(run)
        return out

    def explain(self, row: Row, run: InstanceRun) -> bool:
        """Sets a listed run's env, `because` and `missing`; False where the solver does not find
        its trigger where the compiled code did (the walk's answer is then taken, whole)."""
        p = run.provision
        if row.activated is not None:
            day, level = row.activated, PREPARED
        else:
            last = _last_weighed(row.timeline)
            if last is None:
                return True  # never weighed with its trigger holding: nothing to explain
            day, level = last
        got, run.env, run.because, run.missing = self.why(p, row.bearer, row.beneficiary, day)
        return got == level  # (not if the compiled code is wrong)

    def why(self, p: A.Provision, bearer: str, beneficiary: str, day: int) -> _Why:
        """`Solver.weigh` of the instance at `day`, as the walk asks it (its seed: `Solver.pairs`),
        and, where its prerequisites are missing, the proofs of those that hold and the rest."""
        ben_var, var, own = self._names(p)
        seed: dict[str, str] = {}
        if ben_var:
            seed[ben_var] = beneficiary
        if var:
            seed[var] = bearer
        ctx = self.tr.ctx
        if own or ctx.reservations(p, bearer, day):
            return self._why(p, seed, day, ctx.seers(p, bearer, beneficiary))
        spans = self.spans.get(bearer)
        if spans is None:
            first = self.first
            spans = self.spans[bearer] = tuple([(s if s > first else first, e) for s, e in ctx.members.get(bearer, ())
                                                if e >= first])
        key = (p.id, beneficiary, day, spans)
        got = self.memo.get(key)
        if got is None:
            got = self.memo[key] = self._why(p, seed, day, ctx.seers(p, bearer, beneficiary))
        return got  # (its env may name another bearer: no condition names one)

    def _names(self, p: A.Provision) -> tuple[str | None, str | None, bool]:
        """A provision's beneficiary variable and bearer variable (None: none), and whether a
        condition names the bearer's (its instances are weighed each for itself)."""
        got = self.names.get(p.id)
        if got is None:
            then = p.then
            assert then is not None
            ben = beneficiary_arg(then)
            var = then.bearer.var or None
            got = self.names[p.id] = (ben.name if isinstance(ben, A.Var) else None, var,
                                      var is not None and var in _provision_info(p).variables)
        return got

    def _why(self, p: A.Provision, seed: dict[str, str], day: int, parties: tuple[str, ...]) -> _Why:
        solver = self.tr.solver
        level, env, proof = solver.weigh(p, seed, day, parties)
        if level != UNDEFEATED:
            return level, env, proof, ()
        assert p.upon is not None  # waiting for its prerequisites: those that hold, and what is missing
        return (level, env, proof + solver.partial(p.upon, env, day, parties),
                tuple(solver.missing(p.upon, env, day, parties)))


def _last_weighed(timeline: list[tuple[int, str]]) -> tuple[int, int] | None:
    """For an instance never activated: (the day to weigh it on, the level the walk found then)
    in its last stretch pending or defeated; None if it never was either."""
    for i in range(len(timeline) - 1, -1, -1):
        level = _WEIGHED.get(timeline[i][1])
        if level is not None:
            return (timeline[i + 1][0] - 1 if i + 1 < len(timeline) else BIG), level
    return None
