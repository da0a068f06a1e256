"""`casus lint`: dead, conflicting and subsumed provisions, unused names, odd membership dates,
and suppressions that must give a reason."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.analysis import lint as L

ROOT = Path(__file__).resolve().parents[2]

BAD = """
region nowhere "Unused" { CH }

interpretation odd "Named by nothing" {
  immediately means within 3 days
}

treaty tx "Test treaty" {
  parties ES, FR
  member DE from 2001-01-01
  member DE from 2005-01-01
  member IT from 1990-01-01
  member PT from 2001-01-01 until 2030-01-01
  signed 2001-01-01
  in force 2000-01-01 until 2020-12-31
  scope far "Far away" { JP }
  scope spare "Tested by nothing" { FR }

  provision dead "Unsatisfiable" article "1" {
    when armed_attack(on: X) and not aggression(on: X)
    then each other party must assist(to: X)
  }

  provision ghost "Bearer never a member" article "2" {
    when armed_attack(on: X)
    then US may deploy(in: FR) for X
  }

  provision help "Help" article "3" {
    when aggression(on: X)
    then each other party must assist(to: X)
  }

  provision nohelp "No help to a provoker" article "4" {
    when armed_attack(on: X) and provocation(by: X)
    then each other party must not assist(to: X)
  }

  provision help2 "Help again, far away" article "5" {
    when armed_attack(on: X, at: A) and A in scope far
    then each other party must assist(to: X)
  }

  provision defeated "Always defeated" article "6" {
    when armed_attack(on: X)
    unless aggression(on: X)
    then each other party must consult(with: X)
  }
}
"""


def codes(result: L.LintResult) -> list[tuple[int, str]]:
    return [(f.span.line, f.code) for f in result.findings]


def by_code(result: L.LintResult, code: str) -> list[L.Finding]:
    return [f for f in result.findings if f.code == code]


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> L.LintResult:
    path = tmp_path_factory.mktemp("lint") / "bad.casus"
    path.write_text(BAD.lstrip("\n"), encoding="utf-8")
    return L.lint_paths([str(path)])


def test_bundled_library_is_lint_clean(cli_once: Any) -> None:
    res = cli_once("lint")  # the README's `casus lint`: the search is run once for both
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ok: no findings")
    assert "suppressed with a reason" in res.output


def test_findings_exit_1_with_locations(bad: L.LintResult, cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.casus"
    path.write_text(BAD.lstrip("\n"), encoding="utf-8")
    res = cli("lint", path)
    assert res.exit_code == 1
    assert f"{path}:18:3: W-NEVER: 'tx.dead' can never activate" in res.output
    assert "hint: " in res.output and "casus lint: " in res.output
    # only the file linted is reported on, not the library it is checked against
    assert all(f.span.path == str(path) for f in L.lint_paths([str(path)]).findings)


def test_never_by_is_a(bad: L.LintResult) -> None:
    f = next(f for f in by_code(bad, "W-NEVER") if "tx.dead" in f.message)
    assert "every armed_attack is an aggression" in f.message
    assert f.span.line == 18


def test_never_when_unless_always_holds(bad: L.LintResult) -> None:
    f = next(f for f in by_code(bad, "W-NEVER") if "tx.defeated" in f.message)
    assert "'unless' (aggression(on: X)) holds whenever its trigger does" in f.message


def test_never_bearer_not_a_member_and_scope_without_members(bad: L.LintResult) -> None:
    msgs = [f.message for f in by_code(bad, "W-NEVER")]
    assert any("the bearer US is never a member of 'tx'" in m for m in msgs)
    assert any("scope 'far' contains no member's territory" in m for m in msgs)


def test_conflict_gives_the_scenario(bad: L.LintResult) -> None:
    f = next(f for f in by_code(bad, "W-CONFLICT") if "'tx.nohelp' and 'help'" in f.message)
    assert "armed_attack(on:" in f.message and "provocation(by:" in f.message
    assert "both do and not do assist" in f.message


def test_subsumed(bad: L.LintResult) -> None:
    f = next(f for f in by_code(bad, "W-SUBSUMED"))
    assert f.message.startswith("'tx.help2' is subsumed by 'help'")
    assert "bounded search" in f.message


def test_unused_and_membership(bad: L.LintResult) -> None:
    unused = [f.message for f in by_code(bad, "W-UNUSED")]
    assert any("region 'nowhere'" in m for m in unused)
    assert any("interpretation 'odd'" in m for m in unused)
    assert any("scope 'spare'" in m for m in unused)
    member = [f.message for f in by_code(bad, "W-MEMBERSHIP")]
    assert any("DE's memberships of 'tx' overlap" in m for m in member)
    assert any("IT is a member of 'tx' from 1990-01-01, before it is in force" in m for m in member)
    assert any("PT's membership of 'tx' ends 2030-01-01, after the treaty" in m for m in member)
    assert any("signed 2001-01-01, after its entry into force" in m for m in member)


def test_suppression_needs_a_reason(write: Callable[[str, str], Path]) -> None:
    text = BAD.lstrip("\n")
    with_reason = text.replace('  provision dead "Unsatisfiable"',
                               '  # lint: allow W-NEVER because kept to show the is-a check\n'
                               '  provision dead "Unsatisfiable"')
    res = L.lint_paths([str(write("a.casus", with_reason))])
    assert not any("tx.dead" in f.message for f in res.findings)
    assert any("tx.dead" in f.message for f, _ in res.suppressed)
    no_reason = text.replace('provision dead "Unsatisfiable" article "1" {',
                             'provision dead "Unsatisfiable" article "1" {  # lint: allow W-NEVER')
    res = L.lint_paths([str(write("b.casus", no_reason))])
    assert any(f.code == "W-SUPPRESS" and "gives no reason" in f.message for f in res.findings)
    assert any("tx.dead" in f.message for f in res.findings)  # not suppressed without a reason
    stray = text.replace('  provision help "Help"',
                         '  # lint: allow W-CONFLICT because nothing\n  provision help "Help"')
    res = L.lint_paths([str(write("c.casus", stray))])
    assert any(f.code == "W-SUPPRESS" and "suppresses nothing" in f.message for f in res.findings)


def test_library_suppressions_are_needed(tmp_path: Path) -> None:
    """Without its explained suppressions the bundled library has exactly the findings they cover."""
    lib = tmp_path / "obligations"
    shutil.copytree(ROOT / "obligations", lib)
    for f in lib.glob("*.casus"):
        lines = f.read_text(encoding="utf-8").split("\n")
        f.write_text("\n".join(x for x in lines if "lint: allow" not in x), encoding="utf-8")
    res = L.lint_paths([], library=str(lib))
    # a library of one's own is linted without the bundled scenarios: nothing names its readings
    interps = [f.message for f in res.findings if Path(f.span.path).name == "interpretations.casus"]
    assert sorted(interps) == [f"interpretation '{n}' is named by no scenario, expectation or version"
                               for n in ("anzus_both_ways", "armenia_freeze", "gray_zone_is_armed_attack",
                                         "rio_cuba_formal",
                                         "rio_venezuela_2019", "ru_claims",
                                         "self_defence", "strict_deadlines", "war_by_attack")]
    got = sorted((Path(f.span.path).name, f.code) for f in res.findings if f.message not in interps)
    # art4_2b, and Art. 2 on the Union State's territory (art2_union_by, art2_union_ru): the bounded
    # search places an attack in its victim's own country, where art2 already answers
    # W-UNUSED twice: `provocation` and `self_defence` (made only by the self-defence reading)
    # China–DPRK Art. II's second sentence (art2) under its first (art2_prevent, on a state's threat)
    assert got == [("cn_kp_1961.casus", "W-SUBSUMED")] + [("ru_by_2024.casus", "W-SUBSUMED")] * 3 \
        + [("vocabulary.casus", "W-UNUSED")] * 2
    sub = next(f for f in res.findings if f.code == "W-SUBSUMED" and "ru_by_2024" in f.message)
    assert "'ru_by_2024.art4_2b' is subsumed by 'art2'" in sub.message


def test_one_member_treaty_never_activates(write: Callable[[str, str], Path]) -> None:
    path = write("one.casus", """
        treaty solo "One party" {
          parties FR
          in force 2000-01-01
          provision p "Nobody to bear it" article "1" {
            when armed_attack(on: X)
            then each other party must assist(to: X)
          }
        }
    """)
    res = L.lint_paths([str(path)])
    assert [(f.code, "bounded search" in f.message) for f in res.findings] == [("W-NEVER", True)]


def test_a_text_under_a_reading_is_searched_under_that_reading(write: Callable[[str, str], Path]) -> None:
    # `a` applies only under `strict` (never under default, where the search runs first): found
    # there, no finding. `b` is DE's duty, and `strict` takes DE's membership away: it never
    # activates under its reading, though it would under default.
    path = write("reading.casus", """
        interpretation strict "DE not counted" {
          not member DE of t from 1990-01-01
        }

        treaty t "T" {
          parties DE, FR, PL
          in force 2000-01-01
          provision a "A" article "1" {
            version "strict" under strict
            when armed_attack(on: X)
            then each other party must assist(to: X)
          }
          provision b "B" article "1" {
            version "strict, DE" under strict
            when armed_attack(on: X)
            then DE must assist(to: X)
          }
          provision c "C" article "1" {
            version "as applied" except under strict
            when armed_attack(on: X)
            then DE must consult(with: X)
          }
        }
        scenario "s" {
          interpretation strict
          2001-01-01  armed_attack(on: PL)
        }
    """)
    res = L.lint_paths([str(path)])
    assert [(f.code, f.message.split(" ")[0]) for f in res.findings if f.code == "W-NEVER"] == [("W-NEVER", "'t.b'")]


SPEED = """
treaty fast "Compiled" {
  parties ES, FR
  in force 2001-01-01
  provision p "P" article "1" {
    when state_of_war(party: X) during armed_attack(by: S, on: X) and S is a state
    then each other party must assist(to: X)
  }
}

