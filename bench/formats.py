"""What the file formats alone cost, beside the throughput goals (issue 18, item 2).

    python3 -m bench.formats [--data DIR] [--scenarios 2000] [--runs 3] [--hand-rate N]

The throughput rows compare whole processes: hand.py reads the peers' compact lines and writes a
TSV line per activation; casus reads the same scenarios as SPEC's scenario JSON (named roles, ISO
dates) and writes CSV, or its whole result JSON (each listed instance with its status, timeline,
`because` and `missing`). This measures what those formats cost with nothing of casus or hand.py
in the timed part: the `json` module (its C scanner and encoder) reading each input line, and
writing each result JSON line from objects already made (`json.dumps`), in-process, best of runs,
on the first scenarios of the peers' s10k. Beside hand.py's whole-process rate it says how much
of the time a goal leaves casus per scenario the format takes before any evaluation.

Then where a scenario's time goes on each side, in-process, on the same scenarios: casus's CSV
by stage (reading the line into facts, the compiled code, its lines joined: `csv_stages`),
hand.py by its own clock (evaluating, and the rest: `hand_stages`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .common import ROOT, table

if TYPE_CHECKING:
    from .peers import Translator

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


def _bytes_per_line(lines: Sequence[str]) -> float:
    """The mean size of the lines in UTF-8, each with its newline."""
    return sum(len(line.encode("utf-8")) + 1 for line in lines) / max(len(lines), 1)


def _dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def measure(peer_lines: Sequence[str], spec_lines: Sequence[str], result_lines: Sequence[str],
            runs: int = 3) -> list[Cost]:
    """The three costs: hand.py's input read, casus's input read, casus's result JSON written
    (its objects read first, untimed: what is timed is writing them)."""
    objects = [json.loads(line) for line in result_lines]
    size = _bytes_per_line
    return [
        Cost("the peers' scenario line (hand.py's input), read: `json.loads`", len(peer_lines), size(peer_lines),
             timed(peer_lines, json.loads, runs)),
        Cost("the same scenario as SPEC's scenario JSON (casus's input), read: `json.loads`", len(spec_lines),
             size(spec_lines), timed(spec_lines, json.loads, runs)),
        Cost("casus's result JSON of the scenario, written from its objects: `json.dumps`", len(result_lines),
             size(result_lines), timed(objects, _dumps, runs)),
    ]


@dataclass(frozen=True)
class Inputs:
    """The first scenarios of s10k as each side reads them, and casus's result JSON of them."""

    peer_lines: list[str]
    spec_lines: list[str]
    result_lines: list[str]
    own: Cost  # casus's own writer of the result JSON (`inputs`)
    lib: Any  # the translated rule set, loaded (an engine.Library)


def first_scenarios(data: Path, n: int) -> tuple[list[str], Translator]:
    """The first `n` lines of s10k, and the translator of the rule set they go with into casus
    (bench/peers.py)."""
    from .peers import Translator

    with open(data / SCENARIOS, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for _, line in zip(range(n), f, strict=False)]
    return lines, Translator(json.loads((data / RULES).read_text(encoding="utf-8")))


def inputs(data: Path, work: Path, n: int, runs: int = 3) -> Inputs:
    """The first `n` scenarios of s10k: the peers' lines, their translation into SPEC's scenario
    JSON (bench/peers.py), casus's result JSON of each (in this process, on the translated rule
    set), and what casus's own writer of it (engine/core/records.py `outcomes_json`, which writes
    the parts alike instances share once) took in the best of `runs` batch runs."""
    import engine
    from engine.io import batch

    peer_lines, tr = first_scenarios(data, n)
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
    own = Cost("casus's result JSON of the scenario, written by casus's own writer (`records.outcomes_json`)",
               len(result_lines), _bytes_per_line(result_lines), best / max(len(result_lines), 1) * 1e6)
    return Inputs(peer_lines, spec_lines, result_lines, own, lib)


@dataclass(frozen=True)
class Stage:
    what: str
    us: float  # per scenario


