"""The fact universe that `casus diff` and `casus lint` share (engine/analysis/universe.py), and
the treaty context they read it through (engine/analysis/sides.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import engine
from engine.analysis import diff as D
from engine.analysis.sides import Side, instants, view
from engine.analysis.universe import Universe
from engine.core.evaluate import evaluate
from engine.kernel.facts import Fact, Scenario
from engine.language.build import date_ordinal

ANALYSIS = Path(__file__).resolve().parents[2] / "engine" / "analysis"


def day(text: str) -> int:
    d = date_ordinal(text)
    assert d is not None
    return d


@pytest.mark.parametrize("tid", ["ru_by_2024", "us_ph_1951", "rio_1947", "nato_1949"])
def test_one_treaty_alone_gives_the_candidates_of_a_diff_with_itself(lib: engine.Library, tid: str) -> None:
    """lint searches a treaty alone; that is the universe of `casus diff T T`, scenario for scenario."""
    side = Side(tid, tid, lib, None)
    alone = Universe((view(side),), "default", None, 1)
    paired = D.Search(side, side, {}, None, 2, 1, "default").universe
    assert alone.facts() == paired.facts()
    assert alone.parties.reps == paired.parties.reps and alone.parties.outsider == paired.parties.outsider
    for size in (1, 2):
        assert alone.candidates(size) == paired.candidates(size)
    assert alone.within_bound == paired.within_bound > 1


def test_the_context_reads_dated_memberships(lib: engine.Library) -> None:
    nato = view(Side("nato_1949", "nato_1949", lib, None))
    assert nato.in_force(day("1949-08-24")) and not nato.in_force(day("1949-08-23"))
    assert not nato.ctx.member("FI", day("2023-04-03"))
    assert nato.ctx.member("FI", day("2023-04-04")) and nato.ctx.member("US", day("2023-04-04"))
    assert not nato.both_members("FI", "US", day("2023-04-03")) and nato.both_members("FI", "US", day("2023-04-04"))
    dates, why = instants([nato], "FI", "US")
    assert [d for d, _ in dates] == [day("2023-04-04")]  # before it, the pair is not bound at all
    assert why[day("2023-04-04")].startswith("FI joins nato_1949")


def test_a_withdrawal_ends_the_stretch(lib: engine.Library) -> None:
    rio = view(Side("rio_1947", "rio_1947", lib, None))
    assert rio.ctx.member("MX", day("2004-09-05")) and not rio.ctx.member("MX", day("2004-09-06"))
    dates, _ = instants([rio], "MX", "US")
    assert dates[-1][1] == day("2004-09-06")  # the last stretch ends the day MX is out
    assert all(d < day("2004-09-06") for d, _ in dates)


def test_diff_and_the_engine_agree_on_an_accession(lib: engine.Library) -> None:
    """FI joins NATO on 2023-04-04: diff reads the very context the engine plays the treaty in,
    so an attack on FI the day before binds no one in either, and on that day it binds US in both."""
    side = Side("nato_1949", "nato_1949", lib, None)
    search = D.Search(side, side, {}, None, 1, 1, "default")
    join = day("2023-04-04")
    dates, why = instants(search.sides, "US", "FI")
    assert dates[0][0] == join and "FI joins nato_1949" in why[join]
    for d in (join - 1, join):
        attack = Fact("armed_attack", {"on": "FI", "at": "FI"}, d, d, "armed_attack(on: FI, at: FI)", "<test>:1")
        outcome = evaluate(lib, Scenario("accession", "<test>", None, (attack,)), ["nato_1949"]).outcomes[0]
        assert outcome.run.ctx is search.a.ctx is search.b.ctx  # no withdrawal: one context
        activated = [r for r in outcome.instances if r.provision.id == "art5" and r.bearer == "US"
                     and r.beneficiary == "FI" and r.activated is not None]
        assert bool(activated) == search.a.both_members("US", "FI", d) == (d == join)


def test_no_class_in_the_analyses_is_over_400_lines() -> None:
    big = []
    for path in sorted(ANALYSIS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - node.lineno + 1
                if size > 400:
                    big.append(f"{path.name}:{node.name} ({size} lines)")
    assert not big
