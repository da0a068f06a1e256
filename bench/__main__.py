"""All of casus's benchmarks in one command, printed as Markdown with the machine they ran on.

    python3 -m bench [--data DIR] [--full] [--quick] [--runs N] [--write-readme]

1. throughput side by side with the peers' hand.py and prolog.py (bench/peers.py) on the peers'
   own input files (generated with their make_data.sh into --data if missing): 1k, 10k, 20k (s100k's
   first) and 100k scenarios x 32 provisions (issue 18 sets its goals on 20k-100k; not with --quick),
   events per scenario 5/50/500, provisions 32/136/510; and what the formats alone cost beside them:
   the json module reading each input line and writing each result JSON line (bench/formats.py);
   and, where valgrind is installed, the instructions each side executes per scenario, a count the
   machine's load does not move, for comparing versions of casus (bench/instructions.py);
2. start-up: `casus run` of a bundled scenario vs importing casus's dependencies (bench/startup.py);
3. the bundled library on realistic scenarios, in CSV and in result JSON, beside hand.py's rate on
   the peers' rule set of about the same size (bench/realistic.py); what each construct the
   compiled code leaves to the engine costs (bench/constructs.py); what writing the compiled code
   costs, from 32 to 2,023 provisions and beside one scenario on the engine (bench/codegen.py);
4. scale: one scenario of many facts against the whole library; NATO with members attacked in
   turn; peak memory of each child process (bench/scale.py); and the CPU time of one scenario
   of 1k to 30k facts (10k with --quick) of two shapes, in result JSON and CSV, with its growth
   (`bench.scale --linear`);
5. big input: `casus check` and `casus fmt --check` of one 1 MB and one 5 MB scenario file (1 MB
   only with --quick), wall time and peak memory (bench/big_input.py).

--write-readme replaces the "## Speed" section at the end of README.md with the tables."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import big_input, codegen, constructs, formats, goals, instructions, realistic, scale, startup
from . import peers as P
from .common import ROOT, casus_cmd, machine, run_timed

NEEDED = ["rules.json", "rules48.json", "rules192.json", "s1k.jsonl", "s10k.jsonl", "e5.jsonl", "e50.jsonl",
          "e500.jsonl"]


def ensure_data(data: Path, peers: Path, large: bool) -> None:
    need = NEEDED + (["s100k.jsonl"] if large else [])
    if not all((data / n).exists() for n in need):
        print(f"generating the peers' data into {data} (their make_data.sh, about a minute) …", file=sys.stderr)
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(["sh", str(peers / "make_data.sh"), str(data)], check=True, cwd=str(data))
    if large:
        P.prefix_files(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="/tmp/peers", help="the peers' generated inputs [/tmp/peers]")
    ap.add_argument("--peers", default=None, help="the peers' folder [../shared/peers]")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "casus-bench"))
    ap.add_argument("--full", action="store_true", help="casus on whole files (no prefix within a budget)")
    ap.add_argument("--quick", action="store_true", help="fewer runs and smaller budgets (a few minutes)")
    ap.add_argument("--budget", type=float, default=None,
                    help="seconds casus may take per throughput case before it runs a prefix [60; quick 15]")
    ap.add_argument("--runs", type=int, default=None,
                    help="rounds of each throughput case, its ratios the median of theirs [3; quick 1]")
    ap.add_argument("--scale-facts", default=None, help="fact counts for the scale case [1000,10000,100000]")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per scale run [300; quick 60]")
    ap.add_argument("--skip", default="",
                    help="comma-separated: peers, formats, instructions, startup, realistic, constructs, codegen, "
                         "scale, linear, big")
    ap.add_argument("--write-readme", action="store_true", help="put the tables in README.md, section '## Speed'")
    a = ap.parse_args(argv)
    skip = {s.strip() for s in a.skip.split(",") if s.strip()}
    budget = a.budget if a.budget is not None else (0 if a.full else 15 if a.quick else 60)
    timeout = a.timeout if a.timeout is not None else (60 if a.quick else 300)
    facts = a.scale_facts or ("1000,10000" if a.quick else "1000,10000,100000")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    # one untimed run first: casus's bytecode and its cache of the bundled library written, as an
    # installed casus has them (see common.run_timed)
    run_timed(casus_cmd("run", "--format", "csv", startup.SCENARIO))
    t0 = time.perf_counter()
    args = " ".join(argv if argv is not None else sys.argv[1:])
    parts = [f"Machine: {machine()}. Run on {dt.date.today().isoformat()} "
             f"with `python3 -m bench{' ' + args if args else ''}`."]
    hand_rate: float | None = None
    goal_rows: list[goals.Goal] = []
    hand: tuple[list[str], int] | None = None  # hand.py on 10,000 of the peers' scenarios, beside the bundled library
    if "peers" not in skip:
        peers = Path(a.peers) if a.peers else P.peers_dir()
        if peers is None:
            parts.append("Throughput: skipped — the peers' folder (../shared/peers) is missing.")
        else:
            ensure_data(Path(a.data), peers, not a.quick)
            runs = a.runs if a.runs is not None else 1 if a.quick else 3
            bench = P.SpeedBench(Path(a.data), work, peers, runs=runs, budget=budget)
            rows = bench.run(large=not a.quick)
            goal_rows += goals.throughput(rows)
            note = "" if bench.swipl else (" SWI-Prolog (`swipl`) is not installed, so prolog.py is skipped "
                                           "(`apt-get install -y swi-prolog-nox`).")
            hand_rate = next((m["hand"].rate for g, _, scen, _, m in rows if g == "N" and scen == "s10k.jsonl"), None)
            if (Path(a.data) / "s10k.jsonl").exists():
                hand = (bench.command("hand", "rules.json", Path(a.data) / "s10k.jsonl"), 10_000)
            parts.append(P.speed_tables(rows, bench.swipl) + ("\n\n" + note.strip() if note else "")
                         + "\n\n" + bench.compiled_note())
            if "formats" not in skip and (Path(a.data) / formats.SCENARIOS).exists():
                print("  what the formats alone cost …", file=sys.stderr, flush=True)
                n = 500 if a.quick else 2_000
                got = formats.inputs(Path(a.data), work, n, runs)
                costs = [*formats.measure(got.peer_lines, got.spec_lines, got.result_lines, runs), got.own]
                stages = formats.csv_stages(got.lib, got.spec_lines, runs)
                hand_split = formats.hand_stages(peers, Path(a.data), got.peer_lines, work)
                parts.append(formats.render(costs, hand_rate) + "\n\n"
                             + formats.render_stages(stages, hand_split, len(got.spec_lines)))
            if "instructions" not in skip and (Path(a.data) / formats.SCENARIOS).exists():
                print("  instructions per scenario (valgrind) …", file=sys.stderr, flush=True)
                counted, split = (instructions.measure(Path(a.data), peers, work, 200 if a.quick else 1_000)
                                  if instructions.available() else ([], []))
                whole = next((r.per_scenario for r in counted if r.side == "casus, CSV"), None)
                parts.append(instructions.render(counted)
                             + (f"\n\n{instructions.render_stages(split, whole)}" if split else ""))
    if "startup" not in skip:
        print("  start-up …", file=sys.stderr, flush=True)
        started = startup.measure(5 if a.quick else 10)
        goal_rows += goals.startup(started, startup.CASES)
        parts.append(startup.render(started))
    if "realistic" not in skip:
        print("  realistic scenarios, bundled library …", file=sys.stderr, flush=True)
        n = 2_000 if a.quick else 10_000
        stories = realistic.measure(n, 1 if a.quick else 3, work, hand=hand)
        goal_rows += goals.realistic(stories, hand_rate)
        parts.append(realistic.render(stories, hand_rate))
        k = 500 if a.quick else 2_000
        parts.append(realistic.render_coverage(realistic.coverage(k), k))
    if "constructs" not in skip:
        print("  constructs left to the engine …", file=sys.stderr, flush=True)
        k = 500 if a.quick else 2_000
        parts.append(constructs.render(k, *constructs.measure(k, 1 if a.quick else 3)))
    if "codegen" not in skip:
        print("  writing the compiled code …", file=sys.stderr, flush=True)
        peers_folder = Path(a.peers) if a.peers else P.peers_dir()
        generated = codegen.measure_rules(Path(a.data), peers_folder, 3) if peers_folder is not None else []
        goal_rows += goals.codegen(generated)
        parts.append(codegen.render(generated, codegen.measure_single(5)))
    if "scale" not in skip:
        scale_rows = scale.measure([int(x) for x in facts.split(",") if x], [8, 16, 32], timeout, work)
        parts.append(scale.render(scale_rows))
    if "linear" not in skip:
        sizes = [1000, 3000, 10000] if a.quick else [1000, 3000, 10000, 30000]
        parts.append(scale.render_linear(scale.measure_linear(sizes, 1 if a.quick else 2, timeout, work)))
    if "big" not in skip:
        parts.append(big_input.render(*big_input.measure([1] if a.quick else [1, 5], timeout, work / "big")))
    if goal_rows:  # (first after the machine: what the tables below measured, against the goals)
        parts.insert(1, goals.render(goal_rows))
    text = "\n\n".join(parts) + f"\n\n(The benchmarks took {time.perf_counter() - t0:.0f} s.)\n"
    print(text)
    if a.write_readme:
        write_readme(text)
    return 0


def write_readme(text: str) -> None:
    """Replace the "## Speed" section of README.md (appended at the end the first time)."""
    readme = ROOT / "README.md"
    cur = readme.read_text(encoding="utf-8")
    intro = ("The latest `python3 -m bench` (bench/): casus against the independent evaluators in "
             "`../shared/peers` on their own inputs (issue 6), start-up, and scale. Targets in the headers; "
             "no test asserts a time. Agreement first: `python3 -m bench.peers agree` translates the peers' "
             "rules and scenarios into casus (bench/peers.py says how) and finds the same activations "
             "(treaty, provision, bearer, beneficiary, date) as theirs on check2k (42,005), check_big "
             "(143,650) and edge (26,405); tests/io/test_peers.py checks a sample in CI.\n\n"
             "Reading the tables. The throughput rows run `casus run --batch FILE --format csv`: one CSV line "
             "per listed instance (scenario, treaty, provision, bearer, beneficiary, status, dates), as the "
             "peers write one TSV line per activation. The translated scenarios are compact JSON, each event's "
             "kind then date, which casus reads as text, without the json module (engine/io/batchline.py "
             "`canonical_input`; any other line is read by the json module, alike: docs/formats.md); each "
             "distinct event (all but its date) is read and checked once a run, and one of a shape (kind, roles) "
             "the checker took, with values it took in roles of their types, without a walk of its kind "
             "(`_EventChecker`). For that output, a treaty in force from a date whose "
             "provisions are written in what the compiled code takes (nearly all the language: docs/formats.md "
             "says exactly what) is compiled to Python for the run (engine/core/compiled/), as hand.py compiles "
             "its rules: per scenario, one table per fact of the conditions (the first day it holds for each "
             "binding, or the runs of days it holds, or, where memberships change, every matching fact), "
             "keeping only the entries its provisions read (by their beneficiaries and bearers), then "
             "each instance's dates from those days and the parties' memberships, through the instance "
             "lifecycle's decision trees (where memberships change, once per class of members alike from the "
             "instance's first fact, and not at all for a class with no membership while its facts are "
             "under way); every treaty of the bundled library is. A treaty a withdrawal of the "
             "scenario names runs as code of its own with the scenario's memberships; a fact at a territory an "
             "interpretation moves, and every treaty not compiled, go through the engine; "
             "tests/core/test_compiled.py requires the engine's CSV, byte for byte, on the peers' rules, "
             "generated treaties and the bundled library. The last column runs the default output instead, the "
             "whole result JSON of SPEC (status, timeline, the facts behind it, what is missing), from the same "
             "compiled code: it gives each listed instance's status, dates and timeline, and the engine's "
             "solver says why (`because`, `missing`) at one day per instance (engine/core/explained.py; "
             "tests/core/test_explained.py). Where the engine walks a treaty, a provision whose instances can "
             "only go from dormant to active is worked out from the same kind of tables "
             "(engine/core/direct.py), and every other one is interpreted at the instants where a fact that can "
             "concern the instance starts or ends (tests/core/test_engine_work.py counts the work; the facts it "
             "reads grow with the facts, found by bisection on their starts and ends, engine/core/spans.py); "
             "bearers that cannot be told apart from the first fact an instance can read on share one "
             "evaluation, and a provision none of whose possible beneficiaries a fact names is not looked at "
             "(engine/core/schedule.py, solver.py). On s1k, 32, 136 and 510 provisions give 21,377, 109,547 and "
             "351,914 activations (16.5x from 32 to 510); casus writes a line for each.")
    section = f"## Speed\n\n{intro}\n\n{text.rstrip()}\n"
    if "\n## Speed\n" in cur:
        before, after = cur.split("\n## Speed\n", 1)
        rest = after[after.index("\n## "):] if "\n## " in after else ""
        new = f"{before}\n{section}{rest}"
    else:
        new = f"{cur.rstrip()}\n\n{section}"
    tmp = readme.with_name(".README.md.tmp")  # atomic: a reader never sees half a README
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, readme)


if __name__ == "__main__":
    sys.exit(main())
