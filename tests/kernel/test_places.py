"""Places, targets, whose territory and who administers it (SPEC "Places, targets and time
between facts"): `prepare` fills `against`, places only attacks on territory, the two tests read
sovereignty and administration by date, and `explain` says when a place was not given."""

from __future__ import annotations

import datetime as dt

import engine
from engine.analysis.explain import explain
from engine.core.evaluate import evaluate
from engine.kernel.facts import BIG, Fact, Scenario, administrator, prepare, sovereign


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def fact(kind: str, roles: dict[str, str], start: str) -> Fact:
    return Fact(kind, roles, day(start), day(start), f"{kind}({', '.join(f'{k}: {v}' for k, v in roles.items())})",
                "<test>:1")


def scenario(*facts: Fact) -> Scenario:
    return Scenario("places", "<test>", None, facts)


def test_prepare_fills_the_target_and_places_only_attacks_on_territory(lib: engine.Library) -> None:
    got = prepare(lib, scenario(fact("armed_attack", {"on": "PL"}, "2026-01-01"),
                                fact("armed_attack", {"on": "US", "against": "vessels"}, "2026-01-02"),
                                fact("threat", {"on": "PL"}, "2026-01-03")), None)
    assert [f.roles for f in got] == [{"on": "PL", "against": "territory", "at": "PL"},
                                      {"on": "US", "against": "vessels"},  # no silent place
                                      {"on": "PL"}]  # `threat` has no `against`


def test_administration_is_dated_and_apart_from_sovereignty(lib: engine.Library) -> None:
    # Okinawa: Japan's throughout; administered by the US from 1952-04-28 to 1972-05-14
    assert [administrator(lib, None, "JP-47", day(d)) for d in ("1950-01-01", "1965-01-01", "1972-05-14",
                                                                "1972-05-15")] == ["JP", "US", "US", "JP"]
    assert sovereign(None, "JP-47", day("1965-01-01")) == "JP"
    # Crimea: Ukraine's under `default`, administered by Russia since 2014-03-18
    default = lib.interpretations["default"]
    assert sovereign(default, "UA-43", day("2020-01-01")) == "UA"
    assert administrator(lib, default, "UA-43", day("2020-01-01")) == "RU"
    # a territory with no entry is administered by its sovereign, under the interpretation
    claims = lib.interpretations["ru_claims"]
    assert administrator(lib, None, "FR-75", BIG) == "FR"
    assert sovereign(claims, "UA-43", day("2020-01-01")) == "RU"


def test_an_area_is_inside_only_what_it_lies_within(lib: engine.Library) -> None:
    art6 = lib.scopes[("nato_1949", "art6_forces")]
    assert art6.contains("north_sea") and art6.contains("mediterranean_sea") and art6.contains("EE")
    assert not art6.contains("north_atlantic")  # straddles the Tropic: not known to be north of it
    assert not art6.contains("south_china_sea") and not art6.contains("black_sea")
    pacific = lib.scopes[("us_ph_1951", "art5")]
    assert pacific.contains("south_china_sea") and pacific.contains("pacific_ocean")
    assert not pacific.contains("red_sea") and not pacific.contains("high_seas")
    assert lib.areas["north_atlantic_north"].tropic == "north" and lib.areas["north_atlantic"].tropic is None


def test_a_ship_hit_with_no_place_triggers_no_scope_and_explain_says_why(lib: engine.Library) -> None:
    s = scenario(fact("armed_attack", {"by": "CN", "on": "PH", "against": "vessels"}, "2026-03-01"))
    ev = evaluate(lib, s, ["us_ph_1951"])
    assert not [i for o in ev.outcomes for i in o.instances if i.provision.id == "art4"]
    text = explain(lib, s, "us_ph_1951", "art4", max_facts=0).render()
    assert "matches, but its place was not given" in text


def test_explain_names_whose_territory_the_place_is(lib: engine.Library) -> None:
    s = scenario(fact("armed_attack", {"by": "RU", "on": "FR", "at": "EE", "against": "forces"}, "2026-03-01"))
    text = explain(lib, s, "eu_teu_42_7", "art42_7", max_facts=0).render()
    assert "did not EE territory of FR  — EE: its sovereign is EE" in text
