"""`casus run --batch FILE --format csv`: treaties compiled to Python (engine/core/compiled/) must
give the engine's CSV (`records.result_csv` of `evaluate`), byte for byte, and actually be
used; bad lines must be reported as in JSON mode; the CSV must read back."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import pytest
from helpers import require_peers
from hypothesis import HealthCheck, Phase, given, settings
from reference import Case, Fact, Member, render
from test_differential import EXAMPLES, _has_state, cases

from engine.api import load, load_library
from engine.base.errors import CasusError
from engine.base.paths import library_dir
from engine.core import compiled
from engine.core.compiled import generate
from engine.core.evaluate import evaluate
from engine.core.options import Counts, EvalOptions
from engine.core.records import CSV_COLUMNS, CSV_HEADER, csv_field, result_csv, result_json
from engine.io import batch, batchline
from engine.kernel.facts import BIG

ROOT = Path(__file__).resolve().parents[2]


def engine_csv(lib, lines: list[str], treaties: list[str] | None = None, path: str = "<batch>") -> list[str]:  # type: ignore[no-untyped-def]
    """What `run_batch(fmt="csv")` must give: the engine's own evaluation of each line."""
    out = [CSV_HEADER]
    for n, line in enumerate(lines, 1):
        rows = result_csv(evaluate(lib, batchline.line_scenario(lib, line, path, n), treaties))
        if rows:
            out.append("\n".join(rows))
    return out


def with_vocabulary(folder: Path, text: str):  # type: ignore[no-untyped-def]
    """A library of the standard vocabulary and one file of treaties, `text` (written into `folder`)."""
    (folder / "t.casus").write_text(text, encoding="utf-8")
    return load_library([str(library_dir() / "vocabulary.casus"), str(folder / "t.casus")])


def counting() -> tuple[EvalOptions, Counts]:
    """The default options, counting (`.compiled`: the scenarios the compiled code evaluated)."""
    options = EvalOptions().counting()
    assert options.counts is not None
    return options, options.counts


def compiled_csv(lib, scenarios: dict[str, list[dict[str, object]]], treaties: list[str],  # type: ignore[no-untyped-def]
                 interpretation: str | None = None) -> list[str]:
    """The CSV of named scenarios (name -> events) through `treaties`, under `interpretation`:
    every treaty compiled, every scenario taken by the compiled code, and the engine's CSV, byte
    for byte."""
    prog = compiled.program(lib, tuple(treaties), interpretation or "default")
    assert prog is not None and prog.compiled == sorted(treaties)
    lines = [json.dumps({"name": name, **({"interpretation": interpretation} if interpretation else {}),
                         "events": events}) for name, events in scenarios.items()]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, treaties, fmt="csv", options=options))
    assert taken.compiled == len(lines)
    assert got == engine_csv(lib, lines, treaties)
    return got


# ---------------------------------------------------------------------------- the peers' rules

@pytest.mark.parametrize("rules_args", [("--treaties", "12", "--seed", "1"), ("--treaties", "48", "--seed", "2"),
                                        ("edge",)])
def test_compiled_peer_rules_give_the_engines_csv(tmp_path: Path, rules_args: tuple[str, ...]) -> None:
    from bench import peers as P

    peers = require_peers()  # skips without them; fails in CI
    rules = peers / "edge_rules.json" if rules_args == ("edge",) else tmp_path / "rules.json"
    if rules_args != ("edge",):
        rules.write_text(subprocess.run([sys.executable, str(peers / "gen.py"), "rules", *rules_args],
                                        capture_output=True, text=True, check=True).stdout)
    scen = subprocess.run([sys.executable, str(peers / "gen.py"), "scenarios", "-n", "80", "--min-events", "1",
                           "--max-events", "60", "--seed", "5"], capture_output=True, text=True, check=True).stdout
    tr = P.Translator(json.loads(rules.read_text()))
    lib = load_library(str(tr.write(tmp_path / "lib")))
    lines = list(tr.scenario_lines(scen.splitlines()))
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", options=options))
    prog = compiled.program(lib, tuple(sorted(lib.treaties)), "default")
    # every treaty compiled, every scenario through the compiled code (the edge rules' treaty too,
    # whose provisions read a helper provision's states)
    assert prog is not None and not prog.others and taken.compiled == len(lines)
    want = engine_csv(lib, lines)
    assert sum(block.count("\n") + 1 for block in want[1:]) > 300  # the sample exercises the rules
    assert got == want


def test_compiled_csv_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    from bench import peers as P

    peers = require_peers()  # skips without them; fails in CI
    rules = subprocess.run([sys.executable, str(peers / "gen.py"), "rules", "--treaties", "48", "--seed", "3"],
                           capture_output=True, text=True, check=True).stdout
    scen = subprocess.run([sys.executable, str(peers / "gen.py"), "scenarios", "-n", "40", "--seed", "4"],
                          capture_output=True, text=True, check=True).stdout
    tr = P.Translator(json.loads(rules))
    lib = tr.write(tmp_path / "lib")
    f = tmp_path / "s.jsonl"
    f.write_text("".join(line + "\n" for line in tr.scenario_lines(scen.splitlines())), encoding="utf-8")
    outs = set()
    for seed in ("1", "2", "3"):
        got = subprocess.run([sys.executable, "-m", "engine.cli", "run", "--batch", str(f), "--library", str(lib),
                              "--format", "csv"], capture_output=True, text=True, check=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)})
        outs.add(got.stdout)
    assert len(outs) == 1 and next(iter(outs)).count("\n") > 100


# ---------------------------------------------------------------------------- generated treaties

