"""How much work the engine does as scenarios grow, counted, not timed (issue 6): facts that
cannot concern an instance cost it nothing (one look when the candidates are found), and facts
that do cost it about linearly.

The count is the number of times the engine matches an atom against a fact
(`unify`, as engine/core/evaluate.py, solver.py and direct.py call it): deterministic, so these
tests cannot be flaky on a busy machine, and they fail if the engine goes back to walking every
instant of the treaty for every instance or to solving a trigger afresh at each of its
instants."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections.abc import Callable

import pytest

import engine
from engine.core.options import EvalOptions
from engine.kernel.facts import Fact, Scenario

ev = importlib.import_module("engine.core.evaluate")
MATCHING = [ev, importlib.import_module("engine.core.solver"), importlib.import_module("engine.core.direct")]
BASE = dt.date(2025, 1, 1).toordinal()


def _fact(kind: str, day: int, **roles: str) -> Fact:
    text = f"{kind}({', '.join(f'{k}: {v}' for k, v in roles.items())})"
    return Fact(kind, dict(roles), BASE + day, BASE + day, text, "test:1")


def _work(lib: engine.Library, facts: list[Fact], treaty: str,
          monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[object]]:
    """(atom-to-fact matches, the listed instances) for one scenario against one treaty."""
    calls = [0]
    real = ev.unify

    def counting(*args: object) -> object:
        calls[0] += 1
        return real(*args)

    for module in MATCHING:  # the walk, the solver and the direct path each match atoms to facts
        monkeypatch.setattr(module, "unify", counting)
    result = ev.evaluate(lib, Scenario("work", "test", None, tuple(facts)), [treaty])
    for module in MATCHING:
        monkeypatch.setattr(module, "unify", real)
    listed = [(r.provision.id, r.bearer, r.beneficiary, r.status, r.activated, tuple(r.timeline))
              for o in result.outcomes for r in o.instances]
    return calls[0], listed


def _noise(n: int) -> list[Fact]:
    """Facts between parties that are not NATO members: nothing for a NATO instance."""
    pairs = [("JP", "KR"), ("AU", "NZ"), ("PH", "CN"), ("KP", "BY")]
    return [_fact("armed_attack" if i % 2 else "threat", 5 + i % 300, by=pairs[i % 4][1], on=pairs[i % 4][0])
            for i in range(n)]


def test_facts_that_concern_no_instance_cost_one_look_not_one_per_instance(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    attack = [_fact("armed_attack", 10, by="RU", on="PL", at="PL"), _fact("assist", 40, by="DE", to="PL")]
    small, listed_small = _work(lib, attack + _noise(10), "nato_1949", monkeypatch)
    big, listed_big = _work(lib, attack + _noise(400), "nato_1949", monkeypatch)
    assert listed_small == listed_big and listed_small  # the same instances come alive
    # each extra fact is looked at once by the candidate pass of each provision whose trigger has
    # its kind: a threat by Art. 4's, an armed attack (also a threat) by Art. 4's and Art. 5's, so
    # half the noise twice (NATO's 32 members make 992 instances a provision: one look each would
    # be 390 x 992)
    assert big - small <= (400 - 10) * 3 // 2, f"{big} matches with 400 unrelated facts, {small} with 10"


def test_a_treaty_none_of_whose_parties_a_fact_names_reads_no_fact(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Facts among states that are not NATO members (and not of a class a provision protects):
    no instance of NATO can come alive, so its candidate pass is not made (no fact is matched);
    one fact naming a member is enough for it to look. Rio protects every American state, so a
    fact naming Cuba, never a party since 1962, is looked at."""
    none, listed = _work(lib, _noise(200), "nato_1949", monkeypatch)
    assert none == 0 and listed == []
    some, _ = _work(lib, [*_noise(200), _fact("threat", 3, by="RU", on="PL")], "nato_1949", monkeypatch)
    assert some > 0
    cuba, _ = _work(lib, [_fact("threat", 3, by="RU", on="CU")], "rio_1947", monkeypatch)
    assert cuba > 0


