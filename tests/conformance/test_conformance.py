"""The conformance corpus: every file of tests/conformance/ in every mode, held to its `expect`
lines, to the other modes and to the reference evaluator (tests/reference.py).

Each `.casus` file here is a small self-contained library and scenario (its header says what it
exercises and why its expected answers are right), loaded over the bundled vocabulary, regions
and interpretations only. The modes, chosen through `engine.EvalOptions` (never by patching):

- `walk`: the walk alone, every shortcut off (`EvalOptions.plain()`): the definition;
- `shortcuts`: the walk with bisection, trigger tests and alike bearers (no direct path);
- `direct`: everything on, as casus runs (simple provisions worked out directly);
- `batch-json`: the scenario as a JSON line through `run_batch` (the JSON reader, then the compiled
  code with the solver's `because` and `missing`, or the engine where the compiled code does not go);
- `csv-engine`: batch CSV with the compiled backend off;
- `csv-compiled`: batch CSV as casus runs it (compiled treaties evaluated by generated code);
- `csv-workers`: the same with `workers=2` (worker processes).

They must agree wherever their outputs overlap: the same result JSON in the engine modes; the
batch JSON the same but for sources (`FILE:LINE` of the JSON line); the same CSV in the CSV modes,
and those rows equal to the ones derived from the result JSON. Each file's `expect` lines must
pass in every engine mode. `test_every_mode_is_really_taken` shows through the options' counts
that each mode did its own work on some files (else a mode would only repeat another)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reference as R

from engine.analysis.expect import check_one
from engine.api import load
from engine.base.paths import library_dir
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import Counts, EvalOptions
from engine.core.records import CSV_HEADER, csv_field, result_csv, result_json
from engine.io.batch import run_batch
from engine.kernel.facts import BIG, Scenario
from engine.language import ast as A
from engine.language.library import Library, beneficiary_arg

HERE = Path(__file__).resolve().parent
FILES = sorted(HERE.glob("*.casus"))
LIBRARY = [library_dir() / name for name in ("vocabulary.casus", "regions.casus", "areas.casus",
                                                    "administration.casus", "interpretations.casus")]

ENGINE_MODES = {
    "walk": EvalOptions.plain(),
    "shortcuts": EvalOptions(direct_simple=False),
    "direct": EvalOptions(),
}
CSV_MODES = {  # name -> (options, workers)
    "csv-engine": (EvalOptions(compiled=False), 1),
    "csv-compiled": (EvalOptions(), 1),
    "csv-workers": (EvalOptions(), 2),
}


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 15


# ---------------------------------------------------------------------------- running a file


@dataclass
class Run:
    """Everything one file gave, in every mode. Keys: (scenario index, interpretation)."""

    lib: Library
    scenarios: list[Scenario]
    json: dict[str, dict[tuple[int, str], str]]  # engine mode -> result JSON
    evaluations: dict[str, dict[tuple[int, str], Evaluation]]  # engine mode -> evaluation
    batch_json: dict[tuple[int, str], str]
    csv: dict[str, dict[str, list[str]]]  # CSV mode -> interpretation -> lines (header first)
    counts: dict[str, Counts]  # mode -> what it took


def json_line(scenario: Scenario) -> str:
    """A scenario's facts as one JSON scenario line (SPEC "Scenario files")."""
    events = []
    for f in scenario.facts:
        ev: dict[str, Any] = {"kind": f.kind, "date": dt.date.fromordinal(f.start).isoformat()}
        if f.end != f.start:
            ev["until"] = None if f.end == BIG else dt.date.fromordinal(f.end).isoformat()
        ev.update(f.roles)
        events.append(ev)
    obj: dict[str, Any] = {"name": scenario.name, "events": events}
    if scenario.interpretation:
        obj["interpretation"] = scenario.interpretation
    return json.dumps(obj)


def interpretations(scenarios: list[Scenario]) -> list[str]:
    """The interpretations a file's scenarios are read under (their own, and those of `expect under`)."""
    names = {s.interpretation or "default" for s in scenarios}
    names |= {e.interpretation for s in scenarios for e in s.expects if e.interpretation}
    return sorted(names)


@functools.cache
def run_file(path: Path) -> Run:
    lib, scenarios = load([path], library=LIBRARY)
    names = interpretations(scenarios)
    out = Run(lib, scenarios, {}, {}, {}, {}, {})
    for mode, options in ENGINE_MODES.items():
        counting = options.counting()
        out.counts[mode] = counting.counts  # type: ignore[assignment]
        out.evaluations[mode] = {(i, n): evaluate(lib, s, interpretation=n, options=counting)
                                 for i, s in enumerate(scenarios) for n in names}
        out.json[mode] = {k: result_json(lib, ev) for k, ev in out.evaluations[mode].items()}
    lines = [json_line(s) for s in scenarios]
    counting = EvalOptions().counting()
    out.counts["batch-json"] = counting.counts  # type: ignore[assignment]
    for n in names:
        for i, got in enumerate(run_batch(lib, lines, interpretation=n, options=counting)):
            out.batch_json[i, n] = got
    for mode, (options, workers) in CSV_MODES.items():
        counting = options.counting()
        out.counts[mode] = counting.counts  # type: ignore[assignment]
        out.csv[mode] = {n: list(run_batch(lib, lines, interpretation=n, fmt="csv", workers=workers,
                                           options=counting)) for n in names}
    return out


def ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


# ---------------------------------------------------------------------------- expectations


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_file_says_what_it_exercises_and_expects_something(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines()[:12] if line.startswith("#")]
    assert len(header) >= 3, "a header comment: what the file exercises and why the answers are right"
    run = run_file(path)
    assert run.scenarios and all(s.expects for s in run.scenarios)


@pytest.mark.parametrize("mode", list(ENGINE_MODES))
@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_expectations_hold_in_every_engine_mode(path: Path, mode: str) -> None:
    run = run_file(path)
    failed = []
    for i, s in enumerate(run.scenarios):
        for e in s.expects:
            got = check_one(e, run.evaluations[mode][i, e.interpretation or s.interpretation or "default"])
            if not got.ok:
                failed.append(f"{got.where}: {got.message}")
    assert not failed, "\n".join(failed)


# ---------------------------------------------------------------------------- the modes agree


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_the_engine_modes_give_the_same_result_json(path: Path) -> None:
    run = run_file(path)
    walk = run.json["walk"]
    assert any(json.loads(j)["results"][0]["instances"] for j in walk.values()), "the file lists no instance"
    for mode in ENGINE_MODES:
        assert run.json[mode] == walk, mode


def _without_sources(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_sources(v) for k, v in obj.items() if k != "source"}
    if isinstance(obj, list):
        return [_without_sources(v) for v in obj]
    return obj


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_batch_json_gives_the_engines_result_but_for_sources(path: Path) -> None:
    run = run_file(path)
    assert run.batch_json.keys() == run.json["walk"].keys()
    for key, got in run.batch_json.items():
        want = json.loads(run.json["walk"][key])
        assert _without_sources(json.loads(got)) == _without_sources(want), key


def csv_from_result_json(text: str) -> list[str]:
    """The CSV rows (SPEC's columns) of a result JSON, derived from it alone."""
    result = json.loads(text)
    name = result["scenario"]["name"]
    return [",".join([csv_field(name), r["treaty"], i["provision"], csv_field(i["article"]), i["bearer"],
                      i["beneficiary"], i["status"], i["activated"] or "", i["since"]])
            for r in result["results"] for i in r["instances"]]


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_the_csv_modes_agree_with_each_other_and_with_the_result_json(path: Path) -> None:
    run = run_file(path)
    names = interpretations(run.scenarios)
    for n in names:
        derived = [row for i in range(len(run.scenarios)) for row in csv_from_result_json(run.json["walk"][i, n])]
        from_engine = [row for i in range(len(run.scenarios)) for row in result_csv(run.evaluations["walk"][i, n])]
        assert derived == from_engine
        for mode in CSV_MODES:
            lines = run.csv[mode][n]
            assert lines[0] == CSV_HEADER
            assert [row for block in lines[1:] for row in block.split("\n")] == derived, (mode, n)


# ---------------------------------------------------------------------------- the reference


