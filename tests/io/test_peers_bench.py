"""The throughput bench (bench/peers.py, issue 18 item 2) compares evaluators side by side: their
runs interleaved in rounds, and each ratio the median of the rounds' ratios, so that the machine's
speed drifting between minutes (~10% here) does not pass for a difference between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import common
from bench import peers as P
from bench.common import paired


def measure(name: str, walls: tuple[float, ...], scenarios: int = 1_000) -> P.Measure:
    return P.Measure(name, scenarios, sorted(walls)[len(walls) // 2], 0.0, 1.0, len(walls), walls)


def test_a_ratio_is_the_median_of_the_rounds_ratios() -> None:
    # the machine slows down by half after the first round: both evaluators alike
    hand = measure("hand", (1.0, 1.5, 1.5))
    casus = measure("casus", (2.0, 3.0, 3.0))
    assert paired(casus, hand) == pytest.approx(0.5)
    # measured apart, the medians would say otherwise: casus's fast round against hand's slow ones
    drifted = measure("casus", (2.0, 2.0, 3.0))
    assert drifted.rate / hand.rate == pytest.approx(0.75)
    assert paired(drifted, hand) == pytest.approx(0.5)  # (2/1, 2/1.5, 3/1.5 -> rates 0.5, 0.75, 0.5)
    # a prefix of the file: rates, not seconds, are compared
    prefix = measure("casus", (1.0,), scenarios=500)
    assert paired(prefix, hand) == pytest.approx(0.5)
    # no round in common (a measure from a probe): the ratio of the medians
    alone = P.Measure("casus", 1_000, 2.0, 0.0, 1.0, 1)
    assert paired(alone, hand) == pytest.approx(0.75)


def test_the_evaluators_runs_are_interleaved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    peers = tmp_path / "peers"
    peers.mkdir()
    bench = P.SpeedBench(tmp_path / "data", tmp_path / "work", peers, runs=3, budget=0)
    plans = {"hand": 3, "prolog": 1, "casus": 3}  # (Prolog: one run of a large file)
    monkeypatch.setattr(bench, "plan", lambda ev, rules, scen, n: (Path(ev), n, plans[ev], None))
    monkeypatch.setattr(bench, "command", lambda ev, rules, path: [str(path)])
    monkeypatch.setattr(bench, "startup", lambda ev, rules: 0.1)
    order: list[str] = []
    seconds = iter([1.0, 30.0, 2.0, 1.1, 2.2, 1.2, 2.4])

    def timed(cmd: list[str]) -> common.Timing:
        order.append(cmd[0])
        return common.Timing(next(seconds), 10.0, 0)

    monkeypatch.setattr(common, "run_timed", timed)
    got = bench.measure_case(list(plans), "rules.json", "s.jsonl", 1_000)
    assert order == ["hand", "prolog", "casus", "hand", "casus", "hand", "casus"]
    assert got["hand"].walls == (1.0, 1.1, 1.2) and got["casus"].walls == (2.0, 2.2, 2.4)
    assert got["prolog"].walls == (30.0,) and got["casus"].wall == 2.2 and got["casus"].startup == 0.1
    assert paired(got["casus"], got["prolog"]) == pytest.approx(15.0)  # their one round in common
