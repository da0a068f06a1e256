"""The engine: which instances of which provisions come alive, when, and why.

For each treaty the engine walks the instants where anything starts, ends or falls due (never
the calendar day by day). At each instant every candidate instance (provision, bearer,
beneficiary) moves through the states of SPEC "Instances and status", as the kernel's lifecycle
(engine/kernel/lifecycle.py `step`) says; the walk only works out what holds.

How it keeps the work linear (issue 6; tests/core/test_engine_work.py counts it):

- the scenario's facts are indexed once (`FactIndex`: by kind and by kind, role and value), and
  an atom looks only at the shortest list its known arguments allow, and in it only at the facts
  that started by the instant and reach it (under way, for `ongoing`; since entry into force;
  the partners a within/after/during allows), found by bisection on starts and ends
  (engine/core/spans.py), not by a scan from the list's first fact at every instant;
- a conjunction asks its tests as soon as their variables are known, and stops when a part that
  reads nothing the first part binds has no answer (`Solver._solve_and`);
- a candidate pass finds the (bearer, beneficiary) pairs that might ever come alive, projecting
  every step onto the variables still needed (`Solver.candidates`, engine/core/solver.py);
- each instance walks only its own instants: those of the facts that can match its atoms once
  its bearer and beneficiary are known, and the treaty's own (entry into force, end,
  memberships, suspensions, states it mentions); once active, only its action's and its
  discharge condition's (`Schedule.instants`, engine/core/schedule.py);
- a trigger that holds for good once it holds is found by bisection (`Schedule.skip_dormant`); other
  triggers and `upon` prerequisites become cheap tests of their parts (`Schedule.predicate`), so that
  dormant and pending stretches are passed over, not solved again at every instant;
- bearers that cannot be told apart share one evaluation (`Schedule.alike_key`);
- a provision whose instances can only go from dormant to active for good (`DirectPath.plan`,
  engine/core/direct.py: facts, and / or / not, within / after / before and tests over the bearer
  and the beneficiary; no `upon`, `unless`, `until` or deadline; whole-time members; nothing of
  its action's kind in the scenario) is not walked at all: a table per fact of its trigger gives,
  for each binding, the first day it holds, and the instance is active from the first of those
  days on which the trigger holds (`DirectPath.run`).

Each shortcut gives exactly what the plain walk gives, down to `because` and `missing`; tests
turn them off and compare the result JSON (on the bundled scenarios, dense generated ones and
the peers' rules), and tests/reference.py (a day-by-day evaluator
sharing no code with this one) is compared with the engine on generated treaties."""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable
from dataclasses import dataclass

from engine.base.memo import per_object as _per_object
from engine.core.direct import DirectPath
from engine.core.options import EvalOptions, current
from engine.core.schedule import Schedule
from engine.core.solver import PREPARED, TRIGGERED, UNDEFEATED, FactIndex, InstanceRun, Proof, Solver
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import LEAVING, TreatyContext, context
from engine.kernel.facts import BIG, Fact, Scenario, place_changes, prepare, unify
from engine.kernel.lifecycle import TERMINAL, deadline_days
from engine.language import ast as A
from engine.language import render
from engine.language.library import Library, beneficiary_arg

__all__ = ["BIG", "MODALITY_WORDS", "STATUS_ORDER", "Evaluation", "FactIndex", "InstanceRun", "Proof", "TreatyOutcome",
           "TreatyRun", "evaluate", "instance_terms", "qualifier_words", "strength", "walk"]

STATUS_ORDER = lifecycle.STATUS_ORDER  # reports order statuses by it
MODALITY_WORDS = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}

def strength(p: A.Provision, lib: Library, terms: tuple[A.Reservation, ...] = ()) -> str:
    """The instance's strength (SPEC "Qualifiers"); `terms`: the bearer's reservations in effect
    (`instance_terms`), whose qualifiers count too."""
    then = p.then
    assert then is not None
    info = lib.kinds.get(then.action.kind)
    if info is not None and "consult" in info.ancestors:
        return "procedural"
    quals = then.qualifiers + tuple(q for r in terms for q in r.qualifiers)
    if then.modality in ("permission", "right") or any(q.group == "discretion" for q in quals):
        return "discretionary"
    if p.upon is not None:
        return "conditional"
    return "automatic"