def to_reference(lib: Library, treaty: A.TreatyDecl, scenario: Scenario, interpretation: str) -> R.Case | str:
    """The file as a reference case for one treaty, or why the reference cannot express it."""
    def var_or_code(v: A.Value) -> str:
        if isinstance(v, A.Var) and len(v.name) != 1:
            raise Unexpressible(f"a variable of more than one letter ({v.name})")
        return str(v)

    def atom(a: A.Atom) -> R.Atom:
        kinds_agree(a.kind)
        return R.Atom(a.kind, tuple((arg.role, var_or_code(arg.value)) for arg in a.args))

    def kinds_agree(kind: str) -> None:
        info = lib.kinds.get(kind)
        if info is None:
            raise Unexpressible(f"unknown kind {kind}")
        if {k for k in lib.kinds if R.is_a(kind, k)} != set(info.ancestors) | {kind}:
            raise Unexpressible(f"the kind {kind} is not one of the standard vocabulary's as the reference knows it")
        # the reference completes `on` from `at` and `at` from `on` for the kinds it knows have both
        has_at = "at" in info.roles
        if has_at != (kind in R.HAS_AT) or (has_at and ("on" in info.roles) != (kind in R.HAS_ON)):
            raise Unexpressible(f"the kind {kind} has roles the reference does not complete")

    def cond(c: A.Cond) -> R.Cond:
        if isinstance(c, A.Occurred):
            return R.Occurred(atom(c.atom))
        if isinstance(c, A.Ongoing):
            return R.Ongoing(atom(c.atom))
        if isinstance(c, A.Temporal):
            if c.op == "within":
                assert c.days is not None
                return R.Within(atom(c.first), atom(c.second), c.days)
            if c.op == "during":
                return R.During(atom(c.first), atom(c.second))
            if c.op == "overlapping":
                return R.Overlapping(atom(c.first), atom(c.second))
            return (R.After if c.op == "after" else R.Before)(atom(c.first), atom(c.second))
        if isinstance(c, A.And):
            return R.And(tuple(cond(i) for i in c.items))
        if isinstance(c, A.Or):
            return R.Or(tuple(cond(i) for i in c.items))
        if isinstance(c, A.Not):
            return R.Not(cond(c.item))
        if isinstance(c, A.InParties):
            return R.InParties(var_or_code(A.Var(c.var, c.span)))
        if isinstance(c, A.IsWho):
            return R.Who(var_or_code(A.Var(c.var, c.span)), c.what)
        if isinstance(c, A.InArea):
            if c.what != "scope":
                raise Unexpressible("`in region` (the reference knows treaty scopes only)")
            return R.InScope(var_or_code(A.Var(c.var, c.span)), c.name)
        if isinstance(c, A.PlaceOf):
            return R.PlaceOf(var_or_code(A.Var(c.var, c.span)), c.relation, var_or_code(c.party))
        if isinstance(c, A.StateRef):
            if str(c.beneficiary) != "X":
                raise Unexpressible("a state for another beneficiary than X")
            return R.State(c.provision, c.state, None if c.bearer is None else var_or_code(c.bearer))
        raise Unexpressible(f"the condition {type(c).__name__}")

    try:
        if treaty.in_force is None:
            raise Unexpressible("a treaty with no date of entry into force")
        provisions = []
        for p in treaty.provisions:
            if p.when is None or p.then is None:
                continue
            then = p.then
            b = then.bearer
            if b.mode == "code":
                bearer = str(b.value)
            elif b.mode == "each_other" and b.var in (None, "Y"):
                bearer = "each other party" + (" Y" if b.var else "")
            elif b.mode == "each" and b.var is None:
                bearer = "each party"
            else:
                raise Unexpressible("a bearer bound by the trigger, or named otherwise than Y")
            if then.beneficiary is not None or str(beneficiary_arg(then)) != "X":
                raise Unexpressible("a beneficiary other than the action's X")
            timing = [q for q in then.qualifiers if q.group == "timing"]
            words = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}
            provisions.append(R.Provision(
                p.id, cond(p.when), bearer, words[then.modality], atom(then.action),
                upon=None if p.upon is None else cond(p.upon), unless=None if p.unless is None else cond(p.unless),
                timing=None if not timing else (f"within {timing[0].days} days" if timing[0].days is not None
                                                else timing[0].value),
                until=None if p.until is None else cond(p.until), ends_with_situation=p.ends_with_situation,
                version=None if p.version is None else (
                    None if p.version.start is None else dt.date.fromordinal(p.version.start),
                    None if p.version.end is None else dt.date.fromordinal(p.version.end)),
                reading=None if p.version is None or not (p.version.under or p.version.except_under) else (
                    ("under", p.version.under) if p.version.under else ("except under", p.version.except_under)),
                protects=None if p.protects is None else tuple(
                    (code, tuple(sorted(ex))) for code, ex in lib.regions[p.protects].entries)))
        scopes = []
        for s in treaty.scopes:
            if any(a.region is not None for a in s.areas):
                raise Unexpressible("a scope that names a region")
            for a in s.areas:
                if a.area is not None and a.area not in R.AREA_PARENTS:
                    raise Unexpressible(f"an area the reference does not know ({a.area})")
            scopes.append((s.name, tuple((f"area:{a.area}" if a.area is not None else str(a.code), a.excepts)
                                         for a in s.areas)))
        day = dt.date.fromordinal
        ref_treaty = R.Treaty(
            day(treaty.in_force),
            tuple(R.Member(m.party.code, None if m.start is None else day(m.start),
                           None if m.end is None else day(m.end)) for m in treaty.members),
            tuple(provisions), None if treaty.ends is None else day(treaty.ends),
            tuple(R.Suspension(s.bearer.code, s.beneficiary.code, day(s.start), None if s.end is None else day(s.end))
                  for s in treaty.suspensions),
            treaty.id, tuple(scopes), treaty.notice,
            tuple(R.Reservation(r.party.code, r.provisions, None if r.start is None else day(r.start),
                                None if r.end is None else day(r.end), None if r.when is None else cond(r.when))
                  for r in treaty.reservations))
        for f in scenario.facts:
            kinds_agree(f.kind)
        facts = tuple(R.Fact(f.kind, tuple(f.roles.items()), day(f.start), None if f.end == BIG else day(f.end))
                      for f in scenario.facts)
        interp = lib.interpretations.get(interpretation)
        ref_interp = None
        if interp is not None:
            ref_interp = R.Interpretation(
                tuple(interp.timing),
                tuple((day(r.start), t.code, r.to.code) for r in interp.reassignments for t in r.territories),
                tuple((atom(d.head), atom(d.body)) for d in interp.definitions),
                tuple((m.treaty, m.party.code, m.effect, day(m.start), None if m.end is None else day(m.end),
                       None if m.toward is None else m.toward.code)
                      for m in interp.memberships), interp.self_defence,
                tuple((day(r.start), t.code, r.to.code) for r in interp.administrations for t in r.territories),
                interp.name)

        return R.Case(ref_treaty, facts, ref_interp)
    except Unexpressible as e:
        return str(e)


