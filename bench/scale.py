"""Scale: one scenario of many facts against the whole library, and NATO with every member
attacked in turn (issue 6, item 5), each in a child process: wall time and peak memory (max RSS).

    python3 -m bench.scale [--facts 1000,10000,100000] [--timeout 300]

The facts are drawn (seeded) from the standard vocabulary, between the library's parties, one-day
facts spread over 2000-2024; the run is `casus run --batch` on a one-line JSON Lines file (the
standard `json` reader), output discarded. A run past the timeout is stopped and reported so."""

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


def render(rows: list[ScaleRow]) -> str:
    body = []
    prev: dict[str, tuple[int, float]] = {}
    for r in rows:
        t = r.timing
        if t.timed_out:
            body.append([r.label, f"> {r.timeout:.0f} (stopped)", "—", "—", f"≥ {t.maxrss_mib:.0f}", "—"])
            continue
        n = (r.instances or 1) if r.unit == "instance" else r.size
        per = max(t.wall - r.startup, 0.0) / n * 1e6
        growth = "—"
        if r.unit in prev:
            n0, per0 = prev[r.unit]
            growth = f"{per / per0:.1f}× the cost per {r.unit} at {n / n0:.0f}× the {r.unit}s"
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
    a = ap.parse_args(argv)
    rows = measure([int(x) for x in a.facts.split(",") if x], [int(x) for x in a.nato.split(",") if x], a.timeout)
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