@pytest.mark.parametrize(("treaty", "make"), [
    # a trigger that holds for good once it holds (found by bisection)
    ("nato_1949", lambda i: _fact("threat", 10 + i, by="RU", on="PL")),
    # one that can stop holding: Rio Art. 6, aggression that is not an armed attack
    ("rio_1947", lambda i: _fact("aggression", 10 + i, by="CU", on="BR")),
    # one that stops holding before it ever holds: an attack first, then aggression after aggression
    ("rio_1947", lambda i: _fact("armed_attack", 5, by="CU", on="BR", at="BR") if i == 0 else
     _fact("aggression", 10 + i, by="CU", on="BR")),
    # a trigger that never holds: attacks outside the North Atlantic area (NATO Art. 6)
    ("nato_1949", lambda i: _fact("armed_attack", 10 + i, by="RU", on="FR", at="GF")),
    # pending, threat after threat, for want of a request (Russia-DPRK Art. 3)
    ("ru_kp_2024", lambda i: _fact("imminent_threat", 10 + i, by="US", on="KP")),
])
def test_facts_that_concern_an_instance_cost_it_about_linearly(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch, treaty: str, make: Callable[[int], Fact]) -> None:
    def facts(n: int) -> list[Fact]:
        return [make(i) for i in range(n)]

    small, listed_small = _work(lib, facts(100), treaty, monkeypatch)
    big, listed_big = _work(lib, facts(800), treaty, monkeypatch)
    assert len(listed_small) == len(listed_big)
    # 8x the facts: at most about 8x the work (re-solving at every instant would be about 64x)
    assert big <= 10 * small, f"{big} matches for 800 facts, {small} for 100"


def test_the_shortcut_for_triggers_with_not_keeps_their_meaning(lib: engine.Library) -> None:
    """Rio Art. 6 covers aggression that is not an armed attack: with the attack first, or on the
    same day, it never comes alive; with the attack later it is active from the aggression."""
    def art6(attack_day: int) -> list[int | None]:
        facts = [_fact("aggression", 10, by="CU", on="BR"),
                 _fact("armed_attack", attack_day, by="CU", on="BR", at="BR")]
        result = ev.evaluate(lib, Scenario("rio", "test", None, tuple(facts)), ["rio_1947"])
        return [r.activated for o in result.outcomes for r in o.instances if r.provision.id == "art6"]

    assert art6(5) == [] and art6(10) == []
    later = art6(20)
    assert later and set(later) == {BASE + 10}


def test_the_shortcuts_change_no_result(lib: engine.Library) -> None:
    """With bisection, the trigger and prerequisite tests, the sharing of alike bearers and the
    direct working out of simple provisions turned off, every instance is solved at each of its
    instants: the whole result JSON (statuses, timelines, `because`, `missing`) must be the same,
    on the bundled JSON scenarios and on dense generated ones; and the same again with the
    compiled code, as a batch runs by default."""
    from engine.io.batch import run_batch
    from tests.io.test_batch import bundled_lines, generated

    lines = bundled_lines() + list(generated(120, seed=6, events=(10, 40)))
    taken = EvalOptions(compiled=False).counting()
    fast = list(run_batch(lib, lines, options=taken))
    assert list(run_batch(lib, lines)) == fast
    walked = EvalOptions.plain().counting()
    slow = list(run_batch(lib, lines, options=walked))
    assert taken.counts is not None and walked.counts is not None
    # every shortcut was taken by the fast run, and none by the plain one
    assert min(taken.counts.direct, taken.counts.bisected, taken.counts.predicates, taken.counts.shared) > 0
    assert walked.counts.direct == walked.counts.bisected == walked.counts.predicates == walked.counts.shared == 0
    assert walked.counts.walked == taken.counts.walked + taken.counts.direct
    assert len(fast) == len(lines)
    statuses = {i["status"] for line in fast for r in json.loads(line)["results"] for i in r["instances"]}
    assert {"pending", "suspended", "discharged", "active"} <= statuses  # the cases the shortcuts pass over
    for a, b in zip(fast, slow, strict=True):
        assert a == b