def qualifier_words(then: A.Then, terms: tuple[A.Reservation, ...] = ()) -> list[str]:
    out: list[str] = []
    for q in then.qualifiers + tuple(q for r in terms for q in r.qualifiers):
        out.extend(q.value.split("+"))
    return out


def instance_terms(treaty: A.TreatyDecl, run: InstanceRun) -> tuple[A.Reservation, ...]:
    """The reservations, understandings and declarations of the instance's bearer on its
    provision in effect when it was activated (or, never activated, when it took its status):
    their qualifiers are the instance's too."""
    day = run.activated if run.activated is not None else run.since
    if day is None or not treaty.reservations:
        return ()
    return TreatyContext.reservations_of(treaty, run.provision, run.bearer, day)


def leavers(index: FactIndex, treaty_id: str) -> list[Fact]:
    """The facts by which a party leaves a treaty (`context`): its withdrawals and denunciations
    (and their subkinds) that name it. The walk's and the compiled code's (`Program.memberships`)."""
    return [f for kind in LEAVING for f in index.get(kind, "treaty", treaty_id)]


class TreatyRun:
    """Evaluates one treaty against one scenario's prepared facts: the walk, which drives each
    instance through the lifecycle. What holds is the solver's (engine/core/solver.py), which
    instants to look at the schedule's (engine/core/schedule.py), and simple provisions are the
    direct path's (engine/core/direct.py); data flows one way, from them to the walk."""

    def __init__(self, lib: Library, treaty: A.TreatyDecl, facts: list[Fact],
                 interp: A.InterpretationDecl | None, index: FactIndex | None = None,
                 options: EvalOptions | None = None):
        # which shortcuts it takes (engine/core/options.py): alike bearers share one evaluation
        # (`Schedule.alike_key`), simple provisions are worked out directly (`DirectPath.run`), …
        self.options = options if options is not None else current()
        self.lib = lib
        self.treaty = treaty
        self.interp = interp
        # the scenario's facts, indexed once for every treaty; a fact counts for this treaty when
        # it overlaps the treaty's time in force (`Solver.match` skips the others)
        self.index = index if index is not None else FactIndex(lib, facts)
        # in force, memberships (withdrawals included), suspensions, visibility, bearers: the kernel's
        self.ctx: TreatyContext = context(treaty, leavers(self.index, treaty.id), interp)
        self.timing = dict(interp.timing) if interp is not None else {}
        self.solver = Solver(lib, treaty, self.index, self.ctx, interp)
        self.schedule = Schedule(self.solver)
        self.direct = DirectPath(self.solver)
        self.instances = self.solver.instances  # by provision, filled by `run`
        # why an instance was discharged or violated, by its id (the run kept alive beside it):
        # its twins say it with their own names (`_twin`)
        self._reasons: dict[int, tuple[InstanceRun, str, Fact | None]] = {}

    def run(self) -> list[InstanceRun]:
        out: list[InstanceRun] = []
        for p in _plan(self.treaty):
            runs = self._run_provision(p)
            self.instances[p.id] = runs
            out.extend(r for r in runs.values() if r.listed)
        return out

    def _run_provision(self, p: A.Provision) -> dict[tuple[str, str], InstanceRun]:
        opts, counts = self.options, self.options.counts
        plan = self.direct.plan(p, self._due) if opts.direct_simple else None
        if counts is not None:
            if plan is not None:
                counts.direct += 1
            else:
                counts.walked += 1
        if plan is not None:
            return self.direct.run(p, plan)
        if opts.skip_dormant and p.version is not None and not p.version.read_under(self.solver.reading):
            # a text that does not apply under this reading is never triggered: its instances would
            # all stay dormant, which lists none and matches no state a condition can name
            return {}
        pairs = self.solver.pairs(p)
        if not pairs:  # no instance can come alive
            return {}
        info = _provision_info(p)
        extra: set[int] = set(self.ctx.instants)
        if info.reads_places:
            # whose territory a place is and who administers it change on dates of their own
            extra.update(d for d in place_changes(self.lib, self.interp) if self.ctx.start <= d <= self.ctx.end)
        for ref in info.refs:
            for run in self.instances.get(ref, {}).values():
                extra.update(d for d, _ in run.timeline if self.ctx.start <= d <= self.ctx.end + 1)
        base = sorted(extra)
        atoms, monotone, reserved = _with_reservations(self.treaty)[p.id]
        then = p.then
        assert then is not None and p.when is not None
        out: dict[tuple[str, str], InstanceRun] = {}
        until_atoms = info.until_atoms
        shared = opts.share_alike and (then.bearer.var is None or then.bearer.var not in info.variables)
        untriggered = _untriggered(then.modality)
        # an instance whose trigger needs a fact stays dormant until the first fact it can read
        # starts: bearers whose memberships differ only before that share one evaluation too
        # (not where it reads other provisions' states: they may differ before that day)
        clip = not info.refs and C.needs_fact(p.when) and lifecycle.DORMANT in untriggered
        alike: dict[tuple[object, ...], InstanceRun] = {}
        for bearer, benef, seed in pairs:
            since = self.schedule.first_read(atoms, seed) if shared and clip else None
            key = self.schedule.alike_key(p, bearer, benef, seed, since) if shared else None
            twin = alike.get(key) if key is not None else None
            if twin is not None:
                out[(bearer, benef)] = self._twin(twin, bearer, then.bearer.var)
                if counts is not None:
                    counts.shared += 1
                continue
            run = InstanceRun(self.treaty.id, p, bearer, benef)
            instants = self.schedule.instants(base, atoms, then.action, seed, bearer)
            trigger: Callable[[int], bool] | None = None
            bound, parties = frozenset(seed), self.ctx.seers(p, bearer, benef)
            if monotone and opts.skip_dormant and lifecycle.DORMANT in untriggered:
                # the lifecycle keeps an instance dormant until its trigger holds, which then holds
                # for good: start at that instant
                instants = self.schedule.skip_dormant(p.when, seed, parties, instants)
                trigger = _always  # on every instant from the first one left
                if counts is not None:
                    counts.bisected += 1
            elif opts.predicates and not monotone:  # (monotone without bisection: solved in full)
                trigger = self.schedule.predicate(p.when, bound, seed, parties, instants)
                if trigger is not None and p.version is not None:
                    trigger = _on_its_days(trigger, p, self.solver.reading)
                if counts is not None and trigger is not None:
                    counts.predicates += 1
            if instants:
                # once active, only the action, the discharge condition and the treaty's own instants
                # can change it (and states the discharge condition mentions: they are in `base`)
                after = self.schedule.instants(base, until_atoms, then.action, seed, bearer)
                prerequisite = None
                # (not where a reservation adds to the trigger: `trigger` does not ask it, and passing
                # over a pending instant needs the trigger of the next one exactly)
                if (opts.predicates and p.upon is not None and p.unless is None and trigger is not None
                        and A.variables(p.upon) <= bound and not reserved):
                    prerequisite = self.schedule.predicate(p.upon, bound, seed, parties, instants)
                self._run_instance(run, seed, instants, after, trigger, prerequisite)
            out[(bearer, benef)] = run
            if key is not None:
                alike[key] = run
        return out

    def deadline_days(self, then: A.Then) -> int | None:
        """An instance's deadline in days from its activation under the interpretation, None
        without one: only an obligation falls due (`lifecycle.falls_due`; a prohibition's `within
        N days` does not end what it forbids). The walk and the compiled code ask this."""
        if not then.qualifiers or not lifecycle.falls_due(then.modality):
            return None
        return deadline_days(then.qualifiers, self.timing)

    def _due(self, then: A.Then) -> bool:
        """Whether the duty has a deadline under the interpretation (`deadline_days`)."""
        return self.deadline_days(then) is not None

    def _run_instance(self, run: InstanceRun, seed: dict[str, str], base: list[int],
                      after: list[int] | None = None, trigger: Callable[[int], bool] | None = None,
                      prerequisite: Callable[[int], bool] | None = None) -> None:
        """Walk the instance through its instants, asking the lifecycle (`lifecycle.step`) at each
        what it becomes. `after`: the instants that matter once it is active; `trigger`: a cheap
        test of whether the trigger holds at an instant, to pass over the instants at which the
        lifecycle keeps an instance without its trigger where it is (dormant); `prerequisite`: the
        same for an `upon` that depends only on the bearer and the beneficiary, to pass over the
        instants at which it keeps a triggered instance without its prerequisites where it is
        (pending: all but the last before anything else happens to it, so that what it shows as
        `because` and `missing` is what the last one would show)."""
        p = run.provision
        then = p.then
        assert then is not None and p.when is not None
        modality = then.modality
        untriggered, unprepared = _untriggered(modality), _unprepared(modality)
        ctx = self.ctx
        parties = ctx.seers(p, run.bearer, run.beneficiary)
        now = _Now(self, run, seed)
        heap = list(base)
        heapq.heapify(heap)
        last = None
        while heap:
            t = heapq.heappop(heap)
            if t == last:
                continue
            last = t
            if run.status in TERMINAL:
                break
            latched = run.activated is not None
            if trigger is not None and not latched and run.status in untriggered and not trigger(t):
                continue  # nothing it could become without its trigger
            if (prerequisite is not None and trigger is not None and not latched and run.status in unprepared
                    and trigger(t) and not prerequisite(t) and ctx.binds(run.bearer, run.beneficiary, t)):
                while heap and heap[0] == t:
                    heapq.heappop(heap)
                if heap and ctx.binds(run.bearer, run.beneficiary, heap[0]) and trigger(heap[0]):
                    continue  # the same; the next instant judges it again and shows the same and more
                # (not when its trigger ends at the next instant: it lapses there, showing this one's)
            now.t, now.found, now.act = t, None, None
            s = lifecycle.step(run.status, latched, modality, now)
            if s.judged:  # record what explains it at this instant
                assert now.found is not None
                level, env, proof = now.found
                if s.latch:
                    run.activated, run.env, run.because, run.missing = t, env, proof, ()
                    if after is not None:
                        heap = [x for x in after if x > t]
                        heapq.heapify(heap)
                    days = self.deadline_days(then)
                    if days is not None:
                        run.deadline = t + days
                        heapq.heappush(heap, run.deadline + 1)
                elif level == UNDEFEATED:  # a prerequisite missing
                    assert p.upon is not None
                    run.env, run.because = env, proof + self.solver.partial(p.upon, env, t, parties)
                    run.missing = tuple(self.solver.missing(p.upon, env, t, parties))
                elif level == TRIGGERED:  # every way the trigger holds is defeated
                    run.env, run.because, run.missing = env, proof, ()
                # (its trigger not holding, it keeps what explained it last: a lapsed or suspended
                # instance shows what it waited for; the predicate passes over such instants)
            if now.act is not None:
                run.fulfilled_by = now.act
            if s.reason is not None:
                run.reason = self._words(run, s.reason, now.act)
                self._reasons[id(run)] = (run, s.reason, now.act)
            if s.status != run.status:  # same-day changes collapse: the last one stands
                run.status = s.status
                run.since = t
                if run.timeline and run.timeline[-1][0] == t:
                    run.timeline[-1] = (t, s.status)
                else:
                    run.timeline.append((t, s.status))

    def _twin(self, run: InstanceRun, bearer: str, var: str | None) -> InstanceRun:
        """The life of an instance whose bearer cannot be told apart from `run`'s, for `bearer`
        (why it was discharged or violated said again with its name)."""
        env = dict(run.env)
        if var is not None and var in env:
            env[var] = bearer
        twin = InstanceRun(run.treaty, run.provision, bearer, run.beneficiary, run.status, run.since, run.activated,
                           run.deadline, env, run.because, run.missing, list(run.timeline), run.fulfilled_by)
        if run.reason is not None:
            _, reason, act = self._reasons[id(run)]
            twin.reason = self._words(twin, reason, act)
        return twin

    def _words(self, run: InstanceRun, reason: str, act: Fact | None) -> str:
        """Why an instance was discharged or violated (`lifecycle.REASONS`), with its names."""
        then = run.provision.then
        assert then is not None
        names: dict[str, object] = {"bearer": run.bearer, "beneficiary": run.beneficiary}
        if reason == "forbidden":
            assert act is not None
            names["act"] = act.text
        elif reason == "until":
            assert run.provision.until is not None
            names["until"] = render.cond(run.provision.until, run.env)
        elif reason == "deadline":
            assert run.deadline is not None and run.activated is not None
            names["action"], names["days"] = then.action.kind, run.deadline - run.activated
        return lifecycle.words(reason, **names)

    def _discharged(self, run: InstanceRun, env: dict[str, str], activated: int, t: int) -> bool:
        """Whether the discharge condition (`until`) holds at t, after activation."""
        until = run.provision.until
        if until is None:
            return False
        # the discharge condition must hold after activation
        return self.solver.holds_after(until, env, activated, t,
                                       self.ctx.seers(run.provision, run.bearer, run.beneficiary))

    def _action_fact(self, run: InstanceRun, t: int, activated: int, env: dict[str, str],
                     deadline: int | None, after: int = -BIG) -> Fact | None:
        """The first fact of the provision's action by the bearer for the beneficiary under way on or
        after activation, started by t (and by the deadline); only those that start after `after`
        are looked at (the caller knows that none before does: `_Now.action`)."""
        then = run.provision.then
        assert then is not None
        env = dict(env)
        ben = beneficiary_arg(then)
        if isinstance(ben, A.Var):
            env[ben.name] = run.beneficiary
        limit = t if deadline is None else min(t, deadline)
        # an action counts when it is under way on or after activation (a deployment that began
        # earlier and is still going on fulfils from the day of activation): the facts that end
        # before it are passed over by bisection (`FactIndex.spans`), not scanned at every instant
        acts = self.index.spans(self.index.get(then.action.kind, "by", run.bearer))
        for f in acts.reaching(after + 1, limit, activated):
            if f.roles.get("by") != run.bearer:
                continue
            if not self.ctx.visible(f, self.ctx.seers(run.provision, run.bearer, run.beneficiary)):
                continue
            if unify(then.action, f.roles, env) is None:
                continue
            return f
        return None


