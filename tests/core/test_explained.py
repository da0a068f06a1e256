"""The result JSON of compiled treaties (engine/core/explained.py): the compiled code's
instances, with `because` and `missing` asked of the solver at one instant each, must be the
walk's, byte for byte, in every way an instance comes to be listed: activated; pending (with
the fact it waited on last, not first); lapsed; defeated; suspended after it waited, even where
it went back to dormant between two suspensions (the walk with its shortcuts once said something
else there than the plain walk: it now keeps what it waited for, as it does when lapsed)."""

from __future__ import annotations

import json
from pathlib import Path

from engine.api import load_library
from engine.base.paths import library_dir
from engine.core.options import EvalOptions
from engine.io import batch

# KZ's duties toward BY suspended twice: an instance pending before the first suspension is
# suspended, dormant once its trigger ends (and between the two), suspended again on a new trigger
TREATY = """\
treaty tt "T" {
  parties RU, BY, KZ
  in force 2020-01-01
  suspended KZ toward BY from 2021-06-10 until 2021-07-31
  suspended KZ toward BY from 2021-09-01
  provision p "Threat, then a request" article "1" {
    when imminent_threat(on: X) ongoing
    upon request(from: X)
    then each other party must consult(with: X)
  }
  provision d "Unless provoked" article "2" {
    when armed_attack(on: X)
    unless provocation(by: X) ongoing
    then each other party must assist(to: X)
  }
}
"""


def threat(by: str, start: str, end: str | None = None) -> dict[str, object]:
    return {"kind": "imminent_threat", "date": start, "until": end, "by": by, "on": "BY"}


SCENARIOS = {
    "pending": [threat("UA", "2021-01-01")],
    "second": [threat("UA", "2021-01-01", "2021-03-01"), threat("PL", "2021-02-01")],
    "lapsed": [threat("UA", "2021-01-01", "2021-02-01")],
    "suspended twice": [threat("UA", "2021-05-01", "2021-07-01"), threat("PL", "2021-10-01")],
    "defeated": [{"kind": "provocation", "date": "2021-02-01", "until": None, "by": "BY"},
                 {"kind": "armed_attack", "date": "2021-03-01", "on": "BY"}],
    "asked": [threat("UA", "2021-01-01"), {"kind": "request", "date": "2021-02-01", "from": "BY", "for": "consult"}],
}


def test_json_of_compiled_treaties_says_why_as_the_walk(tmp_path: Path) -> None:
    (tmp_path / "t.casus").write_text(TREATY, encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(tmp_path / "t.casus")])
    lines = [json.dumps({"name": name, "events": events}) for name, events in SCENARIOS.items()]
    options = EvalOptions().counting()
    got = list(batch.run_batch(lib, lines, options=options))
    assert got == list(batch.run_batch(lib, lines, options=EvalOptions(compiled=False)))
    assert got == list(batch.run_batch(lib, lines, options=EvalOptions.plain()))
    counts = options.counts
    assert counts is not None
    # every scenario through the compiled code, and no treaty walked
    assert (counts.compiled, counts.json_engine, counts.rewalked, counts.walked) == (len(lines), 0, 0, 0)
    why = {(r["scenario"]["name"], i["provision"], i["bearer"]): (i["status"], [b["fact"] for b in i["because"]],
                                                                   i["missing"])
           for r in map(json.loads, got) for t in r["results"] for i in t["instances"]}
    waiting = ["request(from: BY)"]
    assert why["pending", "p", "RU"] == ("pending", ["imminent_threat(by: UA, on: BY)"], waiting)
    # what it waited on last: the threat still going on
    assert why["second", "p", "RU"] == ("pending", ["imminent_threat(by: PL, on: BY)"], waiting)
    assert why["lapsed", "p", "RU"] == ("lapsed", ["imminent_threat(by: UA, on: BY)"], waiting)
    assert why["defeated", "d", "RU"] == ("defeated", ["armed_attack(on: BY)", "provocation(by: BY)"], [])
    assert why["asked", "p", "RU"] == ("active", ["imminent_threat(by: UA, on: BY)",
                                                  "request(from: BY, for: consult)"], [])
    # pending, suspended; dormant between the suspensions; suspended again on the new threat: it
    # shows what it waited for last
    assert why["suspended twice", "p", "KZ"] == ("suspended", ["imminent_threat(by: UA, on: BY)"], waiting)
    assert why["pending", "p", "KZ"] == ("suspended", ["imminent_threat(by: UA, on: BY)"], waiting)
