"""Role completion, defined once in engine/kernel/facts.py for `prepare` and the compiled code."""

from __future__ import annotations

import engine
from engine.core.compiled import Program
from engine.kernel.facts import at_from_on, on_from_at


def test_at_from_a_country_on(lib: engine.Library) -> None:
    kind = lib.kinds["armed_attack"].roles  # by?, on, at?
    roles = {"on": "RU"}
    assert at_from_on(kind, roles) == {"on": "RU", "at": "RU"}
    assert roles == {"on": "RU"}  # not changed in place
    given = {"on": "RU", "at": "RU-KRS"}
    assert at_from_on(kind, given) is given  # `at` given: as written
    sub = {"on": "RU-KRS"}
    assert at_from_on(kind, sub) is sub  # not a country: no `at` from it
    assert at_from_on(lib.kinds["request"].roles, {"from": "BY", "on": "RU"}) == {"from": "BY", "on": "RU"}


def test_on_from_at_is_left_to_the_interpretation(lib: engine.Library) -> None:
    kind = lib.kinds["armed_attack"].roles
    assert on_from_at(kind, {"at": "UA-43"})
    assert not on_from_at(kind, {"at": "UA-43", "on": "UA"})
    assert not on_from_at(kind, {"on": "UA"})
    assert not on_from_at(lib.kinds["request"].roles, {"at": "UA-43"})


def test_compiled_code_completes_roles_as_prepare_does(lib: engine.Library) -> None:
    prog = Program(lib, ["ru_kp_2024"], None)
    assert prog.complete("armed_attack", {"on": "RU"}) == {"on": "RU", "at": "RU", "against": "territory"}
    # no silent place: an attack on vessels with no `at` stays without one
    assert prog.complete("armed_attack", {"on": "RU", "against": "vessels"}) == {"on": "RU", "against": "vessels"}
    # `on` from `at`: the territory's country where the interpretation moves nothing of it, else
    # the engine (it depends on the days: `prepare` cuts the fact where the territory changes hands)
    assert prog.complete("armed_attack", {"at": "UA-43"}) == {"at": "UA-43", "on": "UA", "against": "territory"}
    claims = Program(lib, ["ru_kp_2024"], lib.interpretations["ru_claims"])
    assert claims.complete("armed_attack", {"at": "UA-43"}) is None
    assert claims.complete("armed_attack", {"at": "UA-46"}) == {"at": "UA-46", "on": "UA", "against": "territory"}
    # a withdrawal is read: the treaty it names goes to the engine alone (`Program.withdrawn`)
    assert prog.complete("withdrawal", {"party": "RU", "treaty": "ru_kp_2024"}) == {"party": "RU",
                                                                                    "treaty": "ru_kp_2024"}
    assert prog.code_of("withdrawal") == prog.code_of("denunciation") == prog.withdrawal