class _Now:
    """What holds for one instance at the walk's instant `t`: the lifecycle's `Instant`, worked
    out only when the lifecycle asks. It keeps what explains the answers for the walk to
    record: how far the trigger went (`found`, see `Solver.weigh`) and the action fact."""

    __slots__ = ("act", "acted", "found", "parties", "run", "seed", "t", "tr")
    found: tuple[int, dict[str, str], tuple[Proof, ...]] | None
    act: Fact | None
    # once activated: (activation, the last day of starts looked at, the first action fact found by
    # then or None), so that each instant looks only at the action facts started since the last
    acted: tuple[int, int, Fact | None] | None

    def __init__(self, tr: TreatyRun, run: InstanceRun, seed: dict[str, str]):
        self.tr, self.run, self.seed = tr, run, seed
        self.parties = tr.ctx.seers(run.provision, run.bearer, run.beneficiary)
        self.t = 0
        self.found = None
        self.act = None
        self.acted = None

    def in_force(self) -> bool:
        return self.t <= self.tr.ctx.end

    def bearer_member(self) -> bool:
        return self.tr.ctx.member(self.run.bearer, self.t)

    def beneficiary_member(self) -> bool:
        return self.tr.ctx.benefits(self.run.provision, self.run.beneficiary, self.t)

    def suspended(self) -> bool:
        return self.tr.ctx.suspended(self.run.bearer, self.run.beneficiary, self.t)

    def _level(self) -> int:
        if self.found is None:
            self.found = self.tr.solver.weigh(self.run.provision, self.seed, self.t, self.parties)
        return self.found[0]

    def trigger(self) -> bool:
        return self._level() >= TRIGGERED

    def undefeated(self) -> bool:
        return self._level() >= UNDEFEATED

    def prerequisites(self) -> bool:
        return self._level() >= PREPARED

    def _activation(self) -> tuple[int, dict[str, str], int | None]:
        """(activation day, env, deadline): the instance's, or those it gets if it activates now."""
        run = self.run
        if run.activated is not None:
            return run.activated, run.env, run.deadline
        assert self.found is not None
        return self.t, self.found[1], None  # a deadline set now is not before now

    def action(self) -> bool:
        activated, env, deadline = self._activation()
        limit = self.t if deadline is None else min(self.t, deadline)
        seen = self.acted
        if self.run.activated is None or seen is None or seen[0] != activated or seen[1] > limit:
            act = self.tr._action_fact(self.run, self.t, activated, env, deadline)
        elif seen[2] is not None:  # the first such fact then is the first now: the list is by start
            act = seen[2]
        else:  # none had started by the last instant asked: only the facts started since can be
            act = self.tr._action_fact(self.run, self.t, activated, env, deadline, after=seen[1])
        if self.run.activated is not None:  # activation, env and deadline are the instance's for good
            self.acted = (activated, limit, act)
        self.act = act
        return act is not None

    def discharge(self) -> bool:
        activated, env, _ = self._activation()
        return self.tr._discharged(self.run, env, activated, self.t)

    def situation_ended(self) -> bool:
        """The facts of its trigger (`when`, as the provision writes it) no longer hold: a
        reservation of the bearer that takes effect, or its text ceasing to apply, ends no
        situation (they decide whether it can be triggered, not whether what triggered it
        goes on)."""
        p = self.run.provision
        if not p.ends_with_situation:
            return False
        assert p.when is not None
        return next(self.tr.solver.solve(p.when, self.seed, self.t, self.parties), None) is None

    def deadline_passed(self) -> bool:
        deadline = self.run.deadline
        return deadline is not None and self.t > deadline



