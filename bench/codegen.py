"""What writing the compiled code costs (issue 18: "code generation ≤ 0.2 s" at about 2,000
provisions; item 1: the single-scenario verbs stay on the engine, with a measured reason).

    python3 -m bench.codegen [--data DIR] [--runs 3]

1. For the peers' rule sets (12, 48 and 192 treaties from their make_data.sh, and 768 treaties
   from their gen.py with make_data.sh's seed, written into DIR if missing), translated to casus
   (bench/peers.py): the seconds `compiled.program` takes to plan, write and compile the code of
   every treaty for CSV, on a library loaded afresh each run (nothing remembered), best of runs;
   with the lines Python compiles and the functions they share (provisions written alike share
   one: engine/core/compiled/generate.py `_Generator.shared`), and the most memory Python held
   meanwhile (tracemalloc, in a run of its own).
2. One bundled scenario through the bundled library, as `casus run SCENARIO` does it: the
   engine's whole evaluation and result JSON, beside what the compiled code would cost before
   it ran at all (writing and compiling its code for the result JSON, `Program.rows`). Both in
   this process, on a library loaded afresh each run."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# the rule sets: file, and (for one make_data.sh does not write) gen.py's arguments
RULE_SETS = [("rules.json", None), ("rules48.json", None), ("rules192.json", None),
             ("rules768.json", ["rules", "--treaties", "768", "--seed", "2"])]
SCENARIO = "kursk_2024"  # (bench/startup.py's)


@dataclass
class Generated:
    rules: str
    treaties: int
    provisions: int
    seconds: float  # best of runs
    lines: int  # of the generated source
    functions: int  # shared by the provisions (`def` lines but `run`)
    peak_mib: float = 0.0  # the most memory Python held while writing it (tracemalloc, one more run)


def rule_set(data: Path, peers: Path, name: str, gen: list[str] | None) -> Path:
    """The rule set's file, written with the peers' gen.py if it is not there."""
    path = data / name
    if not path.exists() and gen is not None:
        data.mkdir(parents=True, exist_ok=True)
        out = subprocess.run([sys.executable, str(peers / "gen.py"), *gen], check=True, capture_output=True,
                             text=True).stdout
        path.write_text(out, encoding="utf-8")
    return path


def measure_rules(data: Path, peers: Path, runs: int) -> list[Generated]:
    import engine
    from engine.core import compiled

    from .peers import Translator

    rows = []
    for name, gen in RULE_SETS:
        path = rule_set(data, peers, name, gen)
        if not path.exists():
            continue
        with tempfile.TemporaryDirectory() as folder:
            Translator(json.loads(path.read_text())).write(folder)
            best, prog = float("inf"), None
            for _ in range(runs):
                lib = engine.load_library(folder)
                ids = tuple(sorted(lib.treaties))
                t0 = time.perf_counter()
                prog = compiled.program(lib, ids, "default")
                best = min(best, time.perf_counter() - t0)
            assert prog is not None and not prog.others, name  # every treaty compiles
            lib = engine.load_library(folder)
            tracemalloc.start()  # (apart from the timed runs: tracing slows Python down)
            try:
                compiled.program(lib, ids, "default")
                peak = tracemalloc.get_traced_memory()[1] / 2**20
            finally:
                tracemalloc.stop()
            source = prog.source.splitlines()
            shared = sum(1 for line in source if line.startswith("def run") and not line.startswith("def run("))
            provisions = sum(len(t.provisions) for t in lib.treaties.values())
            rows.append(Generated(name, len(lib.treaties), provisions, best, len(source), shared, peak))
    return rows


def measure_single(runs: int) -> tuple[float, float, float]:
    """(the engine's `casus run SCENARIO --format json`, in seconds; writing the compiled code
    for CSV; and for the result JSON): best of runs, each on a library loaded afresh."""
    import engine
    from engine import api
    from engine.core import compiled

    engine_s = csv_s = rows_s = float("inf")
    for _ in range(runs):
        lib, scenarios = api.load_scenarios([SCENARIO])
        t0 = time.perf_counter()
        api.run_json(lib, scenarios[0])
        engine_s = min(engine_s, time.perf_counter() - t0)
        lib = engine.load_library()
        t0 = time.perf_counter()
        prog = compiled.program(lib, tuple(sorted(lib.treaties)), "default")
        t1 = time.perf_counter()
        assert prog is not None
        prog.rows  # noqa: B018 - written on first use
        t2 = time.perf_counter()
        csv_s, rows_s = min(csv_s, t1 - t0), min(rows_s, t2 - t0)
    return engine_s, csv_s, rows_s


def render(rows: list[Generated], single: tuple[float, float, float] | None) -> str:
    head = ["rule set", "treaties", "provisions", "code written and compiled", "per provision",
            "lines compiled", "shared functions", "peak memory while written"]
    body = [[r.rules, f"{r.treaties:,}", f"{r.provisions:,}", f"{r.seconds:.3f} s",
             f"{r.seconds / r.provisions * 1e6:,.0f} µs", f"{r.lines:,}", f"{r.functions}", f"{r.peak_mib:.0f} MiB"]
            for r in rows]
    big = [r for r in rows if r.provisions > 1_000]
    goal = "" if not big else (f" At {big[-1].provisions:,} provisions: {big[-1].seconds:.2f} s "
                               f"(target ≤ 0.2 s: {'ok' if big[-1].seconds <= 0.2 else 'not met'}).")
    text = ("Writing the compiled code (bench/codegen.py): `compiled.program` for every treaty of the peers' rule "
            "sets translated to casus (768 treaties: their gen.py with make_data.sh's seed), in-process, on a "
            "library loaded afresh, best of runs; provisions written alike share one function (engine/core/"
            f"compiled/generate.py `_Generator.shared`), so the lines Python compiles follow the ways provisions "
            f"are written.{goal}\n\n" + table(head, body))
    if single is not None:
        engine_s, csv_s, rows_s = single
        text += ("\n\nWhy `casus run SCENARIO` (and compare, explain, report, test) stays on the engine: "
                 f"`casus run {SCENARIO} --format json` on the bundled library, the engine's whole evaluation "
                 f"and result JSON, in-process: {engine_s * 1000:.1f} ms; before the compiled code could run at "
                 f"all it would be written and compiled: {csv_s * 1000:.1f} ms for CSV, {rows_s * 1000:.1f} ms "
                 f"with the code of the result JSON ({rows_s / engine_s:.1f}× the engine's whole run; the "
                 "generated code is not cached: nothing read from a cache runs as code).")
    return text


def main(argv: list[str] | None = None) -> int:
    from .peers import peers_dir

    ap = argparse.ArgumentParser(prog="python3 -m bench.codegen", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/peers", help="the peers' generated inputs [/tmp/peers]")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    peers = peers_dir()
    rows = measure_rules(Path(a.data), peers, a.runs) if peers is not None else []
    print(render(rows, measure_single(a.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
