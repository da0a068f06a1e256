"""The bundled library on realistic scenarios (issue 18, item 2): how fast casus runs the eleven
treaties on the kind of timeline a researcher writes, in CSV and in the result JSON.

    python3 -m bench.realistic [--scenarios 2000] [--seed 1] [--write FILE.jsonl]

Each scenario (seeded) picks a treaty and a day from 1950 on, a member of that treaty as the party
under threat (whether or not the treaty is in force then) and an attacker from outside, and tells
a short story in 3 to 12 facts: a threat or an assessment, often an armed attack — against the
party's territory (sometimes at one of its subdivisions) or against its forces, vessels or
aircraft at sea (an area of obligations/areas.casus) — that lasts or ends, requests for
consultations or assistance, heads-of-state agreements, a state of war, sanctions, Security
Council measures, and other members consulting or assisting. About one scenario in ten also has
a member withdraw or denounce. The run is `casus run --batch FILE` over the whole library, in
CSV and in JSON, the whole process timed (start-up, reading, writing)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import ROOT, Timing, casus_cmd, median, paired, run_timed, table

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEAS = ["north_atlantic_north", "north_atlantic", "baltic_sea", "north_sea", "mediterranean_sea", "black_sea",
        "caribbean_sea", "south_atlantic", "red_sea", "persian_gulf", "south_china_sea", "east_china_sea",
        "sea_of_japan", "yellow_sea", "philippine_sea", "coral_sea", "pacific_ocean", "high_seas"]
OUTSIDERS = ["RU", "CN", "KP", "IR", "US", "GB", "FR", "TR", "AZ", "IN", "PK", "SY", "VE", "CU", "IQ"]
LAST = dt.date(2026, 12, 31)


@dataclass(frozen=True)
class TreatyFacts:
    """What a generator needs of a treaty: its id and its members, each with a first day."""

    id: str
    members: tuple[tuple[str, dt.date], ...]  # code, the day its membership starts (or the treaty's)


def library_treaties() -> list[TreatyFacts]:
    import engine

    lib = engine.load_library()
    out = []
    for tid in sorted(lib.treaties):
        t = lib.treaties[tid]
        start = t.in_force or dt.date(1950, 1, 1).toordinal()  # days are ordinals in the library
        members = sorted({(m.party.code, dt.date.fromordinal(max(m.start or start, start))) for m in t.members})
        out.append(TreatyFacts(tid, tuple(members)))
    return out


def subdivisions(code: str) -> list[str]:
    import pycountry

    try:
        return sorted(s.code for s in pycountry.subdivisions.get(country_code=code) or [])
    except (KeyError, LookupError):  # pragma: no cover - a code pycountry does not know
        return []


class Story:
    """One scenario: facts in date order, told about one party of one treaty."""

    def __init__(self, rng: random.Random, treaty: TreatyFacts, subs: dict[str, list[str]], n: int) -> None:
        self.rng = rng
        self.treaty = treaty
        self.subs = subs
        self.events: list[dict[str, Any]] = []
        victim, joined = rng.choice(treaty.members)
        # mostly while the party is a member, sometimes before (the treaty answers "not yet")
        first = joined if rng.random() < 0.9 else dt.date(1950, 1, 1)
        span = max((LAST - first).days, 30)
        self.day = first + dt.timedelta(days=rng.randrange(span))
        self.victim = victim
        others = [c for c, _ in treaty.members if c != victim]
        self.allies = others or [victim]
        self.attacker = rng.choice([c for c in OUTSIDERS if c != victim])
        self.tell(n)

    def later(self, most: int = 60) -> str:
        self.day = min(self.day + dt.timedelta(days=self.rng.randrange(0, most)), LAST)
        return self.day.isoformat()

    def add(self, kind: str, **roles: Any) -> None:
        self.events.append({"kind": kind, "date": roles.pop("date", None) or self.later(), **roles})

    def attack(self) -> None:
        rng = self.rng
        roles: dict[str, Any] = {"by": self.attacker, "on": self.victim}
        target = rng.choices(["territory", "forces", "vessels", "aircraft"], [6, 2, 2, 1])[0]
        if target == "territory":
            subs = self.subs.get(self.victim) or []
            if subs and rng.random() < 0.4:
                roles["at"] = rng.choice(subs)
        else:
            roles["against"] = target
            roles["at"] = rng.choice(SEAS)
        start = self.later()
        if rng.random() < 0.5:  # an attack that lasts: to a later day or still going on
            end = self.day + dt.timedelta(days=rng.randrange(1, 400))
            roles["until"] = None if rng.random() < 0.3 or end > LAST else end.isoformat()
        kind = rng.choices(["armed_attack", "aggression", "coercion"], [6, 3, 1])[0]
        self.add(kind, date=start, **roles)

    def tell(self, n: int) -> None:
        rng = self.rng
        opening = rng.choices(["threat", "imminent_threat", "assessment", "critical_threat"], [5, 3, 2, 1])[0]
        if opening == "assessment":
            self.add("assessment", by=rng.choice(self.allies), on=self.victim)
        else:
            self.add(opening, by=self.attacker, on=self.victim)
        while len(self.events) < n:
            step = rng.choices(["attack", "request", "agreement", "war", "consult", "assist", "sanctions", "unsc",
                                "threat"], [4, 3, 2, 1, 2, 2, 1, 1, 1])[0]
            ally = rng.choice(self.allies)
            if step == "attack":
                self.attack()
            elif step == "request":
                self.add("request", **{"from": self.victim, "to": ally, "for": rng.choice(["assist", "consult"])})
            elif step == "agreement":
                self.add("agreement", by=ally, **{"with": self.victim, "on": "assist"})
            elif step == "war":
                self.add("state_of_war", party=self.victim)
            elif step == "consult":
                self.add("consult", by=ally, **{"with": self.victim})
            elif step == "assist":
                self.add("assist", by=ally, to=self.victim)
            elif step == "sanctions":
                self.add("sanctions", by=self.attacker, on=self.victim)
            elif step == "unsc":
                self.add("unsc_measures", on=self.victim)
            else:
                self.add("threat", by=self.attacker, on=rng.choice(self.allies))
        if rng.random() < 0.1:
            self.add(rng.choice(["withdrawal", "denunciation"]), party=rng.choice(self.allies), treaty=self.treaty.id)


def scenarios(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """n scenarios as JSON documents (the batch format of docs/formats.md)."""
    rng = random.Random(seed)
    treaties = library_treaties()
    codes = sorted({c for t in treaties for c, _ in t.members})
    subs = {c: subdivisions(c) for c in codes}
    out = []
    for i in range(n):
        treaty = rng.choice(treaties)
        story = Story(rng, treaty, subs, rng.randint(3, 12))
        out.append({"name": f"{treaty.id} story {i + 1}", "events": story.events})
    return out


def write(path: Path, n: int, seed: int = 1) -> None:
    with path.open("w", encoding="utf-8") as f:
        for doc in scenarios(n, seed):
            f.write(json.dumps(doc, separators=(",", ":")) + "\n")


@dataclass
class Row:
    output: str  # "CSV" or "result JSON", or "hand" (hand.py, the peers' rules: the rate compared with)
    scenarios: int
    timing: Timing
    walls: tuple[float, ...] = ()  # each run's seconds, in the order of the rounds (`measure`)

    @property
    def rate(self) -> float:
        return self.scenarios / self.timing.wall if self.timing.wall > 0 else 0.0


def measure(n: int, runs: int, work: Path, seed: int = 1, hand: tuple[list[str], int] | None = None) -> list[Row]:
    """casus on `n` realistic scenarios, CSV and result JSON, `runs` times each; with `hand` (its
    command and its scenarios: hand.py on the peers' rules), hand.py too, the runs interleaved in
    rounds (hand, CSV, JSON, then again) so that each round's ratios compare runs side by side."""
    src = work / f"realistic_{n}_{seed}.jsonl"
    write(src, n, seed)
    cases = [("CSV", casus_cmd("run", "--batch", str(src), "--format", "csv"), n),
             ("result JSON", casus_cmd("run", "--batch", str(src)), n)]
    if hand is not None:
        cases.insert(0, ("hand", hand[0], hand[1]))
    times: dict[str, list[Timing]] = {label: [] for label, _, _ in cases}
    for _ in range(runs):
        for label, cmd, _ in cases:
            t = run_timed(cmd)
            if t.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed")
            times[label].append(t)
    return [Row(label, k, Timing(median([t.wall for t in times[label]]), max(t.maxrss_mib for t in times[label]), 0),
                tuple(t.wall for t in times[label])) for label, _, k in cases]


def render(rows: list[Row], hand_rate: float | None = None) -> str:
    """The table; ratios to hand.py's rate: its row's, run beside casus's (`measure`), else
    `hand_rate` (measured apart)."""
    hand = next((r for r in rows if r.output == "hand"), None)
    body = []
    for r in rows:
        if r is hand:
            continue
        ratio = f"{paired(r, hand):.3f}" if hand else f"{r.rate / hand_rate:.3f}" if hand_rate else "—"
        body.append([f"bundled library, {r.scenarios:,} realistic scenarios", r.output, f"{r.timing.wall:.2f}",
                     f"{r.rate:,.0f}", ratio, f"{r.timing.maxrss_mib:.0f}"])
    rate = hand.rate if hand else hand_rate
    what = "hand.py's rate (not measured in this run)"
    if rate:
        what = (f"hand.py's rate on the peers' 32-provision rule set (the bundled library has 40 provisions), "
                f"{rate:,.0f} scen/s")
        if hand:
            what += ", run in the same rounds, each ratio the median of the rounds' ratios"
    return ("The bundled library (11 treaties, 40 provisions) on realistic scenarios (bench/realistic.py: a "
            "story of 3-12 facts about a member of one treaty, from 1950 on), whole process, `casus run --batch "
            f"FILE` in CSV and in result JSON; ratio to {what} (target ≥ 0.25):\n\n"
            + table(["case", "output", "wall s", "casus scen/s", "÷ hand", "peak MiB"], body))


@dataclass(frozen=True)
class Coverage:
    """One treaty: the engine's CPU seconds on the realistic scenarios (evaluated in-process, one
    treaty at a time) and what keeps it off the compiled path (engine/core/compiled/)."""

    treaty: str
    seconds: float
    why: tuple[tuple[str, str], ...]  # (construct, words); empty: compiled


def coverage(n: int, seed: int = 1) -> list[Coverage]:
    """Issue 18, item 1 asks for the bundled library on the fast path, or a stated, measured
    reason per construct: what each treaty has that the compiled path does not cover
    (`compiled.every_reason`), with the time the engine spends on it."""
    import time

    import engine
    from engine.core import compiled
    from engine.core.evaluate import evaluate
    from engine.io.batch import read_scenarios

    lib = engine.load_library()
    scs = [item.scenario for item in read_scenarios(lib, [json.dumps(d) for d in scenarios(n, seed)])]
    why = compiled.every_reason(lib, tuple(sorted(lib.treaties)), "default")
    out = []
    for tid in sorted(lib.treaties):
        t0 = time.process_time()
        for sc in scs:
            evaluate(lib, sc, [tid])
        out.append(Coverage(tid, time.process_time() - t0, tuple(why[tid])))
    return out


def render_coverage(rows: list[Coverage], n: int) -> str:
    total = sum(r.seconds for r in rows) or 1.0
    body = [[r.treaty, f"{r.seconds / total:.0%}", "; ".join(dict.fromkeys(w for _, w in r.why)) or "compiled"]
            for r in sorted(rows, key=lambda r: (-r.seconds, r.treaty))]
    kept: dict[str, set[str]] = {}
    for r in rows:
        for construct, _ in r.why:
            kept.setdefault(construct, set()).add(r.treaty)
    alone = {r.treaty: r.why[0][0] for r in rows if len({c for c, _ in r.why}) == 1}  # one construct keeps it off
    per = [[construct, ", ".join(sorted(ts)), f"{sum(r.seconds for r in rows if r.treaty in ts) / total:.0%}",
            ", ".join(sorted(t for t in ts if alone.get(t) == construct)) or "—"]
           for construct, ts in sorted(kept.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    text = (f"Which treaties of the bundled library run on compiled code for `--format csv` (issue 18, item "
            f"1): each treaty's share of the engine's CPU time on {n:,} of the realistic scenarios (in-process, "
            "one treaty at a time: what the result JSON still costs) and everything that keeps it off the "
            "compiled path (`compiled.every_reason`; `casus lint --explain-speed` gives the first):\n\n"
            + table(["treaty", "engine time", "not compiled because"], body))
    if not per:
        return text + "\n\nNo construct of the bundled library keeps a treaty off the compiled path."
    return (text + "\n\nBy construct: the treaties each one keeps off the compiled path, and their share of "
            "the engine's time (a treaty kept off by several counts under each; covering a construct moves a "
            "treaty only once nothing else keeps it off):\n\n"
            + table(["construct", "treaties", "their engine time", "the only one for"], per))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.realistic", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--write", default=None, metavar="FILE", help="only write the scenarios (JSON Lines) to FILE")
    a = ap.parse_args(argv)
    if a.write:
        write(Path(a.write), a.scenarios, a.seed)
        return 0
    work = Path(tempfile.mkdtemp(prefix="casus-realistic-"))
    print(render(measure(a.scenarios, a.runs, work, a.seed), None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