@functools.cache
def _untriggered(modality: str) -> frozenset[str]:
    """The statuses the lifecycle keeps, whatever else holds, at an instant where a not yet
    activated instance's trigger does not hold: the walk passes over such instants."""
    return frozenset(s for s in lifecycle.STATUSES if s not in TERMINAL
                     and lifecycle.settled(s, False, modality, trigger=False))


@functools.cache
def _unprepared(modality: str) -> frozenset[str]:
    """The statuses the lifecycle keeps at an instant where a not yet activated instance is in
    force, between members, not suspended, triggered and undefeated, but without its
    prerequisites: the walk may pass over such instants."""
    return frozenset(s for s in lifecycle.STATUSES if s not in TERMINAL and lifecycle.settled(
        s, False, modality, in_force=True, bearer_member=True, beneficiary_member=True, suspended=False,
        trigger=True, undefeated=True, prerequisites=False))





def _always(t: int) -> bool:
    return True


def _on_its_days(trigger: Callable[[int], bool], p: A.Provision, reading: str) -> Callable[[int], bool]:
    """A trigger's test of the instant (`Schedule.predicate`) that also asks whether the
    provision's text applies then (`Solver.weigh`: a version can be triggered only on its days):
    a pending instance is not passed over the day its text stops applying."""
    return lambda t: TreatyContext.version_applies(p, t, reading) and trigger(t)