def compilable(case: Case) -> Case:
    """A case whose treaty the compiler may take (states of other provisions, an end date,
    members with their own dates, suspensions, deadlines, an `upon`, an `unless`, an `until`,
    `until the situation ends` and reservations, for good or for a time, are kept; half the time
    every member is one for the whole time in force) and whose facts it may read (actions,
    withdrawals, what the interpretation defines or reads in self-defence, but no fact at a
    territory whose sovereign the engine derives)."""
    t = case.treaty
    provisions = t.provisions
    members = t.members
    if len(case.facts) % 2:
        members = tuple(Member(code) for code in sorted({m.code for m in t.members}))
    facts = tuple(f for f in case.facts if not ("at" in dict(f.roles) and "on" not in dict(f.roles)))
    if len(facts) % 4 == 3:  # a quarter of the time, one party more leaves, halfway through the facts
        day = facts[len(facts) // 2].start
        facts += (Fact("withdrawal", (("party", t.members[0].code), ("treaty", t.id)), day, day),)
    ids = {p.id for p in provisions}
    reservations = tuple(r for r in t.reservations if set(r.provisions) <= ids)  # (on a provision kept)
    return replace(case, treaty=replace(t, members=members, provisions=provisions, reservations=reservations),
                   facts=facts)


def json_line(scenario) -> str:  # type: ignore[no-untyped-def]
    """A scenario's facts as one JSON scenario line (SPEC "Scenario files")."""
    events = []
    for f in scenario.facts:
        ev = {"kind": f.kind, "date": dt.date.fromordinal(f.start).isoformat()}
        if f.end != f.start:
            ev["until"] = None if f.end == BIG else dt.date.fromordinal(f.end).isoformat()
        ev.update(f.roles)
        events.append(ev)
    obj = {"name": scenario.name, "events": events}
    if scenario.interpretation:
        obj["interpretation"] = scenario.interpretation
    # (half compact: the canonical lines the compiled code's reader reads as text, `batchline.canonical_input`)
    return json.dumps(obj, separators=(",", ":")) if len(events) % 2 else json.dumps(obj)


class Outputs(NamedTuple):
    """A generated case's batch output with the compiled code and the engine's own."""

    csv: list[str]
    engine_csv: list[str]
    json: list[str]
    engine_json: list[str]
    compiled: bool  # the compiled code took the scenario (in both formats)
    leaving: bool  # and a treaty with a party leaving (`Program.leaving`)
    rows: list[tuple[str, ...]]  # (status, whether activated) of each instance it listed


def outputs_of(case: Case, folder: Path) -> Outputs:
    """A generated case's CSV and result JSON through `run_batch`, and the engine's."""
    path = folder / "case.casus"
    path.write_text(render(case), encoding="utf-8")
    lib, (scenario,) = load([path], library=[library_dir() / "vocabulary.casus",
                                              library_dir() / "interpretations.casus"])
    line = json_line(scenario)
    tid = case.treaty.id
    options, taken = counting()
    with pytest.MonkeyPatch.context() as mp:  # half the cases with the code shared (`_SHARE_FROM`)
        mp.setattr(generate, "_SHARE_FROM", 0 if len(line) % 2 else generate._SHARE_FROM)
        got = list(batch.run_batch(lib, [line], [tid], fmt="csv", options=options))
        got_json = list(batch.run_batch(lib, [line], [tid], fmt="json", options=options))
    ev = evaluate(lib, batchline.line_scenario(lib, line, "<batch>", 1), [tid])
    return Outputs(got, engine_csv(lib, [line], [tid]), got_json, [result_json(lib, ev)], taken.compiled == 2,
                   taken.leaving == 2,
                   [(r.status, str(r.activated is not None)) for o in ev.outcomes for r in o.instances])


@settings(max_examples=max(EXAMPLES // 5, 50), deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_compiled_treaties_give_the_engines_csv(tmp_path_factory, case: Case) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.getbasetemp() / "compiled"
    folder.mkdir(exist_ok=True)
    out = outputs_of(compilable(case), folder)
    assert out.csv == out.engine_csv, render(compilable(case))
    assert out.json == out.engine_json, render(compilable(case))


@settings(max_examples=max(EXAMPLES // 10, 50), deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_treaties_left_to_the_engine_give_its_csv(tmp_path_factory, case: Case) -> None:  # type: ignore[no-untyped-def]
    # memberships that change, ends, suspensions, states, deadlines: mostly not compiled
    folder = tmp_path_factory.getbasetemp() / "compiled_not"
    folder.mkdir(exist_ok=True)
    out = outputs_of(case, folder)
    assert out.csv == out.engine_csv, render(case)
    assert out.json == out.engine_json, render(case)


def test_generated_cases_reach_the_compiled_code(tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """The cases above do reach the compiled code (else they would compare the engine with itself)."""
    folder = tmp_path_factory.getbasetemp() / "compiled_reach"
    folder.mkdir(exist_ok=True)
    used: list[bool] = []
    upon: list[bool] = []
    ongoing: list[bool] = []
    ends: list[bool] = []
    dated: list[bool] = []  # members with their own dates
    acts: list[bool] = []  # facts of the provisions' actions
    suspends: list[bool] = []  # suspensions
    defeats: list[bool] = []  # `unless`
    leaving: list[bool] = []  # withdrawals (`Program.leaving`)
    related: list[bool] = []  # a relation between facts where memberships change (`first_pair`)
    deadlines: list[bool] = []  # a deadline (`within N days`, or a timing word the reading maps)
    defines: list[bool] = []  # an interpretation's definitions (`Program.derive`)
    self_defence: list[bool] = []  # an interpretation that reads attacks in self-defence
    ended: list[bool] = []  # a treaty with an end date
    reserved: list[bool] = []  # a party's reservation on some days only (`_ProvisionPlan.windows`)
    negated: list[bool] = []  # a variable under `not`, beside its fact (`_Tables.antijoin`)
    chained: list[bool] = []  # a state of another provision (`_Tables.states`)
    placed: list[bool] = []  # a variable under `not` beside a fact with another read as some value
    lasting: list[bool] = []  # a variable under `not` beside an `ongoing` fact ("antijoin runs")
    explained: collections.Counter[tuple[str, ...]] = collections.Counter()  # (status, activated) listed

    @settings(max_examples=300, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases())
    def run(case: Case) -> None:
        c = compilable(case)
        out = outputs_of(c, folder)
        assert out.csv == out.engine_csv
        assert out.json == out.engine_json
        taken = out.compiled
        used.append(taken)
        if taken:  # what the result JSON's `because` and `missing` are asked at (engine/core/explained.py)
            explained.update(out.rows)
        upon.append(taken and any(p.upon is not None for p in c.treaty.provisions))
        ongoing.append(taken and "ongoing" in render(c))
        ends.append(taken and any(p.until is not None or p.ends_with_situation for p in c.treaty.provisions))
        dated.append(taken and any(m.start is not None or m.end is not None for m in c.treaty.members))
        acts.append(taken and bool({f.kind for f in c.facts} & {p.action.kind for p in c.treaty.provisions}))
        suspends.append(taken and bool(c.treaty.suspensions))
        defeats.append(taken and any(p.unless is not None for p in c.treaty.provisions))
        leaving.append(out.leaving)
        deadlines.append(taken and any(p.timing for p in c.treaty.provisions))
        defines.append(taken and c.interpretation is not None and bool(c.interpretation.defines))
        self_defence.append(taken and c.interpretation is not None and c.interpretation.self_defence)
        ended.append(taken and c.treaty.end is not None)
        reserved.append(taken and any(r.start is not None or r.end is not None for r in c.treaty.reservations))
        negated.append(taken and re.search(r"not \w+\(by: X, on: A\)", render(c)) is not None)
        placed.append(taken and re.search(r"\(by: A, on: X, at: T\)", render(c)) is not None)
        lasting.append(taken and re.search(r"\(by: A, on: X\) ongoing and not", render(c)) is not None)
        chained.append(taken and any(_has_state(x) for p in c.treaty.provisions for x in (p.when, p.upon, p.unless,
                                                                                         p.until)))
        related.append(taken and (dated[-1] or out.leaving)
                       and any(word in render(c) for word in (" within ", " after ", " before ", " during ")))

    run()
    assert sum(used) > len(used) / 3, (sum(used), len(used))
    assert sum(upon) > 5, sum(upon)  # prerequisites (pending instances) are compiled too
    assert sum(ongoing) > 5, sum(ongoing)  # and `ongoing` (lapsed instances)
    assert sum(ends) > 5, sum(ends)  # and `until` (discharged instances)
    assert sum(dated) > 5, sum(dated)  # and memberships that change
    assert sum(acts) > 5, sum(acts)  # and actions (fulfilled, violated)
    assert sum(suspends) > 5, sum(suspends)  # and suspensions
    assert sum(defeats) > 5, sum(defeats)  # and `unless` (defeated instances)
    assert sum(leaving) > 5, (sum(leaving), explained)  # and withdrawals, with the scenario's memberships
    assert sum(related) > 5, sum(related)  # and relations between facts where memberships change
    assert sum(deadlines) > 5, sum(deadlines)  # and deadlines (violated instances)
    assert sum(defines) > 5, sum(defines)  # and the facts an interpretation defines
    assert sum(self_defence) > 5, sum(self_defence)  # and readings of attacks in self-defence
    assert sum(ended) > 5, sum(ended)  # and treaties that end
    assert sum(reserved) > 5, sum(reserved)  # and reservations for a time
    assert sum(negated) > 5, sum(negated)  # and variables under `not`
    assert sum(chained) > 5, sum(chained)  # and states of other provisions
    assert sum(placed) > 5, sum(placed)  # and a variable under `not` beside another read as some value
    assert sum(lasting) > 0, sum(lasting)  # and beside an `ongoing` fact (more: test_a_variable_under_not_is…)
    # the result JSON's `because` and `missing` are asked for where an instance was activated, or
    # last pending or defeated (engine/core/explained.py): both are reached (the cases of
    # tests/core/test_explained.py take each status on purpose)
    assert sum(n for (_, activated), n in explained.items() if activated == "True") > 5, explained
    assert sum(n for (_, activated), n in explained.items() if activated == "False") > 5, explained
    assert explained["pending", "False"] > 0, explained


# ---------------------------------------------------------------------------- the bundled library

def test_bundled_library_mixes_compiled_and_engine_treaties(tmp_path: Path) -> None:
    """The whole bundled library is compiled, under a reading that changes a treaty's members
    too (Cuba still a party to Rio: `context`'s members) and one that gives timing words
    deadlines (strict_deadlines); a treaty that is not compiled (OFF_THE_PATH: a state of
    another provision) comes from the engine, its lines in their place."""
    (tmp_path / "off.casus").write_text(OFF_THE_PATH, encoding="utf-8")
    lib = load_library([*map(str, sorted(library_dir().glob("*.casus"))), str(tmp_path / "off.casus")])
    everything = tuple(sorted(lib.treaties))
    for reading in ("default", "rio_cuba_formal", "strict_deadlines"):
        prog = compiled.program(lib, everything, reading)
        assert prog is not None and prog.others == ["off"], reading
    lines = [
        json.dumps({"name": "attack on RU", "events": [
            {"kind": "armed_attack", "date": "2024-12-10", "by": "UA", "on": "RU"},
            {"kind": "state_of_war", "date": "2024-12-10", "party": "RU"}]}),
        json.dumps({"name": "KP attacked, then assisted", "events": [
            {"kind": "armed_attack", "date": "2025-03-01", "by": "US", "on": "KP"},
            {"kind": "state_of_war", "date": "2025-03-01", "until": None, "party": "KP"},
            {"kind": "assist", "date": "2025-03-05", "by": "RU", "to": "KP"}]}),  # fulfilled
        json.dumps({"events": [{"kind": "armed_attack", "date": "2025-01-01", "by": "UA", "at": "RU-KRS"}]}),
        json.dumps({"name": "nothing", "events": []}),
        json.dumps({"name": "Cuba", "interpretation": "rio_cuba_formal", "events": [
            {"kind": "armed_attack", "date": "2025-01-01", "by": "US", "on": "CU"}]}),
        json.dumps({"name": "a, \"quoted\" name", "interpretation": "default", "events": [
            {"kind": "imminent_threat", "date": "2025-02-01", "until": "2025-02-20", "on": "BY", "note": "n"}]}),
        json.dumps({"name": "strict", "interpretation": "strict_deadlines", "events": [
            {"kind": "imminent_threat", "date": "2025-02-01", "on": "BY"},
            {"kind": "armed_attack", "date": "2025-02-01", "by": "RU", "on": "PL", "at": "PL-14"}]}),
        json.dumps({"name": "off", "events": [{"kind": "armed_attack", "date": "2025-01-01", "on": "BY"}]}),
    ]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", path="b.jsonl", options=options))
    assert got == engine_csv(lib, lines, path="b.jsonl")
    # every one is compiled: the fact at a territory is on its country (`on` derived as `prepare` does)
    assert (taken.compiled, taken.csv_engine) == (8, 0)
    assert any(",rio_1947,art3_1,3(1),AR,CU,active," in block for block in got)
    strict_block = next(block for block in got if block.startswith("strict,"))
    assert ",csto_1992,art2,2,RU,BY,violated,2025-02-01,2025-02-09" in strict_block  # a deadline
    assert ",nato_1949,art5,5,US,PL,active,2025-02-01," in strict_block
    off_block = next(block for block in got if block.startswith("off,"))
    assert "off,off,p,1,RU,BY,active,2025-01-01,2025-01-01" in off_block  # the engine's, in its place
    assert any(",ru_kp_2024,art4,4,RU,KP,fulfilled,2025-03-01,2025-03-05" in block for block in got)
    assert any(",ru_kp_2024," in block for block in got)


def test_bundled_scenarios_give_the_engines_csv() -> None:
    """Every bundled scenario, as a JSON line, through the whole library: compiled treaties,
    treaties left to the engine, and scenarios the compiled code must not read, mixed."""
    paths = sorted((ROOT / "scenarios").glob("*.casus"))
    lib, scenarios = load(paths)
    lines = [json_line(s) for s in scenarios]
    assert len(lines) > 20
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", options=options))
    assert taken.compiled >= 1  # most hold an action or a fact at a territory: the engine's
    assert got == engine_csv(lib, lines)
    assert sum(block.count("\n") + 1 for block in got[1:]) > 100


def test_csv_reads_back_with_the_csv_module() -> None:
    lib = load_library()
    line = json.dumps({"name": 'odd, "name", with a comma', "events": [  # (a line break is an error: issue 17)
        {"kind": "armed_attack", "date": "2024-12-10", "by": "UA", "on": "RU"},
        {"kind": "state_of_war", "date": "2024-12-10", "party": "RU"}]})
    text = "\n".join(batch.run_batch(lib, [line], fmt="csv")) + "\n"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert {r["scenario"] for r in rows} == {'odd, "name", with a comma'}
    assert ("ru_kp_2024", "art4", "KP", "RU", "active", "2024-12-10") in {
        (r["treaty"], r["provision"], r["bearer"], r["beneficiary"], r["status"], r["activated"]) for r in rows}
    for text in ["a", "a,b", 'x"y', "l\nm", "r\rq", "", " sp ", "é"]:
        assert next(csv.reader(io.StringIO(csv_field(text) + ",z\n"))) == [text, "z"]


# ---------------------------------------------------------------------------- bad lines

@pytest.mark.parametrize("event", [
    {"kind": "armed_atack", "date": "2025-01-01", "by": "UA", "on": "RU"},  # unknown kind
    {"kind": "armed_attack", "date": "2025-01-01", "by": "UA", "on": "XX"},  # unknown code
    {"kind": "armed_attack", "date": "2025-13-01", "by": "UA", "on": "RU"},  # bad date
    {"kind": "armed_attack", "date": "2025-01-05", "until": "2025-01-01", "by": "UA", "on": "RU"},  # ends first
    {"kind": "armed_attack", "date": "2025-01-01", "by": ["UA"], "on": "RU"},  # not a string
    ["armed_attack", "2025-01-01"],  # not an object
])
def test_bad_lines_are_reported_as_in_json_mode(event: object) -> None:
    lib = load_library()
    good = json.dumps({"name": "ok", "events": [{"kind": "armed_attack", "date": "2025-01-01", "by": "UA", "on": "RU"},
                                                {"kind": "state_of_war", "date": "2025-01-01", "party": "RU"}]})
    bad = json.dumps({"name": "bad", "events": [event]})
    errors = []
    for fmt in ("json", "csv"):
        out = []
        with pytest.raises(CasusError) as e:
            out.extend(batch.run_batch(lib, [good, bad], fmt=fmt, path="f.jsonl"))
        assert len(out) == (1 if fmt == "json" else 2)  # the good line's result came first
        errors.append([(d.span.line, d.render()) for d in e.value.diagnostics])
    assert errors[0] == errors[1] and errors[0][0][0] == 2


def one_treaty(tmp_path: Path, article: str):  # type: ignore[no-untyped-def]
    """A library of the vocabulary and one compiled treaty `tt`: attack on X -> each other party assists."""
    (tmp_path / "t.casus").write_text(
        'treaty tt "T" {\n  parties RU, BY\n  in force 2020-01-01\n'
        f'  provision p "P" article "{article}" {{\n    when armed_attack(on: X)\n'
        '    then each other party must assist(to: X)\n  }\n}\n', encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(tmp_path / "t.casus")])
    assert compiled.program(lib, ("tt",), "default") is not None
    return lib


def test_an_article_with_quotes_and_braces(tmp_path: Path) -> None:
    lib = one_treaty(tmp_path, '5\'{x}, \\"bis\\"')
    line = json.dumps({"name": "n", "events": [{"kind": "armed_attack", "date": "2025-01-05", "on": "RU"}]})
    got = list(batch.run_batch(lib, [line], fmt="csv"))
    assert got == engine_csv(lib, [line])
    article = lib.treaties["tt"].provisions[0].article
    assert set("'{\",") <= set(article)
    assert next(csv.DictReader(io.StringIO("\n".join(got))))["article"] == article


def test_an_event_ending_before_it_starts_is_an_error_on_a_compiled_treaty(tmp_path: Path) -> None:
    lib = one_treaty(tmp_path, "1")
    ok = json.dumps({"events": [{"kind": "armed_attack", "date": "2025-01-05", "until": "2025-01-09", "on": "RU"}]})
    assert list(batch.run_batch(lib, [ok], fmt="csv")) == [
        CSV_HEADER, "<batch>:1,tt,p,1,BY,RU,active,2025-01-05,2025-01-05"]
    bad = json.dumps({"events": [{"kind": "armed_attack", "date": "2025-01-05", "until": "2025-01-01", "on": "RU"}]})
    with pytest.raises(CasusError):
        list(batch.run_batch(lib, [bad], fmt="csv"))


# ---------------------------------------------------------------------------- command line

def casus(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], check=False, capture_output=True, text=True,
                          cwd=cwd or ROOT)


def test_cli_batch_csv_workers_and_shards(tmp_path: Path) -> None:
    day = [(dt.date(2025, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(72)]
    lines = [json.dumps({"name": f"s{i}", "events": [
        {"kind": "armed_attack", "date": day[i], "by": "UA", "on": code},
        {"kind": "state_of_war", "date": day[i], "party": code}]})
        for i, code in enumerate(["RU", "KP", "BY", "FR", "US", "RU"] * 12)]
    f = tmp_path / "b.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = casus("run", "--batch", str(f), "--format", "csv")
    assert one.returncode == 0, one.stderr
    assert one.stdout.startswith(CSV_HEADER + "\n") and one.stdout.count("\n") > 100
    two = casus("run", "--batch", str(f), "--format", "csv", "--workers", "2")
    assert two.returncode == 0 and two.stdout == one.stdout
    shards = [casus("run", "--batch", str(f), "--format", "csv", "--shard", f"{i}/3").stdout for i in range(3)]
    body = sorted(x for s in shards for x in s.splitlines() if x != CSV_HEADER)
    assert body == sorted(x for x in one.stdout.splitlines() if x != CSV_HEADER)
    bad = casus("run", "--batch", str(f), "--format", "csv", "--treaty", "nato_1950")
    assert bad.returncode == 2 and bad.stdout == "" and "nato_1949" in bad.stderr  # did you mean …
    table = casus("run", "--batch", str(f), "--format", "table")
    assert table.returncode == 2 and "--format table and markdown are for SCENARIO files" in table.stderr


def test_cli_run_csv_for_scenario_files() -> None:
    got = casus("run", "scenarios/kursk_2024.casus", "--format", "csv")
    assert got.returncode == 0, got.stderr
    rows = list(csv.DictReader(io.StringIO(got.stdout)))
    assert rows and {r["treaty"] for r in rows} >= {"ru_kp_2024"}


# ---------------------------------------------------------------------------- "some value" (issue 15 item 11)

SOME = '''treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision war "by a state, in a state of war" article "1" {
    when state_of_war(party: X) during armed_attack(by: S, on: X) and S is a state
    then each other party must assist(to: X)
  }
  provision actor "by an actor, or a threat" article "2" {
    when armed_attack(by: S, on: X) and S is an actor or threat(on: X) within 3 days after state_of_war(party: X)
    then each other party must assist(to: X)
  }
  provision anyone "an attacker named, after a request" article "3" {
    when armed_attack(by: S, on: X)
    upon request(from: X, to: T, for: assist) and T is a state
    then each other party must assist(to: X)
  }
}
'''


def test_a_variable_only_tested_is_compiled_as_some_value(tmp_path: Path) -> None:
    """`S is a state` beside the fact that binds S (Russia-DPRK Art. 4, China-DPRK Art. II): the
    compiled code keeps, per beneficiary, the first day over the values of S that pass the test;
    the engine's CSV, byte for byte, whoever attacks (a state, an actor, nobody named)."""
    lib = with_vocabulary(tmp_path, SOME)
    prog = compiled.program(lib, ("tt",), "default")
    assert prog is not None and prog.compiled == ["tt"]
    assert "[v_S]" in prog.source and "[v_T]" in prog.source  # tested where a fact binds them
    day = dt.date(2025, 1, 1)
    events = []
    for n in range(60):
        d = (day + dt.timedelta(days=n % 9)).isoformat()
        on = ("RU", "BY")[n % 2]
        by = ["UA", "terrorist_group", None, "PL", "international_organisation"][n % 5]
        kind = ["armed_attack", "state_of_war", "threat", "request", "armed_attack"][n % 5 if n % 7 else 1]
        e: dict[str, object] = {"kind": kind, "date": d}
        if kind == "state_of_war":
            e.update(party=on, until=(day + dt.timedelta(days=n % 9 + n % 4)).isoformat())
        elif kind == "request":
            e.update({"from": on, "for": "assist", **({"to": by} if by else {})})
        else:
            e.update(on=on, **({"by": by} if by else {}))
        events.append(e)
    lines = [json.dumps({"name": f"s{k}", "events": events[k:k + 3 + k % 5]}) for k in range(0, 55)]
    for by in ["UA", "terrorist_group", None]:  # at war the day a state (or not) attacks, until later
        attack = {"kind": "armed_attack", "date": "2025-02-03", "until": "2025-02-09", "on": "BY"}
        lines.append(json.dumps({"name": f"war {by}", "events": [
            {**attack, **({"by": by} if by else {})},
            {"kind": "state_of_war", "date": "2025-02-05", "party": "BY"}]}))
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", options=options))
    assert got == engine_csv(lib, lines)
    assert taken.compiled == len(lines)
    rows = [r for block in got[1:] for r in block.split("\n")]
    assert {r.split(",")[2] for r in rows if ",active," in r} == {"war", "actor", "anyone"}


OFF_THE_PATH = """\
treaty off "Left to the engine" {
  parties RU, BY
  in force 2020-01-01
  reservation BY "For a time" on p from 2021-01-01 {
    only when request(from: X, for: assist)
  }
  provision p "P" article "1" {
    when armed_attack(on: X)
    unless provocation(by: X)
    then each other party must assist(to: X)
  }
  provision q "Q" article "2" {
    when p active for X and threat(by: S, on: X) and not S in parties
    then each other party must consult(with: X)
    until unsc_measures(on: X) within 10 days after request(from: X, for: assist)
  }
}
"""


def test_treaties_not_compiled_say_why(tmp_path: Path) -> None:
    """Every treaty of the bundled library is compiled (issue 18: `S is a state`, `ongoing`, scope
    and place tests of a variable beside the fact that binds it, `until`, actions, members with
    their own dates, suspensions, versions, protected classes, reservations that add to a
    party's trigger, for good or for a time); a treaty that is not says why, the first reason
    (`reasons`) and all of them (`every_reason`, one per construct of each reason; `unless` is
    compiled)."""
    lib = load_library()
    ids = tuple(sorted(lib.treaties))
    assert compiled.reasons(lib, ids, "default") == {}
    assert compiled.every_reason(lib, ids, "default") == {tid: [] for tid in ids}
    lib = with_vocabulary(tmp_path, OFF_THE_PATH)
    first = compiled.reasons(lib, ("off",), "default")
    every = compiled.every_reason(lib, ("off",), "default")
    assert first == {"off": "provision q: its discharge condition (`until`) is not facts, states and fixed tests of "
                            "the bearer and the beneficiary, under `and` / `or`"}
    assert [c for c, _ in every["off"]] == ["until", "a variable beside the bearer and the beneficiary"]
    assert every["off"][0][1] == first["off"]  # (its reservation for a time is compiled)


# ---------------------------------------------------------------------------- relations between facts

RELATIONS_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision within "W" article "1" {
    when request(from: X) within 10 days after armed_attack(on: X)
    then each other party must assist(to: X)
  }
  provision after "A" article "2" {
    when request(from: X) after armed_attack(on: X)
    then each other party must assist(to: X)
  }
  provision before "B" article "3" {
    when request(from: X) before armed_attack(on: X)
    then each other party must assist(to: X)
  }
  provision during "D" article "4" {
    when request(from: X) during armed_attack(on: X)
    then each other party must assist(to: X)
  }
  provision overlapping "O" article "5" {
    when request(from: X) overlapping armed_attack(on: X)
    then each other party must assist(to: X)
  }
}
"""


class _Roles(dict):  # type: ignore[type-arg]
    """A fact's roles that count how often the compiled code reads them."""

    reads = 0

    def get(self, *args):  # type: ignore[no-untyped-def]
        _Roles.reads += 1
        return super().get(*args)


def _relation_events(n: int) -> list[dict[str, str]]:
    """n requests and n armed attacks (some lasting) between the parties, spread over the days."""
    events = []
    for i in range(n):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=(i * 7) % 900)
        who, other = ("RU", "BY") if i % 3 else ("BY", "RU")
        attack = {"kind": "armed_attack", "date": (day - dt.timedelta(days=i % 13)).isoformat(), "by": other, "on": who}
        if i % 4 == 0:
            attack["until"] = (day + dt.timedelta(days=i % 40)).isoformat()
        events += [attack, {"kind": "request", "date": day.isoformat(), "from": who, "to": other, "for": "assist"}]
    return events


def test_relations_between_facts_are_compiled_as_a_sweep_not_all_pairs(tmp_path: Path) -> None:
    """within / after / before / during / overlapping in compiled code give the engine's CSV, and
    look at facts about linearly: for each first fact, only the facts of its value whose starts
    the relation allows (issue 18, item 3; every pair of facts was 16x the reads for 4x the facts)."""
    lib = with_vocabulary(tmp_path, RELATIONS_TREATY)
    prog = compiled.program(lib, ("tt",), "default")
    assert prog is not None and prog.compiled == ["tt"]

    def reads(n: int) -> int:
        line = json.dumps({"name": "r", "events": _relation_events(n)})
        assert list(batch.run_batch(lib, [line], fmt="csv")) == engine_csv(lib, [line])
        light = batchline.light_facts(lib, prog, json.loads(line))
        assert light is not None  # the compiled code takes it
        hits = [(code, _Roles(roles), end) for code, roles, end in light[0]]
        _Roles.reads = 0
        prog.run(hits, light[1], "r", {})
        return _Roles.reads

    small, big = reads(200), reads(800)
    assert big <= 6 * small, f"{big} reads of roles for 800 facts a kind, {small} for 200"


# ---------------------------------------------------------------------------- ongoing

def _statuses(block: str, provision: str) -> list[tuple[str, ...]]:
    """(bearer, beneficiary, status, activated, since) of a provision's rows in a CSV block."""
    rows = list(csv.reader(io.StringIO(block)))
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}
    return [tuple(r[col[c]] for c in ("bearer", "beneficiary", "status", "activated", "since"))
            for r in rows if r[col["provision"]] == provision]


def test_ongoing_is_compiled_with_its_lapse() -> None:
    """Russia-DPRK Art. 3 (`imminent_threat(on: X) ongoing`, upon a request) and Russia-Belarus
    Art. 2 (`aggression(at: A) ongoing and A in scope belarus`, upon an agreement) in compiled
    code: pending while the threat lasts, lapsed the day after it ends, pending again on a new
    threat, active once asked; the engine's CSV, byte for byte."""
    lib = load_library()
    threat = {"kind": "imminent_threat", "on": "KP"}
    scenarios = {
        "lapses": [{**threat, "date": "2025-03-01", "until": "2025-03-10"},
                   {"kind": "request", "date": "2025-03-20", "from": "KP", "for": "consult"}],  # too late
        "again": [{**threat, "date": "2025-03-01", "until": "2025-03-10"},
                  {**threat, "date": "2025-04-01", "until": None},
                  {"kind": "request", "date": "2025-04-05", "from": "KP", "for": "consult"}],
        "still": [{**threat, "date": "2025-03-01", "until": "2025-03-10"},
                  {**threat, "date": "2025-03-11", "until": "2025-03-12"}],  # runs on without a gap
        "belarus": [{"kind": "aggression", "date": "2025-05-01", "until": "2025-05-09", "at": "BY-HR", "on": "BY"},
                    {"kind": "aggression", "date": "2025-05-01", "at": "PL", "on": "BY"}],  # not in scope
    }
    got = compiled_csv(lib, scenarios, ["ru_by_2024", "ru_kp_2024"])
    lapses, again, still, belarus = got[1:]
    assert _statuses(lapses, "art3") == [("RU", "KP", "lapsed", "", "2025-03-11")]
    assert _statuses(again, "art3") == [("RU", "KP", "active", "2025-04-05", "2025-04-05")]
    assert _statuses(still, "art3") == [("RU", "KP", "lapsed", "", "2025-03-13")]
    assert _statuses(belarus, "art2_union_by") == [("RU", "BY", "lapsed", "", "2025-05-10")]


UNTIL_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision measures "Until the Council acts" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X)
    until unsc_measures()
  }
  provision mine "Until the Council acts for X, once asked" article "2" {
    when armed_attack(on: X)
    upon request(from: X)
    then each other party must assist(to: X)
    until unsc_measures(on: X) and X in parties
  }
  provision while "While the attack lasts" article "3" {
    when armed_attack(on: X) ongoing
    then each other party must assist(to: X)
    until the situation ends
  }
}
"""


def test_until_is_compiled(tmp_path: Path) -> None:
    """A discharge condition (`until`) and `until the situation ends` in compiled code: a measure
    taken before activation does not discharge, one on the day of activation or later does (on
    its own day: that day is added to the instance's days); the engine's CSV, byte for byte."""
    lib = with_vocabulary(tmp_path, UNTIL_TREATY)
    prog = compiled.program(lib, ("tt",), "default")
    assert prog is not None and prog.compiled == ["tt"]
    attack = {"kind": "armed_attack", "date": "2025-03-01", "until": "2025-03-10", "by": "UA", "on": "BY"}
    measures = {"kind": "unsc_measures"}
    scenarios = {
        "before": [{**measures, "date": "2025-02-01"}, attack],
        "same day": [{**measures, "date": "2025-03-01"}, attack],
        "later": [attack, {**measures, "date": "2025-04-01", "on": "RU"},  # not for BY: only art1
                  {"kind": "request", "date": "2025-03-05", "from": "BY", "for": "assist"},
                  {**measures, "date": "2025-05-01", "on": "BY"}],
    }
    lines = [json.dumps({"name": name, "events": events}) for name, events in scenarios.items()]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", options=options))
    assert taken.compiled == len(lines)
    assert got == engine_csv(lib, lines)
    before, same, later = got[1:]
    assert _statuses(before, "measures") == [("RU", "BY", "active", "2025-03-01", "2025-03-01")]
    assert _statuses(same, "measures") == [("RU", "BY", "discharged", "2025-03-01", "2025-03-01")]
    assert _statuses(later, "measures") == [("RU", "BY", "discharged", "2025-03-01", "2025-04-01")]
    assert _statuses(later, "mine") == [("RU", "BY", "discharged", "2025-03-05", "2025-05-01")]
    assert _statuses(later, "while") == [("RU", "BY", "discharged", "2025-03-01", "2025-03-11")]


TWO_DATES_TREATIES = "".join(f"""\
treaty {tid} "{tid.upper()}" {{
  parties RU, BY
  in force {start}
  provision p "Assistance until the Council acts" article "1" {{
    when armed_attack(on: X)
    then each other party must assist(to: X)
    until unsc_measures(on: X)
  }}
}}
""" for tid, start in (("aa", "2020-01-01"), ("bb", "2022-01-01")))


def test_treaties_in_force_from_different_days_fill_their_tables_in_one_pass(tmp_path: Path) -> None:
    """Two treaties whose conditions read the same kinds, in force from different days: one pass
    over a kind's facts fills both treaties' tables (`_Tables._fill`), each fact counting from its
    treaty's entry into force, or not at all where it ends before; the engine's CSV, byte for byte."""
    lib = with_vocabulary(tmp_path, TWO_DATES_TREATIES)
    prog = compiled.program(lib, ("aa", "bb"), "default")
    assert prog is not None and prog.compiled == ["aa", "bb"]
    assert prog.source.count("for s1, e1, r1 in K[") == 3  # (armed_attack, unsc_measures, assist: a pass each)
    attack = {"kind": "armed_attack", "date": "2021-06-01", "by": "UA", "on": "BY"}
    lasting = {**attack, "until": "2022-03-01"}
    measures = {"kind": "unsc_measures", "on": "BY"}
    got = compiled_csv(lib, {"over before bb": [attack], "lasting": [lasting],
                             "measures later": [lasting, {**measures, "date": "2022-02-01"}]}, ["aa", "bb"])
    rows = [r for block in got[1:] for r in csv.reader(io.StringIO(block))]
    assert [(r[0], r[1], r[6], r[7], r[8]) for r in rows if r[4] == "RU"] == [
        ("over before bb", "aa", "active", "2021-06-01", "2021-06-01"),
        ("lasting", "aa", "active", "2021-06-01", "2021-06-01"),
        ("lasting", "bb", "active", "2022-01-01", "2022-01-01"),
        ("measures later", "aa", "discharged", "2021-06-01", "2022-02-01"),
        ("measures later", "bb", "discharged", "2022-01-01", "2022-02-01")]


ENDING_TREATY = """\
treaty tt "T" {
  parties RU, BY
  member KZ from 2021-06-01
  in force 2020-01-01 until 2022-12-31
  provision p "Assistance" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X)
  }
  provision q "Consultations while threatened" article "2" {
    when threat(on: X) ongoing
    then each other party must consult(with: X)
  }
}
"""


def test_a_treaty_that_ends_is_compiled(tmp_path: Path) -> None:
    """A treaty with an end date (`in force … until …`) in compiled code: its parties'
    memberships end with it, so an instance listed then is discharged the day after the end, and
    a fact that starts after it counts for nothing. The engine's CSV, byte for byte."""
    lib = with_vocabulary(tmp_path, ENDING_TREATY)
    scenarios = {
        "attacked in time": [{"kind": "armed_attack", "date": "2022-06-01", "by": "UA", "on": "BY"}],
        "attacked too late": [{"kind": "armed_attack", "date": "2023-01-01", "by": "UA", "on": "BY"}],
        "threatened across the end": [{"kind": "threat", "date": "2022-12-01", "until": "2023-02-01", "by": "UA",
                                       "on": "KZ"}],
    }
    got = compiled_csv(lib, scenarios, ["tt"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert _statuses(blocks["attacked in time"], "p") == [("KZ", "BY", "discharged", "2022-06-01", "2023-01-01"),
                                                          ("RU", "BY", "discharged", "2022-06-01", "2023-01-01")]
    assert "attacked too late" not in blocks
    assert [r[2:] for r in _statuses(blocks["threatened across the end"], "q")] == [
        ("discharged", "2022-12-01", "2023-01-01")] * 2


@pytest.mark.parametrize("treaties", [22, 21])
def test_provisions_written_alike_share_their_code(tmp_path: Path, treaties: int) -> None:
    """Twenty-two treaties of the same three provisions (66, more than `_SHARE_FROM`), between
    other parties and under other articles: the generated code has one function per way a
    provision is written (three), called once per provision, not a copy of the code per
    provision, so that what Python compiles grows with the ways of writing, not with the library
    (the peers' 2,023 provisions are 13 ways). Twenty-one (63) have their own code (a call per
    provision costs a little each scenario). The engine's CSV, byte for byte."""
    pairs = ["RU, BY", "FR, DE", "US, CA", "JP, KR", "BR, AR", "IN, NP"]
    text = "".join(UNTIL_TREATY.replace("treaty tt", f"treaty t{i:02d}").replace("RU, BY", pairs[i % len(pairs)])
                   .replace('article "', f'article "{i}.') for i in range(treaties))
    lib = with_vocabulary(tmp_path, text)
    ids = sorted(lib.treaties)
    prog = compiled.program(lib, tuple(ids), "default")
    assert prog is not None
    functions = [line for line in prog.source.splitlines() if line.startswith("def ")]
    calls = [line for line in prog.source.splitlines() if line.lstrip().startswith(("run0(", "run1(", "run2("))]
    if 3 * treaties > generate._SHARE_FROM:
        assert len(functions) == 3 + 1 and len(calls) == 3 * treaties  # (and `run`)
    else:
        assert len(functions) == 1 and not calls
    events = [{"kind": "armed_attack", "date": "2025-03-01", "by": "UA", "on": on} for on in ("BY", "DE", "KR")]
    events += [{"kind": "request", "date": "2025-03-05", "from": "DE", "for": "assist"},
               {"kind": "unsc_measures", "date": "2025-06-01", "on": "DE"}]
    got = compiled_csv(lib, {"attacks": events}, ids)
    assert {line.split(",")[1] for line in got[1].splitlines()} == {f"t{i:02d}" for i in range(treaties)
                                                                    if i % len(pairs) in (0, 1, 3)}


def test_a_long_discharge_entry_is_searched_by_bisection(tmp_path: Path) -> None:
    """The first measure on or after an activation, among many (`runtime.first_from`: a long
    table entry's starts sorted once per scenario and bisected, given in any order): the engine's
    CSV, byte for byte, with attacks activating on several days between the measures."""
    lib = with_vocabulary(tmp_path, UNTIL_TREATY)
    measures = [{"kind": "unsc_measures", "date": f"2025-{m:02d}-15"} for m in (11, 3, 9, 1, 7, 5, 12, 2, 10, 4)]
    scenarios = {f"attack on {m}-{d}": [*measures, {"kind": "armed_attack", "date": f"2025-{m:02d}-{d:02d}",
                                                     "by": "UA", "on": "BY"}]
                 for m, d in ((1, 20), (3, 15), (6, 1), (12, 16))}
    got = compiled_csv(lib, scenarios, ["tt"])
    since = [_statuses(block, "measures")[0][2:] for block in got[1:]]
    assert since == [("discharged", "2025-01-20", "2025-02-15"), ("discharged", "2025-03-15", "2025-03-15"),
                     ("discharged", "2025-06-01", "2025-07-15"), ("active", "2025-12-16", "2025-12-16")]


@pytest.mark.parametrize("members", ["as declared", "all from the start"])
def test_nato_compiles_and_gives_the_engines_csv(tmp_path: Path, members: str) -> None:
    """NATO compiles (Art. 4's `ongoing` threat, Art. 5's attack on territory, forces, vessels or
    aircraft at a place A in its scope, read as "some place" in each of the four ways, `until
    unsc_measures()`, members with their own dates) and gives the engine's CSV on realistic
    stories (bench/realistic.py); so does the same treaty with every member a party from entry
    into force."""
    import re

    from bench import realistic

    text = (ROOT / "obligations" / "nato_1949.casus").read_text(encoding="utf-8")
    if members == "all from the start":
        joined = [c for line in re.findall(r"^\s*member (.*?) from ", text, re.M) for c in line.split(", ")]
        assert len(joined) == 20
        text = re.sub(r"^\s*member .*$", "", text, flags=re.M)
        text = re.sub(r"parties (.*)", lambda m: f"parties {m.group(1)}, {', '.join(joined)}", text, count=1)
    (tmp_path / "nato.casus").write_text(text, encoding="utf-8")
    shared = [p for p in sorted(library_dir().glob("*.casus")) if "treaty " not in p.read_text(encoding="utf-8")
              and p.name != "properties.casus"]  # (its properties name the other treaties)
    lib = load_library([*map(str, shared), str(tmp_path / "nato.casus")])
    prog = compiled.program(lib, ("nato_1949",), "default")
    assert prog is not None and prog.compiled == ["nato_1949"]
    stories = realistic.scenarios(600, seed=3)  # (among every treaty's members)
    lines = [json.dumps({**s, "events": [e for e in s["events"] if e.get("treaty", "nato_1949") == "nato_1949"]})
             for s in stories]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, ["nato_1949"], fmt="csv", options=options))
    assert got == engine_csv(lib, lines, ["nato_1949"])
    assert taken.compiled > 100, taken.compiled
    col = {name: i for i, name in enumerate(CSV_COLUMNS)}
    rows = [r for block in got[1:] for r in csv.reader(io.StringIO(block))]
    assert {(r[col["provision"]], r[col["status"]]) for r in rows} >= {
        ("art4", "active"), ("art5", "active"), ("art5", "discharged")}