LAPSED_BECAUSE_TREATY = """\
treaty gen "Generated treaty" {
  parties RU, BY
  in force 2020-01-01
  provision p1 "Provision 1" article "1" {
    when threat(on: X) ongoing
    upon request(from: X, for: assist)
    then each other party must consult(with: X)
  }
}
"""

LAPSED_BECAUSE_SCENARIO = """\
scenario "two threats, one lasting a day longer" {
  2020-10-21              aggression(on: BY)
  2020-10-21..2020-10-22  critical_threat(on: BY)
}
"""


def test_a_lapsed_instance_cites_the_same_facts_with_and_without_the_predicate_shortcut(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Found by engine.strategies.treaty_texts (session 7): the predicate shortcut passed over a
    # pending instance's last instant before its `ongoing` trigger ended, so it cited the first
    # fact (aggression) where the walk cites the last one that kept it alive (critical_threat).
    (tmp_path / "t.casus").write_text(LAPSED_BECAUSE_TREATY, encoding="utf-8")
    (tmp_path / "s.casus").write_text(LAPSED_BECAUSE_SCENARIO, encoding="utf-8")
    lib, (s,) = engine.load([str(tmp_path / "s.casus"), str(tmp_path / "t.casus")])
    plain = json.loads(engine.run(lib, s, ["gen"], options=EvalOptions.plain()).to_json())
    assert [i["status"] for i in plain["results"][0]["instances"]] == ["lapsed"]
    for options in (EvalOptions(), EvalOptions(predicates=False)):
        got = json.loads(engine.run(lib, s, ["gen"], options=options).to_json())
        assert got == plain, options



PASSED_OVER_TREATY = """
interpretation strict "A reading" {
  source "test"
}
treaty gen "Generated" {
  parties BY, RU
  in force 2020-01-01
  understanding RU "Only for Minsk" on reserved {
    only when critical_threat(on: X) ongoing
  }
  provision old "First text" article "1" {
    version "first" to 2022-12-31
    when threat(on: X) ongoing
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
  provision reserved "With an understanding" article "2" {
    when threat(on: X) ongoing
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
}
"""

PASSED_OVER_SCENARIO = """
scenario "a threat outlasts the first text and the understanding's condition" {
  2022-06-01..2023-06-01  threat(on: BY)
  2022-06-01..2022-08-01  critical_threat(on: BY)
  2023-03-01              request(from: BY, for: assist)
}
"""


def test_a_pending_instance_is_not_passed_over_the_day_its_trigger_stops_holding(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Found by the compiled code's comparison with the engine (session 10): the predicate shortcut
    # asked only the trigger's condition, not whether the provision's text applies then (a
    # version) nor the condition a bearer's understanding adds, so a pending instance was
    # passed over the day its text stopped applying, and lapsed a request later.
    (tmp_path / "t.casus").write_text(PASSED_OVER_TREATY, encoding="utf-8")
    (tmp_path / "s.casus").write_text(PASSED_OVER_SCENARIO, encoding="utf-8")
    lib, (s,) = engine.load([str(tmp_path / "s.casus"), str(tmp_path / "t.casus")])
    plain = json.loads(engine.run(lib, s, ["gen"], options=EvalOptions.plain()).to_json())
    lapsed = {(i["provision"], i["bearer"]): i["since"] for i in plain["results"][0]["instances"]
              if i["status"] == "lapsed"}
    assert lapsed == {("old", "RU"): "2023-01-01", ("reserved", "RU"): "2022-08-02"}
    got = json.loads(engine.run(lib, s, ["gen"], options=EvalOptions()).to_json())
    assert got == plain


class _Looked(list):  # type: ignore[type-arg]
    """A list of the fact index that counts the facts read from it (by iteration or by
    position): every fact the engine looks at, including those a scan passes over."""

    reads = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        for f in super().__iter__():
            _Looked.reads += 1
            yield f

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        _Looked.reads += 1
        return super().__getitem__(i)


def _looks(lib: engine.Library, scenario: Scenario, treaties: list[str] | None,
           monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[object]]:
    """(the facts the engine reads from its index, the listed instances) for one scenario: unlike
    `_work`'s count of matches, this counts the facts a scan looks at and passes over (those that
    started too late or ended too soon), so it grows as the scans do."""
    solver = importlib.import_module("engine.core.solver")

    class Index(solver.FactIndex):  # type: ignore[misc,name-defined]
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            for key, facts in self.by_kind.items():
                self.by_kind[key] = _Looked(facts)

        def _roles(self, kind: str) -> dict[tuple[str, str], list[Fact]]:
            if kind in self._by_role:
                return super()._roles(kind)
            before = _Looked.reads
            got = super()._roles(kind)
            _Looked.reads = before  # (filing a kind's facts by role, once, is not a look at them)
            for key, facts in got.items():
                got[key] = _Looked(facts)
            return got

    with monkeypatch.context() as m:
        m.setattr(ev, "FactIndex", Index)
        _Looked.reads = 0
        result = ev.evaluate(lib, scenario, treaties)
    listed = [(r.provision.id, r.bearer, r.beneficiary, r.status, r.activated, tuple(r.timeline))
              for o in result.outcomes for r in o.instances]
    return _Looked.reads, listed


def _lasting(kind: str, day: int, days: int, **roles: str) -> Fact:
    text = f"{kind}({', '.join(f'{k}: {v}' for k, v in roles.items())})"
    return Fact(kind, dict(roles), BASE + day, BASE + day + days, text, "test:1")


@pytest.mark.parametrize(("treaty", "make"), [
    # `not A in scope art3` never holds (attacks on Brazil's territory, Rio Art. 3(3)): a `not`
    # over a test that never changes leaves the trigger found by bisection
    pytest.param("rio_1947", lambda i: _fact("armed_attack", 10 + i, by="CU", on="BR", at="BR"), id="not-in-scope"),
    # threats in the Far East and a request only at the end (US-Japan Art. IV, whose `X in
    # parties` can stop holding): the parts linked by Z are tested apart from the request,
    # not threats x requests at every instant
    pytest.param("us_jp_1960", lambda i: _fact("request", 2000, **{"from": "JP", "to": "US", "for": "consult"})
                 if i == 0 else _fact("threat", 10 + i, by="CN", on="KR"), id="linked-parts"),
    # threats that last, pending for want of a request (Russia-DPRK Art. 3 reads `imminent_threat
    # (on: X) ongoing`): the threats under way at an instant are found by bisection on starts
    # and ends, not by a scan of every earlier threat
    pytest.param("ru_kp_2024", lambda i: _lasting("imminent_threat", 10 + i, 5, by="US", on="KP"), id="ongoing"),
    # a duty to consult Poland, and Germany consulting others day after day: each instant looks
    # only at the consultations started since the last one, not at all of them again
    pytest.param("nato_1949", lambda i: _fact("threat", 5, by="RU", on="PL") if i == 0 else
                 _fact("consult", 10 + i, by="DE", **{"with": "FR"}), id="action-elsewhere"),
    # facts from before entry into force (Russia-DPRK, 2024-12-04), then threats: the old facts
    # are passed over by bisection at each instant, not scanned
    pytest.param("ru_kp_2024", lambda i: _lasting("imminent_threat", -3000 + i, 0, by="US", on="KP") if i % 2 else
                 _lasting("imminent_threat", 10 + i, 5, by="US", on="KP"), id="before-in-force"),
])
def test_facts_read_for_an_instance_grow_about_linearly(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch, treaty: str, make: Callable[[int], Fact]) -> None:
    """Issue 18, item 3: the facts the engine reads from its index, scans included, for 8x the
    facts are at most about 8x (a scan from the first fact at every instant was 30x to 300x)."""
    def facts(n: int) -> list[Fact]:
        return sorted((make(i) for i in range(n)), key=Fact.sort_key)

    small, listed_small = _looks(lib, Scenario("work", "test", None, tuple(facts(100))), [treaty], monkeypatch)
    big, listed_big = _looks(lib, Scenario("work", "test", None, tuple(facts(800))), [treaty], monkeypatch)
    assert listed_small and len(listed_small) == len(listed_big)
    assert big <= 10 * small, f"{big} facts read for 800 facts, {small} for 100"


@pytest.mark.parametrize("shape", ["pairs", "stories"])
def test_one_scenario_of_many_facts_costs_about_linearly(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch, shape: str) -> None:
    """Issue 18, item 3: one scenario of N facts of the bench's shapes (bench/scale.py: one-day
    facts between the library's parties; the realistic stories about members of every treaty,
    with attacks that last, requests, wars and withdrawals), against the whole library. With 4x
    the facts the engine reads at most about 4x the facts from its index (6x allows for the
    instances that more facts bring alive); re-solving conditions from the first fact at every
    instant made it 9x to 12x."""
    from bench.scale import SHAPES
    from engine.io.batchline import line_scenario

    def looks(n: int) -> int:
        return _looks(lib, line_scenario(lib, json.dumps(SHAPES[shape](n)), "<scale>", 1), None, monkeypatch)[0]

    small, big = looks(1000), looks(4000)
    assert big <= 6 * small, f"{big} facts read for 4,000 facts, {small} for 1,000"


def test_the_shortcuts_change_no_result_on_realistic_scenarios(lib: engine.Library) -> None:
    """The bench's realistic stories (bench/realistic.py: members joining and leaving, attacks at
    sea and on territory that last or end, requests, allies acting): the whole result JSON with
    every shortcut is the plain walk's, and the compiled code's."""
    from bench import realistic
    from engine.io.batch import run_batch

    lines = [json.dumps(d) for d in realistic.scenarios(150, seed=11)]
    taken = EvalOptions(compiled=False).counting()
    fast = list(run_batch(lib, lines, options=taken))
    assert list(run_batch(lib, lines)) == fast
    slow = list(run_batch(lib, lines, options=EvalOptions.plain()))
    assert taken.counts is not None and taken.counts.shared > 0 and taken.counts.predicates > 0
    for a, b in zip(fast, slow, strict=True):
        assert a == b


def _nato_art4(lib: engine.Library, facts: list[Fact]) -> tuple[EvalOptions, list[tuple[object, ...]]]:
    options = EvalOptions().counting()
    result = ev.evaluate(lib, Scenario("nato", "test", None, tuple(facts)), ["nato_1949"], options=options)
    runs = [(r.bearer, r.status, r.activated, tuple(r.timeline), r.because)
            for o in result.outcomes for r in o.instances if r.provision.id == "art4"]
    return options, runs


def test_members_that_joined_before_the_first_fact_share_one_evaluation(lib: engine.Library) -> None:
    """A threat to Poland in 2025: the thirty other allies joined NATO on eleven different days,
    all before it, so their instances of Art. 4 live one life, worked out once (before the facts
    an instance can read it is dormant whatever memberships do); a member that joins while the
    threat lasts lives its own."""
    options, runs = _nato_art4(lib, [_fact("threat", 10, by="RU", on="PL")])
    assert options.counts is not None
    assert len(runs) == 31 and {r[1:] for r in runs} == {runs[0][1:]}
    assert options.counts.shared == 30
    sweden = dt.date(2024, 3, 7).toordinal() - BASE
    lasting = Fact("threat", {"by": "RU", "on": "PL"}, BASE + sweden - 30, BASE + sweden + 30, "threat(by: RU, on: PL)",
                   "test:1")
    options, runs = _nato_art4(lib, [lasting])
    swedish = [r for r in runs if r[0] == "SE"]
    assert swedish and swedish[0][2] == BASE + sweden
    assert {r[2] for r in runs if r[0] != "SE"} == {BASE + sweden - 30}
    plain = ev.evaluate(lib, Scenario("nato", "test", None, (lasting,)), ["nato_1949"], options=EvalOptions.plain())
    assert runs == [(r.bearer, r.status, r.activated, tuple(r.timeline), r.because)
                    for o in plain.outcomes for r in o.instances if r.provision.id == "art4"]


def test_bearers_that_leave_together_share_one_evaluation_and_keep_their_own_names(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolivia, Ecuador, Nicaragua and Venezuela left the Rio Treaty on the same day (2014): a
    threat to Brazil in 2010 makes their Art. 6 duties end alike, evaluated once, each saying
    that its own bearer left. Three evaluations in all: the members to the end (Argentina
    first), the four that left in 2014, and those no longer members in 2010 (Cuba, Mexico)."""
    threat = Fact("threat", {"by": "CU", "on": "BR"}, dt.date(2010, 5, 1).toordinal(),
                  dt.date(2010, 5, 1).toordinal(), "threat(by: CU, on: BR)", "test:1")
    scenario = Scenario("rio", "test", None, (threat,))

    def leavers(options: EvalOptions) -> dict[str, tuple[str, str | None]]:
        result = ev.evaluate(lib, scenario, ["rio_1947"], options=options)
        return {r.bearer: (r.status, r.reason) for o in result.outcomes for r in o.instances
                if r.provision.id == "art6" and r.bearer in ("BO", "EC", "NI", "VE")}

    walked: list[str] = []
    real = ev.TreatyRun._run_instance

    def counting(self: ev.TreatyRun, run: ev.InstanceRun, *args: object, **kwargs: object) -> None:
        if run.provision.id == "art6":
            walked.append(run.bearer)
        real(self, run, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ev.TreatyRun, "_run_instance", counting)
    got = leavers(EvalOptions())
    assert got == {x: ("discharged", f"{x} left the treaty") for x in ("BO", "EC", "NI", "VE")}
    assert walked == ["AR", "BO", "CU"]
    assert got == leavers(EvalOptions.plain())


def test_a_text_that_does_not_apply_under_the_reading_is_not_walked(
        lib: engine.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rio Art. 3(1) has two texts, one per reading (`version … under rio_state_attacker` and
    `except under` it): an armed attack on Brazil walks the instances of the one that applies,
    never the other's, and lists what the plain walk lists."""
    attack = _fact("armed_attack", 10, by="CU", on="BR", at="BR")
    scenario = Scenario("rio", "test", None, (attack,))
    walked: list[str] = []
    real = ev.TreatyRun._run_instance

    def counting(self: ev.TreatyRun, run: ev.InstanceRun, *args: object, **kwargs: object) -> None:
        walked.append(run.provision.id)
        real(self, run, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ev.TreatyRun, "_run_instance", counting)
    for reading, applies, not_walked in (("default", "art3_1", "art3_1_state"),
                                         ("rio_state_attacker", "art3_1_state", "art3_1")):
        walked.clear()
        fast = ev.evaluate(lib, scenario, ["rio_1947"], reading)
        assert applies in walked and not_walked not in walked
        listed = [(r.provision.id, r.bearer, r.status, r.activated) for o in fast.outcomes for r in o.instances]
        assert any(p == applies for p, *_ in listed) and not any(p == not_walked for p, *_ in listed)
        plain = ev.evaluate(lib, scenario, ["rio_1947"], reading, options=EvalOptions.plain())
        assert listed == [(r.provision.id, r.bearer, r.status, r.activated)
                          for o in plain.outcomes for r in o.instances]
