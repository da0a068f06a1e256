"""Start-up: `casus run` of a bundled scenario against the whole library, against the time
Python takes to import casus's dependencies (issue 18, item 4: at most 1.0x with a warm cache,
whatever the output format; at most 2x without a usable cache).

    python3 -m bench.startup [--runs N]

Runs alternate (each casus command, baseline, each casus command, baseline, …) after one warm-up
of each, so that a busy machine slows all alike; a ratio reported is the median of the per-round
ratios to that round's baseline. "No cache" points `CASUS_CACHE_DIR` at a folder that cannot be
created (a first run, or an unwritable home): everything is read and checked afresh."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field

from .common import casus_cmd, median, run_timed, table

BASELINE = [sys.executable, "-c", "import pydantic, lark, click, pycountry"]
EMPTY = [sys.executable, "-c", "pass"]
SCENARIO = "kursk_2024"
NO_CACHE = "/proc/casus-no-cache"  # cannot be created: no cache is read or written

# (label, arguments, without a cache, target ratio)
CASES = [
    (f"`casus run {SCENARIO}` (whole library, table)", ("run", SCENARIO), False, 1.0),
    (f"`casus run {SCENARIO} --format json`", ("run", SCENARIO, "--format", "json"), False, 1.0),
    (f"`casus run {SCENARIO}`, no usable cache", ("run", SCENARIO), True, 2.0),
]


@dataclass
class Startup:
    casus: dict[str, list[float]] = field(default_factory=dict)
    baseline: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    peak_mib: float = 0.0

    def ratio(self, label: str) -> float:
        return median([c / b for c, b in zip(self.casus[label], self.baseline, strict=True)])


def _env(cold: bool) -> dict[str, str] | None:
    return {**os.environ, "CASUS_CACHE_DIR": NO_CACHE} if cold else None


def measure(runs: int = 10) -> Startup:
    for _, args, cold, _ in CASES:  # warm-up: file cache, casus's own cache, bytecode
        run_timed(casus_cmd(*args), env=_env(cold))
    run_timed(BASELINE)
    s = Startup({label: [] for label, *_ in CASES})
    for _ in range(runs):
        for label, args, cold, _ in CASES:
            t = run_timed(casus_cmd(*args), env=_env(cold))
            s.casus[label].append(t.wall)
            s.peak_mib = max(s.peak_mib, t.maxrss_mib)
        s.baseline.append(run_timed(BASELINE).wall)
        s.bare.append(run_timed(EMPTY).wall)
    return s


def render(s: Startup) -> str:
    def row(name: str, xs: list[float], ratio: str) -> list[object]:
        return [name, f"{median(xs):.3f}", f"{min(xs):.3f}-{max(xs):.3f}", ratio]

    rows = []
    for label, _, _, target in CASES:
        r = s.ratio(label)
        verdict = "" if r <= target else " — not met"
        rows.append(row(label, s.casus[label], f"**{r:.2f}×** (target ≤ {target:.1f}×){verdict}"))
    rows += [row("`python -c \"import pydantic, lark, click, pycountry\"`", s.baseline, "1×"),
             row("`python -c pass`", s.bare,
                 f"{median([a / b for a, b in zip(s.bare, s.baseline, strict=True)]):.2f}×")]
    return (f"Start-up, {len(s.baseline)} alternating rounds (seconds; ratio = median of per-round ratios to the "
            f"import baseline; casus peak {s.peak_mib:.0f} MiB):\n\n"
            + table(["command", "median s", "min-max s", "ratio"], rows))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.startup")
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args(argv)
    print(render(measure(a.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