treaty slow "Left to the engine" {
  parties ES, FR
  in force 2001-01-01
  provision p "P" article "1" {
    when imminent_threat(on: X) ongoing
    then each other party must consult(with: X)
  }
  provision q "Q" article "2" {
    when imminent_threat(on: X)
    then each other party must assist(to: X)
    until unsc_measures(on: X) within 10 days after request(from: X, for: assist)
  }
}
"""


def test_explain_speed_says_which_treaties_compile_and_why_not(tmp_path: Path, cli: Any) -> None:
    """`casus lint --explain-speed` (issue 15 item 11): a line per treaty of the files linted; the
    default output has none."""
    from engine.api import load_library
    from engine.base.paths import library_dir

    path = tmp_path / "speed.casus"
    path.write_text(SPEED.lstrip("\n"), encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(path)])
    want = [
        f"{path}:1:1: speed: treaty fast: compiled to Python for --format csv",
        f"{path}:10:1: speed: treaty slow: not compiled for --format csv (the engine evaluates it): "
        "provision q: its discharge condition (`until`) is not facts, states and fixed tests of the bearer and "
        "the beneficiary, under `and` / `or`"]
    assert L.speed_lines(lib, [str(path)]) == want
    assert L.speed_lines(lib, ["elsewhere.casus"]) == []  # only the treaties of the files linted
    res = cli("lint", "--explain-speed", "--max-facts", "1", path)
    assert res.exit_code == 0, res.output
    assert res.output.split("\n")[:2] == want and res.output.endswith("ok: no findings in 1 file\n")