@dataclass(frozen=True)
class _ProvisionInfo:
    refs: tuple[str, ...]  # the provisions whose states its conditions mention
    atoms: tuple[A.Atom, ...]  # every atom of its conditions
    monotone: bool  # its trigger holds for good once it holds
    until_atoms: tuple[A.Atom, ...]  # what can change it once active: its discharge condition's
    # atoms, and its trigger's where it ends with its situation
    variables: frozenset[str]  # every variable of its conditions
    reads_places: bool  # whose territory a place is, or who administers it


@_per_object
def _plan(treaty: A.TreatyDecl) -> list[A.Provision]:
    """The provisions to evaluate, each after the ones whose states it mentions (the checker has
    ruled out cycles)."""
    provs = {p.id: p for p in treaty.provisions if p.when is not None and p.then is not None}
    done: list[A.Provision] = []
    seen: set[str] = set()

    def visit(pid: str) -> None:
        if pid in seen or pid not in provs:
            return
        seen.add(pid)
        for ref in _provision_info(provs[pid]).refs:
            visit(ref)
        done.append(provs[pid])

    for pid in sorted(provs):
        visit(pid)
    return done


@_per_object
def _with_reservations(treaty: A.TreatyDecl) -> dict[str, tuple[tuple[A.Atom, ...], bool, bool]]:
    """Each provision's atoms, whether its trigger holds for good once it holds, and whether a
    reservation adds a condition to it, with the treaty's reservations on it: a reservation's
    condition adds its facts' days, and the trigger may then stop holding."""
    out = {}
    for p in treaty.provisions:
        info = _provision_info(p)
        terms = [r.when for r in treaty.reservations if p.id in r.provisions and r.when is not None]
        out[p.id] = ((info.atoms + tuple(a for c in terms for a in A.atoms(c)), False, True) if terms
                     else (info.atoms, info.monotone, False))
    return out


