"""The checker on places and targets (SPEC "Places, targets and time between facts"): an unknown
area or target gets "did you mean", a fact placed in an area must name `on`, the territory and
administration tests need their variables bound, and area declarations are checked."""

from __future__ import annotations

from test_errors import SMALL_TREATY, assert_located  # type: ignore[import-not-found]


def test_unknown_area_with_did_you_mean(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("a.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: US, at: pacifc_ocean, against: vessels)\n}\n')
    assert_located(cli("run", p), f"{p}:2:39", "E-TYPE",
                   message="'pacifc_ocean' is not a territory or a declared area",
                   hint="did you mean 'pacific_ocean' or 'arctic_ocean'?")


def test_a_word_that_is_no_area_at_all_gets_the_list_of_what_a_place_is(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("a.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: US, at: moon)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:39", "E-TYPE", message="'moon' is not a territory or a declared area")
    assert "a place is an ISO 3166 code" in err


def test_unknown_target_with_did_you_mean(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: US, at: US, against: vessel)\n}\n')
    assert_located(cli("run", p), f"{p}:2:52", "E-TYPE", message="'vessel' is not a target",
                   hint="did you mean 'vessels'?")


def test_a_target_that_is_nothing_like_one_lists_the_targets(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X, against: embassy)"))
    assert_located(cli("check", p), f"{p}:5:39", "E-TYPE", message="'embassy' is not a target",
                   hint="targets are: territory, forces, vessels, aircraft, civilian_vessels, civilian_aircraft")


def test_a_fact_in_an_area_must_name_on(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("o.casus", 'scenario "x" {\n'
                         '  2024-01-01 armed_attack(by: CN, at: south_china_sea, against: vessels)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:14", "E-ROLE-MISSING",
                         message="'armed_attack' at the area 'south_china_sea' needs the role 'on'")
    assert "an area has no sovereign" in err


def test_a_fact_at_a_territory_may_leave_on_to_the_sovereign(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("ok.casus", 'scenario "x" {\n  2024-01-01 armed_attack(by: CN, at: JP-47)\n}\n')
    assert cli("check", p).exit_code == 0


def test_territory_of_needs_its_place_bound(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("b.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X) and A territory of X"))
    assert_located(cli("check", p), f"{p}:5:34", "E-UNSAFE", message="variable 'A' must be bound before 'territory of'")


def test_administered_by_needs_its_party_bound(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("b.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X, at: A) and A administered by Z"))
    assert_located(cli("check", p), f"{p}:5:59", "E-UNSAFE",
                   message="variable 'Z' must be bound before 'administered by'")


def test_administered_by_a_code_checks_the_code(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("c.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X, at: A) and A administered by JJ"))
    assert_located(cli("check", p), f"{p}:5:59", "E-CODE")


def test_area_declarations_are_checked(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("d.casus", 'area loop_a within loop_b\narea loop_b within loop_a\narea pond within ocan\n'
                         'area cold within warm north of the tropic\narea warm south of the tropic\n')
    err = assert_located(cli("check", p), f"{p}:2:20", "E-CYCLE",
                         message="area lies within itself: loop_a within loop_b within loop_a")
    assert f"{p}:3:18: E-UNKNOWN: unknown area 'ocan'" in err
    assert f"{p}:4:1: E-AREA: area 'cold' lies north of the Tropic of Cancer, but within 'warm'" in err


def test_a_scope_naming_an_unknown_area(cli, write) -> None:  # type: ignore[no-untyped-def]
    treaty = SMALL_TREATY.replace("  in force", '  scope s "S" { area pacific_oceen }\n  in force')
    p = write("s.casus", treaty.replace("COND", "armed_attack(on: X, at: A) and A in scope s"))
    assert_located(cli("check", p), f"{p}:3:17", "E-UNKNOWN", message="unknown area 'pacific_oceen'",
                   hint="did you mean 'pacific_ocean' or 'arctic_ocean'?")