def test_members_with_their_own_dates_in_compiled_code() -> None:
    """NATO as declared: a fact counts for a pair of parties when it overlaps both memberships
    (an attack on Poland in 1995 counts for nobody; a threat that lasts into Sweden's accession
    binds Sweden from that day), an instance is dormant while a party is not a member; the
    engine's CSV, byte for byte, from compiled code."""
    lib = load_library()
    scenarios = {
        "1995": [{"kind": "armed_attack", "date": "1995-05-01", "by": "RU", "on": "PL", "at": "PL"}],
        "lasting": [{"kind": "threat", "date": "2023-01-01", "until": "2024-06-01", "by": "RU", "on": "PL"}],
        "2025": [{"kind": "armed_attack", "date": "2025-01-10", "by": "RU", "on": "PL", "at": "PL-14"}],
    }
    got = compiled_csv(lib, scenarios, ["nato_1949"])
    assert [block.split(",", 1)[0] for block in got[1:]] == ["lasting", "2025"]  # 1995: nothing
    lasting = {row[0]: row[2:] for row in _statuses(got[1], "art4")}
    assert len(lasting) == 31 and "PL" not in lasting
    assert lasting["SE"] == ("active", "2024-03-07", "2024-03-07")
    assert lasting["FI"] == ("active", "2023-04-04", "2023-04-04")
    assert lasting["US"] == ("active", "2023-01-01", "2023-01-01")
    attack = _statuses(got[2], "art5")
    assert len(attack) == 31 and {r[2:] for r in attack} == {("active", "2025-01-10", "2025-01-10")}


