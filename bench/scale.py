"""Scale: one scenario of many facts against the whole library, and NATO with every member
attacked in turn (issue 6, item 5), each in a child process: wall time and peak memory (max RSS).

    python3 -m bench.scale [--facts 1000,10000,100000] [--timeout 300]
    python3 -m bench.scale --linear 1000,3000,10000,30000 [--runs 3]
    python3 -m bench.scale --profile 10000 [--shape pairs]

The facts are drawn (seeded) from the standard vocabulary, between the library's parties, one-day
facts spread over 2000-2024; the run is `casus run --batch` on a one-line JSON Lines file (the
standard `json` reader), output discarded. A run past the timeout is stopped and reported so.

`--linear` (issue 18, item 3: the cost of a scenario grows linearly with its facts) times one
scenario of N facts of each shape, `pairs` (the facts above) and `stories` (bench/realistic.py's
stories about members of every treaty, run together: attacks that last, at subdivisions and at
sea, requests, wars, withdrawals), in result JSON and in CSV: CPU seconds of the child process
(the least of `--runs`; the machine may be shared), and the growth from the smallest size.
`--profile N` runs the engine on one such scenario in this process under cProfile and prints
the functions called most often: call counts do not depend on the machine's load."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .common import ROOT, Timing, casus_cmd, run_timed, table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _parties() -> list[str]:
    import engine

    lib = engine.load_library()
    return sorted({m.party.code for t in lib.treaties.values() for m in t.members})


def facts_scenario(n: int, seed: int = 1) -> dict[str, object]:
    rng = random.Random(seed)
    parties = _parties()
    start = dt.date(2000, 1, 1).toordinal()
    span = dt.date(2024, 12, 31).toordinal() - start
    events: list[dict[str, str]] = []
    for _ in range(n):
        a, b = rng.sample(parties, 2)
        date = dt.date.fromordinal(start + rng.randrange(span)).isoformat()
        kind = rng.choices(["armed_attack", "imminent_threat", "aggression", "threat", "state_of_war", "request",
                            "assist", "consult", "sanctions", "agreement", "unsc_measures"],
                           [10, 8, 6, 6, 6, 8, 10, 8, 6, 4, 2])[0]
        ev: dict[str, str] = {"kind": kind, "date": date}
        if kind in ("armed_attack", "imminent_threat", "aggression", "threat", "sanctions"):
            ev.update({"by": a, "on": b})
        elif kind == "state_of_war":
            ev["party"] = b
        elif kind == "request":
            ev.update({"from": b, "to": a, "for": rng.choice(["assist", "consult"])})
        elif kind == "assist":
            ev.update({"by": a, "to": b})
        elif kind == "consult":
            ev.update({"by": a, "with": b})
        elif kind == "agreement":
            ev.update({"by": a, "with": b, "on": "assist"})
        events.append(ev)
    events.sort(key=lambda e: e["date"])
    return {"name": f"{n} facts", "events": events}


def stories_scenario(n: int, seed: int = 1) -> dict[str, object]:
    """One scenario of n facts: bench/realistic.py's stories (3-12 facts about a member of one
    treaty, from 1950 on) about members of every treaty, one after another, in date order."""
    from . import realistic

    rng = random.Random(seed)
    treaties = realistic.library_treaties()
    subs = {c: realistic.subdivisions(c) for c in sorted({c for t in treaties for c, _ in t.members})}
    events: list[dict[str, object]] = []
    while len(events) < n:
        events.extend(realistic.Story(rng, rng.choice(treaties), subs, rng.randint(3, 12)).events)
    del events[n:]
    events.sort(key=lambda e: str(e["date"]))
    return {"name": f"{n} facts of stories", "events": events}


SHAPES = {"pairs": facts_scenario, "stories": stories_scenario}


@dataclass
class LinearRow:
    shape: str
    facts: int
    output: str  # "result JSON" or "CSV"
    cpu: float  # the least CPU seconds over the runs, start-up included
    startup: float  # the same command's CPU seconds on a scenario of one fact


def measure_linear(sizes: list[int], runs: int, timeout: float, work: Path | None = None,
                   log: object = None) -> list[LinearRow]:
    """CPU seconds of `casus run --batch` (result JSON, and `--format csv`) on one scenario of each
    size and shape (`SHAPES`)."""
    say = log or (lambda m: print(m, file=sys.stderr, flush=True))
    work = work or Path(tempfile.mkdtemp(prefix="casus-linear-"))
    # start-up: the library read, and for CSV the compiled code written, which an empty file skips
    one = work / "one.jsonl"
    one.write_text(json.dumps(facts_scenario(1)) + "\n")
    outputs = (("result JSON", ()), ("CSV", ("--format", "csv")))
    startup = {label: min(run_timed(casus_cmd("run", "--batch", str(one), *opts)).cpu for _ in range(3))
               for label, opts in outputs}
    rows = []
    for shape, make in SHAPES.items():
        for n in sizes:
            src = work / f"{shape}_{n}.jsonl"
            src.write_text(json.dumps(make(n), separators=(",", ":")) + "\n")
            for label, opts in outputs:
                say(f"  linear: {n:,} facts ({shape}), {label} …")  # type: ignore[operator]
                times = [run_timed(casus_cmd("run", "--batch", str(src), *opts), timeout=timeout) for _ in range(runs)]
                cpu = float("inf") if any(t.timed_out for t in times) else min(t.cpu for t in times)
                rows.append(LinearRow(shape, n, label, cpu, startup[label]))
    return rows


def render_linear(rows: list[LinearRow]) -> str:
    """A table: CPU seconds, net of start-up, and the growth of the net cost from the size a
    tenth as large, where there is one (linear: 10x)."""
    body = []
    seen = {(r.shape, r.output, r.facts): r for r in rows}
    for r in rows:
        net = r.cpu - r.startup
        base = seen.get((r.shape, r.output, r.facts // 10)) if r.facts % 10 == 0 else None
        growth = "—"
        if base is not None and base.cpu - base.startup > 0:
            growth = f"{net / (base.cpu - base.startup):.1f}× for 10× the facts"
        body.append([r.shape, f"{r.facts:,}", r.output, f"{r.cpu:.2f}", f"{net / r.facts * 1e6:,.0f} µs", growth])
    start = ", ".join(f"{r.output} {r.startup:.2f} s" for r in rows[:2])
    return ("One scenario of N facts, whole library, `casus run --batch` (CPU seconds of the child, least of the "
            f"runs; net = less the same command on a scenario of one fact: {start}):\n\n"
            + table(["shape", "facts", "output", "CPU s", "net per fact", "net growth"], body))


def profile(n: int, shape: str, top: int = 25) -> str:
    """The engine on one scenario of n facts of `shape`, in this process, under cProfile: the
    functions called most often, then those with the most time of their own."""
    import cProfile
    import io
    import pstats

    import engine
    from engine.io.batchline import line_scenario

    lib = engine.load_library()
    scenario = line_scenario(lib, json.dumps(SHAPES[shape](n)), "<profile>", 1)
    prof = cProfile.Profile()
    prof.enable()
    engine.evaluate(lib, scenario)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("ncalls").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def nato_scenario(k: int) -> dict[str, object]:
    """The first k NATO members (in code order) attacked in turn, ten days apart, from 2025."""
    import engine

    lib = engine.load_library()
    members = sorted({m.party.code for m in lib.treaties["nato_1949"].members})[:k]
    base = dt.date(2025, 1, 1).toordinal()
    events = [{"kind": "armed_attack", "date": dt.date.fromordinal(base + 10 * i).isoformat(), "by": "RU", "on": m}
              for i, m in enumerate(members)]
    return {"name": f"NATO: {k} members attacked in turn", "events": events}


@dataclass
class ScaleRow:
    label: str
    size: int
    unit: str
    timing: Timing
    instances: int | None
    timeout: float
    startup: float = 0.0  # the same command on an empty file (library loaded, nothing evaluated)


def _run(doc: dict[str, object], work: Path, name: str, timeout: float, *opts: str) -> tuple[Timing, int | None]:
    src = work / f"{name}.jsonl"
    src.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    out = work / f"{name}.out.jsonl"
    t = run_timed(casus_cmd("run", "--batch", str(src), *opts), stdout=out, timeout=timeout)
    instances = None
    if not t.timed_out:
        res = json.loads(out.read_text())
        instances = sum(len(r["instances"]) for r in res["results"])
    return t, instances


def measure(facts: list[int], nato: list[int], timeout: float, work: Path | None = None,
            log: object = None) -> list[ScaleRow]:
    say = log or (lambda m: print(m, file=sys.stderr, flush=True))
    work = work or Path(tempfile.mkdtemp(prefix="casus-scale-"))
    empty = work / "empty.jsonl"
    empty.write_text("")
    start = min(run_timed(casus_cmd("run", "--batch", str(empty))).wall for _ in range(3))
    rows = []
    for n in facts:
        say(f"  scale: {n:,} facts, whole library …")  # type: ignore[operator]
        t, inst = _run(facts_scenario(n), work, f"facts_{n}", timeout)
        rows.append(ScaleRow(f"one scenario of {n:,} facts, whole library", n, "fact", t, inst, timeout, start))
    for k in nato:
        say(f"  scale: NATO, {k} members attacked …")  # type: ignore[operator]
        t, inst = _run(nato_scenario(k), work, f"nato_{k}", timeout, "--treaty", "nato_1949")
        rows.append(ScaleRow(f"NATO, {k} members attacked in turn", k, "instance", t, inst, timeout, start))
    return rows


NOISE = 0.05  # seconds: a net cost under this is within the spread of one run's start-up


def render(rows: list[ScaleRow]) -> str:
    body = []
    prev: dict[str, tuple[int, float]] = {}
    for r in rows:
        t = r.timing
        if t.timed_out:
            body.append([r.label, f"> {r.timeout:.0f} (stopped)", "—", "—", f"≥ {t.maxrss_mib:.0f}", "—"])
            continue
        n = (r.instances or 1) if r.unit == "instance" else r.size
        net = max(t.wall - r.startup, 0.0)
        per = net / n * 1e6
        growth = "—"
        if net < NOISE:  # one run's wall time wobbles by as much: a ratio of two such would mean nothing
            growth = f"— (net under {NOISE * 1000:.0f} ms: start-up noise)"
        elif r.unit in prev:
            n0, per0 = prev[r.unit]
            growth = f"{per / per0:.1f}× the cost per {r.unit} at {n / n0:.0f}× the {r.unit}s"
        if net >= NOISE:
            prev[r.unit] = (n, per)
        body.append([r.label, f"{t.wall:.2f}", f"{r.instances:,}", f"{per:,.0f} µs/{r.unit}", f"{t.maxrss_mib:.0f}",
                     growth])
    start = rows[0].startup if rows else 0.0
    return ("Scale, whole process, one run each; cost net of start-up (the same command on an empty file, "
            f"{start:.2f} s); linear = the same cost per fact or per instance at every size:\n\n"
            + table(["case", "wall s", "instances", "net cost", "peak MiB", "growth"], body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.scale")
    ap.add_argument("--facts", default="1000,10000,100000")
    ap.add_argument("--nato", default="8,16,32")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--linear", default=None, metavar="SIZES", help="CPU time vs facts, e.g. 1000,3000,10000,30000")
    ap.add_argument("--runs", type=int, default=3, help="runs per --linear case (the least CPU time counts)")
    ap.add_argument("--profile", type=int, default=None, metavar="N", help="cProfile the engine on N facts")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="pairs", help="the scenario --profile draws")
    a = ap.parse_args(argv)
    if a.profile is not None:
        print(profile(a.profile, a.shape))
        return 0
    if a.linear is not None:
        print(render_linear(measure_linear([int(x) for x in a.linear.split(",") if x], a.runs, a.timeout)))
        return 0
    rows = measure([int(x) for x in a.facts.split(",") if x], [int(x) for x in a.nato.split(",") if x], a.timeout)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
