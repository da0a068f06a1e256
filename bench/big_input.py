"""Big input: `casus check` and `casus fmt --check` of one large `.casus` scenario file (issue 17,
item 5: "a 5 MB scenario file checks in seconds with memory a small multiple of its size"), each
in a child process: CPU and wall time and peak memory (max RSS), and that peak, net of the same
command on a one-fact file, as a multiple of the file.

    python3 -m bench.big_input [--sizes 1,5] [--timeout 300] [--work DIR]

Two shapes per size, generated (seeded) in the bundled scenarios' style: `many`, scenario blocks
of 5 to 60 fact lines each (ranges, notes, `says`, `source`, an interpretation, `expect` lines);
`giant`, one scenario of nothing but fact lines (about 100,000 of them in 5 MB). The on-disk
cache is off (`CASUS_CACHE_DIR=`) for the file, so every run parses and checks it; the bundled
library comes from a warmed cache of its own, as in everyday use."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
from pathlib import Path

from .common import ROOT, Timing, casus_cmd, run_timed, table

PARTIES = ["AM", "AU", "BY", "CN", "DE", "EE", "FR", "GB", "JP", "KP", "KR", "KZ", "LT", "LV", "NZ", "PH", "PL",
           "RU", "TR", "UA", "US", "VE"]
PLACES = ["RU-KRS", "UA-43", "JP-47", "PH-00", "EE-37", "LV-RIX"]
TREATIES = ["nato_1949", "csto_1992", "ru_by_2024", "ru_kp_2024", "us_jp_1960", "anzus_1951"]
PROVISIONS = ["nato_1949.art5", "nato_1949.art4", "csto_1992.art4", "ru_by_2024.art4_1", "ru_kp_2024.art4",
              "us_jp_1960.art5", "anzus_1951.art4"]
NOTES = ["reported by the defence ministry", "hypothetical", "scenario assumption: the attack continues",
         "according to press reports [U]", "the official request, after the threat"]


def _atom(rng: random.Random) -> str:
    a, b = rng.sample(PARTIES, 2)
    kind = rng.choices(["armed_attack", "threat", "imminent_threat", "aggression", "state_of_war", "request",
                        "assist", "consult", "agreement", "sanctions", "coercion"],
                       [10, 6, 4, 4, 4, 6, 6, 6, 2, 2, 2])[0]
    if kind == "armed_attack" and rng.random() < 0.3:
        return f"armed_attack(by: {a}, at: {rng.choice(PLACES)})"
    if kind in ("armed_attack", "threat", "imminent_threat", "aggression", "sanctions", "coercion"):
        return f"{kind}(by: {a}, on: {b})"
    if kind == "state_of_war":
        return f"state_of_war(party: {b})"
    if kind == "request":
        return f"request(from: {a}, to: {b}, for: assist)"
    if kind == "agreement":
        return f"agreement(by: {a}, with: {b}, on: assist)"
    if kind == "assist":
        return f"assist(by: {a}, to: {b})"
    return f"consult(by: {a}, with: {b})"


def _fact(rng: random.Random, note: bool) -> str:
    start = dt.date(2000, 1, 1).toordinal() + rng.randrange(9000)
    line = f"  {dt.date.fromordinal(start).isoformat()}"
    r = rng.random()
    if r < 0.2:
        line += f"..{dt.date.fromordinal(start + rng.randrange(1, 400)).isoformat()}"
    elif r < 0.25:
        line += ".."
    line = f"{line:<24}  {_atom(rng)}"
    if note and rng.random() < 0.4:
        line += f'  note "{rng.choice(NOTES)}"'
    return line


def many_scenarios(size: int, seed: int = 1) -> str:
    """Scenario blocks as the bundled ones are written, until the text is `size` bytes or more."""
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    n = 0
    while total < size:
        n += 1
        lines = [f"# scenario {n}: generated", "", f'scenario "Generated scenario {n}" {{',
                 f'  says "A generated timeline number {n}, in the style of the bundled scenarios."',
                 '  source "bench/big_input.py"']
        if rng.random() < 0.3:
            lines.append(f"  interpretation {rng.choice(['default', 'ru_claims', 'strict_deadlines'])}")
        lines.append("")
        lines += [_fact(rng, True) for _ in range(rng.randrange(5, 61))]
        lines.append("")
        for _ in range(rng.randrange(0, 4)):
            a, b = rng.sample(PARTIES, 2)
            lines.append(rng.choice([f"  expect nothing from {rng.choice(TREATIES)}",
                                     f"  expect no {rng.choice(PROVISIONS)} {a} -> {b}"]))
        lines.append("}")
        block = "\n".join(lines) + "\n\n"
        parts.append(block)
        total += len(block.encode())
    return "".join(parts)


def giant_scenario(size: int, seed: int = 1) -> str:
    """One scenario of fact lines only, `size` bytes or more."""
    rng = random.Random(seed)
    parts = ['scenario "One giant timeline" {\n', '  says "Nothing but facts."\n\n']
    total = sum(len(p) for p in parts)
    while total < size:
        line = _fact(rng, False) + "\n"
        parts.append(line)
        total += len(line)
    parts.append("}\n")
    return "".join(parts)


TINY = 'scenario "Tiny" {\n  2024-08-06  armed_attack(by: UA, at: RU-KRS)\n}\n'


def write_inputs(work: Path, sizes_mb: list[float]) -> list[tuple[str, float, Path]]:
    out = []
    for mb in sizes_mb:
        for shape, make in (("many", many_scenarios), ("giant", giant_scenario)):
            path = work / f"big_{shape}_{mb:g}mb.casus"
            if not path.exists():
                path.write_text(make(int(mb * 1_000_000)), encoding="utf-8")
            out.append((shape, mb, path))
    return out


VERBS = (("check",), ("fmt", "--check"))


def measure(sizes_mb: list[float], timeout: float, work: Path) -> tuple[dict[str, Timing],
                                                                        list[tuple[str, str, Path, Timing]]]:
    """The baseline of each command (on a one-fact file: Python, Lark, the library) and its rows."""
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "cache"
    env = dict(os.environ, CASUS_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    run_timed(casus_cmd("check"), timeout=timeout, env=env)  # the bundled library's cache, warmed

    def run(verb: tuple[str, ...], path: Path) -> Timing:
        print(f"  {' '.join(verb)} {path.name} …", file=sys.stderr, flush=True)
        # the library from the warm cache; the file itself is never a cache hit (its key is its
        # content, and each run here is its first): remove any entry a run made
        for f in cache.glob("scenarios-*"):
            f.unlink()
        return run_timed(casus_cmd(*verb, str(path)), timeout=timeout, env=env, ok=(0, 1))  # 1: fmt would change it

    tiny = work / "tiny.casus"
    tiny.write_text(TINY, encoding="utf-8")
    base = {" ".join(verb): run(verb, tiny) for verb in VERBS}
    rows = [(shape, " ".join(verb), path, run(verb, path))
            for shape, _mb, path in write_inputs(work, sizes_mb) for verb in VERBS]
    return base, rows


def render(base: dict[str, Timing], rows: list[tuple[str, str, Path, Timing]]) -> str:
    body = []
    for shape, verb, path, t in rows:
        mib = path.stat().st_size / 2**20
        wall = "timeout" if t.timed_out else f"{t.wall:.1f}"
        net = t.maxrss_mib - base[verb].maxrss_mib
        body.append((f"`casus {verb}`", shape, f"{mib:.1f}", f"{t.cpu:.1f}", wall, f"{t.maxrss_mib:.0f}",
                     f"{net:.0f}", f"{net / mib:.1f}x"))
    baselines = "; ".join(f"`casus {verb} tiny.casus` {t.maxrss_mib:.0f} MiB, {t.cpu:.1f} s CPU"
                          for verb, t in base.items())
    return ("### Big input (issue 17, item 5)\n\n"
            "One large scenario file; `many`: scenario blocks of 5–60 facts, `giant`: one scenario of facts "
            "only (target: peak net of the baseline at most 5x the file). Peak memory is the whole process; "
            f"net of the same command on a one-fact file (the baseline: Python, Lark, the library): {baselines}. "
            "CPU s: user and system time of the process. `casus check` reads a file bigger than "
            "engine/io/load.py's CACHE_MAX_FILE (1 MiB) a fact at a time; a smaller one is parsed whole, "
            "to be cached (the 1.0 rows).\n\n"
            + table(("command", "shape", "file MiB", "CPU s", "wall s", "peak MiB", "net MiB", "net / file"), body))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.big_input", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,5", help="file sizes in MB [1,5]")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run [300]")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "casus-bench-big"))
    a = ap.parse_args(argv)
    base, rows = measure([float(x) for x in a.sizes.split(",") if x], a.timeout, Path(a.work))
    print(render(base, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