CLASSES_TREATY = """\
treaty tt "T" {
  parties RU, BY
  member KZ from 2021-01-01
  member AM from 2021-06-01
  in force 2020-01-01
  provision p "Attacked, once asked" article "1" {
    when armed_attack(on: X)
    upon request(from: X)
    then each other party must assist(to: X)
  }
}
"""


def test_members_alike_from_the_first_fact_share_one_evaluation(tmp_path: Path) -> None:
    """Bearers whose memberships are the same from the first day a fact of the instance starts
    share one evaluation (`_Life.first_start`): the first fact is its prerequisite's, not
    its trigger's. Belarus asks in March, when Kazakhstan is a member and Armenia is not yet;
    Belarus is attacked in August, when both are: Kazakhstan's duty is active, Armenia's waits
    for a request it can see. With and without an ally acting (each bearer worked out for
    itself, the others sharing); the engine's CSV, byte for byte."""
    lib = with_vocabulary(tmp_path, CLASSES_TREATY)
    events = [{"kind": "request", "date": "2021-03-01", "from": "BY", "for": "assist"},
              {"kind": "armed_attack", "date": "2021-08-01", "by": "UA", "on": "BY"}]
    got = compiled_csv(lib, {"asked first": events, "and Russia helps": [
        *events, {"kind": "assist", "date": "2021-09-01", "by": "RU", "to": "BY"}]}, ["tt"])
    for block, russia in zip(got[1:], ["active", "fulfilled"], strict=True):
        rows = {row[0]: row[2] for row in _statuses(block, "p")}
        assert rows == {"RU": russia, "KZ": "active", "AM": "pending"}


WITHIN_TREATY = """\
treaty tt "T" {
  parties RU, BY
  member KZ from 2021-06-01
  in force 2020-01-01
  provision p "Asked after an attack" article "1" {
    when request(from: X) within 30 days after armed_attack(on: X)
    then each other party must assist(to: X)
  }
}
"""


def test_relations_between_facts_where_memberships_change(tmp_path: Path) -> None:
    """A within/after/before in a treaty whose memberships change (`_pair_loop` keeps every pair
    of facts, `first_pair` takes the first both parties see): Belarus attacked in May 2021 and
    asking in June counts for Russia, not for Kazakhstan, a member only from June 1 (the attack
    was before); a second attack and request in June count for both. The engine's CSV and
    result JSON, byte for byte."""
    lib = with_vocabulary(tmp_path, WITHIN_TREATY)
    first = [{"kind": "armed_attack", "date": "2021-05-20", "by": "UA", "on": "BY"},
             {"kind": "request", "date": "2021-06-05", "from": "BY", "for": "assist"}]
    again = [{"kind": "armed_attack", "date": "2021-06-10", "by": "UA", "on": "BY"},
             {"kind": "request", "date": "2021-06-20", "from": "BY", "for": "assist"}]
    got = compiled_csv(lib, {"before": first, "and after": first + again}, ["tt"])
    before, after = got[1:]
    assert _statuses(before, "p") == [("RU", "BY", "active", "2021-06-05", "2021-06-05")]
    assert _statuses(after, "p") == [("KZ", "BY", "active", "2021-06-20", "2021-06-20"),
                                     ("RU", "BY", "active", "2021-06-05", "2021-06-05")]
    lines = [json.dumps({"name": "after", "events": first + again})]
    assert list(batch.run_batch(lib, lines)) == list(batch.run_batch(lib, lines, options=EvalOptions(compiled=False)))


@pytest.mark.parametrize("interpretation", ["default", "armenia_freeze", "rio_cuba_formal"])
def test_an_interpretations_memberships_are_compiled(interpretation: str) -> None:
    """Who is a member as the interpretation reads it (`context`: its membership entries) in
    compiled code: Armenia's participation in the CSTO suspended from 2024-02-23 (its duties
    and those owed to it), Cuba still a party to Rio (a bearer toward Brazil). The engine's CSV,
    byte for byte."""
    lib = load_library()
    scenarios = {
        "Armenia attacked": [{"kind": "armed_attack", "date": "2024-06-01", "by": "AZ", "on": "AM", "at": "AM"}],
        "Russia attacked": [{"kind": "armed_attack", "date": "2024-06-01", "by": "UA", "on": "RU", "at": "RU-KRS"}],
        "Brazil attacked": [{"kind": "armed_attack", "date": "2025-01-01", "by": "VE", "on": "BR", "at": "BR"}],
    }
    got = compiled_csv(lib, scenarios, ["csto_1992", "rio_1947"], interpretation)
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    frozen = interpretation == "armenia_freeze"
    toward_am = {row[2] for row in _statuses(blocks["Armenia attacked"], "art4")}
    assert toward_am == ({"suspended"} if frozen else {"pending"})  # (waiting for a request)
    by_am = [row[2] for row in _statuses(blocks["Russia attacked"], "art4") if row[0] == "AM"]
    assert by_am == (["suspended"] if frozen else ["pending"])
    cuba = [row for row in _statuses(blocks["Brazil attacked"], "art3_1") if row[0] == "CU"]
    assert len(cuba) == (1 if interpretation == "rio_cuba_formal" else 0)


SHARED_FACTS_TREATY = """\
treaty tt "T" {
  parties RU, BY
  member KZ from 2021-06-01
  in force 2020-01-01
  provision p "Attacked, after the Council acted" article "1" {
    when armed_attack(on: X) and unsc_measures()
    then each other party must assist(to: X)
  }
}
"""


def test_which_facts_a_pair_of_parties_sees_is_remembered_per_pair(tmp_path: Path) -> None:
    """A table entry that does not name the beneficiary (the Council's measures) is read for
    every pair of parties; which of its facts count is remembered per pair of memberships within
    a scenario (`seen_in`, `first_seen_in`): measures in March count for Belarus, a party then,
    not for Kazakhstan, a member from June. The engine's CSV, byte for byte."""
    lib = with_vocabulary(tmp_path, SHARED_FACTS_TREATY)
    events = [{"kind": "unsc_measures", "date": f"2021-03-{day:02d}"} for day in range(1, 11)]  # (a long entry)
    events += [{"kind": "armed_attack", "date": "2021-07-01", "by": "UA", "on": on} for on in ("BY", "KZ")]
    got = compiled_csv(lib, {"measures, then attacks": events}, ["tt"])
    # (Kazakhstan neither owes nor is owed: it saw no measures)
    assert {(row[0], row[1]) for row in _statuses(got[1], "p")} == {("RU", "BY")}


DEADLINE_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision p "Assist within a week" article "1" {
    when armed_attack(on: X) ongoing
    then each other party must assist(to: X), within 7 days
  }
}
"""


def test_deadlines_are_compiled(tmp_path: Path) -> None:
    """A deadline in compiled code (`within 7 days`; a timing word the reading maps, as
    strict_deadlines does, the same): fulfilled by an assistance that starts by the seventh day,
    violated the day after it otherwise: where the attack ends on the sixth (a day to look at on
    the seventh), or the assistance starts the day after the deadline. The engine's CSV and
    result JSON, byte for byte."""
    lib = with_vocabulary(tmp_path, DEADLINE_TREATY)
    attack = {"kind": "armed_attack", "date": "2021-01-01", "until": None, "by": "UA", "on": "BY"}

    def assist(day: str) -> dict[str, str]:
        return {"kind": "assist", "date": day, "by": "RU", "to": "BY"}

    scenarios = {"in time": [attack, assist("2021-01-05")], "on the last day": [attack, assist("2021-01-08")],
                 "late": [attack, assist("2021-01-09")],
                 "a fact on the last day": [{**attack, "until": "2021-01-07"}]}
    got = compiled_csv(lib, scenarios, ["tt"])
    status = {block.split(",", 1)[0]: _statuses(block, "p") for block in got[1:]}
    assert status["in time"] == [("RU", "BY", "fulfilled", "2021-01-01", "2021-01-05")]
    assert status["on the last day"] == [("RU", "BY", "fulfilled", "2021-01-01", "2021-01-08")]
    assert status["late"] == [("RU", "BY", "violated", "2021-01-01", "2021-01-09")]
    assert status["a fact on the last day"] == [("RU", "BY", "violated", "2021-01-01", "2021-01-09")]
    lines = [json.dumps({"name": name, "events": events}) for name, events in scenarios.items()]
    assert list(batch.run_batch(lib, lines)) == list(batch.run_batch(lib, lines, options=EvalOptions(compiled=False)))


FORBIDDEN_WITHIN_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision p "No help to a threatened party, within a day" article "1" {
    when imminent_threat(on: X)
    then each other party must not assist(to: X), within 0 days
  }
}
"""


