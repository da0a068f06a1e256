"""`casus explain` counterfactuals (issue 4, item 2): the minimal sets of facts to add (for a
provision not active) or to remove (for an active one) that change its status, each confirmed
by re-running the engine; "minimal" only when the search covered every set up to its bound."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

import engine
from engine.analysis.counterfactual import counterfactuals
from engine.core.evaluate import evaluate
from engine.kernel.facts import Fact

ROOT_SEED = "scenarios/seed_threat_no_request.casus"
KURSK = "scenarios/kursk_2024.casus"


@pytest.fixture(scope="module")
def seed():  # type: ignore[no-untyped-def]
    from conftest import ROOT

    lib, scs = engine.load([ROOT / ROOT_SEED])
    return lib, scs[0]


@pytest.fixture(scope="module")
def kursk():  # type: ignore[no-untyped-def]
    from conftest import ROOT

    lib, scs = engine.load([ROOT / KURSK])
    return lib, scs[0]


def _parse_added(text: str) -> tuple[str, dict[str, str], str]:
    """'request(from: BY, for: assist) on 2025-06-02' -> kind, roles, date."""
    atom, date = text.rsplit(" on ", 1)
    kind, inner = atom.split("(", 1)
    roles = dict(part.split(": ") for part in inner.rstrip(")").split(", ")) if inner != ")" else {}
    return kind, roles, date


def _activated_with(lib, scenario, treaty, provision, benef, added):  # type: ignore[no-untyped-def]
    """Independent check: add the facts and run the engine; is an instance toward benef activated?"""
    import datetime as dt

    facts = list(scenario.facts)
    for kind, roles, date in added:
        d = dt.date.fromisoformat(date).toordinal()
        facts.append(Fact(kind, roles, d, d, kind, "<test>"))
    ev = evaluate(lib, dataclasses.replace(scenario, facts=tuple(facts)), [treaty])
    return any(r.activated is not None for r in ev.outcomes[0].instances
               if r.provision.id == provision and r.beneficiary == benef)


def test_pending_consultations_need_one_request_from_either_party(seed) -> None:  # type: ignore[no-untyped-def]
    lib, s = seed
    (search,) = counterfactuals(lib, s, "ru_kp_2024", "art3")
    # lapsed: the threat ended (2025-08-31) with no request ("in case of an imminent threat")
    assert (search.target, search.mode, search.goal, search.complete) == ("RU -> KP lapsed", "add", "active", True)
    assert sorted(c.facts for c in search.found) == [("request(from: KP, for: consult) on 2025-06-02",),
                                                     ("request(from: RU, for: consult) on 2025-06-02",)]
    assert all(c.outcome == "RU -> KP active since 2025-06-02" for c in search.found)


def test_assistance_needs_request_and_agreement_and_the_sets_are_minimal(seed) -> None:  # type: ignore[no-untyped-def]
    lib, s = seed
    (search,) = counterfactuals(lib, s, "ru_by_2024", "art4_2b")
    assert search.complete and search.bound == 3
    sets = sorted(c.facts for c in search.found)
    request = "request(from: BY, for: assist) on 2025-06-02"
    assert sets == [(request, "agreement(by: BY, with: RU, on: assist) on 2025-06-02"),
                    (request, "agreement(by: RU, with: BY, on: assist) on 2025-06-02")]
    for facts in sets:  # confirmed here too, and no proper subset works
        parsed = [_parse_added(f) for f in facts]
        assert _activated_with(lib, s, "ru_by_2024", "art4_2b", "BY", parsed)
        for k in range(len(parsed)):
            for sub in itertools.combinations(parsed, k):
                assert not _activated_with(lib, s, "ru_by_2024", "art4_2b", "BY", list(sub))


def test_the_bound_is_stated_and_respected(seed) -> None:  # type: ignore[no-untyped-def]
    lib, s = seed
    (search,) = counterfactuals(lib, s, "ru_by_2024", "art4_2b", max_facts=1)
    assert search.found == [] and search.complete
    text = "\n".join(search.render())
    assert "no set of up to 1 facts to add does it" in text and "complete" in text


def test_an_incomplete_search_does_not_claim_minimality(seed) -> None:  # type: ignore[no-untyped-def]
    lib, s = seed
    (search,) = counterfactuals(lib, s, "ru_by_2024", "art4_2b", max_runs=12)
    assert not search.complete and search.runs == 12
    text = "\n".join(search.render())
    assert "minimal sets" not in text
    assert "stopped before covering every set" in text


def test_dormant_provision_gets_facts_from_its_own_atoms(seed) -> None:  # type: ignore[no-untyped-def]
    lib, s = seed
    (search,) = counterfactuals(lib, s, "ru_kp_2024", "art4")
    assert search.target == "toward KP (no instance)"
    # Art. 4 needs an attack "by one or more states" (`S is a state`): the search names one
    assert [c.facts for c in search.found] == [("armed_attack(by: BY, on: KP) on 2025-06-02",
                                                "state_of_war(party: KP) on 2025-06-02")]
    assert search.complete


def test_scope_variable_is_filled_from_the_scope_and_the_test_is_reported(lib) -> None:  # type: ignore[no-untyped-def]
    s = engine.Scenario("nothing", "<test>", None, (Fact("threat", {"on": "PL"}, 738000, 738000, "threat(on: PL)",
                                                         "<test>:1"),))
    searches = counterfactuals(lib, s, "nato_1949", "art5")
    (pl,) = [x for x in searches if x.target == "toward PL (no instance)"]
    # Art. 5 with Art. 6: an attack on PL's territory, forces, vessels or aircraft in the area
    on = engine.language.build.iso(738000)
    assert [c.facts for c in pl.found] == [(f"armed_attack(on: PL, at: PL, against: {target}) on {on}",)
                                           for target in ("territory", "forces", "vessels", "aircraft")]
    assert any("PL in scope art6" in ns for ns in pl.not_searched)


def test_removing_facts_from_a_fulfilled_instance(kursk) -> None:  # type: ignore[no-untyped-def]
    lib, s = kursk
    (search,) = counterfactuals(lib, s, "ru_kp_2024", "art4")
    assert (search.mode, search.goal, search.complete) == ("remove", "another status", True)
    outcomes = {c.facts[0].split(" [")[0]: c.outcome for c in search.found}
    assert outcomes["assist(by: KP, to: RU)"] == "KP -> RU active since 2024-12-04"
    assert outcomes["state_of_war(party: RU)"] == "no instance toward RU"
    assert any(k.startswith("armed_attack(") for k in outcomes)
    assert all(len(c.facts) == 1 for c in search.found)


def test_defeated_instance_is_revived_by_removing_the_provocation(write) -> None:  # type: ignore[no-untyped-def]
    t = write("t.casus", '''\
        treaty tt "t" {
          parties RU, BY
          in force 2020-01-01
          provision p "p" article "1" {
            when armed_attack(on: X)
            unless provocation(by: X)
            then each other party must assist(to: X)
          }
        }
        scenario "s" {
          2021-01-01 armed_attack(by: UA, on: BY)
          2020-12-01 provocation(by: BY)
        }
        ''')
    lib, (s,) = engine.load([t])
    searches = counterfactuals(lib, s, "tt", "p")
    add, remove = searches
    # adding cannot undo the provocation: only an attack dated before it (activation latches) helps
    assert add.mode == "add"
    assert [c.facts for c in add.found] == [("armed_attack(on: BY) on 2020-01-01",)]
    assert remove.mode == "remove" and remove.goal == "active"
    assert [c.facts for c in remove.found] == [(f"provocation(by: BY) [{t}:12]",)]


def test_explain_command_shows_the_search_and_can_turn_it_off(cli) -> None:  # type: ignore[no-untyped-def]
    from conftest import ROOT

    out = cli("explain", ROOT / ROOT_SEED, "ru_kp_2024.art3").stdout
    assert "What would change it (each set confirmed by re-running the scenario):" in out
    assert "RU -> KP lapsed → active: add one of these minimal sets" in out
    assert "add request(from: KP, for: consult) on 2025-06-02  ⇒  RU -> KP active since 2025-06-02" in out
    assert "searched every set of up to 3 facts from" in out
    off = cli("explain", ROOT / ROOT_SEED, "ru_kp_2024.art3", "--max-facts", "0").stdout
    assert "What would change it" not in off
    two = cli("explain", ROOT / ROOT_SEED, "ru_kp_2024.art3", "--max-facts", "2").stdout
    assert "up to 2 facts" in two
