"""What each construct the compiled code leaves to the engine costs (issue 18, item 1: "every
construct of the language on it, or a stated, measured reason per construct").

    python3 -m bench.constructs [--scenarios 2000] [--runs 3]

A small treaty of four parties (an attack and a request for assistance, a threat and
consultations) compiles; each variant adds one construct that keeps it off the compiled path, as
a user would write it. Each runs `run_batch` in CSV, in this process (no start-up), on the same
seeded scenarios; the table gives the reason `casus lint --explain-speed` states
(`compiled.reasons`) and the rate beside the compiled treaty's and the engine's on it
(`compiled=False`). The output is the same either way (tests/core/test_compiled.py)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BASE = """\
treaty tt "Base" {
  parties RU, BY, KZ, AM
  in force 2020-01-01
  provision p "Assistance on request" article "1" {
    when armed_attack(on: X)
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
  provision q "Consultations" article "2" {
    when %(q)s
    then each other party must consult(with: X)%(until)s
  }
}
"""
PLAIN = {"q": "threat(on: X)", "until": ""}

# (construct, what replaces the base's text): one construct each
VARIANTS = [
    ("a relation between facts in a discharge condition (`until`)",
     {"until": "\n    until unsc_measures(on: X) within 10 days after request(from: X, for: assist)"}),
    ("a variable under `not` beside a relation between facts",
     {"q": "armed_attack(by: S, on: X) within 30 days after threat(on: X) and not consult(by: S, with: X)"}),
]
# constructs the compiled code once left to the engine, and takes now: what they cost there
COMPILED = [
    ("a state of another provision", {"q": "threat(on: X) and not p active for X"}),
    ("a state of another provision in a discharge condition (`until`)", {"until": "\n    until p fulfilled for X"}),
    ("a state of another provision beside a fact in an `and` of a discharge condition (`until`)",
     {"until": "\n    until p fulfilled for X and unsc_measures(on: X)"}),
    ("an `ongoing` fact in a discharge condition (`until`)", {"until": "\n    until unsc_measures(on: X) ongoing"}),
    ("a variable under `not` beside the fact that gives its values",
     {"q": "threat(by: S, on: X) and not consult(by: S, with: X)"}),
    ("a variable under `not` beside a fact that names another variable read as some value",
     {"q": "armed_attack(by: S, on: X, at: A) and A territory of X and not consult(by: S, with: X)"}),
    ("a variable under `not` beside an `ongoing` fact",
     {"q": "threat(by: S, on: X) ongoing and not consult(by: S, with: X)"}),
]
PARTIES = ["RU", "BY", "KZ", "AM"]
OUTSIDE = ["UA", "US", "CN", "AZ"]


def lines(n: int, seed: int = 1) -> list[str]:
    """`n` scenario lines: attacks and threats on the parties, requests, consultations and
    assistance among them, over 2020-2029."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        events = []
        for _ in range(rng.randint(3, 10)):
            day = f"{rng.randint(2020, 2029)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            x, y = rng.sample(PARTIES, 2)
            kind = rng.choice(["armed_attack", "threat", "request", "consult", "assist"])
            if kind in ("armed_attack", "threat"):
                events.append({"kind": kind, "date": day, "by": rng.choice(OUTSIDE), "on": x})
            elif kind == "request":
                events.append({"kind": "request", "date": day, "from": x, "for": "assist"})
            elif kind == "consult":
                events.append({"kind": "consult", "date": day, "by": y, "with": x})
            else:
                events.append({"kind": "assist", "date": day, "by": y, "to": x})
        out.append(json.dumps({"name": f"s{i}", "events": events}))
    return out


@dataclass
class Row:
    construct: str
    reason: str
    rate: float  # scenarios per second, CSV, in this process


def measure(n: int, runs: int) -> tuple[float, float, list[Row]]:
    """(the compiled base's rate, the engine's on it, each variant's row)."""
    import engine
    from engine.core import compiled
    from engine.core.options import EvalOptions
    from engine.io.batch import run_batch

    scen = lines(n)
    with tempfile.TemporaryDirectory() as folder:
        def rate(text: str, options: EvalOptions | None = None) -> tuple[float, str]:
            path = Path(folder) / "t.casus"
            path.write_text(text, encoding="utf-8")
            lib = engine.load_library(str(path))
            reason = compiled.reasons(lib, ("tt",), "default").get("tt", "")
            best = float("inf")
            for _ in range(runs):
                t0 = time.perf_counter()
                for _ in run_batch(lib, scen, ["tt"], fmt="csv", options=options):
                    pass
                best = min(best, time.perf_counter() - t0)
            return n / best, reason

        base, why = rate(BASE % PLAIN)
        assert why == "", why  # the base compiles
        engine_rate, _ = rate(BASE % PLAIN, EvalOptions(compiled=False))
        rows = []
        for construct, change in VARIANTS:
            got, reason = rate(BASE % {**PLAIN, **change})
            assert reason, construct  # the variant is left to the engine
            rows.append(Row(construct, reason, got))
        for construct, change in COMPILED:
            got, reason = rate(BASE % {**PLAIN, **change})
            assert not reason, reason  # the variant compiles
            rows.append(Row(construct, "compiled", got))
    return base, engine_rate, rows


def render(n: int, base: float, engine_rate: float, rows: list[Row]) -> str:
    head = ["construct", "why it is not compiled (`casus lint --explain-speed`)", "scen/s (CSV)", "÷ compiled"]
    body = [["none (the base treaty, compiled)", "—", f"{base:,.0f}", "1"],
            ["none, `compiled=False` (the engine)", "—", f"{engine_rate:,.0f}", f"{engine_rate / base:.2f}"]]
    body += [[r.construct, r.reason, f"{r.rate:,.0f}", f"{r.rate / base:.2f}"] for r in rows]
    return ("Constructs the compiled code leaves to the engine (bench/constructs.py): a four-party treaty "
            "(assistance on request after an armed attack, consultations on a threat) and one variant per "
            f"construct, {n:,} seeded scenarios of 3-10 facts, `run_batch` in CSV in-process, best of runs; "
            "each variant's whole treaty goes through the engine, with the same output (those marked compiled "
            "were once left to it):\n\n" + table(head, body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.constructs", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    print(render(a.scenarios, *measure(a.scenarios, a.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