def csv_stages(lib: Any, spec_lines: Sequence[str], runs: int = 3) -> list[Stage]:
    """Where a CSV scenario's time goes in casus, in this process, line by line as a batch goes,
    every distinct event already seen (as in a long run): reading the line into the compiled
    code's facts (the translated lines are canonical: read as text, `batchline.canonical_input`), the
    compiled code, and its lines joined into the scenario's text (as `batch.csv_lines` does them),
    each the best of `runs`, per scenario. (Not timed: the batch's loop and the file written.)"""
    from engine.core.options import current
    from engine.core.records import csv_field
    from engine.io import batch, batchline

    treaties, options, programs = tuple(sorted(lib.treaties)), current(), {}  # type: ignore[var-annotated]
    for number, line in enumerate(spec_lines, 1):  # (the compiled code written, every distinct event checked)
        batch.csv_lines(lib, line, treaties, None, SCENARIOS, number, programs, options)
    best = [float("inf")] * 3
    clock = time.perf_counter
    for _ in range(runs):  # (a line's objects die before the next, as in a batch)
        spent = [0.0] * 3
        for number, line in enumerate(spec_lines, 1):
            t0 = clock()
            got = batchline.canonical_input(lib, line, treaties, None, SCENARIOS, number, programs, options)
            t1 = clock()
            assert got is not None  # (the peers' rules all compile; their translated lines are canonical)
            prog, (hits, starts, _), name = got
            assert not prog.withdrawn(hits)  # (none leaves)
            lines = prog.run(hits, starts, csv_field(name), {})
            t2 = clock()
            "\n".join(lines)  # (the scenario's text, as `csv_lines` gives it; not kept)
            t3 = clock()
            for i, t in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                spent[i] += t
        best = [min(b, t) for b, t in zip(best, spent, strict=True)]
    n = max(len(spec_lines), 1)
    return [Stage(what, t / n * 1e6) for what, t in zip(
        ("reading the line: its events as the compiled code's facts, from its text (`canonical_input`)",
         "evaluating: the compiled code (`Program.run`)",
         "its lines joined into the scenario's text"), best, strict=True)]


def hand_stages(peers: Path, data: Path, peer_lines: Sequence[str], work: Path) -> list[Stage]:
    """hand.py's own clock on the same scenarios (it prints `total_s`, in-process from its start
    to its end, and `eval_s`, in its `run`), less its `total_s` on no scenario (its rules
    compiled): evaluating, and the rest (reading, writing, the loop), per scenario."""
    import re
    import subprocess

    def times(lines: Sequence[str], name: str) -> tuple[float, float]:
        scenarios = work / name
        scenarios.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        err = subprocess.run([sys.executable, str(peers / "hand.py"), str(data / RULES), str(scenarios), "-o",
                              os.devnull], check=True, capture_output=True, text=True).stderr
        found = re.search(r"total_s=([0-9.]+) eval_s=([0-9.]+)", err)
        if found is None:
            raise RuntimeError(f"hand.py did not print its times: {err.strip()[-200:]}")
        return float(found.group(1)), float(found.group(2))

    start, _ = times([], "formats_hand_none.jsonl")
    total, evaluating = times(peer_lines, "formats_hand.jsonl")
    n = max(len(peer_lines), 1)
    return [Stage("evaluating: hand's `run`", evaluating / n * 1e6),
            Stage("the rest: reading, writing, the loop", max(total - start - evaluating, 0.0) / n * 1e6)]


def render_stages(casus: Sequence[Stage], hand: Sequence[Stage] | None, n: int) -> str:
    """Where a scenario's time goes, casus's CSV beside hand.py, per scenario, in-process."""
    body = [[f"casus: {st.what}", f"{st.us:,.1f}"] for st in casus]
    body.append(["casus, in all", f"{sum(st.us for st in casus):,.1f}"])
    if hand:
        body += [[f"hand.py: {st.what}", f"{st.us:,.1f}"] for st in hand]
        body.append(["hand.py, in all", f"{sum(st.us for st in hand):,.1f}"])
    return (f"Where a scenario's time goes, in-process (no start-up), on the same first {n:,} scenarios of s10k: "
            "casus with `--format csv` on the translated rule set (every distinct event already seen, best of "
            f"runs){', hand.py by its own clock (one run)' if hand else ''}:\n\n" + table(["per scenario", "µs"], body))


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
    from .peers import peers_dir

    with tempfile.TemporaryDirectory() as work:
        got = inputs(Path(a.data), Path(work), a.scenarios, a.runs)
        costs = [*measure(got.peer_lines, got.spec_lines, got.result_lines, a.runs), got.own]
        peers = peers_dir()
        hand = hand_stages(peers, Path(a.data), got.peer_lines, Path(work)) if peers is not None else None
        stages = csv_stages(got.lib, got.spec_lines, a.runs)
    print(render(costs, a.hand_rate) + "\n\n" + render_stages(stages, hand, len(got.spec_lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