def test_a_prohibition_has_no_deadline(tmp_path: Path) -> None:
    """Only an obligation falls due (`lifecycle.falls_due`): a prohibition's `within N days` does
    not end what it forbids, so an assistance the day after the "deadline" still violates it, in
    compiled code as in the walk (the compiled code took the deadline as a limit on the action:
    Hypothesis found it, test_compiled_treaties_give_the_engines_csv)."""
    lib = with_vocabulary(tmp_path, FORBIDDEN_WITHIN_TREATY)
    scenarios = {"helped": [{"kind": "imminent_threat", "date": "2020-01-01", "on": "BY"},
                            {"kind": "assist", "date": "2020-01-02", "by": "RU", "to": "BY"}]}
    got = compiled_csv(lib, scenarios, ["tt"])
    assert _statuses(got[1], "p") == [("RU", "BY", "violated", "2020-01-01", "2020-01-02")]


SOME_WAYS = """\
treaty tt_or "T" {
  parties RU, BY
  in force 2020-01-01
  provision p "Some attacker, in either way" article "1" {
    when sanctions(by: S, on: X) and S is a state or assessment(by: S, on: X) and S is an actor
    then each other party must assist(to: X)
  }
}
treaty tt_and "T" {
  parties RU, BY
  in force 2020-01-01
  provision p "One party that both sanctions and assesses" article "1" {
    when sanctions(by: S, on: X) and assessment(by: S, on: X)
    then each other party must assist(to: X)
  }
}
"""


def test_a_variable_named_in_two_ways_of_holding_is_some_value_in_each(tmp_path: Path) -> None:
    """A variable beside bearer and beneficiary named by a fact in each branch of an `or` is
    "some value" in each, with the tests beside its fact there; named by two facts that must
    hold together, it joins them (the same party), which the compiled code cannot read as
    "some value": that treaty stays with the engine and says why."""
    lib = with_vocabulary(tmp_path, SOME_WAYS)
    prog = compiled.program(lib, ("tt_and", "tt_or"), "default")
    assert prog is not None and prog.compiled == ["tt_or"]
    assert prog.reasons["tt_and"] == "provision p: variable S: several facts name it in one way of holding"
    sanctions = {"kind": "sanctions", "date": "2025-03-01", "on": "BY"}
    assessment = {"kind": "assessment", "date": "2025-03-02", "on": "BY"}
    scenarios = [[{**sanctions, "by": "UA"}, {**assessment, "by": "PL"}],  # two parties: tt_and has none
                 [{**sanctions, "by": "UA"}, {**assessment, "by": "UA"}],
                 [{**sanctions, "by": "terrorist_group"}, {**assessment, "by": "UA"}],  # neither way's test
                 [{**sanctions, "by": "terrorist_group"}, {**assessment, "by": "terrorist_group"}]]
    lines = [json.dumps({"name": f"s{i}", "events": events}) for i, events in enumerate(scenarios)]
    got = list(batch.run_batch(lib, lines, fmt="csv"))
    assert got == engine_csv(lib, lines)
    listed = [{(r[0], r[1]) for r in csv.reader(io.StringIO(block))} for block in got[1:]]
    assert listed == [{("s0", "tt_or")}, {("s1", "tt_and"), ("s1", "tt_or")}, {("s3", "tt_and"), ("s3", "tt_or")}]


VERSIONS_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision old "The first text" article "1" {
    version "first" to 2022-12-31
    when threat(on: X) ongoing
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
  provision new "The second text" article "1" {
    version "second" from 2023-01-01
    when threat(on: X) ongoing
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
  provision strict "As written" article "2" {
    version "as written" under rio_state_attacker
    when armed_attack(on: X)
    then each other party must assist(to: X)
  }
}
"""


@pytest.mark.parametrize("interpretation", ["default", "rio_state_attacker"])
def test_versions_are_compiled(tmp_path: Path, interpretation: str) -> None:
    """A provision's text by date (it can be triggered only on its days: a threat that lasts
    across the change leaves the first text's instance lapsed and the second's pending) and by
    reading (never triggered under another); the engine's CSV, byte for byte."""
    (tmp_path / "t.casus").write_text(VERSIONS_TREATY, encoding="utf-8")
    lib = load_library([str(library_dir() / "vocabulary.casus"), str(library_dir() / "interpretations.casus"),
                        str(tmp_path / "t.casus")])
    prog = compiled.program(lib, ("tt",), interpretation)
    assert prog is not None and prog.compiled == ["tt"]
    scenarios = {
        "across": [{"kind": "threat", "date": "2022-06-01", "until": "2023-06-01", "on": "BY"},
                   {"kind": "armed_attack", "date": "2022-07-01", "on": "BY"}],
        "asked": [{"kind": "threat", "date": "2022-06-01", "until": "2023-06-01", "on": "BY"},
                  {"kind": "request", "date": "2023-03-01", "from": "BY", "for": "assist"}],
    }
    lines = [json.dumps({"name": name, "interpretation": interpretation, "events": events})
             for name, events in scenarios.items()]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, fmt="csv", options=options))
    assert taken.compiled == len(lines)
    assert got == engine_csv(lib, lines)
    across, asked = got[1:]
    assert _statuses(across, "old") == [("RU", "BY", "lapsed", "", "2023-01-01")]
    assert _statuses(across, "new") == [("RU", "BY", "lapsed", "", "2023-06-02")]
    strict = [("RU", "BY", "active", "2022-07-01", "2022-07-01")] if interpretation == "rio_state_attacker" else []
    assert _statuses(across, "strict") == strict
    assert _statuses(asked, "new") == [("RU", "BY", "active", "2023-03-01", "2023-03-01")]


