"""The instance lifecycle (engine/kernel/lifecycle.py) against SPEC "Instances and status", one
row per status and observation that matters, and what the evaluators derive from it."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from engine.kernel import lifecycle as L
from engine.kernel.lifecycle import (
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
    Step,
)

# an ordinary instant: in force, both parties members, not suspended, nothing else holds
PLAIN = {"in_force": True, "bearer_member": True, "beneficiary_member": True, "suspended": False, "trigger": False,
         "undefeated": True, "prerequisites": True, "action": False, "discharge": False, "situation_ended": False,
         "deadline_passed": False}


class Given:
    """An instant where `PLAIN` holds but for `overrides`; it records what the lifecycle asks."""

    def __init__(self, overrides: Mapping[str, bool]):
        unknown = set(overrides) - set(PLAIN)
        assert not unknown, unknown
        self.values = {**PLAIN, **overrides}
        self.asked: list[str] = []

    def _ask(self, name: str) -> bool:
        assert name not in self.asked, f"{name} asked twice"
        self.asked.append(name)
        return self.values[name]

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


OBL, PRO, PER, RIGHT = "obligation", "prohibition", "permission", "right"
T = True
F = False

# (what SPEC says, status, activated before, modality, what holds, status after, latches, reason)
ROWS: list[tuple[str, str, bool, str, dict[str, bool], str, bool, str | None]] = [
    # trigger, unless, upon
    ("no trigger: stays dormant", DORMANT, F, OBL, {}, DORMANT, F, None),
    ("trigger without prerequisites: pending", DORMANT, F, OBL, {"trigger": T, "prerequisites": F}, PENDING, F, None),
    ("trigger and prerequisites: active", DORMANT, F, OBL, {"trigger": T}, ACTIVE, T, None),
    ("pending, prerequisites arrive: active", PENDING, F, OBL, {"trigger": T}, ACTIVE, T, None),
    ("pending, prerequisites still missing", PENDING, F, OBL, {"trigger": T, "prerequisites": F}, PENDING, F, None),
    ("pending, trigger stops before the prerequisites: lapsed", PENDING, F, OBL, {}, LAPSED, F, None),
    ("lapsed, trigger still gone: stays lapsed", LAPSED, F, OBL, {}, LAPSED, F, None),
    ("lapsed, a new trigger without prerequisites: pending", LAPSED, F, OBL, {"trigger": T, "prerequisites": F},
     PENDING, F, None),
    ("lapsed, a new trigger with prerequisites: active", LAPSED, F, OBL, {"trigger": T}, ACTIVE, T, None),
    ("lapsed, a new trigger defeated: defeated", LAPSED, F, OBL, {"trigger": T, "undefeated": F}, DEFEATED, F, None),
    ("the treaty ended: lapsed discharged", LAPSED, F, OBL, {"in_force": F}, DISCHARGED, F, "ended"),
    ("trigger defeated by unless", DORMANT, F, OBL, {"trigger": T, "undefeated": F}, DEFEATED, F, None),
    ("defeated, the defeater gone: active", DEFEATED, F, OBL, {"trigger": T}, ACTIVE, T, None),
    ("defeated, trigger gone: dormant", DEFEATED, F, OBL, {}, DORMANT, F, None),
    ("a defeated way does not hide a pending one", DORMANT, F, RIGHT,
     {"trigger": T, "undefeated": T, "prerequisites": F}, PENDING, F, None),
    # the latch
    ("active latches: trigger gone, still active", ACTIVE, T, OBL, {}, ACTIVE, F, None),
    ("active latches: prerequisite gone, still active", ACTIVE, T, OBL, {"trigger": T, "prerequisites": F},
     ACTIVE, F, None),
    ("active latches: defeater arrives later, still active", ACTIVE, T, OBL, {"trigger": T, "undefeated": F},
     ACTIVE, F, None),
    ("a right latches too", ACTIVE, T, RIGHT, {}, ACTIVE, F, None),
    # fulfilment and violation
    ("obligation: the action after activation fulfils", ACTIVE, T, OBL, {"action": T}, FULFILLED, F, None),
    ("obligation: the action on the day of activation fulfils", DORMANT, F, OBL, {"trigger": T, "action": T},
     FULFILLED, T, None),
    ("obligation: the action within the deadline fulfils, though the deadline is past now", ACTIVE, T, OBL,
     {"action": T, "deadline_passed": T}, FULFILLED, F, None),
    ("obligation: no action by the deadline: violated", ACTIVE, T, OBL, {"deadline_passed": T}, VIOLATED, F,
     "deadline"),
    ("obligation: before the deadline, still active", ACTIVE, T, OBL, {}, ACTIVE, F, None),
    ("pending: no action counts before activation", PENDING, F, OBL,
     {"trigger": T, "prerequisites": F, "action": T}, PENDING, F, None),
    ("prohibition: the forbidden act violates", ACTIVE, T, PRO, {"action": T}, VIOLATED, F, "forbidden"),
    ("prohibition: the forbidden act on the day of activation violates", DORMANT, F, PRO,
     {"trigger": T, "action": T}, VIOLATED, T, "forbidden"),
    ("prohibition: no deadline to miss", ACTIVE, T, PRO, {"deadline_passed": T}, ACTIVE, F, None),
    ("permission: never fulfilled or violated by its action", ACTIVE, T, PER, {"action": T}, ACTIVE, F, None),
    ("right: never violated by its action", ACTIVE, T, RIGHT, {"action": T}, ACTIVE, F, None),
    ("right: never violated by a deadline", ACTIVE, T, RIGHT, {"deadline_passed": T}, ACTIVE, F, None),
    ("permission: never violated by a deadline", ACTIVE, T, PER, {"deadline_passed": T}, ACTIVE, F, None),
    # discharge
    ("until holds after activation: discharged", ACTIVE, T, OBL, {"discharge": T}, DISCHARGED, F, "until"),
    ("until on the day of activation: discharged", DORMANT, F, RIGHT, {"trigger": T, "discharge": T},
     DISCHARGED, T, "until"),
    ("a right is discharged by until", ACTIVE, T, RIGHT, {"discharge": T}, DISCHARGED, F, "until"),
    ("the action fulfils before until discharges", ACTIVE, T, OBL, {"action": T, "discharge": T}, FULFILLED, F,
     None),
    ("until discharges before the deadline violates", ACTIVE, T, OBL, {"discharge": T, "deadline_passed": T},
     DISCHARGED, F, "until"),
    ("the situation ended: discharged", ACTIVE, T, OBL, {"situation_ended": T}, DISCHARGED, F, "situation"),
    ("the action fulfils before the end of the situation discharges", ACTIVE, T, OBL,
     {"action": T, "situation_ended": T}, FULFILLED, F, None),
    ("until discharges before the end of the situation", ACTIVE, T, RIGHT, {"discharge": T, "situation_ended": T},
     DISCHARGED, F, "until"),
    ("the end of the situation discharges before the deadline violates", ACTIVE, T, OBL,
     {"situation_ended": T, "deadline_passed": T}, DISCHARGED, F, "situation"),
    ("pending: until does not count before activation", PENDING, F, OBL,
     {"trigger": T, "prerequisites": F, "discharge": T}, PENDING, F, None),
    ("the treaty ended: active discharged", ACTIVE, T, OBL, {"in_force": F}, DISCHARGED, F, "ended"),
    ("the treaty ended: pending discharged", PENDING, F, OBL, {"in_force": F, "trigger": T}, DISCHARGED, F, "ended"),
    ("the treaty ended: defeated discharged", DEFEATED, F, OBL, {"in_force": F}, DISCHARGED, F, "ended"),
    ("the treaty ended: suspended discharged", SUSPENDED, T, OBL, {"in_force": F}, DISCHARGED, F, "ended"),
    ("the bearer left: discharged", ACTIVE, T, OBL, {"bearer_member": F}, DISCHARGED, F, "bearer_left"),
    ("the beneficiary left: discharged", PENDING, F, OBL, {"beneficiary_member": F}, DISCHARGED, F,
     "beneficiary_left"),
    ("the bearer left before the treaty ended: the end is the reason", ACTIVE, T, OBL,
     {"in_force": F, "bearer_member": F}, DISCHARGED, F, "ended"),
    ("a dormant instance outside the treaty stays dormant (never listed)", DORMANT, F, OBL,
     {"in_force": F, "trigger": T}, DORMANT, F, None),
    ("a dormant instance whose bearer is not a member stays dormant", DORMANT, F, OBL,
     {"bearer_member": F, "trigger": T}, DORMANT, F, None),
    # suspension
    ("suspended while triggered", DORMANT, F, OBL, {"suspended": T, "trigger": T}, SUSPENDED, F, None),
    ("suspended: no activation while suspended", PENDING, F, OBL, {"suspended": T, "trigger": T}, SUSPENDED, F,
     None),
    ("suspended while active, trigger gone", ACTIVE, T, OBL, {"suspended": T}, SUSPENDED, F, None),
    ("suspended: the action does not fulfil while suspended", ACTIVE, T, OBL, {"suspended": T, "action": T},
     SUSPENDED, F, None),
    ("suspended: the deadline does not violate while suspended", ACTIVE, T, OBL,
     {"suspended": T, "deadline_passed": T}, SUSPENDED, F, None),
    ("suspended, not activated, trigger gone: dormant", SUSPENDED, F, OBL, {"suspended": T}, DORMANT, F, None),
    ("pending, suspended, trigger gone: lapsed", PENDING, F, OBL, {"suspended": T}, LAPSED, F, None),
    ("lapsed, suspended, trigger gone: stays lapsed", LAPSED, F, OBL, {"suspended": T}, LAPSED, F, None),
    ("suspension over, activated before: active again", SUSPENDED, T, OBL, {}, ACTIVE, F, None),
    ("suspension over, activated before: the action now fulfils", SUSPENDED, T, OBL, {"action": T}, FULFILLED, F,
     None),
    ("suspension over, not activated: the trigger decides", SUSPENDED, F, OBL, {"trigger": T, "prerequisites": F},
     PENDING, F, None),
    ("suspension over, not activated, all holds: active", SUSPENDED, F, OBL, {"trigger": T}, ACTIVE, T, None),
    # terminal statuses stay
    *[(f"{s} is terminal", s, T, OBL, {"in_force": F, "action": T, "discharge": T, "deadline_passed": T}, s, F, None)
      for s in sorted(TERMINAL)],
]


@pytest.mark.parametrize(("what", "status", "latched", "modality", "holds", "after", "latch", "reason"), ROWS,
                         ids=[r[0] for r in ROWS])
def test_step_follows_the_spec(what: str, status: str, latched: bool, modality: str, holds: dict[str, bool],
                               after: str, latch: bool, reason: str | None) -> None:
    s = L.step(status, latched, modality, Given(holds))
    assert (s.status, s.latch, s.reason) == (after, latch, reason)


def test_every_status_and_modality_is_covered() -> None:
    assert {r[1] for r in ROWS} | {r[5] for r in ROWS} == set(L.STATUSES)
    assert {r[3] for r in ROWS} == {OBL, PRO, PER, RIGHT}


@pytest.mark.parametrize("modality", [OBL, PRO, PER, RIGHT])
@pytest.mark.parametrize("status", L.STATUSES)
def test_rights_and_permissions_are_never_violated_nor_fulfilled(status: str, modality: str) -> None:
    """Over every combination of observations, from every status: what a modality can reach."""
    for latched in (False, True):
        reached = {s.status for s in L.outcomes(status, latched, modality)}
        if modality in (PER, RIGHT):
            assert not reached & {VIOLATED, FULFILLED} or status in (VIOLATED, FULFILLED)
        if modality == PRO:
            assert FULFILLED not in reached or status == FULFILLED
        if status in TERMINAL:
            assert reached == {status}


def test_the_lifecycle_asks_only_what_its_answer_depends_on() -> None:
    outside = Given({"in_force": False})
    L.step(DORMANT, False, OBL, outside)
    assert outside.asked == ["in_force"]  # nothing solved for an instance outside the treaty
    latched = Given({})
    L.step(ACTIVE, True, RIGHT, latched)
    assert "trigger" not in latched.asked and "action" not in latched.asked  # latched; a right has no act to do
    assert latched.asked == ["in_force", "bearer_member", "beneficiary_member", "suspended", "discharge",
                            "situation_ended"]
    pending = Given({"trigger": True, "prerequisites": False})
    L.step(DORMANT, False, OBL, pending)
    assert pending.asked[-1] == "prerequisites"  # no action, discharge or deadline before activation


def test_judged_marks_the_instants_whose_explanation_counts() -> None:
    assert L.step(DORMANT, False, OBL, Given({"trigger": True, "prerequisites": False})).judged
    assert L.step(DORMANT, False, OBL, Given({})).judged  # the trigger was weighed and failed
    assert not L.step(PENDING, False, OBL, Given({"suspended": True})).judged  # suspended: not weighed
    assert not L.step(ACTIVE, True, OBL, Given({"action": True})).judged  # latched: the trigger is not asked
    assert L.step(DORMANT, False, OBL, Given({"trigger": True, "action": True})).judged  # activated and fulfilled now


def test_reasons_in_words() -> None:
    assert L.words("bearer_left", bearer="US", beneficiary="NZ") == "US left the treaty"
    assert L.words("deadline", action="assist", bearer="RU", days=3) == "no assist by RU within 3 days"
    assert L.words("forbidden", act="attack(by: RU)") == "the forbidden action happened: attack(by: RU)"


WHOLE_TIME = {"in_force": True, "bearer_member": True, "beneficiary_member": True, "suspended": False,
              "undefeated": True, "prerequisites": True, "discharge": False, "situation_ended": False}


@pytest.mark.parametrize(("modality", "acts", "due", "once"), [
    (OBL, False, False, True),
    (OBL, True, False, False),  # an action may fulfil it
    (OBL, False, True, False),  # a deadline may pass
    (PRO, True, False, False),  # a forbidden act may violate it
    (PRO, False, True, True),  # a prohibition has no deadline
    (PER, True, True, True),  # a permission's action and deadline change nothing
    (RIGHT, True, False, True),
])
def test_once_active_is_what_the_direct_path_and_compiled_code_rest_on(modality: str, acts: bool, due: bool,
                                                                      once: bool) -> None:
    known = dict(WHOLE_TIME)
    if not acts:
        known["action"] = False
    if not due:
        known["deadline_passed"] = False
    assert L.machine(modality, **known).once_active() is once


def test_machine_with_prerequisites_goes_through_pending() -> None:
    known = {k: v for k, v in WHOLE_TIME.items() if k != "prerequisites"}
    m = L.machine(OBL, **known, action=False, deadline_passed=False)
    assert [(s, latched) for s, latched, _ in m.trees] == [(DORMANT, False), (PENDING, False), (ACTIVE, True),
                                                          (LAPSED, False)]
    assert m.asks() == {"trigger", "prerequisites"}
    assert not m.once_active()
    assert m.absorbing(ACTIVE, True) and not m.absorbing(PENDING, False) and not m.absorbing(LAPSED, False)
    dormant = {s: t for s, _, t in m.trees}[DORMANT]
    assert dormant == ("trigger", Step(DORMANT, judged=True),
                       ("prerequisites", Step(PENDING, judged=True), Step(ACTIVE, True, True)))


def test_settled_is_what_the_walk_passes_over() -> None:
    assert L.settled(DORMANT, False, OBL, trigger=False)
    assert not L.settled(PENDING, False, OBL, trigger=False)  # it may be discharged, or lapse
    assert L.settled(LAPSED, False, OBL, trigger=False, in_force=True, bearer_member=True, beneficiary_member=True)
    plain = {k: v for k, v in PLAIN.items() if k in ("in_force", "bearer_member", "beneficiary_member", "suspended")}
    assert L.settled(PENDING, False, OBL, **plain, trigger=True, undefeated=True, prerequisites=False)
    assert not L.settled(DEFEATED, False, OBL, **plain, trigger=True, undefeated=True, prerequisites=False)


# ---------------------------------------------------------------------------- the evaluators follow it

def _forget(ev: object, compiled: object) -> None:
    """Empty every cache of what the evaluators derived from the lifecycle."""
    from engine.core import direct

    for fn in (L._machine, L._outcomes, ev._untriggered, ev._unprepared, direct._once_active):  # type: ignore[attr-defined]
        fn.cache_clear()
    compiled._PROGRAMS.clear()  # type: ignore[attr-defined]


def test_the_walk_and_the_compiled_code_both_follow_the_lifecycle(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Neither backend restates the lifecycle: change it (here, a pending instance whose trigger
    stops holding stays pending, not lapsed) and both the walk and the generated code change with it, and
    still agree."""
    import dataclasses
    import json

    from engine.api import load_library
    from engine.base.paths import library_dir
    from engine.core import compiled
    from engine.core import evaluate as ev
    from engine.core.records import result_csv
    from engine.io import batch, batchline

    (tmp_path / "t.casus").write_text(
        'treaty tt "T" {\n  parties RU, BY\n  in force 2020-01-01\n'
        '  provision p "P" article "1" {\n    when armed_attack(on: X) and not unsc_measures(on: X)\n'
        '    upon request(from: X, for: assist)\n    then each other party may assist(to: X)\n  }\n}\n',
        encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(tmp_path / "t.casus")])
    line = json.dumps({"name": "n", "events": [{"kind": "armed_attack", "date": "2025-01-05", "on": "RU"},
                                               {"kind": "unsc_measures", "date": "2025-01-10", "on": "RU"}]})

    light = batchline.light_facts
    taken: list[bool] = []

    def spy(*args):  # type: ignore[no-untyped-def]
        got = light(*args)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(batchline, "light_facts", spy)

    def both() -> tuple[list[str], list[str]]:
        """The walk's CSV lines and the compiled code's, without their lead (the scenario)."""
        _forget(ev, compiled)
        assert compiled.program(lib, ("tt",), "default") is not None  # the treaty is compiled
        walk = result_csv(ev.evaluate(lib, batchline.line_scenario(lib, line, "<batch>", 1)))
        taken.clear()
        code = list(batch.run_batch(lib, [line], fmt="csv"))[1:]
        assert taken == [True]  # the scenario went through the compiled code
        return [x.split(",", 1)[1] for x in walk], [x.split(",", 1)[1] for x in code]

    try:
        walk, code = both()
        assert walk == code == ["tt,p,1,BY,RU,lapsed,,2025-01-10"]  # pending from 01-05, lapsed from 01-10
        real = L.step

        def sticky(status: str, latched: bool, modality: str, at: L.Instant) -> Step:
            s = real(status, latched, modality, at)
            return dataclasses.replace(s, status=PENDING) if status == PENDING and s.status == LAPSED else s

        monkeypatch.setattr(L, "step", sticky)
        walk, code = both()
        assert walk == code == ["tt,p,1,BY,RU,pending,,2025-01-05"]
    finally:
        monkeypatch.undo()
        _forget(ev, compiled)


