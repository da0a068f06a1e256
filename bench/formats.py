"""What the file formats alone cost, beside the throughput goals (issue 18, item 2).

    python3 -m bench.formats [--data DIR] [--scenarios 2000] [--runs 3] [--hand-rate N]

The throughput rows compare whole processes: hand.py reads the peers' compact lines and writes a
TSV line per activation; casus reads the same scenarios as SPEC's scenario JSON (named roles, ISO
dates) and writes CSV, or its whole result JSON (each listed instance with its status, timeline,
`because` and `missing`). This measures what those formats cost with nothing of casus or hand.py
in the timed part: the `json` module (its C scanner and encoder) reading each input line, and
writing each result JSON line from objects already made (`json.dumps`), in-process, best of runs,
on the first scenarios of the peers' s10k. Beside hand.py's whole-process rate it says how much
of the time a goal leaves casus per scenario the format takes before any evaluation."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .common import ROOT, table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCENARIOS = "s10k.jsonl"  # (the peers' file, from their make_data.sh)
RULES = "rules.json"
_L = TypeVar("_L")


@dataclass(frozen=True)
class Cost:
    what: str
    lines: int
    bytes_per_line: float
    us_per_line: float  # the json module alone, best of runs


def timed(lines: Sequence[_L], work: Callable[[_L], object], runs: int) -> float:
    """Microseconds per line of `work` over every line, best of `runs`."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        for line in lines:
            work(line)
        best = min(best, time.perf_counter() - t0)
    return best / max(len(lines), 1) * 1e6


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def measure(peer_lines: Sequence[str], spec_lines: Sequence[str], result_lines: Sequence[str],
            runs: int = 3) -> list[Cost]:
    """The three costs: hand.py's input read, casus's input read, casus's result JSON written
    (its objects read first, untimed: what is timed is writing them)."""
    objects = [json.loads(line) for line in result_lines]

    def size(lines: Sequence[str]) -> float:
        return sum(len(line.encode("utf-8")) + 1 for line in lines) / max(len(lines), 1)

    return [
        Cost("the peers' scenario line (hand.py's input), read: `json.loads`", len(peer_lines), size(peer_lines),
             timed(peer_lines, json.loads, runs)),
        Cost("the same scenario as SPEC's scenario JSON (casus's input), read: `json.loads`", len(spec_lines),
             size(spec_lines), timed(spec_lines, json.loads, runs)),
        Cost("casus's result JSON of the scenario, written from its objects: `json.dumps`", len(result_lines),
             size(result_lines), timed(objects, _dumps, runs)),
    ]


def inputs(data: Path, work: Path, n: int, runs: int = 3) -> tuple[list[str], list[str], list[str], Cost]:
    """The first `n` scenarios of s10k: the peers' lines, their translation into SPEC's scenario
    JSON (bench/peers.py), casus's result JSON of each (in this process, on the translated rule
    set), and what casus's own writer of it (engine/core/records.py `outcomes_json`, which writes
    the parts alike instances share once) took in the best of `runs` batch runs."""
    import engine
    from engine.io import batch

    from .peers import Translator

    with open(data / SCENARIOS, encoding="utf-8") as f:
        peer_lines = [line.rstrip("\n") for _, line in zip(range(n), f, strict=False)]
    tr = Translator(json.loads((data / RULES).read_text(encoding="utf-8")))
    spec_lines = list(tr.scenario_lines(peer_lines))
    lib = engine.load_library(str(tr.write(work / "lib_formats")))
    writer = batch.outcomes_json
    spent = [0.0]

    def writing(*args: Any) -> str:
        t0 = time.perf_counter()
        text = writer(*args)
        spent[0] += time.perf_counter() - t0
        return text

    best = float("inf")
    batch.outcomes_json = writing  # type: ignore[assignment]  # (timed where the batch calls it; put back below)
    try:
        for _ in range(runs):
            spent[0] = 0.0
            result_lines = list(batch.run_batch(lib, spec_lines, path=SCENARIOS))
            best = min(best, spent[0])
    finally:
        batch.outcomes_json = writer
    size = sum(len(line.encode("utf-8")) + 1 for line in result_lines) / max(len(result_lines), 1)
    own = Cost("casus's result JSON of the scenario, written by casus's own writer (`records.outcomes_json`)",
               len(result_lines), size, best / max(len(result_lines), 1) * 1e6)
    return peer_lines, spec_lines, result_lines, own


def render(costs: list[Cost], hand_rate: float | None) -> str:
    """The table (`measure`'s three costs and casus's own writer, from `inputs`), and, given
    hand.py's whole-process rate on s10k, the share of the time the goals (≥ 0.5× hand) leave
    casus per scenario that the formats alone take."""
    n = costs[0].lines if costs else 0
    body = [[c.what, f"{c.bytes_per_line:,.0f}", f"{c.us_per_line:,.1f}"] for c in costs]
    text = (f"What the formats alone cost (bench/formats.py): the `json` module reading each line and writing "
            f"each result JSON line from objects already made, nothing of casus or hand.py timed (and, last, casus's "
            f"own writer of the result JSON), in-process, best of runs, on the first {n:,} scenarios of s10k:\n\n"
            + table(["line", "bytes", "µs a line"], body))
    if hand_rate and len(costs) == 4:
        hand_us = 1e6 / hand_rate
        budget = 2 * hand_us  # what ≥ 0.5× hand's rate leaves casus per scenario
        _, spec, dumps, own = costs
        write = min(dumps.us_per_line, own.us_per_line)
        text += (f"\n\nhand.py's whole-process rate on s10k, {hand_rate:,.0f} scen/s, is {hand_us:.1f} µs a "
                 f"scenario (start-up, reading, evaluating, writing); a goal of ≥ 0.5× leaves casus "
                 f"{budget:.1f} µs. Reading SPEC's scenario JSON alone takes {spec.us_per_line:.1f} µs of them "
                 f"({spec.us_per_line / budget:.0%}); for the result JSON, reading the scenario and writing its "
                 f"result (the faster of the two writers) alone take {spec.us_per_line + write:.1f} µs "
                 f"({(spec.us_per_line + write) / budget:.0%}), before anything is evaluated or explained.")
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.formats", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/peers", help="the peers' generated inputs [/tmp/peers]")
    ap.add_argument("--scenarios", type=int, default=2_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--hand-rate", type=float, default=None, help="hand.py's whole-process scen/s on s10k")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        peer_lines, spec_lines, result_lines, own = inputs(Path(a.data), Path(work), a.scenarios, a.runs)
    costs = [*measure(peer_lines, spec_lines, result_lines, a.runs), own]
    print(render(costs, a.hand_rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