def test_actions_are_compiled() -> None:
    """Whether the bearer acted (`lifecycle` asks `action`) in compiled code: an assistance over
    before activation does not fulfil, one under way on the day of activation or later does; a
    prohibited act violates; the engine's CSV, byte for byte."""
    lib = load_library()
    war = [{"kind": "armed_attack", "date": "2025-03-01", "until": "2025-03-20", "by": "US", "on": "KP"},
           {"kind": "state_of_war", "date": "2025-03-02", "party": "KP"}]
    assist = {"kind": "assist", "by": "RU", "to": "KP"}
    scenarios = {
        "early": [*war, {**assist, "date": "2025-02-20"}],
        "lasting": [*war, {**assist, "date": "2025-02-20", "until": "2025-03-10"}],
        "later": [*war, {**assist, "date": "2025-03-05"}],
        "other way": [*war, {"kind": "assist", "date": "2025-03-05", "by": "KP", "to": "RU"}],
        "force": [{"kind": "threat_or_use_of_force", "date": "2025-01-01", "by": "US", "against": "CA"}],
    }
    got = compiled_csv(lib, scenarios, ["nato_1949", "ru_kp_2024"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert _statuses(blocks["early"], "art4") == [("RU", "KP", "active", "2025-03-02", "2025-03-02")]
    assert _statuses(blocks["lasting"], "art4") == [("RU", "KP", "fulfilled", "2025-03-02", "2025-03-02")]
    assert _statuses(blocks["later"], "art4") == [("RU", "KP", "fulfilled", "2025-03-02", "2025-03-05")]
    assert _statuses(blocks["other way"], "art4") == [("RU", "KP", "active", "2025-03-02", "2025-03-02")]
    assert _statuses(blocks["force"], "art1") == [("US", "CA", "violated", "2025-01-01", "2025-01-01")]


PLACES_TREATY = """\
treaty tt "T" {
  parties UA, PL
  in force 2000-01-01
  provision home "An attack on a party's own territory" article "1" {
    when armed_attack(on: X, at: A) and A territory of X
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
}
"""


@pytest.mark.parametrize("interpretation", ["default", "ru_claims"])
def test_place_tests_are_compiled(tmp_path: Path, interpretation: str) -> None:
    """`A territory of X` / `A administered by X` of the place of the fact that names it, in
    compiled code: the days on which the place is the party's (under the interpretation) are
    cut out of the fact's days; the engine's CSV, byte for byte. Under Russia's claims Crimea
    (UA-43) is not Ukraine's from 2014-03-18: an attack there in 2010 stops counting as one on
    Ukrainian territory, and the instance waiting for a request lapses. Okinawa (JP-47) is under
    Japanese administration from 1972-05-15 (US-Japan Art. V)."""
    (tmp_path / "t.casus").write_text(PLACES_TREATY, encoding="utf-8")
    shared = [p for p in sorted(library_dir().glob("*.casus")) if "treaty " not in p.read_text(encoding="utf-8")
              and p.name != "properties.casus"]
    lib = load_library([*map(str, shared), str(ROOT / "obligations" / "us_jp_1960.casus"), str(tmp_path / "t.casus")])
    scenarios = {
        "crimea": [{"kind": "armed_attack", "date": "2010-01-01", "by": "RU", "on": "UA", "at": "UA-43"},
                   {"kind": "request", "date": "2015-01-01", "from": "UA", "for": "assist"}],
        "okinawa": [{"kind": "armed_attack", "date": "1965-01-01", "until": "1975-01-01", "by": "KP", "on": "JP",
                     "at": "JP-47"}],
    }
    got = compiled_csv(lib, scenarios, ["tt", "us_jp_1960"], interpretation)
    crimea, okinawa = got[1:]
    assert _statuses(crimea, "home") == ([("PL", "UA", "lapsed", "", "2014-03-18")] if interpretation == "ru_claims"
                                         else [("PL", "UA", "active", "2015-01-01", "2015-01-01")])
    assert _statuses(okinawa, "art5") == [("US", "JP", "active", "1972-05-15", "1972-05-15")]


def test_suspensions_are_compiled() -> None:
    """ANZUS as declared (the US's duties toward New Zealand suspended from 1986-08-11): a duty
    that arises while suspended shows `suspended` while its trigger holds (toward New Zealand,
    from the US only), and is dormant again once it stops; one that arose before is suspended
    from that day; the engine's CSV, byte for byte."""
    lib = load_library()
    threat = {"kind": "threat", "by": "CN", "on": "NZ"}
    scenarios = {"2000": [{**threat, "date": "2000-01-01", "until": None}],
                 "2001": [{**threat, "date": "2001-01-01", "until": "2001-02-01"}],
                 "1985": [{**threat, "date": "1985-01-01", "until": "1990-01-01"}]}
    got = compiled_csv(lib, scenarios, ["anzus_1951"])
    y2000, y2001, y1985 = got[1:]
    assert _statuses(y2000, "art3") == [("AU", "NZ", "active", "2000-01-01", "2000-01-01"),
                                        ("US", "NZ", "suspended", "", "2000-01-01")]
    assert _statuses(y2001, "art3") == [("AU", "NZ", "active", "2001-01-01", "2001-01-01")]
    assert _statuses(y1985, "art3") == [("AU", "NZ", "active", "1985-01-01", "1985-01-01"),
                                        ("US", "NZ", "suspended", "1985-01-01", "1986-08-11")]


def test_place_tests_where_memberships_change() -> None:
    """TEU Art. 42(7) (`armed_attack(on: X, at: A) and A in scope member_territory and A
    territory of X`, members with their own dates, declarations that add only qualifiers): an
    attack on Croatia before its accession counts only if it lasts into its membership; the
    United Kingdom's instances end when it leaves; the engine's CSV, byte for byte."""
    lib = load_library()
    attack = {"kind": "armed_attack", "by": "RU"}
    scenarios = {
        "hr 2010": [{**attack, "date": "2010-01-01", "on": "HR", "at": "HR-21"}],
        "hr 2013": [{**attack, "date": "2013-01-01", "until": "2013-12-31", "on": "HR", "at": "HR-21"}],
        "gb 2019": [{**attack, "date": "2019-05-01", "on": "GB", "at": "GB-LND"}],
    }
    got = compiled_csv(lib, scenarios, ["eu_teu_42_7"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert "hr 2010" not in blocks
    hr = {r[0]: r[2:] for r in _statuses(blocks["hr 2013"], "art42_7")}
    assert len(hr) == 27 and hr.pop("GB") == ("discharged", "2013-07-01", "2020-02-01")  # it left
    assert set(hr.values()) == {("active", "2013-07-01", "2013-07-01")}
    gb = {r[0]: r[2:] for r in _statuses(blocks["gb 2019"], "art42_7")}
    assert gb["FR"] == ("discharged", "2019-05-01", "2020-02-01") and "HR" in gb


def test_a_protected_class_is_compiled() -> None:
    """Rio (members with their own dates, texts by reading, `until`, and Art. 3 protecting every
    American state, party or not): an armed attack on Canada, no party, binds the parties toward
    it, each from its own membership; an attack on the United States outside the Art. 3 region
    (`not A in scope art3`, of the attack's place) brings Art. 3(3); the engine's CSV, byte for
    byte."""
    lib = load_library()
    scenarios = {
        "canada": [{"kind": "armed_attack", "date": "2010-05-01", "by": "RU", "on": "CA", "at": "CA-NU"}],
        "abroad": [{"kind": "armed_attack", "date": "2010-05-01", "by": "KP", "on": "US", "at": "JP-47"}],
    }
    got = compiled_csv(lib, scenarios, ["rio_1947"])
    canada, abroad = got[1:]
    to_canada = {r[0]: r[2:] for r in _statuses(canada, "art3_1")}
    assert to_canada["US"] == ("active", "2010-05-01", "2010-05-01")
    assert to_canada["BO"] == ("discharged", "2010-05-01", "2014-06-05")  # it left
    assert "MX" not in to_canada  # gone by 2010
    assert not _statuses(abroad, "art3_1") and _statuses(abroad, "art3_3")


def test_a_fact_at_a_territory_is_on_its_sovereign() -> None:
    """A fact that names only its place (`at`) is on that territory's sovereign (`prepare`): the
    compiled code takes it where no interpretation moves the territory, and leaves it to the
    engine where one does (Crimea under Russia's claims: on Ukraine, then on Russia)."""
    lib = load_library()
    lines = [json.dumps({"name": "kursk", "events": [
                 {"kind": "armed_attack", "date": "2025-01-01", "by": "UA", "at": "RU-KRS"}]}),
             json.dumps({"name": "crimea", "events": [
                 {"kind": "armed_attack", "date": "2013-01-01", "until": "2015-01-01", "by": "KP", "at": "UA-43"}]})]
    for interpretation, compiled_lines in (("default", 2), ("ru_claims", 1)):
        options, taken = counting()
        got = list(batch.run_batch(lib, lines, fmt="csv", interpretation=interpretation, options=options))
        want = [CSV_HEADER]
        for n, line in enumerate(lines, 1):
            rows = result_csv(evaluate(lib, batchline.line_scenario(lib, line, "<batch>", n), None, interpretation))
            if rows:
                want.append("\n".join(rows))
        assert got == want
        assert (taken.compiled, taken.csv_engine) == (compiled_lines, 2 - compiled_lines)
        assert ",csto_1992,art4,4,BY,RU,pending," in got[1]  # Kursk: an attack on Russia


def test_a_reservation_that_adds_to_a_trigger_is_compiled() -> None:
    """US-ROK Art. III (`armed_attack(on: X, at: A) ongoing and A in scope art3 and (A
    administered by KR or A administered by US)`) with the US Senate's understanding (for the US
    as bearer, also `A administered by X`): an attack on Korean forces on Guam would bind the US as
    the treaty reads, but not under its understanding; an attack in Korea binds it, one on US
    forces on Guam binds Korea; the engine's CSV, byte for byte."""
    lib = load_library()
    attack = {"kind": "armed_attack", "date": "2000-01-01", "until": "2000-03-01", "by": "KP"}
    scenarios = {"guam": [{**attack, "on": "KR", "at": "US-GU", "against": "forces"}],
                 "seoul": [{**attack, "on": "KR", "at": "KR-11"}],
                 "us forces on guam": [{**attack, "on": "US", "at": "US-GU", "against": "forces"}]}
    got = compiled_csv(lib, scenarios, ["us_kr_1953"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert _statuses(blocks["guam"], "art3") == []  # the treaty reads Guam in; the US's understanding does not
    assert _statuses(blocks["seoul"], "art3") == [("US", "KR", "active", "2000-01-01", "2000-01-01")]
    assert _statuses(blocks["us forces on guam"], "art3") == [("KR", "US", "active", "2000-01-01", "2000-01-01")]


RESERVED_FOR_A_TIME = """\
treaty tt "T" {
  parties RU, BY
  member KZ from 2021-03-01
  in force 2020-01-01
  reservation BY "For a time" on p from 2021-01-01 to 2021-12-31 {
    only when request(from: X, for: assist)
  }
  reservation KZ "From a day" on p, q from 2022-06-01 {
    only when threat(on: X)
  }
  reservation KZ "Until a day" on q to 2021-06-30 {
    only when request(from: X, for: consult)
  }
  provision p "Assistance" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X), within 30 days
    until unsc_measures(on: X)
  }
  provision q "Consultations" article "2" {
    when threat(on: X) ongoing
    upon request(from: X, for: consult)
    then each other party must consult(with: X)
  }
}
"""


def _a_day(rng: random.Random) -> tuple[int, int, str]:
    """A day of 2020-2023 (its year, its month, its date) for the seeded scenarios below."""
    year, month = rng.choice([2020, 2021, 2022, 2023]), rng.randint(1, 12)
    return year, month, f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


Event = dict[str, object]


def _seeded_lines(n: int, seed: int, most: int, event: Callable[[random.Random], Event],
                  after: Callable[[random.Random, int], list[Event]] = lambda rng, i: []) -> list[str]:
    """`n` scenario lines of 1 to `most` events each drawn by `event`, then those `after` adds
    to the i-th."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        events = [event(rng) for _ in range(rng.randint(1, most))] + after(rng, i)
        out.append(json.dumps({"name": f"s{i}", "events": events}))
    return out


def _reserved_event(rng: random.Random) -> Event:
    year, month, date = _a_day(rng)
    x, by = rng.choice(["RU", "BY", "KZ"]), rng.choice(["RU", "BY", "KZ", "UA"])
    return rng.choice([
        {"kind": "armed_attack", "date": date, "by": "UA", "on": x},
        {"kind": "threat", "date": date, "by": "UA", "on": x,
         **({"until": f"{year + 1}-{month:02d}-01"} if rng.random() < 0.5 else {})},
        {"kind": "request", "date": date, "from": x, "for": "assist"},
        {"kind": "request", "date": date, "from": x, "for": "consult"},
        {"kind": "assist", "date": date, "by": by, "to": x},
        {"kind": "consult", "date": date, "by": by, "with": x},
        {"kind": "unsc_measures", "date": date, "on": x}])


def reserved_lines(n: int, seed: int) -> list[str]:
    """Scenarios for RESERVED_FOR_A_TIME: attacks, threats (some lasting), requests, assistance,
    consultations and Council measures over 2020-2023, across the reservations' days."""
    return _seeded_lines(n, seed, 6, _reserved_event)


def test_a_reservation_for_a_time_is_compiled(tmp_path: Path) -> None:
    """Reservations that add a condition to a party's trigger on their days only (from a day, to
    a day, both), beside a member with its own dates, a deadline, a discharge condition and an
    ongoing trigger with prerequisites: the trigger with the condition on those days, without it
    on the others, and those days looked at (`_ProvisionPlan.windows`): in 2021 Belarus owes an
    attacked Russia assistance only once Russia has asked, before and after without asking;
    the engine's CSV and result JSON, byte for byte, here and on 300 seeded scenarios."""
    lib = with_vocabulary(tmp_path, RESERVED_FOR_A_TIME)
    attack = {"kind": "armed_attack", "by": "UA", "on": "RU"}
    got = compiled_csv(lib, {f"attacked {day}": [{**attack, "date": day}]
                             for day in ("2020-06-01", "2021-06-01", "2022-06-01")}, ["tt"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert _statuses(blocks["attacked 2020-06-01"], "p") == [("BY", "RU", "violated", "2020-06-01", "2020-07-02")]
    # in 2021 Belarus's reservation asks for a request, none came: bound from the day it ends
    assert _statuses(blocks["attacked 2021-06-01"], "p") == [("BY", "RU", "violated", "2022-01-01", "2022-02-01"),
                                                             ("KZ", "RU", "violated", "2021-06-01", "2021-07-02")]
    # from mid-2022 Kazakhstan's asks for a threat: an armed attack is one
    assert [r[0] for r in _statuses(blocks["attacked 2022-06-01"], "p")] == ["BY", "KZ"]
    lines = reserved_lines(300, 4)
    options, taken = counting()
    for fmt in ("csv", "json"):
        want = list(batch.run_batch(lib, lines, ["tt"], fmt=fmt, options=EvalOptions(compiled=False)))
        assert list(batch.run_batch(lib, lines, ["tt"], fmt=fmt, options=options)) == want
    assert taken.compiled == 2 * len(lines)


UNANSWERED = """\
treaty tt "Unanswered" {
  parties RU, BY, KZ
  in force 2020-01-01
  reservation KZ "Unless answered" on p {
    only when not sanctions(by: X, on: S)
  }
  provision p "Assistance" article "1" {
    when armed_attack(by: S, on: X) and not sanctions(by: X, on: S)
    then each other party must assist(to: X)
  }
  provision q "Consultations on request" article "2" {
    when threat(by: S, on: X) and S is a state and not consult(by: S, with: X) and not assist(by: S, to: X)
    upon request(from: X, for: consult)
    then each other party must consult(with: X), immediately
  }
  provision r "Consultations" article "3" {
    when (armed_attack(by: S, on: X) and not threat(by: X, on: S)) or threat(by: T, on: X) ongoing
    then each other party must consult(with: X)
    until unsc_measures(on: X)
  }
  provision s "Consultations while an unanswered threat lasts" article "4" {
    when threat(by: S, on: X) ongoing and not consult(by: S, with: X)
    upon request(from: X, for: consult)
    then each other party must consult(with: X)
  }
}

treaty vv "Unanswered, reserved for a time" {
  parties RU, BY, KZ
  in force 2020-01-01
  reservation BY "Unless answered, for a time" on p from 2021-01-01 to 2021-12-31 {
    only when not sanctions(by: X, on: S)
  }
  provision p "Assistance" article "1" {
    when armed_attack(by: S, on: X)
    then each other party must assist(to: X)
  }
}

treaty uu "Unanswered, with a later member" {
  parties RU, BY
  member KZ from 2021-06-01
  in force 2020-01-01
  provision p "Assistance" article "1" {
    when armed_attack(by: S, on: X) and not sanctions(by: X, on: S)
    then each other party must assist(to: X)
  }
  provision s "Consultations while an unanswered threat lasts" article "4" {
    when threat(by: S, on: X) ongoing and not consult(by: S, with: X)
    upon request(from: X, for: consult)
    then each other party must consult(with: X)
  }
}
"""


def _unanswered_event(rng: random.Random) -> Event:
    year, month, date = _a_day(rng)
    x, s = rng.sample(["RU", "BY", "KZ", "UA", "US", "terrorist_group"], 2)
    if x == "terrorist_group":  # (the threatened, the requesting: parties)
        x, s = s, x
    lasting = {"until": f"{year + 1}-{month:02d}-01"} if rng.random() < 0.4 else {}
    return rng.choice([
        {"kind": "armed_attack", "date": date, "by": s, "on": x, **lasting},
        {"kind": "threat", "date": date, "by": s, "on": x, **lasting},
        {"kind": "sanctions", "date": date, "by": x, "on": s},
        {"kind": "consult", "date": date, "by": s, "with": x},
        {"kind": "assist", "date": date, "by": s, "to": x},
        {"kind": "request", "date": date, "from": x, "for": "consult"},
        {"kind": "unsc_measures", "date": date, "on": x}])


def _leaving(years: Sequence[int], parties: list[str], treaties: list[str]
             ) -> Callable[[random.Random, int], list[Event]]:
    """What `_seeded_lines` adds to the i-th scenario: in a fifth of them, one of `parties`
    withdraws from one of `treaties` on 1 July of one of `years`."""
    def after(rng: random.Random, i: int) -> list[Event]:
        if i % 5:
            return []
        return [{"kind": "withdrawal", "date": f"{rng.choice(years)}-07-01", "party": rng.choice(parties),
                 "treaty": rng.choice(treaties)}]
    return after


def _agrees_with_the_engine(lib, lines: list[str], tids: list[str]) -> tuple[Counts, int]:  # type: ignore[no-untyped-def]
    """The CSV and result JSON of `lines` through `tids` are the engine's, byte for byte; what the
    compiled code took (`Counts`) and how many lines have a withdrawal from the first treaty."""
    options, taken = counting()
    for fmt in ("csv", "json"):
        want = list(batch.run_batch(lib, lines, tids, fmt=fmt, options=EvalOptions(compiled=False)))
        assert list(batch.run_batch(lib, lines, tids, fmt=fmt, options=options)) == want, (tids, fmt)
    return taken, sum(f'"treaty": "{tids[0]}"' in line for line in lines)


def unanswered_lines(n: int, seed: int) -> list[str]:
    """Scenarios for UNANSWERED: attacks and threats by parties, others and a group (some lasting), the
    attacked answering with sanctions and threats, consultations and assistance by the
    attackers, requests and Council measures, over 2020-2023; in a fifth, a party leaves tt or uu."""
    return _seeded_lines(n, seed, 7, _unanswered_event, _leaving(range(2020, 2023), ["RU", "BY", "KZ"], ["tt", "uu"]))


def test_a_variable_under_not_is_compiled(tmp_path: Path) -> None:
    """`threat(by: S, on: X) and not consult(by: S, with: X)`: S, read as "some value", under
    `not` beside the fact that gives its values (`_Tables.antijoin`: for some S, a threat has
    started and no consultation by S), with a test of S, two facts under `not`, a prerequisite and a
    deadline, in one `or` branch beside an `ongoing` one, with a discharge condition: the
    threatened party's request comes after the threatening one consulted it, and finds the duty
    lapsed; beside an `ongoing` fact (s: while an unanswered threat lasts; "antijoin runs" where
    memberships change); added by a party's reservation; in a treaty whose memberships change (of the facts
    each pair of members sees, `unanswered`), and where a party leaves. Added by a reservation
    for a time, it is the engine's. The engine's CSV and result JSON, byte for byte, here and on
    400 seeded scenarios."""
    lib = with_vocabulary(tmp_path, UNANSWERED)
    assert compiled.reasons(lib, ("tt", "uu"), "default") == {}
    assert "for a time" in compiled.reasons(lib, ("vv",), "default")["vv"]
    threat = {"kind": "threat", "date": "2021-01-10", "by": "UA", "on": "RU"}
    request = {"kind": "request", "date": "2021-03-01", "from": "RU", "for": "consult"}
    consulted = {"kind": "consult", "date": "2021-02-01", "by": "UA", "with": "RU"}
    lasting = {**threat, "until": "2021-06-01"}
    got = compiled_csv(lib, {"unanswered": [threat, request], "answered": [threat, consulted, request],
                             "lasting": [lasting, request], "lasting answered": [lasting, consulted, request],
                             "over": [{**threat, "until": "2021-02-15"}, request]}, ["tt"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    # s: while the threat lasts and its author has not consulted (`ongoing` beside the `not`)
    assert [r[2:] for r in _statuses(blocks["lasting"], "s")] == [("active", "2021-03-01", "2021-03-01")] * 2
    assert [r[2:] for r in _statuses(blocks["lasting answered"], "s")] == [("lapsed", "", "2021-02-01")] * 2
    assert [r[2:] for r in _statuses(blocks["over"], "s")] == [("lapsed", "", "2021-02-16")] * 2
    assert _statuses(blocks["unanswered"], "q") == [("BY", "RU", "active", "2021-03-01", "2021-03-01"),
                                                    ("KZ", "RU", "active", "2021-03-01", "2021-03-01")]
    assert _statuses(blocks["answered"], "q") == [("BY", "RU", "lapsed", "", "2021-02-01"),
                                                  ("KZ", "RU", "lapsed", "", "2021-02-01")]
    # Russia answered Ukraine before Kazakhstan joined: Belarus sees the sanctions, Kazakhstan
    # does not (they are members alike from the attack on: the facts under `not` tell them apart)
    answered = [{"kind": "sanctions", "date": "2020-06-01", "by": "RU", "on": "UA"},
                {"kind": "armed_attack", "date": "2022-01-01", "by": "UA", "on": "RU"}]
    got = compiled_csv(lib, {"answered before": answered,
                             "lasting answered": [lasting, consulted, request]}, ["uu"])
    assert _statuses(got[1], "p") == [("KZ", "RU", "active", "2022-01-01", "2022-01-01")]
    # (Kazakhstan, a member from 2021-06-01, sees the threat's last day, not the consultations
    # nor the request before it: pending that day, lapsed the next)
    assert _statuses(got[2], "s") == [("BY", "RU", "lapsed", "", "2021-02-01"),
                                      ("KZ", "RU", "lapsed", "", "2021-06-02")]
    lines = unanswered_lines(400, 5)
    for tids in (["tt"], ["uu"], ["vv"]):
        taken, leaving = _agrees_with_the_engine(lib, lines, tids)
        if tids == ["vv"]:
            assert taken.compiled == taken.leaving == 0
            continue
        # (every line on compiled code; a withdrawal from the treaty, on its code for parties leaving)
        assert taken.compiled == 2 * len(lines) and leaving > 20 and taken.leaving == 2 * leaving


CHAINED = """\
treaty ch "Chained" {
  parties RU, BY, KZ
  in force 2020-01-01
  provision a1 "Consultations until assistance is owed" article "1" {
    when threat(on: X) ongoing and not z9 active for X
    then each other party must consult(with: X)
  }
  provision p "Assistance on request" article "2" {
    when armed_attack(on: X) ongoing
    upon request(from: X, for: assist)
    unless provocation(by: X)
    then each other party Y must assist(to: X), within 30 days
  }
  provision q "Consultations once assistance is owed" article "3" {
    when threat(on: X) and p activated for X by Y
    then each other party Y must consult(with: X)
  }
  provision r "Consultations while assistance is awaited" article "4" {
    when threat(on: X)
    upon p pending for X
    unless p violated for X
    then RU must consult(with: X)
  }
  provision w "Consultations after a provoked attack" article "5" {
    when threat(on: X) ongoing and z9 defeated for X and not p fulfilled for RU
    then each other party must consult(with: X)
  }
  provision u "Consultations unless assistance was denied" article "6" {
    when imminent_threat(on: X) ongoing
    unless p violated for X by Y
    then each other party Y must consult(with: X)
  }
  provision v "Assistance once consultations were held" article "7" {
    when r fulfilled for X
    then each other party must assist(to: X)
    until z9 fulfilled for X or unsc_measures(on: X)
  }
  provision y "Consultations by those who owe them, or threaten" article "8" {
    when q active for X by Y or threat(by: Y, on: X)
    then each other party Y must consult(with: X)
  }
  provision x "Consultations until the Council acts while assistance awaits a request" article "10" {
    when threat(on: X)
    then each other party must consult(with: X)
    until p pending for X and unsc_measures(on: X)
  }
  provision z9 "Assistance without a request" article "9" {
    when armed_attack(on: X) ongoing
    unless provocation(by: X)
    then each other party must assist(to: X)
  }
}

treaty cl "Chained, with a later member" {
  parties RU, BY
  member KZ from 2021-06-01
  in force 2020-01-01
  provision a0 "Consultations until assistance came" article "0" {
    when threat(on: X)
    then each other party must consult(with: X)
    until p fulfilled for X
  }
  provision a2 "Consultations until the Council acts while assistance is owed" article "0.2" {
    when threat(on: X)
    then each other party must consult(with: X)
    until unsc_measures(on: X) ongoing and p active for X
  }
  provision p "Assistance" article "1" {
    when armed_attack(on: X) ongoing
    then each other party must assist(to: X)
  }
  provision q "Consultations until assistance came" article "2" {
    when threat(on: X) and not p fulfilled for X
    then each other party must consult(with: X)
  }
}
"""


def _chained_event(rng: random.Random) -> Event:
    year, month, date = _a_day(rng)
    x, by = rng.choice(["RU", "BY", "KZ"]), rng.choice(["RU", "BY", "KZ", "UA"])
    lasting = {"until": f"{year}-{month:02d}-28"} if rng.random() < 0.5 else {}
    return rng.choice([
        {"kind": "armed_attack", "date": date, "by": "UA", "on": x, **lasting},
        {"kind": "threat", "date": date, "by": "UA", "on": x, **lasting},
        {"kind": "request", "date": date, "from": x, "for": "assist"},
        {"kind": "provocation", "date": date, "by": x},
        {"kind": "assist", "date": date, "by": by, "to": x},
        {"kind": "consult", "date": date, "by": by, "with": x}])


def chained_lines(n: int, seed: int) -> list[str]:
    """Scenarios for CHAINED: attacks and threats on the parties (half of them lasting the month),
    requests, provocations, assistance and consultations over 2020-2023; in a fifth, a party
    leaves."""
    return _seeded_lines(n, seed, 8, _chained_event, _leaving(range(2020, 2023), ["RU", "BY", "KZ"], ["ch", "cl"]))


def test_states_of_other_provisions_are_compiled(tmp_path: Path) -> None:
    """`p active for X`, `p activated for X by Y`, `p pending for X` as a prerequisite, `p
    violated for X` in `unless` (and by the bearer: its instances each worked out for itself), a
    state toward a named party, under `not`, of a provision whose
    lines come later (a1 reads z9: its code runs first, its lines stay in their place), and of
    instances that left dormant again (z9 defeated while a provoked attack lasts): each
    provision's code files its instances' timelines (`_Tables.states`) and the provisions that
    read them take the days of a state as an `ongoing` fact's (`state_runs`); in a treaty whose
    memberships change, and where a party leaves. The engine's CSV and result JSON, byte for
    byte, here and on 400 seeded scenarios."""
    lib = with_vocabulary(tmp_path, CHAINED)
    assert compiled.reasons(lib, ("ch", "cl"), "default") == {}
    attack = {"kind": "armed_attack", "date": "2021-01-10", "by": "UA", "on": "RU", "until": "2021-01-31"}
    threat = {"kind": "threat", "date": "2021-01-05", "by": "UA", "on": "RU", "until": "2021-03-01"}
    request = {"kind": "request", "date": "2021-01-12", "from": "RU", "for": "assist"}
    later_threat = {**threat, "date": "2021-01-15"}
    assisted = [attack, later_threat, {"kind": "assist", "date": "2021-01-20", "by": "BY", "to": "RU"},
                {"kind": "assist", "date": "2021-01-25", "by": "KZ", "to": "RU"}]
    denied = [attack, request, {"kind": "assist", "date": "2021-01-20", "by": "KZ", "to": "RU"},
              {**threat, "kind": "imminent_threat", "date": "2021-02-20", "until": None}]
    got = compiled_csv(lib, {"asked": [threat, attack, request],
                             "provoked": [threat, attack, {"kind": "provocation", "date": "2020-12-01", "by": "RU"}],
                             "assisted": assisted, "denied": denied,
                             "measures": [threat, attack, request, {"kind": "unsc_measures", "date": "2021-01-15",
                                                                    "on": "RU"}],
                             "measures early": [threat, attack, request, {"kind": "unsc_measures",
                                                                          "date": "2021-01-11", "on": "RU"}],
                             "consulted": [{**threat, "on": "BY"}, {**attack, "on": "BY"},
                                           {"kind": "consult", "date": "2021-01-15", "by": "RU", "with": "BY"},
                                           {"kind": "assist", "date": "2021-01-20", "by": "RU", "to": "BY"}]},
                       ["ch"])
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    # a1: consultations owed from the threat, before assistance was (z9 active from the attack)
    assert _statuses(blocks["asked"], "a1") == [("BY", "RU", "active", "2021-01-05", "2021-01-05"),
                                                ("KZ", "RU", "active", "2021-01-05", "2021-01-05")]
    # and from the day both bearers of z9 had assisted (no instance active: fulfilled from that day)
    assert _statuses(blocks["assisted"], "a1") == [("BY", "RU", "active", "2021-01-25", "2021-01-25"),
                                                   ("KZ", "RU", "active", "2021-01-25", "2021-01-25")]
    # u: Belarus denied the assistance it owed (violated, 30 days after the request): its own
    # consultations are defeated, Kazakhstan's owed
    assert _statuses(blocks["denied"], "u") == [("BY", "RU", "defeated", "", "2021-02-20"),
                                                ("KZ", "RU", "active", "2021-02-20", "2021-02-20")]
    # x: discharged when the Council acts while assistance awaits Russia's request (the two
    # days of p pending), not after
    assert {r[2:] for r in _statuses(blocks["measures"], "x")} == {("active", "2021-01-05", "2021-01-05")}
    assert {r[2:] for r in _statuses(blocks["measures early"], "x")} == {("discharged", "2021-01-05", "2021-01-11")}
    # q: once assistance was owed on request, its bearers owe consultations too
    assert _statuses(blocks["asked"], "q") == [("BY", "RU", "active", "2021-01-12", "2021-01-12"),
                                               ("KZ", "RU", "active", "2021-01-12", "2021-01-12")]
    # y: bound by a state alone in one way of holding (its bearers those of q's instances)
    assert _statuses(blocks["asked"], "y") == [("BY", "RU", "active", "2021-01-12", "2021-01-12"),
                                               ("KZ", "RU", "active", "2021-01-12", "2021-01-12")]
    # v: bound by a state alone: assistance owed once Russia held the consultations r asks of it,
    # until z9's assistance came (Russia's, which fulfils v too)
    assert _statuses(blocks["consulted"], "r") == [("RU", "BY", "fulfilled", "2021-01-10", "2021-01-15")]
    assert _statuses(blocks["consulted"], "v") == [("KZ", "BY", "discharged", "2021-01-15", "2021-01-20"),
                                                   ("RU", "BY", "fulfilled", "2021-01-15", "2021-01-20")]
    # r: pending while assistance awaited the request (two days), active when it came
    assert _statuses(blocks["asked"], "r") == [("RU", "RU", "active", "2021-01-10", "2021-01-10")]
    # w: z9 defeated by the provocation while the attack lasts (then dormant again, not listed)
    assert _statuses(blocks["provoked"], "z9") == []
    assert _statuses(blocks["provoked"], "w") == [("BY", "RU", "active", "2021-01-10", "2021-01-10"),
                                                  ("KZ", "RU", "active", "2021-01-10", "2021-01-10")]
    # a0 reads p's states in `until` alone: p's code runs first all the same
    helped = [threat, attack, {"kind": "assist", "date": "2021-01-20", "by": "BY", "to": "RU"}]
    measures = {"kind": "unsc_measures", "on": "RU"}
    got = compiled_csv(lib, {"helped": helped,
                             "while owed": [*helped, {**measures, "date": "2021-01-15", "until": "2021-01-16"}],
                             "before owed": [*helped, {**measures, "date": "2021-01-06", "until": "2021-01-07"}],
                             "after": [*helped, {**measures, "date": "2021-01-25", "until": "2021-02-10"}]},
                       ["cl"])
    assert _statuses(got[1], "a0") == [("BY", "RU", "discharged", "2021-01-05", "2021-01-20")]
    # a2: `until` an `ongoing` fact and a state, on the days both hold (p active 2021-01-10 to -19)
    assert _statuses(got[2], "a2") == [("BY", "RU", "discharged", "2021-01-05", "2021-01-15")]
    assert _statuses(got[3], "a2") == _statuses(got[4], "a2") == [("BY", "RU", "active", "2021-01-05", "2021-01-05")]
    lines = chained_lines(400, 6)
    for tids in (["ch"], ["cl"]):
        taken, leaving = _agrees_with_the_engine(lib, lines, tids)
        assert taken.compiled == 2 * len(lines) and leaving > 20 and taken.leaving == 2 * leaving
        assert taken.rewalked == 0  # the result JSON's why is the solver's, reading the compiled code's states


UNANSWERED_PLACES = """\
treaty tp "Unanswered attacks on a party's own territory" {
  parties UA, PL
  in force 2000-01-01
  provision p "Assistance" article "1" {
    when armed_attack(by: S, on: X, at: A) and A territory of X and not sanctions(by: X, on: S)
    upon request(from: X, for: assist)
    then each other party must assist(to: X)
  }
}

treaty tl "The same, with a later member" {
  parties UA, PL
  member LT from 2012-01-01
  in force 2000-01-01
  provision p "Assistance" article "1" {
    when armed_attack(by: S, on: X, at: A) and A territory of X and S is a state and not sanctions(by: X, on: S)
    then each other party must assist(to: X)
  }
}
"""


def _unanswered_place_event(rng: random.Random) -> Event:
    date = f"{rng.randint(2008, 2019)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    x, by = rng.choice(["UA", "PL", "LT"]), rng.choice(["RU", "BY", "terrorist_group"])
    at = {"UA": ["UA-43", "UA-30", "UA"], "PL": ["PL"], "LT": ["LT"]}[x]
    return rng.choice([
        {"kind": "armed_attack", "date": date, "by": by, "on": x, "at": rng.choice(at)},
        {"kind": "armed_attack", "date": date, "by": by, "on": x, "at": rng.choice(at),
         "until": f"{int(date[:4]) + 1}-06-30"},
        {"kind": "sanctions", "date": date, "by": x, "on": rng.choice(["RU", "BY"])},
        {"kind": "request", "date": date, "from": x, "for": "assist"},
        {"kind": "assist", "date": date, "by": rng.choice(["UA", "PL", "LT"]), "to": x}])


@pytest.mark.parametrize("interpretation", ["default", "ru_claims"])
def test_a_variable_under_not_beside_a_place_is_compiled(tmp_path: Path, interpretation: str) -> None:
    """`armed_attack(by: S, on: X, at: A) and A territory of X and not sanctions(by: X, on: S)`:
    the attacker S under `not`, beside a fact whose place A is tested (`_Tables.antijoin` over
    the runs of days on which the place is the party's, for some attacker not yet answered with
    sanctions), where the parties are members for good, where one joins later ("antijoin
    pieces": each pair of members sees the facts that overlap both memberships), and where one
    leaves. Under Russia's claims an attack in Crimea stops being one on Ukraine's territory on
    2014-03-18, as sanctions against the attacker would end it. The engine's CSV and result
    JSON, byte for byte, here and on 300 seeded scenarios."""
    (tmp_path / "t.casus").write_text(UNANSWERED_PLACES, encoding="utf-8")
    shared = [p for p in sorted(library_dir().glob("*.casus")) if "treaty " not in p.read_text(encoding="utf-8")
              and p.name != "properties.casus"]
    lib = load_library([*map(str, shared), str(tmp_path / "t.casus")])
    assert compiled.reasons(lib, ("tl", "tp"), interpretation) == {}
    attack = {"kind": "armed_attack", "date": "2010-01-01", "by": "RU", "on": "UA", "at": "UA-43"}
    request = {"kind": "request", "date": "2015-01-01", "from": "UA", "for": "assist"}
    got = compiled_csv(lib, {"crimea": [attack, request],
                             "answered": [attack, {"kind": "sanctions", "date": "2012-05-01", "by": "UA", "on": "RU"},
                                          request],
                             "another": [attack, {"kind": "sanctions", "date": "2012-05-01", "by": "UA", "on": "BY"},
                                         request]}, ["tp"], interpretation)
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    claimed = interpretation == "ru_claims"
    assert _statuses(blocks["crimea"], "p") == ([("PL", "UA", "lapsed", "", "2014-03-18")] if claimed
                                                else [("PL", "UA", "active", "2015-01-01", "2015-01-01")])
    assert _statuses(blocks["answered"], "p") == [("PL", "UA", "lapsed", "", "2012-05-01")]
    assert _statuses(blocks["another"], "p") == _statuses(blocks["crimea"], "p")  # (sanctions on someone else)
    lines = [json.dumps({**json.loads(line), "interpretation": interpretation})
             for line in _seeded_lines(300, 7, 6, _unanswered_place_event,
                                       _leaving(range(2010, 2017), ["UA", "PL", "LT"], ["tp", "tl"]))]
    for tids in (["tp"], ["tl"]):
        taken, leaving = _agrees_with_the_engine(lib, lines, tids)
        assert taken.compiled == 2 * len(lines) and leaving > 15 and taken.leaving == 2 * leaving
        assert sum(",p," in block for block in batch.run_batch(lib, lines, tids, fmt="csv")) > 50


def test_a_withdrawal_is_compiled_with_the_scenarios_memberships() -> None:
    """A scenario with a withdrawal or denunciation stays on the compiled path: the treaty it
    names runs as compiled code for that treaty alone, with the memberships the scenario gives it
    (`Program.leaving`): France out of NATO from its withdrawal, Belarus out of the CSTO when its
    notice takes effect, the US out of the US-Japan treaty (all of whose parties are otherwise
    members for good), the DPRK out of the Russia-DPRK treaty (whose Art. 4 relates two facts:
    each pair of them counts for a pair of parties who both see it). The engine's CSV and result
    JSON, byte for byte."""
    lib = load_library()
    prog = compiled.program(lib, tuple(sorted(lib.treaties)), "default")
    assert prog is not None and not prog.others
    line = json.dumps({"name": "France leaves", "events": [
        {"kind": "withdrawal", "date": "2025-01-01", "party": "FR", "treaty": "nato_1949"},
        {"kind": "armed_attack", "date": "2025-02-01", "by": "RU", "on": "PL", "at": "PL-14"},
        {"kind": "armed_attack", "date": "2024-12-01", "by": "RU", "on": "FR", "at": "FR-IDF"},
        {"kind": "denunciation", "date": "2025-01-01", "party": "BY", "treaty": "csto_1992"},
        {"kind": "armed_attack", "date": "2025-02-01", "by": "UA", "on": "RU", "at": "RU-KRS"},
        {"kind": "withdrawal", "date": "2025-03-01", "party": "US", "treaty": "us_jp_1960"},
        {"kind": "armed_attack", "date": "2025-02-01", "by": "CN", "on": "JP", "at": "JP-47"},
        {"kind": "state_of_war", "date": "2025-02-01", "party": "RU"},
        {"kind": "withdrawal", "date": "2025-03-01", "party": "KP", "treaty": "ru_kp_2024"}]})
    hits = batchline.light_facts(lib, prog, json.loads(line))
    assert hits is not None
    assert prog.withdrawn(hits[0]) == ["csto_1992", "nato_1949", "ru_kp_2024", "us_jp_1960"]
    options, taken = counting()
    got = list(batch.run_batch(lib, [line], fmt="csv", options=options))
    assert (taken.compiled, taken.csv_engine, taken.leaving) == (1, 0, 4)
    assert got == engine_csv(lib, [line])
    rows = {(r[1], r[4], r[5]): r[6:] for r in csv.reader(io.StringIO(got[1]))}
    assert ("nato_1949", "FR", "PL") not in rows and rows[("nato_1949", "DE", "PL")][0] == "active"
    assert rows[("nato_1949", "PL", "FR")] == ["discharged", "2024-12-01", "2025-01-01"]  # France left
    assert rows[("csto_1992", "BY", "RU")][0] == "discharged"  # when its notice takes effect, months later
    assert rows[("us_jp_1960", "US", "JP")] == ["discharged", "2025-02-01", "2025-03-01"]
    assert rows[("ru_kp_2024", "KP", "RU")] == ["discharged", "2025-02-01", "2025-03-01"]  # Art. 4, then out
    options, taken = counting()
    got_json = list(batch.run_batch(lib, [line], options=options))
    assert (taken.compiled, taken.json_engine, taken.leaving, taken.walked) == (1, 0, 4, 0)
    assert got_json == list(batch.run_batch(lib, [line], options=EvalOptions(compiled=False)))


UNLESS_TREATY = """\
treaty tt "T" {
  parties RU, BY
  in force 2020-01-01
  provision p "Unless provoked" article "1" {
    when armed_attack(on: X) ongoing
    unless provocation(by: X) ongoing
    then each other party must assist(to: X)
  }
  provision n "Unless the bearer provoked" article "2" {
    when armed_attack(on: X) ongoing
    unless provocation(by: Y)
    then each other party Y must consult(with: X)
  }
}
"""


def test_unless_is_compiled(tmp_path: Path) -> None:
    """`unless` of the beneficiary's facts in compiled code: defeated while the provocation
    lasts (dormant again, unlisted, if the attack ends first), active once it is over and the
    attack goes on; of the bearer's (`unless provocation(by: Y)`: each bearer's instance worked
    out for itself, not once per beneficiary with no bearer at hand); the engine's CSV, byte for
    byte."""
    lib = with_vocabulary(tmp_path, UNLESS_TREATY)
    attack = {"kind": "armed_attack", "date": "2021-01-01", "until": "2021-03-01", "by": "UA", "on": "BY"}
    scenarios = {"provoked": [{**attack, "until": None}, {"kind": "provocation", "date": "2020-12-01", "until": None,
                                                         "by": "BY"}],
                 "then not": [attack, {"kind": "provocation", "date": "2020-12-01", "until": "2021-02-01", "by": "BY"}],
                 "someone else": [attack, {"kind": "provocation", "date": "2020-12-01", "by": "RU"}],
                 "the bearer": [{**attack, "until": None}, {"kind": "provocation", "date": "2020-12-01", "by": "RU"}]}
    got = compiled_csv(lib, scenarios, ["tt"])
    provoked, then_not, someone, bearer = got[1:]
    assert _statuses(provoked, "p") == [("RU", "BY", "defeated", "", "2021-01-01")]
    assert _statuses(then_not, "p") == [("RU", "BY", "active", "2021-02-02", "2021-02-02")]
    assert _statuses(someone, "p") == [("RU", "BY", "active", "2021-01-01", "2021-01-01")]
    assert _statuses(bearer, "n") == [("RU", "BY", "defeated", "", "2021-01-01")]  # (Russia provoked)
    assert _statuses(then_not, "n") == [("RU", "BY", "active", "2021-01-01", "2021-01-01")]


# ---------------------------------------------------------------------------- readings that make facts

def test_an_interpretations_definitions_are_compiled() -> None:
    """The facts an interpretation's definitions derive (`define … while …`) are read by the
    compiled code beside the events they come from: under `gray_zone_is_armed_attack` the water
    cannon at Scarborough Shoal is an armed attack on Philippine public vessels (US–Philippines
    Art. IV comes alive), under `war_by_attack` the incursion into Kursk puts Russia in a state of
    war (Russia–DPRK Art. 4, fulfilled by the DPRK's assistance). The engine's CSV, byte for byte,
    and nothing of it without the reading."""
    lib = load_library()
    scenarios = {
        "water cannon": [{"kind": "coercion", "date": "2024-04-30", "by": "CN", "on": "PH", "at": "south_china_sea",
                          "against": "vessels"}],
        "Kursk": [{"kind": "armed_attack", "date": "2024-08-06", "until": "2025-03-12", "by": "UA", "at": "RU-KRS"},
                  {"kind": "assist", "date": "2024-12-10", "by": "KP", "to": "RU"}],
    }
    treaties = ["ru_kp_2024", "us_ph_1951"]
    for interpretation in ("gray_zone_is_armed_attack", "war_by_attack"):
        prog = compiled.program(lib, tuple(treaties), interpretation)
        assert prog is not None and prog.derived is not None
        got = compiled_csv(lib, scenarios, treaties, interpretation)
        blocks = {block.split(",", 1)[0]: block for block in got[1:]}
        art4 = _statuses(blocks.get("water cannon", ""), "art4")
        assert art4 == ([("US", "PH", "active", "2024-04-30", "2024-04-30")]
                        if interpretation == "gray_zone_is_armed_attack" else [])
        kursk = _statuses(blocks.get("Kursk", ""), "art4")
        assert kursk == ([("KP", "RU", "fulfilled", "2024-12-04", "2024-12-10")]
                         if interpretation == "war_by_attack" else [])


def test_self_defence_is_compiled_where_it_reads_no_attack_so() -> None:
    """Under `self_defence`, an armed attack that answers an earlier one still going on is read as
    force in self-defence (`facts.reads_self_defence`): such a scenario goes to the engine, which
    re-reads it (the DPRK's ally owes nothing for the counter-fire), and one without such an answer
    runs on the compiled code. Both give the engine's CSV, byte for byte."""
    lib = load_library()
    first = {"kind": "armed_attack", "date": "2026-06-01", "until": "2026-06-10", "by": "KP", "at": "KR-11"}
    war = {"kind": "state_of_war", "date": "2026-06-02", "until": None, "party": "KP"}
    counter = {"kind": "armed_attack", "date": "2026-06-02", "by": "KR", "at": "KP-13"}
    # after the first attack ended it answers nothing (the state of war declared with it)
    late, late_war = {**counter, "date": "2026-06-11"}, {**war, "date": "2026-06-11"}
    lines = [json.dumps({"name": name, "interpretation": "self_defence", "events": events})
             for name, events in (("counter-fire", [first, war, counter]), ("later", [first, late_war, late]))]
    treaties = ["ru_kp_2024", "us_kr_1953"]
    options, taken = counting()
    got = list(batch.run_batch(lib, lines, treaties, fmt="csv", options=options))
    assert got == engine_csv(lib, lines, treaties)
    assert (taken.compiled, taken.csv_engine) == (1, 1)
    blocks = {block.split(",", 1)[0]: block for block in got[1:]}
    assert _statuses(blocks.get("counter-fire", ""), "art4") == []  # read as self-defence: no attack on KP
    assert [r[:3] for r in _statuses(blocks["later"], "art4")] == [("RU", "KP", "active")]


@pytest.mark.parametrize("modality", ["obligation", "prohibition", "permission"])
def test_an_instance_leaves_dormant_only_when_its_trigger_holds(modality: str) -> None:
    """The compiled code passes over the days of an instance whose trigger holds on none of them
    (NATO's allies that joined after the facts: `_Life._day`) only where the lifecycle keeps a
    dormant instance dormant, doing nothing, on every day its trigger does not hold: so for every
    lifecycle the compiled code can be given, and not for one that would move without it."""
    from engine.kernel import lifecycle

    # what a compiled provision's plan can know for good (`plan._machine`): each observation but
    # the trigger known so, or asked
    knowable = {"action": False, "suspended": False, "bearer_member": True, "beneficiary_member": True,
                "undefeated": True, "prerequisites": True, "discharge": False, "situation_ended": False,
                "deadline_passed": False}
    for n in range(2 ** len(knowable)):
        known = {o: v for i, (o, v) in enumerate(sorted(knowable.items())) if n >> i & 1}
        assert generate._stays_untriggered(lifecycle.machine(modality, in_force=True, **known)), known
    moves = lifecycle.Machine(modality, (), ((lifecycle.DORMANT, False, ("trigger", (
        "prerequisites", lifecycle.Step(lifecycle.DORMANT), lifecycle.Step(lifecycle.ACTIVE, True)),
        lifecycle.Step(lifecycle.ACTIVE, True))),))
    assert not generate._stays_untriggered(moves)  # active with its trigger not holding


READERS_TREATY = """\
treaty tr "T" {
  parties RU, BY, KZ
  in force 2020-01-01
  provision named "one party assists" article "1" {
    when armed_attack(on: X)
    then RU must assist(to: X), within 10 days
  }
  provision each "the others consult" article "2" {
    when threat(on: X) or armed_attack(on: X)
    then each other party must consult(with: X)
  }
  provision one "one party for another" article "3" {
    when armed_attack(on: BY)
    then RU must assist(to: BY), within 10 days
  }
}
"""


def test_tables_keep_the_parties_their_provisions_read(tmp_path: Path) -> None:
    """The compiled code's tables keep only the entries its provisions read: a beneficiary's, a
    bearer's (`_Tables.reading`); facts about other parties fill nothing. A bearer named in the
    text (RU) is read by its own facts of the action, though it is no beneficiary of its duty
    (of `one`);
    the engine's CSV, byte for byte, with every status."""
    lib = with_vocabulary(tmp_path, READERS_TREATY)
    assert " in C" in compiled.program(lib, ("tr",), "default").source
    rng = random.Random(4)
    scenarios = {}
    for n in range(120):
        events: list[dict[str, object]] = []
        for _ in range(rng.randint(1, 6)):
            kind = rng.choice(["armed_attack", "threat", "assist", "consult"])
            day = (dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 40))).isoformat()
            a, b = rng.sample(["RU", "BY", "KZ", "UA", "PL"], 2)
            roles = {"armed_attack": {"by": a, "on": b}, "threat": {"by": a, "on": b},
                     "assist": {"by": a, "to": b}, "consult": {"by": a, "with": b}}[kind]
            events.append({"kind": kind, "date": day, **roles})
        if n % 3 == 0:  # the named bearer acts, for a party or not, in time or not
            to = rng.choice(["BY", "KZ", "UA"])
            events += [{"kind": "armed_attack", "date": "2025-02-01", "by": "PL", "on": to},
                       {"kind": "assist", "date": f"2025-02-{rng.randint(2, 20):02d}", "by": "RU", "to": to}]
        scenarios[f"s{n}"] = events
    got = compiled_csv(lib, scenarios, ["tr"])
    statuses = collections.Counter((r.split(",")[2], r.split(",")[6]) for block in got[1:] for r in block.split("\n"))
    assert statuses[("named", "fulfilled")] and statuses[("named", "violated")]
    assert statuses[("one", "fulfilled")] and statuses[("one", "violated")]
    assert statuses[("each", "fulfilled")] and statuses[("each", "active")]
