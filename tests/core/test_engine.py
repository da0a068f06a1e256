"""SPEC "Concepts and semantics", one behaviour per test, on small hand-written treaties (passed
as an extra file beside the scenario, so they join the bundled library for the run) and on the
bundled library where its data is the point (NATO accession dates, Art. 6 scope)."""

from __future__ import annotations

import dataclasses

import pytest
from helpers import by_pair, instances, timeline

import engine

# A test treaty: RU and BY members from entry into force, KP joins on 2021-01-01.
HEAD = """\
treaty tt "Test treaty" {
  parties RU, BY
  member KP from 2021-01-01
  in force 2020-01-01
"""


def treaty(*provisions: str, head: str = HEAD) -> str:
    return head + "\n".join(provisions) + "}\n"


def provision(pid: str, body: str, article: str = "1") -> str:
    return f'  provision {pid} "{pid}" article "{article}" {{\n' + "".join(
        f"    {line.strip()}\n" for line in body.strip().splitlines()) + "  }\n"


def scenario(*facts: str, interpretation: str | None = None) -> str:
    lines = [f"  interpretation {interpretation}"] if interpretation else []
    return 'scenario "s" {\n' + "".join(lines) + "".join(f"  {f}\n" for f in facts) + "}\n"


ASSIST = provision("p", """
    when armed_attack(on: X)
    then each other party must assist(to: X)
""")


# ------------------------------------------------------------------ in force, membership


