"""Issue 18's goals at a glance: each target beside what this run of `python3 -m bench` measured for
it, from the same measurements as the tables below it (nothing measured apart, nothing written by
hand). A part skipped (`--skip`, `--quick`'s smaller cases) leaves its goals out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common import paired, table

if TYPE_CHECKING:
    from .codegen import Generated
    from .peers import Measure
    from .realistic import Row
    from .startup import Startup


@dataclass(frozen=True)
class Goal:
    what: str
    target: str
    measured: str
    met: bool


def throughput(rows: Sequence[tuple[str, str, str, int, dict[str, Measure]]]) -> list[Goal]:
    """CSV and result JSON against hand.py and Prolog on the files of 20,000 scenarios and more
    (where the issue sets them), and the growth with events and with provisions."""
    out = []
    for group, label, _, n, m in rows:
        if group != "N" or n < 20_000:
            continue
        hand, prolog = m["hand"], m.get("prolog")
        r = paired(m["casus"], hand)
        out.append(Goal(f"CSV, {label}: casus ÷ hand.py", "≥ 0.5", f"{r:.3f}", r >= 0.5))
        if prolog is not None:
            r = paired(m["casus"], prolog)
            out.append(Goal(f"CSV, {label}: casus ÷ Prolog", "≥ 3", f"{r:.2f}", r >= 3))
        if "casus_json" in m:
            r = paired(m["casus_json"], hand)
            out.append(Goal(f"result JSON, {label}: casus ÷ hand.py", "≥ 0.5", f"{r:.3f}", r >= 0.5))
    for group, first, last, what in (("events", -2, -1, "events per scenario"), ("provisions", 0, -1, "provisions")):
        sel = [(label, m["casus"]) for g, label, _, _, m in rows if g == group and "casus" in m]
        if len(sel) >= 2:
            (a, ma), (b, mb) = sel[first], sel[last]
            ratio = mb.net_us / ma.net_us if ma.net_us > 0 else float("inf")
            out.append(Goal(f"growth with {what}, casus: {b} ÷ {a}", "≤ 10×", f"{ratio:.1f}×", ratio <= 10))
    return out


def startup(s: Startup, cases: Sequence[tuple[str, tuple[str, ...], bool, float]]) -> list[Goal]:
    return [Goal(f"start-up: {label}, ÷ importing the dependencies", f"≤ {target:.1f}×", f"{s.ratio(label):.2f}×",
                 s.ratio(label) <= target) for label, _, _, target in cases]


def realistic(rows: Sequence[Row], hand_rate: float | None) -> list[Goal]:
    hand = next((r for r in rows if r.output == "hand"), None)
    out = []
    for r in rows:
        if r is hand:
            continue
        ratio = paired(r, hand) if hand else r.rate / hand_rate if hand_rate else None
        if ratio is not None:
            out.append(Goal(f"bundled library, {r.scenarios:,} realistic scenarios, {r.output}: ÷ hand.py's rate",
                            "≥ 0.25", f"{ratio:.3f}", ratio >= 0.25))
    return out


def codegen(rows: Sequence[Generated]) -> list[Goal]:
    """The largest rule set's code generation (the issue's goal is at about 2,000 provisions)."""
    big = max(rows, key=lambda r: r.provisions, default=None)
    if big is None or big.provisions < 1_500:
        return []
    return [Goal(f"writing the compiled code, {big.provisions:,} provisions", "≤ 0.2 s", f"{big.seconds:.2f} s",
                 big.seconds <= 0.2)]


def render(goals: Sequence[Goal]) -> str:
    if not goals:
        return ""
    met = sum(g.met for g in goals)
    body = [[g.what, g.target, g.measured, "met" if g.met else "**not met**"] for g in goals]
    return (f"Issue 18's goals at a glance, from this run's measurements (the tables below say how each was "
            f"measured; the cost of one long scenario, its memory and the big inputs are in the scale tables "
            f"at the end): {met} of {len(goals)} met.\n\n" + table(["goal", "target", "measured", ""], body))
