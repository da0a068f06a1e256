"""Start-up: `casus run` of a bundled scenario against the whole library, against the time
Python takes to import casus's dependencies (issue 6, item 4: at most 1.5x).

    python3 -m bench.startup [--runs N]

Runs alternate (casus, baseline, casus, baseline, …) after one warm-up of each, so that a busy
machine slows both alike; the ratio reported is the median of the per-pair ratios."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from .common import casus_cmd, median, run_timed, table

BASELINE = [sys.executable, "-c", "import pydantic, lark, click, pycountry"]
EMPTY = [sys.executable, "-c", "pass"]
SCENARIO = "kursk_2024"


@dataclass
class Startup:
    casus: list[float]
    baseline: list[float]
    bare: list[float]
    peak_mib: float

    @property
    def ratio(self) -> float:
        return median([c / b for c, b in zip(self.casus, self.baseline, strict=True)])


def measure(runs: int = 10) -> Startup:
    cmd = casus_cmd("run", SCENARIO)
    run_timed(cmd), run_timed(BASELINE)  # warm-up: file cache, casus's own cache if any
    casus, base, bare, peak = [], [], [], 0.0
    for _ in range(runs):
        t = run_timed(cmd)
        casus.append(t.wall)
        peak = max(peak, t.maxrss_mib)
        base.append(run_timed(BASELINE).wall)
        bare.append(run_timed(EMPTY).wall)
    return Startup(casus, base, bare, peak)


def render(s: Startup) -> str:
    def row(name: str, xs: list[float], ratio: str) -> list[object]:
        return [name, f"{median(xs):.3f}", f"{min(xs):.3f}-{max(xs):.3f}", ratio]

    rows = [row(f"`casus run {SCENARIO}` (whole library)", s.casus,
                f"**{s.ratio:.2f}×** (target ≤ 1.5×){'' if s.ratio <= 1.5 else ' — not met'}"),
            row("`python -c \"import pydantic, lark, click, pycountry\"`", s.baseline, "1×"),
            row("`python -c pass`", s.bare, f"{median([a / b for a, b in zip(s.bare, s.baseline, strict=True)]):.2f}×")]
    return (f"Start-up, {len(s.casus)} alternating runs (seconds; ratio = median of per-run ratios to the "
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
