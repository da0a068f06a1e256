"""The public API does everything the command line does: the logic `casus` once held on its own
(bundled-scenario names, `--interpretations`, the `test` loop, fuzz targets, `TREATY.PROVISION`)
is called here directly, as a notebook would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import KURSK

import engine
from engine import api
from engine.base.errors import CasusError
from engine.base.paths import scenarios_dir

Write = Callable[[str, str], Path]


def codes(e: pytest.ExceptionInfo[CasusError]) -> list[str]:
    return [d.code for d in e.value.diagnostics]


# ------------------------------------------------------------------ bundled-scenario names


def test_resolve_finds_a_bundled_scenario_by_its_bare_name(write: Write) -> None:
    mine = write("kursk.casus", KURSK)
    got = api.resolve_scenarios(["kursk_2024", str(mine), "crimea_2025_ru_claims.json"])
    assert got == [str(scenarios_dir() / "kursk_2024.casus"), str(mine),
                   str(scenarios_dir() / "crimea_2025_ru_claims.json")]


def test_resolve_an_unknown_name_suggests_the_nearest_bundled_one() -> None:
    with pytest.raises(CasusError) as e:
        api.resolve_scenarios(["kursk_2204"])
    assert codes(e) == ["E-FILE"]
    assert e.value.diagnostics[0].suggestions[0] == "kursk_2024"


def test_load_scenarios_reads_bundled_names_and_rejects_files_without_scenarios(write: Write) -> None:
    lib, scs = api.load_scenarios(["kursk_2024"])
    assert [s.name for s in scs] == [s.name for s in engine.load([scenarios_dir() / "kursk_2024.casus"])[1]]
    assert "ru_kp_2024" in lib.treaties
    empty = write("regions_only.casus", 'region somewhere "Somewhere" { CH }\n')
    with pytest.raises(CasusError) as e:
        api.load_scenarios([str(empty)])
    assert codes(e) == ["E-SCENARIO"]


def test_resolve_space_finds_a_bundled_space_by_name(write: Write) -> None:
    bundled = scenarios_dir() / "spaces" / "seed_sweep.json"
    assert api.resolve_space("seed_sweep") == api.resolve_space("seed_sweep.json") == bundled
    mine = write("seed_sweep.json", "{}")
    assert api.resolve_space(str(mine)) == mine  # a file as given comes first
    assert api.resolve_space("no_such_space") == Path("no_such_space")


# ------------------------------------------------------------------ --interpretations


def test_parse_interpretations(lib: engine.Library) -> None:
    assert api.parse_interpretations(lib, None) is None
    assert api.parse_interpretations(lib, "all") == sorted(lib.interpretations)
    assert len(sorted(lib.interpretations)) > 2
    assert api.parse_interpretations(lib, " strict_deadlines, default,,") == ["strict_deadlines", "default"]


def test_compare_runs_each_scenario_under_each_interpretation(lib: engine.Library, write: Write) -> None:
    _, scs = api.load_scenarios([str(write("kursk.casus", KURSK))])
    rows = api.compare(lib, scs, ["ru_kp_2024"], "ru_claims,default")
    assert [[r.scenario.interpretation for r in results] for results in rows] == [["ru_claims", "default"]]
    assert all([t.treaty for t in r.results] == ["ru_kp_2024"] for r in rows[0])
    own = api.compare(lib, scs)  # none given: the scenario's own interpretation
    assert [[r.scenario.interpretation for r in results] for results in own] == [["default"]]
    with pytest.raises(CasusError) as e:
        api.compare(lib, scs, None, "default,strictt")
    assert codes(e) == ["E-UNKNOWN"]


# ------------------------------------------------------------------ TREATY.PROVISION


def test_parse_target() -> None:
    assert api.parse_target("ru_kp_2024.art4") == ("ru_kp_2024", "art4")
    assert api.parse_target("t.art.4") == ("t", "art.4")
    with pytest.raises(CasusError) as e:
        api.parse_target("art4")
    assert codes(e) == ["E-USAGE"]
    assert "'art4' should be TREATY.PROVISION" in e.value.render()


# ------------------------------------------------------------------ casus test


def test_check_scenarios_counts_and_describes_each_expectation(write: Write) -> None:
    p = write("fail.casus", KURSK.replace("fulfilled since", "active since"))
    report = api.check_scenarios([str(p)])
    assert (report.passed, report.failed) == (1, 1)
    bad = next(o for o in report.outcomes if not o.ok)
    assert report.describe(bad) == f"{p}:5:3: ru_kp_2024.art4 KP -> RU active"
    assert bad.message == "KP -> RU is fulfilled since 2024-12-10, not active"
    under = write("under.casus", KURSK.replace("expect nothing", "expect under ru_claims nothing"))
    tagged = api.check_scenarios([str(under)])
    assert [tagged.describe(o) for o in tagged.outcomes][-1] == f"{under}:6:3: nothing from ru_by_2024 under ru_claims"


def test_check_scenarios_defaults_to_the_bundled_ones() -> None:
    report = api.check_scenarios()
    wheres = {o.where.split(":")[0] for o in report.outcomes}
    assert len(wheres) > 10 and all(Path(w).parent.name == "scenarios" for w in wheres)
    assert report.failed == 0 and report.passed == len(report.outcomes)


# ------------------------------------------------------------------ fuzz targets

TREATY = """
treaty tiny "A tiny treaty" {
  parties ES, FR
  in force 2000-01-01

  provision help "Help" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X)
  }
}

property tiny_help "Help only after an attack" {
  never active tiny.help for X unless armed_attack(on: X)
}
"""


def test_fuzz_plan_targets_the_given_files_treaties_and_properties(write: Write) -> None:
    p = write("tiny.casus", TREATY)
    plan = api.fuzz_plan([str(p)])
    assert plan.treaties == ["tiny"]
    assert [prop.name for prop in plan.properties] == ["tiny_help"]
    # the same library, its files read in the reverse order (for the invariant that order does not matter)
    assert plan.reordered is not None and set(plan.reordered.treaties) == set(plan.lib.treaties) >= {"tiny"}
    chosen = api.fuzz_plan([str(p)], ["ru_kp_2024"], invariants=False)
    assert chosen.treaties == ["ru_kp_2024"] and chosen.reordered is None
    assert [prop.name for prop in chosen.properties] == ["tiny_help"]


def test_fuzz_plan_without_files_takes_the_whole_library(lib: engine.Library) -> None:
    plan = api.fuzz_plan()
    assert plan.treaties == sorted(lib.treaties)
    assert sorted(p.name for p in plan.properties) == sorted(lib.properties)
    with pytest.raises(CasusError) as e:
        api.fuzz_plan((), ["ru_kp_2042"])
    assert codes(e) == ["E-UNKNOWN"]