def test_attack_ongoing_at_entry_into_force_triggers_on_that_date(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2019-06-01..2020-02-01 armed_attack(by: UA, on: RU)"), "tt")
    inst = by_pair(r, "tt", "p")
    assert set(inst) == {("BY", "RU")}
    assert inst[("BY", "RU")].activated == "2020-01-01"
    assert inst[("BY", "RU")].status == "active"
    assert timeline(inst[("BY", "RU")]) == [("2020-01-01", "active")]


def test_attack_that_ended_before_entry_into_force_does_not_trigger(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2019-06-01..2019-12-31 armed_attack(by: UA, on: RU)"), "tt")
    assert instances(r, "tt") == []


def test_bundled_kursk_activates_ru_kp_on_entry_into_force(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2024-08-06..2025-03-12 armed_attack(by: UA, at: RU-KRS)",
                                      "2024-08-06..2025-03-12 state_of_war(party: RU)"), "ru_kp_2024")
    (i,) = instances(r, "ru_kp_2024")
    assert (i.provision, i.bearer, i.beneficiary, i.status, i.activated) == ("art4", "KP", "RU", "active", "2024-12-04")


def test_finland_attacked_before_and_still_at_accession_gets_art5_from_2023_04_04(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2023-03-01..2023-05-01 armed_attack(by: RU, at: FI-18)"), "nato_1949")
    art5 = instances(r, "nato_1949", "art5")
    assert {i.beneficiary for i in art5} == {"FI"}
    assert {i.activated for i in art5} == {"2023-04-04"}
    # every member on 2023-04-04 but Finland itself: 32 members today, Sweden joined later
    assert len(art5) == 30
    assert "SE" not in {i.bearer for i in art5}
    assert {"US", "DE", "TR", "EE"} <= {i.bearer for i in art5}


def test_finland_attacked_and_left_alone_before_accession_gets_nothing(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2023-03-01..2023-04-03 armed_attack(by: RU, at: FI-18)"), "nato_1949")
    assert instances(r, "nato_1949") == []


def test_bearer_who_joins_later_has_duties_only_from_accession(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2020-06-01..2021-06-01 armed_attack(by: UA, on: RU)"), "tt")
    inst = by_pair(r, "tt", "p")
    assert inst[("BY", "RU")].activated == "2020-06-01"
    assert inst[("KP", "RU")].activated == "2021-01-01"
    assert timeline(inst[("KP", "RU")]) == [("2021-01-01", "active")]


def test_bearer_who_joins_after_the_situation_ended_has_no_duty(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2020-06-01..2020-12-31 armed_attack(by: UA, on: RU)"), "tt")
    assert set(by_pair(r, "tt", "p")) == {("BY", "RU")}


def test_sweden_as_bearer_from_its_nato_accession(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2024-01-01..2024-06-01 armed_attack(by: RU, on: PL)"), "nato_1949")
    inst = by_pair(r, "nato_1949", "art5")
    assert inst[("SE", "PL")].activated == "2024-03-07"
    assert inst[("FI", "PL")].activated == "2024-01-01"


def test_one_instance_per_other_member_of_a_multilateral_treaty(evaluate_files, lib) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2024-01-01 armed_attack(by: RU, on: PL)"), "nato_1949")
    art5 = instances(r, "nato_1949", "art5")
    nato = lib.treaties["nato_1949"]
    day = engine.language.build.date_ordinal("2024-01-01")
    members = {m.party.code for m in nato.members if (m.start or 0) <= day and (m.end is None or day <= m.end)}
    assert len(members) == 31  # Sweden joined on 2024-03-07
    assert sorted(i.bearer for i in art5) == sorted(members - {"PL"})
    assert len(art5) == 30
    assert {i.beneficiary for i in art5} == {"PL"}
    assert len({(i.bearer, i.beneficiary) for i in art5}) == len(art5)  # one each, no duplicates


# ------------------------------------------------------------------ statuses


def test_latching_trigger_ends_instance_stays_active(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X) ongoing
        then each other party must assist(to: X)
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01..2020-02-03 armed_attack(by: UA, on: RU)",
                                           "2020-06-01 threat(on: BY)"), "tt")
    (i,) = instances(r, "tt")
    assert (i.status, i.activated, i.since) == ("active", "2020-02-01", "2020-02-01")
    assert timeline(i) == [("2020-02-01", "active")]


PENDING = provision("p", """
    when threat(on: X)
    upon request(from: X, for: consult)
    then each other party must consult(with: X)
""")


def test_pending_lists_the_missing_prerequisite(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(PENDING), scenario("2020-03-01 threat(by: UA, on: BY)"), "tt")
    inst = by_pair(r, "tt", "p")
    i = inst[("RU", "BY")]
    assert (i.status, i.activated, i.since) == ("pending", None, "2020-03-01")
    assert i.missing == ["request(from: BY, for: consult)"]
    assert [(b.atom, b.fact) for b in i.because] == [("threat(on: BY)", "threat(by: UA, on: BY)")]
    assert i.strength == "procedural"


def test_pending_becomes_active_when_the_request_arrives(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(PENDING), scenario("2020-03-01 threat(by: UA, on: BY)",
                                                 "2020-03-10 request(from: BY, for: consult)"), "tt")
    i = by_pair(r, "tt", "p")[("RU", "BY")]
    assert (i.status, i.activated, i.since, i.missing) == ("active", "2020-03-10", "2020-03-10", [])
    assert timeline(i) == [("2020-03-01", "pending"), ("2020-03-10", "active")]
    assert [b.atom for b in i.because] == ["threat(on: BY)", "request(from: BY, for: consult)"]


def test_a_request_for_another_action_does_not_satisfy_upon(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(PENDING), scenario("2020-03-01 threat(on: BY)",
                                                 "2020-03-10 request(from: BY, for: assist)"), "tt")
    assert by_pair(r, "tt", "p")[("RU", "BY")].status == "pending"


UNLESS = provision("p", """
    when aggression(on: X)
    unless provocation(by: X)
    then each other party must assist(to: X)
""")


def test_defeated_by_unless(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(UNLESS), scenario("2020-02-01 armed_attack(by: UA, on: BY)",
                                                "2020-01-20 provocation(by: BY)"), "tt")
    i = by_pair(r, "tt", "p")[("RU", "BY")]
    assert (i.status, i.activated, i.since) == ("defeated", None, "2020-02-01")
    assert "provocation(by: BY)" in [b.atom for b in i.because]


def test_unless_about_another_party_does_not_defeat(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(UNLESS), scenario("2020-02-01 armed_attack(by: UA, on: BY)",
                                                "2020-01-20 provocation(by: RU)"), "tt")
    assert by_pair(r, "tt", "p")[("RU", "BY")].status == "active"


DEADLINE = provision("p", """
    when armed_attack(on: X)
    then each other party must assist(to: X), within 5 days
""")


def test_fulfilled_by_the_bearers_action_after_activation(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(DEADLINE), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                                  "2020-02-03 assist(by: BY, to: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.activated, i.since) == ("fulfilled", "2020-02-01", "2020-02-03")
    assert timeline(i) == [("2020-02-01", "active"), ("2020-02-03", "fulfilled")]


def test_fulfilled_on_the_last_day_of_the_deadline(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(DEADLINE), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                                  "2020-02-06 assist(by: BY, to: RU)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "RU")].status == "fulfilled"


def test_violated_when_the_deadline_passes(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(DEADLINE), scenario("2020-02-01 armed_attack(by: UA, on: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.activated, i.since) == ("violated", "2020-02-01", "2020-02-07")  # activated + 6
    assert timeline(i) == [("2020-02-01", "active"), ("2020-02-07", "violated")]


def test_late_action_does_not_fulfil(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(DEADLINE), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                                  "2020-02-07 assist(by: BY, to: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.since) == ("violated", "2020-02-07")


def test_action_before_activation_does_not_fulfil(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2019-11-01..2020-03-01 armed_attack(by: UA, on: RU)",
                                                "2019-12-01 assist(by: BY, to: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.activated) == ("active", "2020-01-01")


def test_action_by_someone_else_or_for_someone_else_does_not_fulfil(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                                "2020-02-02 assist(by: KP, to: RU)",
                                                "2020-02-02 assist(by: BY, to: KP)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "RU")].status == "active"


def test_timing_word_violated_only_under_an_interpretation_that_maps_it(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party must assist(to: X), immediately
    """)
    s = scenario("2020-02-01 armed_attack(by: UA, on: RU)")
    assert by_pair(evaluate_files(treaty(p), s, "tt"), "tt", "p")[("BY", "RU")].status == "active"
    strict = by_pair(evaluate_files(treaty(p), s, "tt", "strict_deadlines"), "tt", "p")[("BY", "RU")]
    assert (strict.status, strict.since) == ("violated", "2020-02-09")  # immediately = within 7 days


PROHIBIT = provision("p", """
    when armed_attack(by: A, on: X)
    then each other party must not assist(to: A)
""")


def test_prohibition_violated_when_the_forbidden_action_happens(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(PROHIBIT), scenario("2021-06-01 armed_attack(by: KP, on: RU)",
                                                  "2021-06-05 assist(by: BY, to: KP)"), "tt")
    inst = by_pair(r, "tt", "p")
    assert (inst[("BY", "KP")].status, inst[("BY", "KP")].since) == ("violated", "2021-06-05")
    assert inst[("BY", "KP")].modality == "prohibition"
    assert (inst[("RU", "KP")].status, inst[("RU", "KP")].since) == ("active", "2021-06-01")


def test_prohibition_not_violated_by_an_action_before_activation(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(PROHIBIT), scenario("2021-06-05 armed_attack(by: KP, on: RU)",
                                                  "2021-06-01 assist(by: BY, to: KP)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "KP")].status == "active"


def test_obligation_with_for_beneficiary_can_be_fulfilled(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when sanctions(by: S, on: X)
        then each other party must countermeasures(against: S) for X
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01 sanctions(by: US, on: RU)",
                                           "2020-02-03 countermeasures(by: BY, against: US)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.since) == ("fulfilled", "2020-02-03")


def test_prohibition_with_for_beneficiary_is_violated(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X, at: A)
        then each other party must not deploy(in: A) for X
    """)
    r = evaluate_files(treaty(p), scenario("2021-02-01 armed_attack(by: UA, at: RU-KRS)",
                                           "2021-02-05 deploy(by: BY, in: RU-KRS)",
                                           "2021-02-05 deploy(by: KP, in: BY-HM)"), "tt")
    inst = by_pair(r, "tt", "p")
    assert (inst[("BY", "RU")].status, inst[("BY", "RU")].since) == ("violated", "2021-02-05")
    assert inst[("KP", "RU")].status == "active"  # KP deployed elsewhere


def test_discharged_by_until(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party must assist(to: X)
        until unsc_measures()
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01..2020-05-01 armed_attack(by: UA, on: RU)",
                                           "2020-03-01 unsc_measures()"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.activated, i.since) == ("discharged", "2020-02-01", "2020-03-01")
    assert timeline(i) == [("2020-02-01", "active"), ("2020-03-01", "discharged")]


def test_until_that_held_before_activation_does_not_discharge(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party must assist(to: X)
        until unsc_measures()
    """)
    r = evaluate_files(treaty(p), scenario("2020-01-15 unsc_measures()",
                                           "2020-02-01 armed_attack(by: UA, on: RU)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "RU")].status == "active"


def test_withdrawal_discharges_the_bearers_duties_on_its_date(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2020-06-01..2021-06-01 armed_attack(by: UA, on: RU)",
                                                "2021-03-01 withdrawal(party: BY, treaty: tt)"), "tt")
    inst = by_pair(r, "tt", "p")
    assert (inst[("BY", "RU")].status, inst[("BY", "RU")].since) == ("discharged", "2021-03-01")
    assert timeline(inst[("BY", "RU")]) == [("2020-06-01", "active"), ("2021-03-01", "discharged")]
    assert inst[("KP", "RU")].status == "active"


def test_withdrawal_from_another_treaty_changes_nothing(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST), scenario("2020-06-01..2021-06-01 armed_attack(by: UA, on: RU)",
                                                "2021-03-01 withdrawal(party: BY, treaty: nato_1949)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "RU")].status == "active"


def test_treaty_end_discharges(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    head = HEAD.replace("in force 2020-01-01", "in force 2020-01-01 until 2022-12-31")
    r = evaluate_files(treaty(ASSIST, head=head), scenario("2021-06-01 armed_attack(by: UA, on: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.since) == ("discharged", "2023-01-01")


def test_suspension_toward_a_beneficiary(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    head = HEAD + "  suspended KP toward BY from 2021-01-01 until 2021-12-31\n"
    r = evaluate_files(treaty(ASSIST, head=head), scenario("2021-06-01..2022-06-01 armed_attack(by: UA, on: BY)"),
                       "tt")
    inst = by_pair(r, "tt", "p")
    assert timeline(inst[("KP", "BY")]) == [("2021-06-01", "suspended"), ("2022-01-01", "active")]
    assert inst[("KP", "BY")].activated == "2022-01-01"
    assert timeline(inst[("RU", "BY")]) == [("2021-06-01", "active")]


def test_anzus_us_toward_new_zealand_is_suspended(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(None, scenario("2024-01-01 armed_attack(by: CN, on: NZ)"), "anzus_1951")
    inst = by_pair(r, "anzus_1951", "art4")
    assert (inst[("US", "NZ")].status, inst[("US", "NZ")].activated) == ("suspended", None)
    assert inst[("AU", "NZ")].status == "active"


def test_permission_is_never_violated_even_with_a_deadline(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party may assist(to: X), within 5 days
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                           "2020-03-01 threat(on: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.modality, i.strength) == ("active", "permission", "discretionary")
    assert timeline(i) == [("2020-02-01", "active")]


def test_right_is_never_violated_under_strict_deadlines(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party has the right to assist(to: X), immediately
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01 armed_attack(by: UA, on: RU)", "2020-06-01 threat(on: RU)"),
                       "tt", "strict_deadlines")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert (i.status, i.modality) == ("active", "right")


# ------------------------------------------------------------------ strength


@pytest.mark.parametrize("body, expected", [
    ("then each other party must assist(to: X)", "automatic"),
    ("upon request(from: X, for: assist)\nthen each other party must assist(to: X)", "conditional"),
    ("then each other party must assist(to: X), as it deems necessary", "discretionary"),
    ("then each other party must assist(to: X), in accordance with constitutional processes", "discretionary"),
    ("upon request(from: X, for: assist)\nthen each other party must assist(to: X), as it deems necessary",
     "discretionary"),
    ("then each other party may assist(to: X)", "discretionary"),
    ("then each other party must consult(with: X)", "procedural"),
    ("upon request(from: X, for: consult)\nthen each other party must consult(with: X), as it deems necessary",
     "procedural"),
])
def test_strength_is_derived(evaluate_files, body: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", "when armed_attack(on: X)\n" + body)
    r = evaluate_files(treaty(p), scenario("2020-02-01 armed_attack(by: UA, on: RU)",
                                           "2020-02-01 request(from: RU, for: assist)",
                                           "2020-02-01 request(from: RU, for: consult)"), "tt")
    assert by_pair(r, "tt", "p")[("BY", "RU")].strength == expected


def test_qualifiers_are_kept_in_order(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X)
        then each other party must assist(to: X), immediately, by military and other means,
          under un_charter_51, reporting to unsc
    """)
    r = evaluate_files(treaty(p), scenario("2020-02-01 armed_attack(by: UA, on: RU)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert i.qualifiers == ["immediately", "military", "other", "un_charter_51", "report_unsc"]


# ------------------------------------------------------------------ chained provisions, conditions


def test_chained_provision_follows_anothers_state(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    art3 = provision("art3", """
        when threat(on: X)
        upon request(from: X, for: consult)
        then each other party must consult(with: X)
    """, "3")
    art4 = provision("art4", """
        when armed_attack(on: X) and art3 fulfilled for X
        then each other party must assist(to: X)
    """, "4")
    r = evaluate_files(treaty(art3, art4), scenario("2020-02-01 threat(on: RU)",
                                                    "2020-02-02 request(from: RU, for: consult)",
                                                    "2020-02-05 consult(by: BY, with: RU)",
                                                    "2020-02-10 armed_attack(by: UA, on: RU)"), "tt")
    assert by_pair(r, "tt", "art3")[("BY", "RU")].since == "2020-02-05"
    i = by_pair(r, "tt", "art4")[("BY", "RU")]
    assert (i.status, i.activated) == ("active", "2020-02-10")
    assert any(b.atom == "art3 fulfilled for RU" for b in i.because)


def test_chained_provision_not_triggered_while_the_first_is_unfulfilled(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    art3 = provision("art3", """
        when threat(on: X)
        upon request(from: X, for: consult)
        then each other party must consult(with: X)
    """, "3")
    art4 = provision("art4", """
        when armed_attack(on: X) and art3 fulfilled for X
        then each other party must assist(to: X)
    """, "4")
    r = evaluate_files(treaty(art3, art4), scenario("2020-02-01 threat(on: RU)",
                                                    "2020-02-10 armed_attack(by: UA, on: RU)"), "tt")
    assert by_pair(r, "tt", "art3")[("BY", "RU")].status == "pending"
    assert by_pair(r, "tt", "art4") == {}


def test_negated_state_reference(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    # imminent_threat, not threat: an armed attack is itself a threat (aggression is-a threat)
    a = provision("a", """
        when imminent_threat(on: X)
        then each other party must consult(with: X)
    """)
    b = provision("b", """
        when armed_attack(on: X) and not a active for X
        then each other party must assist(to: X)
    """, "2")
    r1 = evaluate_files(treaty(a, b), scenario("2020-02-01 armed_attack(on: RU)"), "tt")
    assert by_pair(r1, "tt", "b")[("BY", "RU")].status == "active"
    r2 = evaluate_files(treaty(a, b), scenario("2020-01-20 imminent_threat(on: RU)",
                                               "2020-02-01 armed_attack(on: RU)"), "tt")
    assert by_pair(r2, "tt", "b") == {}


TEMPORAL = {
    "ongoing": "when armed_attack(on: X) ongoing",
    "within": "when request(from: X, for: assist) within 3 days after armed_attack(on: X)",
    "after": "when state_of_war(party: X) after armed_attack(on: X)",
    "before": "when state_of_war(party: X) before armed_attack(on: X)",
}


@pytest.mark.parametrize("form, facts, activated", [
    ("ongoing", ["2020-02-01..2020-02-03 armed_attack(on: RU)"], "2020-02-01"),
    ("within", ["2020-02-01 armed_attack(on: RU)", "2020-02-04 request(from: RU, for: assist)"], "2020-02-04"),
    ("within", ["2020-02-01 armed_attack(on: RU)", "2020-02-05 request(from: RU, for: assist)"], None),
    ("within", ["2020-02-01 armed_attack(on: RU)", "2020-01-31 request(from: RU, for: assist)"], None),
    ("after", ["2020-02-01 armed_attack(on: RU)", "2020-02-01 state_of_war(party: RU)"], "2020-02-01"),
    ("after", ["2020-02-01 armed_attack(on: RU)", "2020-02-09 state_of_war(party: RU)"], "2020-02-09"),
    ("after", ["2020-02-01 armed_attack(on: RU)", "2020-01-09 state_of_war(party: RU)"], None),
    ("before", ["2020-02-01 armed_attack(on: RU)", "2020-01-09 state_of_war(party: RU)"], "2020-02-01"),
    ("before", ["2020-02-01 armed_attack(on: RU)", "2020-02-01 state_of_war(party: RU)"], None),
])
def test_temporal_forms(evaluate_files, form: str, facts: list[str], activated: str | None) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", TEMPORAL[form] + "\nthen each other party must assist(to: X)")
    r = evaluate_files(treaty(p), scenario(*facts), "tt")
    inst = by_pair(r, "tt", "p")
    if activated is None:
        assert inst == {}
    else:
        assert inst[("BY", "RU")].activated == activated


def test_ongoing_does_not_hold_after_the_fact_ended(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    # KP joins on 2021-01-01: the attack is still visible to it, but no longer ongoing then
    p = provision("p", "when armed_attack(on: X) ongoing\nthen each other party must assist(to: X)")
    r = evaluate_files(treaty(p), scenario("2020-06-01..2021-01-01 armed_attack(on: RU)"), "tt")
    assert by_pair(r, "tt", "p")[("KP", "RU")].activated == "2021-01-01"
    r = evaluate_files(treaty(p), scenario("2020-06-01..2020-12-31 armed_attack(on: RU)"), "tt")
    assert ("KP", "RU") not in by_pair(r, "tt", "p")


@pytest.mark.parametrize("until, activated", [("2020-02-20", "2020-02-10"), ("2020-02-03", None)])
def test_ongoing_trigger_must_still_hold_when_the_prerequisite_arrives(evaluate_files, until: str,
                                                                       activated: str | None) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", """
        when armed_attack(on: X) ongoing
        upon request(from: X, for: assist)
        then each other party must assist(to: X)
    """)
    r = evaluate_files(treaty(p), scenario(f"2020-02-01..{until} armed_attack(by: UA, on: RU)",
                                           "2020-02-10 request(from: RU, for: assist)"), "tt")
    inst = by_pair(r, "tt", "p")
    if activated is None:
        # pending while the attack went on, lapsed once it ended without a request (SPEC `lapsed`):
        # the request after the attack does not activate it
        assert inst[("BY", "RU")].activated is None
        assert timeline(inst[("BY", "RU")]) == [("2020-02-01", "pending"), ("2020-02-04", "lapsed")]
    else:
        assert inst[("BY", "RU")].activated == activated
        assert timeline(inst[("BY", "RU")]) == [("2020-02-01", "pending"), ("2020-02-10", "active")]


# ------------------------------------------------------------------ vocabulary, interpretations


@pytest.mark.parametrize("atom", ["aggression(on: X)", "encroachment(on: X)", "armed_attack(on: X)"])
def test_an_armed_attack_is_an_aggression_and_an_encroachment(evaluate_files, atom: str) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", f"when {atom}\nthen each other party must assist(to: X)")
    r = evaluate_files(treaty(p), scenario("2020-02-01 armed_attack(by: UA, at: RU-KRS)"), "tt")
    i = by_pair(r, "tt", "p")[("BY", "RU")]
    assert [(b.atom, b.fact) for b in i.because] == [(atom.replace("X", "RU"), "armed_attack(by: UA, at: RU-KRS)")]


def test_a_threat_is_not_an_aggression(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", "when aggression(on: X)\nthen each other party must assist(to: X)")
    r = evaluate_files(treaty(p), scenario("2020-02-01 imminent_threat(on: RU)"), "tt")
    assert instances(r, "tt") == []


CRIMEA_HEAD = """\
treaty cr "Crimea test" {
  parties RU, BY
  in force 2000-01-01
"""


@pytest.mark.parametrize("date, interp, expected", [
    ("2024-12-10", "default", set()),
    ("2024-12-10", "ru_claims", {("BY", "RU")}),
    ("2014-03-17", "ru_claims", set()),  # before the reassignment takes effect
    ("2014-03-18", "ru_claims", {("BY", "RU")}),
])
def test_on_is_derived_from_at_under_the_interpretation(evaluate_files, date: str, interp: str,
                                                        expected: set[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    r = evaluate_files(treaty(ASSIST, head=CRIMEA_HEAD), scenario(f"{date} armed_attack(by: UA, at: UA-43)"),
                       "cr", interp)
    assert set(by_pair(r, "cr", "p")) == expected


def test_crimea_under_ru_claims_brings_in_ru_kp_art4(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    s = scenario("2024-12-10..2025-01-10 armed_attack(by: UA, at: UA-43)",
                 "2024-12-10..2025-01-10 state_of_war(party: RU)")
    assert instances(evaluate_files(None, s, "ru_kp_2024", "default"), "ru_kp_2024") == []
    (i,) = instances(evaluate_files(None, s, "ru_kp_2024", "ru_claims"), "ru_kp_2024")
    assert (i.bearer, i.beneficiary, i.activated) == ("KP", "RU", "2024-12-10")
    # Art. 4: the state of war `during` the attack: the proof gives the war, then the attack
    assert i.because[1].atom == "armed_attack(by: UA, on: RU)"
    assert i.because[1].fact == "armed_attack(by: UA, at: UA-43)"


def test_at_is_derived_from_on(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    # NATO Art. 5 needs `at` in the Art. 6 area; an attack `on: PL` is at PL
    r = evaluate_files(None, scenario("2024-01-01 armed_attack(on: PL)"), "nato_1949")
    assert instances(r, "nato_1949", "art5")[0].because[0].atom == "armed_attack(on: PL, at: PL, against: territory)"


def test_defined_fact_under_war_by_attack(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    s = scenario("2024-12-10..2025-01-10 armed_attack(by: UA, at: RU-KRS)")
    assert instances(evaluate_files(None, s, "ru_kp_2024", "default"), "ru_kp_2024") == []
    (i,) = instances(evaluate_files(None, s, "ru_kp_2024", "war_by_attack"), "ru_kp_2024")
    assert (i.provision, i.bearer, i.beneficiary, i.activated) == ("art4", "KP", "RU", "2024-12-10")
    war = next(b for b in i.because if b.atom == "state_of_war(party: RU)")
    assert "defined by war_by_attack" in war.fact


def test_user_interpretation_with_define_and_reassignment(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    text = treaty(provision("p", "when state_of_war(party: X)\nthen each other party must assist(to: X)")) + """
interpretation mine "test reading" {
  from 2020-01-01: BY-HM belong to RU
  define state_of_war(party: X) while aggression(on: X)
}
"""
    r = evaluate_files(text, scenario("2020-02-01 armed_attack(by: UA, at: BY-HM)"), "tt", "mine")
    # the attack at BY-HM is on RU under `mine`, so a state of war of RU is derived (KP joins too late)
    assert set(by_pair(r, "tt", "p")) == {("BY", "RU")}


# ------------------------------------------------------------------ regions and scopes


REGIONAL = """\
region testreg "R" { RU except (RU-KRS), BY }
"""


def test_region_with_except(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    p = provision("p", "when aggression(on: X, at: A) and A in region testreg\n"
                       "then each other party must consult(with: X)")
    t = REGIONAL + treaty(p)
    assert set(by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: RU-BEL)"), "tt"), "tt", "p")) \
        == {("BY", "RU")}
    assert by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: RU-KRS)"), "tt"), "tt", "p") == {}
    assert set(by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: BY-HM)"), "tt"), "tt", "p")) \
        == {("RU", "BY")}


def test_treaty_scope_with_except(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    head = HEAD + '  scope sc "S" { RU except (RU-BEL), region testreg2 }\n'
    p = provision("p", "when armed_attack(on: X, at: A) and A in scope sc\nthen each other party must consult(with: X)")
    t = 'region testreg2 { BY }\n' + treaty(p, head=head)
    assert set(by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: RU-KRS)"), "tt"), "tt", "p")) \
        == {("BY", "RU")}
    assert by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: RU-BEL)"), "tt"), "tt", "p") == {}
    assert set(by_pair(evaluate_files(t, scenario("2020-02-01 armed_attack(at: BY-MI)"), "tt"), "tt", "p")) \
        == {("RU", "BY")}


@pytest.mark.parametrize("at, expected", [("US-HI", False), ("US-GU", False), ("US-CA", True), ("US", True),
                                          ("TR", True), ("FR-973", False), ("PT-20", True)])
def test_nato_art6_scope(evaluate_files, at: str, expected: bool) -> None:  # type: ignore[no-untyped-def]
    victim = at.split("-")[0]
    r = evaluate_files(None, scenario(f"2024-06-01 armed_attack(by: CN, at: {at})"), "nato_1949")
    art5 = instances(r, "nato_1949", "art5")
    assert bool(art5) is expected
    if expected:
        assert {i.beneficiary for i in art5} == {victim}


# ------------------------------------------------------------------ order and determinism (API level)


def test_fact_order_does_not_matter_at_the_api(lib, write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", scenario("2024-08-06..2025-03-12 armed_attack(by: UA, at: RU-KRS)",
                                  "2024-08-06..2025-03-12 state_of_war(party: RU)",
                                  "2024-12-10 assist(by: KP, to: RU)",
                                  "2024-11-05 assist(by: KP, to: RU)"))
    _, (s,) = engine.load([p])
    forward = engine.run(lib, s).to_json()
    backward = engine.run(lib, dataclasses.replace(s, facts=tuple(reversed(s.facts)))).to_json()
    assert forward == backward
