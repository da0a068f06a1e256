"""`EvalOptions` (engine/core/options.py): the public switch for the engine's shortcuts and
backends. Runs given none take the default, or those of an enclosing `using` block; explicit
options win; batch worker processes take the caller's options and their counts come back."""

from __future__ import annotations

import datetime as dt
import json

import engine
from engine.core.evaluate import evaluate
from engine.core.options import DEFAULT, EvalOptions, current, using
from engine.io.batch import run_batch
from engine.kernel.facts import Fact, Scenario

ATTACK = json.dumps({"name": "attack on RU", "events": [
    {"kind": "armed_attack", "date": "2024-12-10", "by": "UA", "on": "RU"},
    {"kind": "state_of_war", "date": "2024-12-10", "party": "RU"}]})


def test_using_sets_the_options_of_runs_given_none_and_restores_them(lib: engine.Library) -> None:
    day = dt.date(2024, 12, 10).toordinal()
    scenario = Scenario("attack", "test", None, (
        Fact("armed_attack", {"by": "RU", "on": "PL"}, day, day, "armed_attack(by: RU, on: PL)", "test:1"),))
    assert current() is DEFAULT
    plain = EvalOptions.plain().counting()
    with using(plain):
        assert current() is plain
        evaluate(lib, scenario, ["nato_1949"])
        explicit = EvalOptions().counting()
        evaluate(lib, scenario, ["nato_1949"], options=explicit)  # explicit options win
    assert current() is DEFAULT
    assert plain.counts is not None and explicit.counts is not None
    assert plain.counts.walked > 0 and plain.counts.bisected == plain.counts.shared == 0
    assert explicit.counts.bisected > 0 and explicit.counts.shared > 0


def test_worker_processes_take_the_callers_options_and_count_for_it(lib: engine.Library) -> None:
    lines = [ATTACK] * 40  # two chunks
    plain = EvalOptions.plain().counting()
    walked = list(run_batch(lib, lines, fmt="csv", workers=2, options=plain))
    assert plain.counts is not None
    assert plain.counts.parallel == 2 and plain.counts.compiled == 0 and plain.counts.csv_engine == 40
    assert plain.counts.direct == 0 and plain.counts.walked > 0
    fast = EvalOptions().counting()
    assert list(run_batch(lib, lines, fmt="csv", workers=2, options=fast)) == walked
    assert fast.counts is not None and fast.counts.compiled == 40
