"""The instructions per scenario (bench/instructions.py): read from what callgrind prints, less the
run on the first scenario alone, and (where valgrind is installed) the same from run to run."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import require_peers

from bench import instructions
from bench.instructions import Counted

_STDERR = """==29480== Callgrind, a call-graph generating cache profiler
==29480== For interactive control, run 'callgrind_control -h'.
==29480==
==29480== Events    : Ir
==29480== Collected : 3890463101
==29480==
==29480== I   refs:      3,890,463,101
"""


def test_the_count_is_callgrinds_total_and_a_run_without_one_is_an_error() -> None:
    assert instructions.collected(_STDERR) == 3_890_463_101
    with pytest.raises(RuntimeError, match="no count"):
        instructions.collected("valgrind: command not found\n")


def test_per_scenario_leaves_out_the_run_on_the_first_scenario() -> None:
    # 1,000 scenarios: 5.0e9 instructions; the first alone: 1.0e9 (start-up, code written, one scenario)
    assert instructions.per_scenario(5_000_000_000, 1_000_000_000, 1_000) == pytest.approx(4e9 / 999)
    assert instructions.per_scenario(7, 7, 1) == 0.0  # (one scenario: nothing to count, no division by zero)


def test_the_table_gives_hands_count_over_each_sides() -> None:
    rows = [Counted("hand.py", 999, 450_000.0), Counted("casus, CSV", 999, 1_000_000.0),
            Counted("casus, result JSON", 999, 3_600_000.0)]
    text = instructions.render(rows)
    assert "first 1,000 scenarios" in text
    assert "| casus, CSV | 1,000,000 | 0.450 |" in text
    assert "| casus, result JSON | 3,600,000 | 0.125 |" in text
    assert "not counted" in instructions.render([])


@pytest.mark.skipif(not instructions.available(), reason="valgrind is not installed")
def test_a_count_is_the_same_from_run_to_run_and_grows_with_the_work() -> None:
    small = [sys.executable, "-c", "sum(range(1_000))"]
    big = [sys.executable, "-c", "sum(range(2_000_000))"]
    first, again = instructions.count(small), instructions.count(small)
    assert abs(first - again) <= first / 1_000  # (the wall time of such runs moves by far more)
    assert instructions.count(big) > first + 2_000_000  # at least an instruction a number added


def test_each_stage_is_the_count_of_a_run_that_stops_after_it_less_one_that_stops_before(
        monkeypatch: pytest.MonkeyPatch) -> None:
    totals = {"start": 1_000, "facts": 6_000, "evaluate": 10_500, "all": 11_000}
    monkeypatch.setattr(instructions, "count", lambda cmd: totals[cmd[cmd.index("--stage") + 1]])
    got = instructions.stages("LIB", Path("FILE"), 10)
    assert [r.per_scenario for r in got] == [500, 450, 50]
    assert [r.side for r in got] == [what for _, what in instructions.STAGES]
    text = instructions.render_stages(got, 1_100.0)
    assert "| in all, in-process | 1,000 |" in text and "| whole process (above) | 1,100 |" in text


def test_a_stage_run_goes_through_a_batch_as_far_as_its_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child `stages` counts: every line read, then made facts of, then evaluated, as a batch
    does, and no further than its stage (the first line goes through the batch, writing the code)."""
    import json

    from bench.peers import Translator
    from engine.io import batch, batchline

    peers = require_peers()
    rules = subprocess.run([sys.executable, str(peers / "gen.py"), "rules", "--treaties", "3", "--seed", "1"],
                           check=True, capture_output=True, text=True).stdout
    lines = subprocess.run([sys.executable, str(peers / "gen.py"), "scenarios", "-n", "6", "--seed", "1"],
                           check=True, capture_output=True, text=True).stdout.splitlines()
    tr = Translator(json.loads(rules))
    library = str(tr.write(tmp_path / "lib"))
    scenarios = tmp_path / "s.jsonl"
    scenarios.write_text("".join(line + "\n" for line in tr.scenario_lines(lines)), encoding="utf-8")
    calls: collections.Counter[str] = collections.Counter()
    for module, name in ((batchline, "light_facts"), (batchline, "canonical_input"), (batch, "csv_lines")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _n=name, _f=real: calls.update([_n]) or _f(*a))
    ran = []
    for stage in ("start", "facts", "evaluate", "all"):
        calls.clear()
        instructions.stage_run(library, str(scenarios), stage)
        ran.append((calls["csv_lines"] - 1, calls["canonical_input"] - 1, calls["light_facts"]))
    # (csv_lines calls `canonical_input` itself; the lines are canonical: never read by the json module)
    assert ran == [(0, 0, 0), (0, 6, 0), (0, 6, 0), (6, 6, 0)]
