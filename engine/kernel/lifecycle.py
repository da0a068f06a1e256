"""The instance lifecycle (SPEC "Instances and status"), defined once.

An instance of a provision is, at each instant of its timeline, one of the statuses below. How
it moves from one to the next is the pure function `step`: from its current status, whether it
has been activated (activation latches), its provision's modality, and what holds at the instant
(`Instant`: in force, memberships, suspension, trigger, `unless`, `upon`, the action, `until`,
the deadline) to its status after the instant. `step` is the only place that latches, fulfils,
violates, discharges, defeats and suspends.

`step` asks what holds lazily, in the order its answer depends on it, so that an evaluator
computes only what matters (a dormant instance outside the treaty's time is never solved). The
same laziness lets a plan ask the lifecycle which transitions an instance can take when some
observations are known in advance (`outcomes`, `tree`): the walk's shortcuts, the direct path
and the compiled code (engine/core/compiled/ generates its status code from `tree`) are all
derived from `step` this way, not restated.

Same-day changes collapse: an evaluator records only the status after the instant (an instance
activated and fulfilled on the same day shows `fulfilled` from that day)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, TypeAlias

from engine.base.memo import per_object
from engine.base.record import record
from engine.language import ast as A
from engine.language.statuses import (
    ACTIVE,
    DEFEATED,
    DISCHARGED,
    DORMANT,
    FULFILLED,
    LAPSED,
    PENDING,
    SUSPENDED,
    TERMINAL,
    VIOLATED,
)
from engine.language.statuses import STATUS_ORDER as STATUS_ORDER  # read through the lifecycle by engine/core
from engine.language.statuses import STATUSES as STATUSES

# why an instance was discharged or violated, in words (`Step.reason` is a key; the evaluator
# fills in the names)
REASONS = {
    "ended": "the treaty ended",
    "bearer_left": "{bearer} left the treaty",
    "beneficiary_left": "{beneficiary} left the treaty",
    "forbidden": "the forbidden action happened: {act}",
    "until": "discharged: {until}",
    "situation": "the situation that triggered it ended",
    "deadline": "no {action} by {bearer} within {days} days",
}

# what `step` may ask of an `Instant`, in the order it asks
OBSERVATIONS = ("in_force", "bearer_member", "beneficiary_member", "suspended", "trigger", "undefeated",
                "prerequisites", "action", "discharge", "situation_ended", "deadline_passed")


class Instant(Protocol):
    """What holds for one instance at one instant. Each is asked at most once, and only when the
    lifecycle's answer depends on it."""

    def in_force(self) -> bool:
        """The treaty is in force."""
        ...

    def bearer_member(self) -> bool:
        """The bearer is a member."""
        ...

    def beneficiary_member(self) -> bool:
        """The beneficiary is a member."""
        ...

    def suspended(self) -> bool:
        """The bearer's duties toward the beneficiary are suspended."""
        ...

    def trigger(self) -> bool:
        """The trigger (`when`) holds, whether or not `unless` defeats it."""
        ...

    def undefeated(self) -> bool:
        """Some way the trigger holds is not defeated by `unless` (True without `unless`)."""
        ...

    def prerequisites(self) -> bool:
        """Some undefeated way the trigger holds meets `upon` (True without `upon`)."""
        ...

    def action(self) -> bool:
        """A fact of the provision's action by the bearer for the beneficiary is under way, on or
        after activation (or now, if the instance activates now) and within the deadline."""
        ...

    def discharge(self) -> bool:
        """The discharge condition (`until`) holds after activation (False without `until`)."""
        ...

    def situation_ended(self) -> bool:
        """The provision ends with its situation (`until the situation ends`) and the facts of its
        trigger, as the provision writes it, no longer hold (not the bearer's reservations, not
        whether its text applies); False without that clause."""
        ...

    def deadline_passed(self) -> bool:
        """The instance's deadline is past (False without one)."""
        ...


@record
class Step:
    """An instance's status after an instant.

    `latch`: it is activated at this instant (for good: later changes to the trigger do not
    switch it off). `judged`: its trigger, `unless` and `upon` were weighed at this instant (it
    was in force, between members, not suspended and not yet activated), so what explains it
    (`because`, `missing`) is this instant's. `reason`: why it was discharged or violated, a key
    of `REASONS`."""

    status: str
    latch: bool = False
    judged: bool = False
    reason: str | None = None


