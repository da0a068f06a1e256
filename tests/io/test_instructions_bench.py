"""The instructions per scenario (bench/instructions.py): read from what callgrind prints, less the
run on the first scenario alone, and (where valgrind is installed) the same from run to run."""

from __future__ import annotations

import sys

import pytest

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
