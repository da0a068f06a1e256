"""`statuses.outcomes` (engine/core/statuses.py): the instances `casus lint`, `casus diff` and
`casus sweep` read, from the compiled code, are the engine's — provision, bearer, beneficiary,
status, activation, since and timeline — on the bundled scenarios under several readings and on
the small scenarios of lint's own search, and the compiled code does give most of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.api import load
from engine.core import statuses
from engine.core.evaluate import InstanceRun, evaluate
from engine.kernel.facts import Scenario
from engine.language.library import Library

ROOT = Path(__file__).resolve().parents[2]


def fields(runs: list[InstanceRun]) -> list[tuple[object, ...]]:
    return [(r.treaty, r.provision.id, r.bearer, r.beneficiary, r.status, r.activated, r.since, r.timeline)
            for r in runs]


def engine_runs(lib: Library, scenario: Scenario, tid: str, interpretation: str) -> list[InstanceRun]:
    return evaluate(lib, scenario, [tid], interpretation).outcomes[0].instances


@pytest.fixture()
def fallbacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The treaties `listed` left to the engine, as the calls happen."""
    calls: list[str] = []
    real = statuses.evaluate

    def counted(lib, scenario, treaties, interpretation):  # type: ignore[no-untyped-def]
        calls.append(treaties[0])
        return real(lib, scenario, treaties, interpretation)

    monkeypatch.setattr(statuses, "evaluate", counted)
    return calls


@pytest.mark.parametrize("interpretation", ["default", "war_by_attack", "armenia_freeze", "self_defence"])
def test_the_bundled_scenarios_give_the_engines_instances(interpretation: str, fallbacks: list[str]) -> None:
    lib, scenarios = load(sorted((ROOT / "scenarios").glob("*.casus")))
    asked = 0
    for scenario in scenarios:
        for tid in sorted(lib.treaties):
            asked += 1
            assert fields(statuses.listed(lib, scenario, tid, interpretation)) == fields(
                engine_runs(lib, scenario, tid, interpretation)), (scenario.name, tid)
    # (the engine: a fact at a territory a reading moves, a withdrawal, an attack read in self-defence)
    assert len(fallbacks) < asked / 4, (len(fallbacks), asked)
    # the whole library at once (`casus sweep`): compiled treaties and those the engine walks, mixed
    for scenario in scenarios:
        got = statuses.outcomes(lib, scenario, None, interpretation)
        ev = evaluate(lib, scenario, None, interpretation)
        assert [t.id for t, _ in got] == [o.treaty.id for o in ev.outcomes]
        assert [fields(runs) for _, runs in got] == [fields(o.instances) for o in ev.outcomes], scenario.name


def test_lints_search_gives_the_engines_instances(fallbacks: list[str]) -> None:
    """The scenarios of lint's bounded search (every small combination of what a treaty mentions,
    through the treaty alone) for two treaties."""
    from engine.analysis.sides import Side, view
    from engine.analysis.universe import Universe

    lib, _ = load([])
    asked = 0
    for tid in ("ru_by_2024", "nato_1949"):
        side = view(Side(tid, tid, lib, None))
        universe = Universe((side,), "default", None, 1)
        for size in (1, 2):
            for facts in universe.candidates(size)[:300]:
                scenario = universe.scenario(side, sorted(facts))
                asked += 1
                assert fields(statuses.listed(side.reduced, scenario, tid, "default")) == fields(
                    engine_runs(side.reduced, scenario, tid, "default")), (tid, sorted(facts))
    assert asked > 300 and fallbacks == []
