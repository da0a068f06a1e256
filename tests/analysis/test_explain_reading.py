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