def deadline_days(qualifiers: Iterable[A.Qualifier], timing: Mapping[str, int]) -> int | None:
    """The one rule for a duty's deadline in days (None: it has none). An explicit `within N days`
    always applies. A timing word (`forthwith`, `immediately`, `promptly`) gives the days the
    interpretation maps it to, except on a discretionary duty (`as it deems necessary`, `in
    accordance with constitutional processes`): what the action is, and so whether it has been
    taken, is left to the bearer's judgment (NATO Art. 5 "such action as it deems necessary"), so
    no want of an action fact can make it `violated` (issue 15, item 7)."""
    qs = tuple(qualifiers)
    discretionary = any(q.group == "discretion" for q in qs)
    days: int | None = None
    for q in qs:
        if q.group == "timing":
            if q.days is not None:
                return q.days
            if not discretionary and q.value in timing:
                days = timing[q.value]
    return days


def falls_due(modality: str) -> bool:
    """Whether a provision of this modality has a deadline (from `within N days` or a timing word)."""
    return modality == "obligation"


def step(status: str, latched: bool, modality: str, at: Instant) -> Step:
    """The status after an instant of an instance now in `status` (`latched`: activated before)."""
    if status in TERMINAL:
        return Step(status)
    # outside the treaty (ended, or a party not a member): a listed instance is discharged
    if not at.in_force():
        return Step(status) if status == DORMANT else Step(DISCHARGED, reason="ended")
    if not at.bearer_member():
        return Step(status) if status == DORMANT else Step(DISCHARGED, reason="bearer_left")
    if not at.beneficiary_member():
        return Step(status) if status == DORMANT else Step(DISCHARGED, reason="beneficiary_left")
    # a pending instance whose trigger stops holding has lapsed (SPEC: its situation ended before
    # the prerequisites were met); a lapsed one stays so until a new trigger
    untriggered = LAPSED if status in (PENDING, LAPSED) else DORMANT
    if at.suspended():
        # suspended while activated or triggered; else dormant or lapsed (the trigger stopped holding)
        return Step(SUSPENDED) if latched or at.trigger() else Step(untriggered)
    latch = False
    if not latched:
        if not at.trigger():
            # lapsing keeps what explained it while pending (what it was waiting for)
            return Step(untriggered, judged=untriggered == DORMANT)
        if not at.undefeated():
            return Step(DEFEATED, judged=True)
        if not at.prerequisites():
            return Step(PENDING, judged=True)
        latch = True  # active from now on, whatever the trigger does later
    # active: the action, the discharge condition and the deadline decide
    if modality in ("obligation", "prohibition") and at.action():
        if modality == "obligation":
            return Step(FULFILLED, latch, latch)
        return Step(VIOLATED, latch, latch, "forbidden")  # rights and permissions are never violated
    if at.discharge():
        return Step(DISCHARGED, latch, latch, "until")
    if at.situation_ended():
        return Step(DISCHARGED, latch, latch, "situation")
    if falls_due(modality) and at.deadline_passed():
        return Step(VIOLATED, latch, latch, "deadline")
    return Step(ACTIVE, latch, latch)


def words(reason: str, **names: object) -> str:
    """A reason (`Step.reason`) in words, with the names it mentions filled in."""
    return REASONS[reason].format(**names)


# ---------------------------------------------------------------------------- what a plan can ask


class _Unknown(Exception):
    def __init__(self, name: str):
        self.name = name


class _Probe:
    """An `Instant` whose answers are given (`known`); asking anything else raises `_Unknown`."""

    def __init__(self, known: Mapping[str, bool]):
        self.known = known

    def _ask(self, name: str) -> bool:
        value = self.known.get(name)
        if value is None:
            raise _Unknown(name)
        return value

    def in_force(self) -> bool:
        return self._ask("in_force")

    def bearer_member(self) -> bool:
        return self._ask("bearer_member")

    def beneficiary_member(self) -> bool:
        return self._ask("beneficiary_member")

    def suspended(self) -> bool:
        return self._ask("suspended")

    def trigger(self) -> bool:
        return self._ask("trigger")

    def undefeated(self) -> bool:
        return self._ask("undefeated")

    def prerequisites(self) -> bool:
        return self._ask("prerequisites")

    def action(self) -> bool:
        return self._ask("action")

    def discharge(self) -> bool:
        return self._ask("discharge")

    def situation_ended(self) -> bool:
        return self._ask("situation_ended")

    def deadline_passed(self) -> bool:
        return self._ask("deadline_passed")


