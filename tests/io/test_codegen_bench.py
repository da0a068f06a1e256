"""The bench of writing the compiled code (bench/codegen.py) measures what it says: every treaty
of a peers' rule set compiles, its provisions share a few functions, and the row and the verdict
on the target come from the measurement; the single-scenario row times the engine's run of the
bundled scenario and the code that would have to be written first."""

from __future__ import annotations

import math
from pathlib import Path

from helpers import require_peers

from bench import codegen


def test_a_rule_set_is_written_with_shared_functions(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(codegen, "RULE_SETS", [("rules40.json", ["rules", "--treaties", "40", "--seed", "2"])])
    rows = codegen.measure_rules(tmp_path, require_peers(), runs=1)
    assert [r.rules for r in rows] == ["rules40.json"] and (tmp_path / "rules40.json").exists()
    (row,) = rows
    assert row.treaties == 40 and row.provisions > row.treaties
    assert 0 < row.functions < row.provisions / 4  # written a few ways, each compiled once
    assert 0 < row.peak_mib < 100
    text = codegen.render(rows, None)
    assert f"| rules40.json | 40 | {row.provisions} | {row.seconds:.3f} s |" in text
    big = codegen.Generated("big.json", 800, 2_000, 0.5, 9_000, 13)
    assert "At 2,000 provisions: 0.50 s (target ≤ 0.2 s: not met)" in codegen.render([row, big], None)
    assert "(target ≤ 0.2 s: ok)" in codegen.render([row, codegen.Generated("big.json", 800, 2_000, 0.15, 9_000, 13)],
                                                    None)


def test_the_single_scenario_row_says_what_it_measured() -> None:
    """The row behind the single-scenario verbs' reason: each of its three times was measured
    (the engine's run of the bundled scenario, the code written for CSV, and with the result
    JSON's), and the text gives them and their ratio as measured (no time is compared here: the
    bench's table states it)."""
    got = codegen.measure_single(runs=1)
    assert all(math.isfinite(t) and t > 0 for t in got)
    text = codegen.render([], (0.003, 0.042, 0.081))
    assert "in-process: 3.0 ms" in text and "42.0 ms for CSV, 81.0 ms with the code of the result JSON" in text
    assert "(27.0× the engine's whole run" in text
