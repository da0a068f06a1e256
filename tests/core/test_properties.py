"""Properties, with Hypothesis: loading any text only ever succeeds or raises CasusError with
locations inside the input; results do not depend on the order of facts or library files, nor
on PYTHONHASHSEED; and a property of the kind SPEC's testers state about treaties."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

import engine
from engine.base.errors import CasusError
from engine.base.paths import library_dir
from engine.language.syntax import full_parser as parser

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, Any] = {"deadline": None,
                             "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


# ------------------------------------------------------------------ load: CasusError or success


def _padded_terminals() -> dict[str, st.SearchStrategy[str]]:
    """Terminals followed by a space, and drawn from plausible values, so that many generated
    documents get past the parser and exercise the checker too."""
    words = ["armed_attack", "threat", "assist", "consult", "request", "on", "by", "at", "to", "for", "with",
             "party", "from", "europe", "art6", "p", "t", "standard", "ru_kp_2024", "default", "ru_claims",
             "unsc_measures", "state_of_war", "means", "x_y", "victim"]
    regexes = {
        "NAME": st.sampled_from(words),
        "CODE": st.sampled_from(["RU", "BY", "KP", "UA", "UK", "XX", "RU-KRS", "UA-43", "US-HI", "RU-ZZZ"]),
        "VAR": st.sampled_from(["X", "Y", "A", "Victim"]),
        "DATE": st.sampled_from(["2024-12-04", "2025-03-13", "2025-02-30", "2023-04-04", "0000-00-00"]),
        "INT": st.sampled_from(["0", "5", "30", "99999999999999999999"]),
        "STRING": st.sampled_from(['"x"', '""', '"Art. 5"']),
        "COMMENT": st.just("# c\n"),
        "WS": st.sampled_from([" ", "\n"]),
    }
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in parser().terminals:
        if t.name in regexes:
            out[t.name] = regexes[t.name].map(lambda s: s + " ")
        elif t.pattern.type == "str":
            out[t.name] = st.just(t.pattern.value + " ")
        else:
            choices = re.fullmatch(r"\(\?:([a-z_|]+)\)", t.pattern.value)
            if choices:
                out[t.name] = st.sampled_from(choices.group(1).split("|")).map(lambda s: s + " ")
    return out


RAW = from_lark(parser())
PADDED = from_lark(parser(), explicit=_padded_terminals())


def _load_text(tmp_path: Path, data: bytes) -> None:
    """Load `data` as a user file; succeed or raise CasusError whose locations in it are real."""
    path = tmp_path / "gen.casus"
    path.write_bytes(data)
    try:
        engine.load([path])
    except CasusError as e:
        assert e.diagnostics, "a CasusError carries at least one diagnostic"
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
        lines = text.split("\n")
        for d in e.diagnostics:
            assert re.fullmatch(r"E-[A-Z-]+", d.code), d.code
            rendered = d.render()
            assert rendered.startswith(f"{d.span.where}: {d.code}: ")
            if d.span.path != str(path):
                continue
            assert 1 <= d.span.line <= len(lines), (d.span, len(lines))
            line = lines[d.span.line - 1].rstrip("\r")
            assert 1 <= d.span.column <= len(line) + 1, (d.span, line)


@settings(max_examples=60, **SETTINGS)
@given(PADDED)
def test_grammar_generated_documents_load_or_raise_casus_error(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    _load_text(tmp_path_factory.mktemp("g"), text.encode("utf-8", "surrogatepass"))


@settings(max_examples=40, **SETTINGS)
@given(RAW)
def test_raw_grammar_strings_load_or_raise_casus_error(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    _load_text(tmp_path_factory.mktemp("r"), text.encode("utf-8", "surrogatepass"))


@settings(max_examples=60, **SETTINGS)
@given(st.text(alphabet=st.sampled_from(list('scenario"{}()[],:.#- \n\tRUBY2024-01-31_armedtk\\é\u2028\r'))
               | st.characters(), max_size=300))
@example('scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n')
@example("\u2028scenario")
@example("scenario \"x\" {\r\r\n 2024-02-30 x()}")
def test_random_text_loads_or_raises_casus_error(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    _load_text(tmp_path_factory.mktemp("t"), text.encode("utf-8", "surrogatepass"))


@settings(max_examples=40, **SETTINGS)
@given(st.binary(max_size=300))
@example(b"\xff\xfe\x00s")
@example(b'scenario "\xc3" {}')
def test_random_bytes_load_or_raise_casus_error(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    _load_text(tmp_path_factory.mktemp("b"), data)


@settings(max_examples=30, **SETTINGS)
@given(st.binary(max_size=300))
def test_random_bytes_as_json_scenario(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("j") / "gen.json"
    path.write_bytes(data)
    try:
        engine.load([path])
    except CasusError as e:
        assert all(d.span.line >= 1 and d.span.column >= 1 for d in e.diagnostics)


# ------------------------------------------------------------------ generated scenarios

PARTIES = ["RU", "BY", "KP", "PL", "US", "FI", "UA", "NZ"]
TERRITORIES = ["RU-KRS", "UA-43", "PL", "US-HI", "FI-18", "BY-HM"]
ACTIONS = ["assist", "consult", "countermeasures"]
DAY0 = dt.date(2022, 9, 1)


@st.composite
def facts(draw: Any) -> str:
    start = DAY0 + dt.timedelta(days=draw(st.integers(0, 1200)))
    span = draw(st.sampled_from([None, 0, 3, 40, 400, "open"]))
    when = start.isoformat()
    if span == "open":
        when += ".."
    elif span is not None:
        when += ".." + (start + dt.timedelta(days=span)).isoformat()
    p, q = draw(st.sampled_from(PARTIES)), draw(st.sampled_from(PARTIES))
    kind = draw(st.sampled_from(["armed_attack_on", "armed_attack_at", "threat", "imminent_threat", "state_of_war",
                                 "request", "agreement", "assist", "consult", "unsc_measures", "provocation",
                                 "sanctions"]))
    atom = {
        "armed_attack_on": f"armed_attack(by: {q}, on: {p})",
        "armed_attack_at": f"armed_attack(at: {draw(st.sampled_from(TERRITORIES))})",
        "threat": f"threat(on: {p})",
        "imminent_threat": f"imminent_threat(by: {q}, on: {p})",
        "state_of_war": f"state_of_war(party: {p})",
        "request": f"request(from: {p}, for: {draw(st.sampled_from(ACTIONS))})",
        "agreement": f"agreement(by: {p}, with: {q}, on: {draw(st.sampled_from(ACTIONS))})",
        "assist": f"assist(by: {q}, to: {p})",
        "consult": f"consult(by: {q}, with: {p})",
        "unsc_measures": "unsc_measures()",
        "provocation": f"provocation(by: {p})",
        "sanctions": f"sanctions(by: {q}, on: {p})",
    }[kind]
    return f"{when} {atom}"


def scenario_text(fact_lines: list[str], interpretation: str = "default") -> str:
    return 'scenario "gen" {\n  interpretation ' + interpretation + "\n" + "".join(
        f"  {f}\n" for f in fact_lines) + "}\n"


def normalised(result_json: str, path: Path) -> Any:
    """Result JSON with each `because.source` (path:line) replaced by the fact written on that line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    doc = json.loads(result_json)
    doc["scenario"]["source"] = "<scenario>"
    for tr in doc["results"]:
        for inst in tr["instances"]:
            for b in inst["because"]:
                where, _, line = b["source"].rpartition(":")
                if where == str(path):
                    b["source"] = lines[int(line) - 1].strip()
    return doc


