"""The bench of what the formats alone cost (bench/formats.py) measures what it says: the lines
are the peers' scenarios, their SPEC translation and casus's result JSON of each (the engine's
own output for them); sizes are those of the lines; the verdict's arithmetic is the table's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import require_peers

from bench import formats


def _peers_data(tmp_path: Path, n: int) -> Path:
    peers = require_peers()
    data = tmp_path / "data"
    data.mkdir()
    for name, args in [(formats.RULES, ["rules", "--treaties", "3", "--seed", "1"]),
                       (formats.SCENARIOS, ["scenarios", "-n", str(n), "--min-events", "5", "--max-events", "20",
                                            "--seed", "1"])]:
        out = subprocess.run([sys.executable, str(peers / "gen.py"), *args], check=True, capture_output=True,
                             text=True).stdout
        (data / name).write_text(out, encoding="utf-8")
    return data


def test_the_lines_measured_are_the_scenarios_and_casus_results(tmp_path: Path) -> None:
    data = _peers_data(tmp_path, 12)
    got = formats.inputs(data, tmp_path, 10, runs=1)
    peer_lines, spec_lines, result_lines, own = got.peer_lines, got.spec_lines, got.result_lines, got.own
    assert len(peer_lines) == len(spec_lines) == len(result_lines) == 10  # the first 10 of 12
    assert [json.loads(x)["id"] for x in peer_lines] == [json.loads(x)["name"] for x in spec_lines]
    assert [json.loads(x)["scenario"]["name"] for x in result_lines] == [json.loads(x)["name"] for x in spec_lines]
    assert all(json.loads(x)["schema"] == "casus.result/1" for x in result_lines)
    assert own.lines == 10 and own.us_per_line > 0  # casus's own writer was timed where the batch called it
    from engine.io import batch
    assert batch.outcomes_json.__module__ == "engine.core.records"  # and put back

    costs = formats.measure(peer_lines, spec_lines, result_lines, runs=1)
    assert [c.lines for c in costs] == [10, 10, 10]
    sizes = [sum(len(x.encode("utf-8")) + 1 for x in lines) / 10 for lines in (peer_lines, spec_lines, result_lines)]
    assert [c.bytes_per_line for c in costs] == sizes
    assert own.bytes_per_line == sizes[2]
    assert all(c.us_per_line > 0 for c in costs)


def test_the_verdict_is_the_tables_arithmetic() -> None:
    costs = [formats.Cost("peers", 2_000, 954, 6.0), formats.Cost("spec", 2_000, 2_013, 12.0),
             formats.Cost("dumps", 2_000, 10_443, 88.0), formats.Cost("own", 2_000, 10_443, 51.0)]
    text = formats.render(costs, 25_000.0)
    assert "| spec | 2,013 | 12.0 |" in text and "| own | 10,443 | 51.0 |" in text
    assert "is 40.0 µs a scenario" in text and "leaves casus 80.0 µs" in text
    assert "takes 12.0 µs of them (15%)" in text
    assert "alone take 63.0 µs (79%)" in text  # the faster writer: 12 + 51 of 80
    assert "hand.py's whole-process rate" not in formats.render(costs, None)  # not measured: no verdict


def test_where_a_scenarios_time_goes_on_each_side(tmp_path: Path) -> None:
    """casus's stages are timed on the lines as the batch reads them (the compiled code's CSV of
    each is the batch's own), hand.py's from the times it prints of the same scenarios."""
    data = _peers_data(tmp_path, 300)  # (hand.py prints milliseconds: enough scenarios to show in them)
    got = formats.inputs(data, tmp_path, 300, runs=1)
    stages = formats.csv_stages(got.lib, got.spec_lines, runs=1)
    assert [st.what.split(" (")[0] for st in stages] == [
        "reading the line: its events as the compiled code's facts, from its text", "evaluating: the compiled code",
        "its lines joined into the scenario's text"]
    assert all(st.us > 0 for st in stages)
    hand = formats.hand_stages(require_peers(), data, got.peer_lines, tmp_path)
    assert [st.what.split(":")[0] for st in hand] == ["evaluating", "the rest"]
    assert all(st.us >= 0 for st in hand) and sum(st.us for st in hand) > 0
    text = formats.render_stages([formats.Stage("a", 10.0), formats.Stage("b", 2.5)],
                                 [formats.Stage("c", 4.0)], 8)
    assert "| casus: a | 10.0 |" in text and "| casus, in all | 12.5 |" in text
    assert "| hand.py, in all | 4.0 |" in text and "first 8 scenarios" in text
    assert "hand.py" not in formats.render_stages([formats.Stage("a", 1.0)], None, 8)
