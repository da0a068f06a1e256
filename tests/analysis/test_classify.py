"""`casus classify`: ATOP-style codings derived from the rules, with the provisions each flag
comes from; checked on known codings of the bundled treaties and on hand-written ones for the
flags the bundled library does not use."""

from __future__ import annotations

import csv
import io

import pytest

import engine
from engine.analysis.classify import CONDITIONS, OBLIGATIONS, classify_treaty


def test_nato_defense_consultation_location(lib) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, "nato_1949")
    assert c.flags["defense"].provisions == ["art5"]
    assert c.flags["consultation"].provisions == ["art4"]
    assert c.flags["location"].provisions == ["art5"] and c.flags["location"].applies_to == ["defense"]
    assert "A in scope art6" in c.flags["location"].evidence[0]
    assert not c.coded("request") and not c.coded("offense") and not c.coded("neutrality")


def test_ru_kp_consultation_on_request_defense_without(lib) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, "ru_kp_2024")
    assert c.flags["consultation"].provisions == ["art3"]
    assert c.flags["defense"].provisions == ["art4"]
    assert c.flags["request"].provisions == ["art3"] and c.flags["request"].applies_to == ["consultation"]
    assert not c.coded("location")


def test_ru_by_defense_with_request(lib) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, "ru_by_2024")
    assert "art4_2b" in c.flags["defense"].provisions and "art4_1" in c.flags["defense"].provisions
    assert c.flags["request"].provisions == ["art4_2b"] and c.flags["request"].applies_to == ["defense"]
    assert c.flags["consultation"].provisions == ["art2_consult"]
    # the sanctions permission and the Art. 5 facilities are not defense or offense
    assert "sanctions" not in c.flags["offense"].provisions + c.flags["defense"].provisions