@settings(max_examples=25, **SETTINGS)
@given(st.lists(facts(), min_size=1, max_size=12), st.randoms(use_true_random=False),
       st.sampled_from(["default", "ru_claims", "war_by_attack", "strict_deadlines"]))
def test_results_do_not_depend_on_fact_order(lib, tmp_path_factory, fact_lines: list[str], rnd: random.Random,
                                             interpretation: str) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(fact_lines)
    rnd.shuffle(shuffled)
    assume(shuffled != fact_lines or len(fact_lines) == 1)
    d = tmp_path_factory.mktemp("order")
    a, b = d / "a.casus", d / "b.casus"
    a.write_text(scenario_text(fact_lines, interpretation), encoding="utf-8")
    b.write_text(scenario_text(shuffled, interpretation), encoding="utf-8")
    _, (sa,) = engine.load([a])
    _, (sb,) = engine.load([b])
    assert normalised(engine.run(lib, sa).to_json(), a) == normalised(engine.run(lib, sb).to_json(), b)


def test_results_do_not_depend_on_fact_order_kursk(lib) -> None:  # type: ignore[no-untyped-def]
    _, (s,) = engine.load([ROOT / "scenarios" / "kursk_2024.casus"])
    base = engine.run(lib, s).to_json()
    rnd = random.Random(7)
    for _ in range(5):
        facts_ = list(s.facts)
        rnd.shuffle(facts_)
        import dataclasses

        assert engine.run(lib, dataclasses.replace(s, facts=tuple(facts_))).to_json() == base