# a decision tree: a Step, or (observation, the tree if it is false, the tree if it is true)
Tree: TypeAlias = "Step | tuple[str, Tree, Tree]"


def tree(status: str, latched: bool, modality: str, known: Mapping[str, bool]) -> Tree:
    """`step` from `status` as a decision tree over the observations not in `known`, in the order
    `step` asks them (generated code follows it, so it too asks only what matters)."""
    try:
        return step(status, latched, modality, _Probe(known))
    except _Unknown as u:
        return (u.name, tree(status, latched, modality, {**known, u.name: False}),
                tree(status, latched, modality, {**known, u.name: True}))


def leaves(t: Tree) -> Iterator[Step]:
    if isinstance(t, Step):
        yield t
    else:
        yield from leaves(t[1])
        yield from leaves(t[2])


def asked(t: Tree) -> set[str]:
    """The observations a decision tree asks."""
    if isinstance(t, Step):
        return set()
    return {t[0]} | asked(t[1]) | asked(t[2])


@functools.lru_cache(maxsize=1024)
def _outcomes(status: str, latched: bool, modality: str, known: frozenset[tuple[str, bool]]) -> frozenset[Step]:
    return frozenset(leaves(tree(status, latched, modality, dict(known))))


def outcomes(status: str, latched: bool, modality: str, **known: bool) -> frozenset[Step]:
    """Every step an instance in `status` can take at an instant where `known` holds."""
    return _outcomes(status, latched, modality, frozenset(known.items()))


def settled(status: str, latched: bool, modality: str, **known: bool) -> bool:
    """Whether an instance in `status` keeps it, whatever else holds, at an instant where `known`
    holds (an evaluator may pass over such instants)."""
    return all(s.status == status and not s.latch for s in outcomes(status, latched, modality, **known))


@record
class Machine:
    """The lifecycle of a provision's instances where some observations are fixed for all time
    (a plan's knowledge: a treaty whose parties are members for good, no `unless`, nothing of
    the action's kind, …): from each status reachable from dormant, the decision tree over the
    observations left."""

    modality: str
    known: tuple[tuple[str, bool], ...]
    trees: tuple[tuple[str, bool, Tree], ...]  # (status, latched, tree), dormant first

    def asks(self) -> frozenset[str]:
        """The observations that still matter."""
        return _asks(self)

    def absorbing(self, status: str, latched: bool) -> bool:
        """Whether an instance in `status` never leaves it."""
        return status in TERMINAL or (status, latched) not in _left(self)

    def once_active(self) -> bool:
        """Whether an instance can only go from dormant to active, for good: active from the first
        instant at which its trigger holds."""
        for s, latched, tr in self.trees:
            if (s, latched) == (DORMANT, False):
                if tr != ("trigger", Step(DORMANT, judged=True), Step(ACTIVE, True, True)):
                    return False
            elif (s, latched) != (ACTIVE, True) or not self.absorbing(s, latched):
                return False
        return True


@per_object
def _asks(m: Machine) -> frozenset[str]:
    return frozenset().union(*(asked(t) for _, _, t in m.trees))


@per_object
def _left(m: Machine) -> frozenset[tuple[str, bool]]:
    """The states of `m.trees` that some step leaves (every other is absorbing)."""
    return frozenset((s, lt) for s, lt, tr in m.trees
                     if not all(t.status == s and not t.latch for t in leaves(tr)))


@functools.lru_cache(maxsize=256)
def _machine(modality: str, known: tuple[tuple[str, bool], ...]) -> Machine:
    fixed = dict(known)
    trees: list[tuple[str, bool, Tree]] = []
    todo = [(DORMANT, False)]
    seen = set(todo)
    while todo:
        status, latched = todo.pop(0)
        tr = tree(status, latched, modality, fixed)
        trees.append((status, latched, tr))
        for s in leaves(tr):
            nxt = (s.status, latched or s.latch)
            if nxt not in seen and s.status not in TERMINAL:
                seen.add(nxt)
                todo.append(nxt)
    return Machine(modality, known, tuple(trees))


def machine(modality: str, **known: bool) -> Machine:
    """The lifecycle of a provision of this modality where `known` holds at every instant."""
    return _machine(modality, tuple(sorted(known.items())))