@_per_object
def _provision_info(p: A.Provision) -> _ProvisionInfo:
    refs = tuple(r.provision for c in (p.when, p.upon, p.unless, p.until) for r, _ in A.state_refs(c))
    until_atoms = tuple(A.atoms(p.until)) + (tuple(A.atoms(p.when)) if p.ends_with_situation else ())
    return _ProvisionInfo(refs, tuple(a for c in A.clauses(p) for a in A.atoms(c)),
                          p.when is not None and C.monotone(p.when), until_atoms,
                          frozenset().union(*(A.variables(c) for c in A.clauses(p))),
                          any(C.nodes(c, A.PlaceOf) for c in A.clauses(p)))



@dataclass
class TreatyOutcome:
    treaty: A.TreatyDecl
    instances: list[InstanceRun]
    run: TreatyRun


@dataclass
class Evaluation:
    """Everything the engine found for one scenario under one interpretation."""

    scenario: Scenario
    interpretation: str
    outcomes: list[TreatyOutcome]
    facts: list[Fact]


def evaluate(lib: Library, scenario: Scenario, treaties: list[str] | None = None,
             interpretation: str | None = None, options: EvalOptions | None = None) -> Evaluation:
    """Play a scenario through the library's treaties (all of them, sorted by id, by default).
    `options` (engine/core/options.py) chooses the shortcuts it may take: all by default, or
    those of an enclosing `options.using` block; every choice gives the same result."""
    name = interpretation or scenario.interpretation or "default"
    interp = lib.interpretations.get(name)
    facts = prepare(lib, scenario, interp)
    index = FactIndex(lib, facts)
    outcomes = [walk(lib, lib.treaties[tid], facts, interp, index, options)
                for tid in sorted(treaties if treaties is not None else lib.treaties)]
    return Evaluation(scenario, name, outcomes, facts)


def walk(lib: Library, treaty: A.TreatyDecl, facts: list[Fact], interp: A.InterpretationDecl | None,
         index: FactIndex, options: EvalOptions | None = None) -> TreatyOutcome:
    """One treaty's outcome for a scenario's prepared facts (`prepare`) and their index: its
    listed instances, by provision, bearer and beneficiary."""
    tr = TreatyRun(lib, treaty, facts, interp, index, options)
    runs = tr.run()
    runs.sort(key=lambda r: (_natural(r.provision.id), r.bearer, r.beneficiary))
    return TreatyOutcome(treaty, runs, tr)


@functools.lru_cache(maxsize=4096)
def _natural(s: str) -> tuple[object, ...]:
    import re

    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s))