@settings(max_examples=5, **SETTINGS)
@given(st.permutations(sorted(str(p) for p in library_dir().rglob("*.casus"))))
def test_results_do_not_depend_on_library_file_order(lib, files: list[str]) -> None:  # type: ignore[no-untyped-def]
    scenario = ROOT / "scenarios" / "kursk_2024.casus"
    shuffled_lib, (s,) = engine.load([scenario], library=files)
    _, (s0,) = engine.load([scenario])
    assert engine.run(shuffled_lib, s).to_json() == engine.run(lib, s0).to_json()
    crimea_like = engine.run(shuffled_lib, s, interpretation="ru_claims").to_json()
    assert crimea_like == engine.run(lib, s0, interpretation="ru_claims").to_json()


def test_output_is_identical_under_different_hash_seeds() -> None:
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, "-m", "engine.cli", "run", "scenarios/kursk_2024.casus",
                               "--format", "json"], capture_output=True, cwd=ROOT, env=env, timeout=120,
                              check=False)
        assert proc.returncode == 0, proc.stderr.decode()
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert json.loads(outs[0])["schema"] == "casus.result/1"


# ------------------------------------------------------------------ a tester's property


@settings(max_examples=40, **SETTINGS)
@given(st.lists(facts(), min_size=1, max_size=12))
def test_ru_by_assistance_never_active_without_a_request(lib, tmp_path_factory, fact_lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    """SPEC's example property: `never active ru_by_2024.art4_2b for X unless request(from: X)`."""
    path = tmp_path_factory.mktemp("prop") / "s.casus"
    path.write_text(scenario_text(fact_lines), encoding="utf-8")
    _, (s,) = engine.load([path])
    result = engine.run(lib, s, ["ru_by_2024"])
    for inst in result.results[0].instances:
        if inst.provision != "art4_2b" or inst.activated is None:
            continue
        requested = [f for f in s.facts if f.kind == "request" and f.roles.get("from") == inst.beneficiary
                     and f.roles.get("for") == "assist"
                     and dt.date.fromisoformat(inst.activated).toordinal() >= f.start]
        assert requested, (inst, fact_lines)


@settings(max_examples=40, **SETTINGS)
@given(st.lists(facts(), min_size=1, max_size=12), st.sampled_from(["default", "strict_deadlines"]))
def test_instance_invariants(lib, tmp_path_factory, fact_lines: list[str], interpretation: str) -> None:  # type: ignore[no-untyped-def]
    """Invariants of every listed instance: timeline sorted and ending in the current status,
    `activated` set exactly when the instance has been active, permissions never violated or
    fulfilled, bearer and beneficiary different under `each other party`, pending lists what is missing."""
    path = tmp_path_factory.mktemp("inv") / "s.casus"
    path.write_text(scenario_text(fact_lines, interpretation), encoding="utf-8")
    _, (s,) = engine.load([path])
    result = engine.run(lib, s)
    for tr in result.results:
        treaty = lib.treaties[tr.treaty]
        for i in tr.instances:
            dates = [t.date for t in i.timeline]
            assert dates == sorted(dates) and len(set(dates)) == len(dates)
            assert i.timeline[-1].status == i.status and i.timeline[-1].date == i.since
            assert all(a.status != b.status for a, b in itertools.pairwise(i.timeline))
            if i.activated is not None:
                assert i.activated <= i.since
                # an instance discharged on the day it came alive (NATO Art. 5 with UNSC measures the
                # same day) shows only the day's last status, as one fulfilled that day does
                assert ("active" in [t.status for t in i.timeline] or i.status in ("fulfilled", "violated")
                        or i.status == "discharged" and i.since == i.activated)
            if i.status in ("active", "fulfilled", "violated"):
                assert i.activated is not None
            if i.status == "pending":
                assert i.activated is None and i.missing
            if i.modality in ("permission", "right"):
                assert i.status not in ("violated", "fulfilled")
            in_force = engine.language.build.iso(treaty.in_force)
            assert all(t.date >= in_force for t in i.timeline)
            prov = next(p for p in treaty.provisions if p.id == i.provision)
            assert prov.then is not None
            if prov.then.bearer.mode == "each_other":
                assert i.bearer != i.beneficiary