def test_flags_the_bundled_library_does_not_use(write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", '''\
        treaty tt "t" {
          parties RU, BY
          in force 2020-01-01
          provision d "d" article "1" {
            when armed_attack(by: US, on: X, at: UA-43)
            unless provocation(by: X)
            then each other party must assist(to: X)
          }
          provision n "n" article "2" {
            when armed_attack(by: S, on: Y) and S in parties
            then each other party X must not assist(to: S)
          }
          provision o "o" article "3" {
            when request(from: X, for: assist) and not consult(by: X, with: RU)
            then each other party must assist(to: X)
          }
          provision k "k" article "4" {
            when threat(on: RU)
            then each other party must consult(with: RU)
          }
        }
        ''')
    lib, _ = engine.load([p])
    c = classify_treaty(lib, "tt")
    f = c.flags
    assert f["defense"].provisions == ["d"]
    assert f["specific_adversary"].provisions == ["d"] and f["location"].provisions == ["d"]
    assert f["non_provocation"].provisions == ["d"] and "unless provocation(by: X)" in f["non_provocation"].evidence[0]
    assert f["neutrality"].provisions == ["n"]
    assert f["offense"].provisions == ["o"]
    assert f["non_compliance"].provisions == ["o"] and f["request"].provisions == ["o"]
    assert f["request"].applies_to == ["offense"]
    assert f["consultation"].provisions == ["k"] and f["specific_conflict"].provisions == ["k"]
    assert not f["nonaggression"].coded


def test_csv_long_and_wide(cli, lib) -> None:  # type: ignore[no-untyped-def]
    r = cli("classify", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["treaty", "group", "flag", "coded", "provisions", "applies_to", "evidence"]
    assert len(rows) == len(lib.treaties) * (len(OBLIGATIONS) + len(CONDITIONS))
    get = {(x["treaty"], x["flag"]): x for x in rows}
    assert get[("nato_1949", "defense")]["coded"] == "1" and get[("nato_1949", "defense")]["provisions"] == "art5"
    assert get[("ru_kp_2024", "request")]["applies_to"] == "consultation"
    assert get[("cn_kp_1961", "consultation")]["coded"] == "0"
    wide = list(csv.DictReader(io.StringIO(cli("classify", "--format", "wide", "--treaty", "nato_1949").stdout)))
    assert len(wide) == 1 and wide[0]["defense"] == "1" and wide[0]["location_provisions"] == "art5"
    table = cli("classify", "--treaty", "ru_by_2024").stdout
    assert table.startswith("ru_by_2024  defense(art2, art4_1, art4_2b, art2_union_by, art2_union_ru) "
                            "consultation(art2_consult)")
    assert "request(art4_2b → defense)" in table


@pytest.mark.parametrize("tid", ["us_jp_1960", "eu_teu_42_7", "anzus_1951"])
def test_scoped_treaties_code_location(lib, tid) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, tid)
    assert c.coded("defense") and c.coded("location")


def test_unknown_treaty(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("classify", "--treaty", "nato")
    assert r.exit_code == 2 and "unknown treaty 'nato'" in r.stderr


# ATOP 5.1 (Leeds et al.) codes these treaties as non-aggression pacts as well as defence pacts:
# the parties undertake to refrain from the threat or use of force against each other (NATO Art. 1,
# Rio Art. 1, Art. I of ANZUS, US–Philippines, US–ROK and US–Japan, CSTO Art. 1, China–DPRK Art. III).
NONAGGRESSION = {"nato_1949": "art1", "rio_1947": "art1", "anzus_1951": "art1", "us_ph_1951": "art1",
                 "us_kr_1953": "art1", "us_jp_1960": "art1", "csto_1992": "art1", "cn_kp_1961": "art3"}


@pytest.mark.parametrize("tid", sorted(NONAGGRESSION))
def test_non_aggression_as_atop_codes_it(lib, tid) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, tid)
    assert c.flags["nonaggression"].provisions == [NONAGGRESSION[tid]]
    assert "prohibition threat_or_use_of_force(against: Y)" in c.flags["nonaggression"].evidence[0]
    assert c.coded("defense")  # a defence pact too


def test_no_non_aggression_without_an_undertaking(lib) -> None:  # type: ignore[no-untyped-def]
    # Russia–DPRK 2024 and Russia–Belarus 2024 hold no undertaking to refrain from force against
    # each other (only principles of respect for sovereignty); EU 42(7) neither
    for tid in ("ru_kp_2024", "ru_by_2024", "eu_teu_42_7"):
        assert not classify_treaty(lib, tid).coded("nonaggression"), tid


def test_us_japan_art4_consultation_in_the_far_east(lib) -> None:  # type: ignore[no-untyped-def]
    c = classify_treaty(lib, "us_jp_1960")
    assert c.flags["consultation"].provisions == ["art4"]
    assert "art4" in c.flags["location"].provisions and "art4" in c.flags["request"].provisions


def test_attack_at_a_place_of_the_beneficiary_is_defense(lib) -> None:  # type: ignore[no-untyped-def]
    # Russia–Belarus Art. 2 on the Union State's territory: an aggression AT Belarus, whoever's
    # assets were struck, with Belarus as the beneficiary: defense, not offense
    c = classify_treaty(lib, "ru_by_2024")
    assert {"art2_union_by", "art2_union_ru"} <= set(c.flags["defense"].provisions)
    assert not c.coded("offense")


def test_basing_rights_code_no_alliance_obligation(lib) -> None:  # type: ignore[no-untyped-def]
    # US–ROK Art. IV (the right to dispose US forces in Korea), US–Japan Art. VI and Russia–Belarus
    # Art. 5 (facilities) are basing provisions: ATOP codes none of its obligations or conditions
    # from them, and US–ROK stays a defence pact with consultation and non-aggression
    for tid, pid in (("us_kr_1953", "art4"), ("us_jp_1960", "art6"), ("ru_by_2024", "art5")):
        c = classify_treaty(lib, tid)
        assert all(pid not in f.provisions for f in c.flags.values()), tid
    c = classify_treaty(lib, "us_kr_1953")
    assert [n for n in OBLIGATIONS if c.coded(n)] == ["defense", "nonaggression", "consultation"]
