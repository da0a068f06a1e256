"""What each side executes per scenario, counted rather than timed: the instructions valgrind's
callgrind counts (its `Collected` total) for hand.py, casus's CSV and casus's result JSON on
the same first scenarios of s10k, whole process, each less its run on the first scenario alone
(start-up, and casus writing its compiled code, left out).

    python3 -m bench.instructions [--data DIR] [--scenarios 1000]

And where casus's CSV spends them, in-process, stage by stage as a batch goes (each counted as
a run that stops after it, less the run that stops before it): reading the line (the json
scanner alone, then the strictness check), its events as the compiled code's facts (every
distinct event checked the first time it is seen, as in a run), evaluating (the compiled code),
and the rest of `batch.csv_lines` (its lines joined).

Wall times on a shared machine move by ±10% between two runs of one tree, which hides a change
of a few percent; a count of instructions moves by less than 0.1% (the hash seed fixed). It is
for comparing two versions of casus, and to see how far apart the sides are in work done: it
is not a speed (an instruction that waits on memory costs more than one that does not), so the
goals stay on the wall times (bench/peers.py). Left out where valgrind is not installed."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, casus_cmd, table
from .formats import RULES, first_scenarios

_COLLECTED = re.compile(r"Collected\s*:\s*([0-9]+)")


@dataclass(frozen=True)
class Counted:
    side: str
    scenarios: int  # counted (all but the first)
    per_scenario: float  # instructions


def available() -> bool:
    """Whether valgrind is installed."""
    return shutil.which("valgrind") is not None


def collected(stderr: str) -> int:
    """The instructions callgrind counted, from what it prints when the program ends."""
    found = _COLLECTED.search(stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {stderr.strip()[-300:]}")
    return int(found.group(1))


def _env() -> dict[str, str]:
    """The children's environment: the hash seed fixed, and (as bench/common.py `run_timed`)
    bytecode written, so that it is compiled once, not counted in every run."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def count(cmd: Sequence[str]) -> int:
    """The instructions of one run of `cmd` (whole process)."""
    done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(),
                          check=True)
    return collected(done.stderr)


def per_scenario(many: int, one: int, n: int) -> float:
    """Instructions per scenario from a run on `n` scenarios and one on the first alone."""
    return (many - one) / max(n - 1, 1)


def measure(data: Path, peers: Path, work: Path, n: int) -> tuple[list[Counted], list[Counted]]:
    """hand.py, casus's CSV and casus's result JSON on the first `n` scenarios of s10k (casus on
    their translation, bench/peers.py), each counted on them and on the first alone; and the
    stages of casus's CSV on them (`stages`)."""
    lines, tr = first_scenarios(data, n)
    library = str(tr.write(work / "lib_instructions"))
    files = {}
    for side, text in (("peers", lines), ("casus", list(tr.scenario_lines(lines)))):
        for size, part in (("many", text), ("one", text[:1])):
            path = files[side, size] = work / f"instructions_{side}_{size}.jsonl"
            path.write_text("".join(line + "\n" for line in part), encoding="utf-8")

    def hand(size: str) -> list[str]:
        return [sys.executable, str(peers / "hand.py"), str(data / RULES), str(files["peers", size]), "-o", os.devnull]

    def casus(size: str, fmt: str) -> list[str]:
        return casus_cmd("run", "--batch", str(files["casus", size]), "--library", library, "--format", fmt)

    out = []
    for side, cmd in (("hand.py", hand), ("casus, CSV", lambda size: casus(size, "csv")),
                      ("casus, result JSON", lambda size: casus(size, "json"))):
        # (run once first, not counted: its bytecode and casus's library cache are written then)
        subprocess.run(cmd("one"), check=True, capture_output=True, cwd=ROOT, env=_env())
        out.append(Counted(side, len(lines) - 1, per_scenario(count(cmd("many")), count(cmd("one")), len(lines))))
    return out, stages(library, files["casus", "many"], len(lines))


# the stages of casus's CSV, in order (`stage_run`): a run that stops after each
STAGES = (("facts", "reading the line: its events as the compiled code's facts, from its text (`canonical_input`)"),
          ("evaluate", "evaluating: the compiled code (`Program.run`)"),
          ("all", "the rest of `batch.csv_lines` (its lines joined)"))