@pytest.mark.parametrize(("modality", "reads", "status"), [
    ("may", False, "active,2025-01-20,2025-01-20"),
    ("must", True, "violated,2025-01-20,2025-01-24"),  # nothing done within 3 days of activation
])
def test_the_compiled_lifecycle_reads_a_deadline_only_where_the_lifecycle_does(
        tmp_path, modality: str, reads: bool, status: str) -> None:  # type: ignore[no-untyped-def]
    """The compiled code's status code asks what the lifecycle, given what the plan knows, asks:
    a permission's deadline is never read, an obligation's is (whether it has passed). Either
    way the treaty is compiled and the CSV is the engine's."""
    import json

    from engine.api import load_library
    from engine.base.paths import library_dir
    from engine.core import compiled
    from engine.core import evaluate as ev
    from engine.core.records import result_csv
    from engine.io import batch, batchline

    (tmp_path / "t.casus").write_text(
        'treaty tt "T" {\n  parties RU, BY\n  in force 2020-01-01\n'
        '  provision p "P" article "1" {\n    when armed_attack(on: X)\n    upon request(from: X, for: assist)\n'
        f'    then each other party {modality} assist(to: X), within 3 days\n  }}\n}}\n', encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(tmp_path / "t.casus")])
    prog = compiled.program(lib, ("tt",), "default")
    assert prog is not None and prog.compiled == ["tt"]
    (plan,) = prog.plans["tt"]
    assert ("deadline_passed" in plan.machine.asks()) is reads
    line = json.dumps({"name": "n", "events": [{"kind": "armed_attack", "date": "2025-01-05", "on": "RU"},
                                               {"kind": "request", "date": "2025-01-20", "from": "RU",
                                                "for": "assist"}]})
    walk = result_csv(ev.evaluate(lib, batchline.line_scenario(lib, line, "<batch>", 1)))
    got = list(batch.run_batch(lib, [line], fmt="csv"))[1:]
    assert [x.split(",", 1)[1] for x in got] == [x.split(",", 1)[1] for x in walk] == [
        f"tt,p,1,BY,RU,{status}"]


def test_a_discretionary_duty_takes_no_deadline_from_a_timing_word() -> None:
    """Issue 15 item 7: `forthwith` under a reading that maps it to 7 days gives a deadline, but
    not on a duty `as it deems necessary` or `in accordance with constitutional processes`; an
    explicit `within N days` applies either way."""
    from engine.base.source import Span
    from engine.kernel.lifecycle import deadline_days
    from engine.language import ast as A

    sp = Span("t", 1, 1, 1, 1)
    forthwith = A.Qualifier("timing", "forthwith", None, sp)
    within = A.Qualifier("timing", "within_3_days", 3, sp)
    deems = A.Qualifier("discretion", "as_it_deems_necessary", None, sp)
    constitutional = A.Qualifier("discretion", "constitutional_processes", None, sp)
    strict = {"forthwith": 7}
    assert deadline_days([forthwith], strict) == 7
    assert deadline_days([forthwith], {}) is None
    assert deadline_days([forthwith, deems], strict) is None
    assert deadline_days([constitutional, forthwith], strict) is None
    assert deadline_days([deems, within], strict) == 3
