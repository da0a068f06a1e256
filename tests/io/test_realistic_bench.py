"""The bench's realistic scenarios (bench/realistic.py, issue 18 item 2) are scenarios casus reads
as written, about every treaty of the library, and they bring duties of most treaties alive: a
bench on inputs that fail or that no treaty answers would measure nothing."""

from __future__ import annotations

import json
from collections import Counter

import engine
from bench import realistic
from engine.io.batch import read_scenarios, run_batch


def test_realistic_scenarios_are_read_and_bring_most_treaties_alive() -> None:
    lib = engine.load_library()
    docs = realistic.scenarios(120, seed=7)
    lines = [json.dumps(d) for d in docs]
    assert len(list(read_scenarios(lib, lines))) == 120  # a bad line would raise, located
    told = Counter(d["name"].split(" story ")[0] for d in docs)
    assert set(told) == set(lib.treaties)
    rows = [line.split(",") for block in run_batch(lib, lines, fmt="csv") for line in block.splitlines()][1:]
    alive = {r[1] for r in rows if r[6] in ("active", "fulfilled", "violated", "discharged", "lapsed")}
    assert len(alive) >= 8, alive
    kinds = Counter(e["kind"] for d in docs for e in d["events"])
    assert {"armed_attack", "request", "agreement", "assessment"} <= set(kinds)
    assert any(e.get("against") == "vessels" and e.get("at") in realistic.SEAS for d in docs for e in d["events"])


def test_realistic_scenarios_are_the_same_for_a_seed() -> None:
    assert realistic.scenarios(20, seed=3) == realistic.scenarios(20, seed=3)
    assert realistic.scenarios(20, seed=3) != realistic.scenarios(20, seed=4)


def test_the_scale_table_gives_no_growth_ratio_for_a_cost_within_start_up_noise() -> None:
    """A run that costs a few milliseconds more than start-up has no cost worth a ratio: one
    run's wall time wobbles by as much (the README once said 22x for NATO at 16 members)."""
    from bench.common import Timing
    from bench.scale import ScaleRow, render

    def row(k: int, wall: float) -> ScaleRow:
        return ScaleRow(f"NATO, {k} members", k, "instance", Timing(wall, 30.0, 0), 62 * k, 60.0, 0.14)

    text = render([row(8, 0.141), row(16, 0.25), row(32, 0.36)])
    lines = [line for line in text.splitlines() if line.startswith("| NATO")]
    assert "start-up noise" in lines[0]
    assert "start-up noise" not in lines[1] and lines[1].rstrip(" |").endswith("—")  # the first worth measuring
    assert "× the cost per instance at 2× the instances" in lines[2]


def test_the_coverage_table_says_which_construct_alone_keeps_a_treaty_off() -> None:
    rows = [realistic.Coverage("a", 3.0, (("ongoing", "provision p: its conditions read ongoing"),)),
            realistic.Coverage("b", 1.0, (("until", "provision q: it ends"), ("ongoing", "provision r: ongoing"))),
            realistic.Coverage("c", 0.0, ())]
    text = realistic.render_coverage(rows, 10)
    assert "| c | 0% | compiled |" in text
    assert "| ongoing | a, b | 100% | a |" in text
    assert "| until | b | 25% | — |" in text
    every = realistic.render_coverage([realistic.Coverage("c", 1.0, ())], 10)
    assert "| c | 100% | compiled |" in every and "No construct of the bundled library keeps" in every


def test_the_bundled_librarys_ratio_pairs_its_runs_with_hand_pys() -> None:
    """hand.py runs in the same rounds as casus on the realistic scenarios (not minutes earlier,
    in the throughput table): each ratio is the median of the rounds' ratios."""
    from bench.common import Timing

    def row(output: str, walls: tuple[float, ...], n: int = 10_000) -> realistic.Row:
        return realistic.Row(output, n, Timing(sorted(walls)[1], 50.0, 0), walls)

    hand = row("hand", (0.5, 1.0, 1.0))  # the machine halves its speed after the first round
    csv = row("CSV", (2.0, 4.0, 4.0))
    assert realistic.paired(csv, hand) == 0.25 and csv.rate / hand.rate == 0.25
    fast_first = row("CSV", (2.0, 2.0, 4.0))  # measured apart, its median (2.0) against hand's (1.0): 0.5
    text = realistic.render([hand, fast_first, row("result JSON", (5.0, 10.0, 10.0))])
    body = [line for line in text.splitlines() if line.startswith("| bundled")]
    assert [line.split("|")[5].strip() for line in body] == ["0.250", "0.100"]
    assert "same rounds" in text and "| hand" not in text  # (no line of its own for hand.py)
