"""The bench of writing the compiled code (bench/codegen.py) measures what it says: every treaty
of a peers' rule set compiles, its provisions share a few functions, and the row and the verdict
on the target come from the measurement; the single-scenario row times the engine's run of the
bundled scenario and the code that would have to be written first."""

from __future__ import annotations

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


def test_one_scenario_costs_less_on_the_engine_than_writing_the_code() -> None:
    engine_s, csv_s, rows_s = codegen.measure_single(runs=1)
    assert 0 < engine_s and 0 < csv_s <= rows_s
    text = codegen.render([], (engine_s, csv_s, rows_s))
    assert f"in-process: {engine_s * 1000:.1f} ms" in text and f"{rows_s * 1000:.1f} ms" in text