class Unexpressible(Exception):
    """Something of the file that tests/reference.py has no way to say."""


# Files (or treaties of them) the reference cannot express, and why; every other one it must.
NOT_EXPRESSIBLE = {
    "regions": "`in region` (the reference knows treaty scopes only)",
    "bearer_from_trigger": "a bearer bound by the trigger, or named otherwise than Y",
    "countermeasures_for": "a beneficiary other than the action's X",
    "state_beneficiary": "a beneficiary other than the action's X",
}


def engine_instances(run: Run, key: tuple[int, str], treaty: str) -> R.Outcome:
    result = json.loads(run.json["walk"][key])
    (mine,) = [r for r in result["results"] if r["treaty"] == treaty]
    return {(i["provision"], i["bearer"], i["beneficiary"]): (i["status"], i["activated"], i["since"],
                                                            tuple((e["date"], e["status"]) for e in i["timeline"]))
            for i in mine["instances"]}


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_the_reference_gives_the_same_instances(path: Path) -> None:
    run = run_file(path)
    reasons = set()
    compared = 0
    for i, s in enumerate(run.scenarios):
        for n in interpretations(run.scenarios):
            for tid in sorted(run.lib.treaties):
                treaty = run.lib.treaties[tid]
                case = to_reference(run.lib, treaty, s, n)
                if isinstance(case, str):
                    reasons.add(case)
                    continue
                assert engine_instances(run, (i, n), tid) == R.reference(case), (s.name, n, tid)
                compared += 1
    why = NOT_EXPRESSIBLE.get(path.stem.split("_", 1)[1])
    if why is None:
        assert not reasons and compared, reasons
    else:
        assert why in reasons, reasons


# ---------------------------------------------------------------------------- each mode taken


def test_every_mode_is_really_taken() -> None:
    """Over the corpus, each mode did its own work: the walk took no shortcut, the shortcuts and
    the direct path were taken, compiled CSV ran generated code, the workers ran chunks."""
    total: dict[str, Counts] = {}
    files_compiled = 0
    for path in FILES:
        run = run_file(path)
        for mode, counts in run.counts.items():
            total.setdefault(mode, Counts()).add(counts)
        files_compiled += run.counts["csv-compiled"].compiled > 0
    walk, shortcuts, direct = total["walk"], total["shortcuts"], total["direct"]
    assert walk.walked > 0 and walk.direct == walk.bisected == walk.predicates == walk.shared == 0
    assert shortcuts.direct == 0 and min(shortcuts.bisected, shortcuts.predicates, shortcuts.shared) > 0
    assert direct.direct > 0 and direct.walked < shortcuts.walked
    assert total["csv-engine"].compiled == 0 and total["csv-engine"].csv_engine > 0
    assert files_compiled >= 3, files_compiled
    assert total["csv-compiled"].csv_engine > 0  # and some files the compiled code leaves to the engine
    assert total["csv-workers"].parallel > 0 and total["csv-workers"].compiled == total["csv-compiled"].compiled
    # the result JSON takes the compiled code where CSV does, and walks no treaty it compiles
    json_batch = total["batch-json"]
    assert (json_batch.compiled, json_batch.json_engine) == (total["csv-compiled"].compiled,
                                                              total["csv-compiled"].csv_engine)
    assert json_batch.rewalked == 0


def test_the_options_are_the_default_and_plain_as_documented() -> None:
    assert EvalOptions() == EvalOptions(skip_dormant=True, predicates=True, share_alike=True, direct_simple=True,
                                        compiled=True)
    plain = EvalOptions.plain()
    assert not any(getattr(plain, f.name) for f in dataclasses.fields(plain) if f.name != "counts")
    assert EvalOptions().counting() == EvalOptions()  # counts are not part of the options' identity
