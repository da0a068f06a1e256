"""The goals at a glance (bench/goals.py) are the measurements of the parts below them: each ratio
is computed as the part's own table computes it, each verdict is the target's, and a part not
run leaves its goals out."""

from __future__ import annotations

from bench import goals
from bench.codegen import Generated
from bench.common import Timing
from bench.peers import Measure
from bench.realistic import Row
from bench.startup import Startup


def _m(ev: str, n: int, walls: tuple[float, ...], startup: float = 0.1) -> Measure:
    return Measure(ev, n, sorted(walls)[len(walls) // 2], startup, 30.0, len(walls), walls)


def test_throughput_goals_are_the_paired_ratios_of_the_large_files_and_the_growth() -> None:
    rows = [
        ("N", "10k x 32", "s10k.jsonl", 10_000, {"hand": _m("hand", 10_000, (0.5,)),
                                                  "casus": _m("casus", 10_000, (2.0,))}),
        ("N", "20k x 32", "s20k.jsonl", 20_000, {
            "hand": _m("hand", 20_000, (1.0, 1.1, 0.9)), "prolog": _m("prolog", 20_000, (6.0, 6.0, 6.0)),
            "casus": _m("casus", 20_000, (2.0, 2.0, 2.0)), "casus_json": _m("casus_json", 20_000, (8.0, 8.0, 8.0))}),
        ("events", "5 events", "e5.jsonl", 1_000, {"casus": _m("casus", 1_000, (0.2,))}),
        ("events", "50 events", "e50.jsonl", 1_000, {"casus": _m("casus", 1_000, (0.3,))}),
        ("events", "500 events", "e500.jsonl", 1_000, {"casus": _m("casus", 1_000, (1.5,))}),
    ]
    got = {g.what: g for g in goals.throughput(rows)}
    assert not any("10k" in w for w in got)  # the goals are on 20,000 scenarios and more
    csv = got["CSV, 20k x 32: casus ÷ hand.py"]
    assert (csv.measured, csv.met) == ("0.500", True)  # rounds 0.5, 0.55, 0.45: their median
    assert (got["CSV, 20k x 32: casus ÷ Prolog"].measured, got["CSV, 20k x 32: casus ÷ Prolog"].met) == ("3.00", True)
    js = got["result JSON, 20k x 32: casus ÷ hand.py"]
    assert (js.measured, js.met) == ("0.125", False)
    growth = got["growth with events per scenario, casus: 500 events ÷ 50 events"]
    assert (growth.measured, growth.met) == ("7.0×", True)  # (1.5 - 0.1) / (0.3 - 0.1)
    assert "growth with provisions" not in " ".join(got)  # not run: left out


def test_the_other_parts_goals_and_the_table() -> None:
    s = Startup({"warm": [0.10, 0.12], "cold": [0.30, 0.30]}, [0.1, 0.1], [0.01, 0.01])
    up = goals.startup(s, [("warm", ("run",), False, 1.0), ("cold", ("run",), True, 2.0)])
    assert [(g.measured, g.met) for g in up] == [("1.10×", False), ("3.00×", False)]

    rows = [Row("CSV", 10_000, Timing(2.0, 70.0, 0), (2.0,)), Row("result JSON", 10_000, Timing(5.0, 70.0, 0))]
    real = goals.realistic(rows, 20_000.0)
    assert [(g.measured, g.met) for g in real] == [("0.250", True), ("0.100", False)]
    assert goals.realistic(rows, None) == []  # nothing to compare with

    assert goals.codegen([Generated("rules.json", 12, 32, 0.02, 1_800, 0)]) == []  # not the goal's size
    (cg,) = goals.codegen([Generated("rules.json", 12, 32, 0.02, 1_800, 0),
                           Generated("rules768.json", 768, 2_023, 0.52, 8_810, 13)])
    assert (cg.what, cg.measured, cg.met) == ("writing the compiled code, 2,023 provisions", "0.52 s", False)

    text = goals.render([*up, *real, cg])
    assert "1 of 5 met" in text
    assert "| bundled library, 10,000 realistic scenarios, CSV: ÷ hand.py's rate | ≥ 0.25 | 0.250 | met |" in text
    assert "| writing the compiled code, 2,023 provisions | ≤ 0.2 s | 0.52 s | **not met** |" in text
    assert goals.render([]) == ""