def stage_run(library: str, scenarios: str, stage: str) -> None:
    """The child counted for `stages`: the library loaded and the compiled code written (on the
    first line, as a batch does), then each line's CSV pipeline up to `stage` ("start": none).
    (The peers' translated lines are canonical: casus reads them as text, not with the json module.)"""
    import engine
    from engine.core.options import current
    from engine.core.records import csv_field
    from engine.io import batch, batchline

    lib = engine.load_library(library)
    with open(scenarios, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    treaties, options, programs = tuple(sorted(lib.treaties)), current(), {}  # type: ignore[var-annotated]
    batch.csv_lines(lib, lines[0], treaties, None, "<stages>", 1, programs, options)
    if stage == "start":
        return
    for number, line in enumerate(lines, 1):
        if stage == "all":
            batch.csv_lines(lib, line, treaties, None, "<stages>", number, programs, options)
            continue
        got = batchline.canonical_input(lib, line, treaties, None, "<stages>", number, programs, options)
        assert got is not None  # (the peers' rules all compile; their lines are canonical)
        if stage == "facts":
            continue
        prog, (hits, starts, _), name = got
        assert not prog.withdrawn(hits)  # (none leaves)
        prog.run(hits, starts, csv_field(name), {})


def stages(library: str, scenarios: Path, n: int) -> list[Counted]:
    """Instructions per scenario of each stage of casus's CSV (`STAGES`), on a file of `n`
    translated scenarios and its translated rule set (`library`)."""
    def counted(stage: str) -> int:
        return count([sys.executable, "-m", "bench.instructions", "--stage", stage, library, str(scenarios)])

    out, before = [], counted("start")
    for stage, what in STAGES:
        after = counted(stage)
        out.append(Counted(what, n, (after - before) / max(n, 1)))
        before = after
    return out


def render(rows: Sequence[Counted]) -> str:
    if not rows:
        return "Instructions per scenario (bench/instructions.py): not counted (valgrind is not installed)."
    hand = next((r.per_scenario for r in rows if r.side == "hand.py"), None)
    body = [[r.side, f"{r.per_scenario:,.0f}", "" if hand is None else f"{hand / r.per_scenario:.3f}"] for r in rows]
    return (f"Instructions per scenario (bench/instructions.py: valgrind's callgrind, whole process, less a run on "
            f"the first scenario alone) on the first {rows[0].scenarios + 1:,} scenarios of s10k; the same within "
            "0.1% from run to run, for comparing versions of casus (not a speed: the goals are on wall time):\n\n"
            + table(["side", "instructions a scenario", "hand.py's ÷ this"], body))


def render_stages(rows: Sequence[Counted], whole: float | None = None) -> str:
    """Where casus's CSV spends its instructions (`stages`), beside its whole-process count."""
    body = [[r.side, f"{r.per_scenario:,.0f}"] for r in rows]
    body.append(["in all, in-process", f"{sum(r.per_scenario for r in rows):,.0f}"])
    if whole is not None:
        body.append(["whole process (above)", f"{whole:,.0f}"])
    n = rows[0].scenarios if rows else 0
    return (f"Where casus's CSV spends them, in-process, stage by stage as a batch goes, on the first {n:,} "
            "scenarios (each stage counted as a run that stops after it, less the run that stops before it):\n\n"
            + table(["casus, CSV: stage", "instructions a scenario"], body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.instructions", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/peers", help="the peers' generated inputs [/tmp/peers]")
    ap.add_argument("--scenarios", type=int, default=1_000)
    ap.add_argument("--stage", default=None, choices=["start", *(stage for stage, _ in STAGES)],
                    help=argparse.SUPPRESS)  # (the child `stages` counts)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.stage is not None:
        if len(a.files) != 2:
            ap.error("--stage needs a library folder and a file of scenarios")
        stage_run(a.files[0], a.files[1], a.stage)
        return 0
    from .peers import peers_dir

    peers = peers_dir()
    if not available() or peers is None:
        print(render([]))
        return 0
    with tempfile.TemporaryDirectory() as work:
        rows, split = measure(Path(a.data), peers, Path(work), a.scenarios)
    whole = next((r.per_scenario for r in rows if r.side == "casus, CSV"), None)
    print(render(rows) + "\n\n" + render_stages(split, whole))
    return 0


if __name__ == "__main__":
    sys.exit(main())
