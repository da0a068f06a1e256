"""Reading `explain` (issue 16 items 4 and 9): bearers with the same outcome are one block, as
`run` groups them, and a variable no fact bound is never said to be outside a scope."""

from __future__ import annotations

from pathlib import Path

import engine
from engine.analysis.explain import explain


def _scenario(tmp_path: Path, body: str) -> tuple[engine.Library, engine.Scenario]:
    path = tmp_path / "s.casus"
    path.write_text(f'scenario "s" {{\n{body}}}\n', encoding="utf-8")
    lib, [s] = engine.load([path])
    return lib, s


def test_bearers_with_the_same_outcome_are_one_block(tmp_path: Path) -> None:
    lib, s = _scenario(tmp_path, "  2026-03-02  armed_attack(by: RU, on: PL, at: PL)\n")
    text = explain(lib, s, "nato_1949", "art5").render()
    blocks = [line for line in text.splitlines() if " -> PL: " in line]
    assert blocks == ["AL, BE +29 more -> PL: active since 2026-03-02 (activated 2026-03-02)"], text
    members = [line for line in text.splitlines() if line.startswith("  bearers ")]
    assert len(members) == 1 and len(members[0].split()) == 1 + 31 and " US" in members[0]
    assert text.count("  because armed_attack(on: PL") == 1


def test_different_outcomes_stay_apart(tmp_path: Path) -> None:
    lib, s = _scenario(tmp_path, "  2025-06-02  aggression(on: BY)\n  2025-06-03  request(from: BY, for: assist)\n"
                                 "  2025-06-02  aggression(on: RU)\n")
    text = explain(lib, s, "ru_by_2024", "art4_2b").render()
    heads = [line for line in text.splitlines() if " -> " in line and ": " in line and not line.startswith(" ")]
    assert len(heads) == 2, text  # RU -> BY (requested) and BY -> RU (not requested)


def test_an_unbound_place_is_not_outside_a_scope(tmp_path: Path) -> None:
    lib, s = _scenario(tmp_path, "  1950-07-25  wmd_use(on: BE)\n")
    text = explain(lib, s, "nato_1949", "art5").render()
    assert "A is outside" not in text, text
    assert "no fact gave the place A" in text, text


def test_explain_says_whether_a_text_applies_under_the_reading(tmp_path: Path) -> None:
    # Rio Art. 3(1) in two readings (obligations/rio_1947.casus): a terrorist group's attack on
    # the US brings the text as applied in 2001 alive by default, and the text as written only
    # under `rio_state_attacker`, where it does not apply to a group's attack
    lib, s = _scenario(tmp_path, "  2030-01-01  armed_attack(by: terrorist_group, at: US-NY)\n")
    applied = explain(lib, s, "rio_1947", "art3_1").render()
    assert "except under rio_state_attacker (this text applies under default)" in applied, applied
    assert "-> US: active since 2030-01-01" in applied, applied
    written = explain(lib, s, "rio_1947", "art3_1", "rio_state_attacker").render()
    assert "(this text does not apply under rio_state_attacker: it is never triggered)" in written, written
    assert "its text (version as the parties applied it in 2001: an armed attack by anyone) does not apply " \
        "under rio_state_attacker" in written, written
    state = explain(lib, s, "rio_1947", "art3_1_state", "rio_state_attacker").render()
    assert "under rio_state_attacker (this text applies under rio_state_attacker)" in state, state
    assert "No instance" in state, state  # a group is no state
