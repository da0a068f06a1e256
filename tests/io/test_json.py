"""The result JSON (SPEC "Result JSON", firm): exact keys and their order, SPEC's Kursk values,
JSON scenarios equal to .casus ones, and the published JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from regen import SCHEMA, schema_text

import engine
from engine.core.model import Result

ROOT = Path(__file__).resolve().parents[2]

TOP = ["schema", "scenario", "results"]
# `says` added after SPEC's keys (issue 16 item 6: the scenario's plain-language line, or null)
SCENARIO = ["name", "interpretation", "source", "says"]
TREATY = ["treaty", "title", "instances"]
# SPEC's keys, and `version` after `qualifiers` (SPEC "Treaties change": results say which
# version of a provision applied; issue 15)
INSTANCE = ["provision", "article", "modality", "action", "bearer", "beneficiary", "status", "strength",
            "activated", "since", "qualifiers", "version", "because", "missing", "timeline"]
BECAUSE = ["atom", "fact", "source"]
TIMELINE = ["date", "status"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SPEC_KURSK = """\
scenario "Kursk incursion" {
  2024-08-06..2025-03-12  armed_attack(by: UA, at: RU-KRS)
  2024-08-06..2025-03-12  state_of_war(party: RU)
  2024-12-10              assist(by: KP, to: RU)
}
"""

SPEC_KURSK_JSON = """\
{
  "name": "Kursk incursion",
  "interpretation": "default",
  "events": [
    {"kind": "armed_attack", "date": "2024-08-06", "until": "2025-03-12", "by": "UA", "at": "RU-KRS"},
    {"kind": "state_of_war", "date": "2024-08-06", "until": "2025-03-12", "party": "RU"},
    {"kind": "assist", "date": "2024-12-10", "by": "KP", "to": "RU"}
  ]
}
"""

# Something of every status, to see every shape of instance.
RICH_TREATY = """\
treaty tt "Test treaty" {
  parties RU, BY
  member KP from 2021-01-01
  in force 2020-01-01
  suspended KP toward RU from 2021-01-01
  provision p1 "Consult" article "1" {
    when imminent_threat(on: X)
    upon request(from: X, for: consult)
    then each other party must consult(with: X)
  }
  provision p2 "Assist" article "2(a)" {
    when armed_attack(on: X)
    unless provocation(by: X)
    then each other party must assist(to: X), within 5 days, by all means
    until unsc_measures()
  }
}
"""
RICH_SCENARIO = """\
scenario "rich" {
  2021-03-01 imminent_threat(on: BY)
  2021-03-01..2021-05-01 armed_attack(by: UA, on: RU)
  2021-03-02 assist(by: BY, to: RU)
  2021-04-01..2021-05-01 armed_attack(by: UA, on: BY)
  2021-04-01 provocation(by: BY)
}
"""


def ordered(text: str) -> Any:
    return json.loads(text, object_pairs_hook=lambda pairs: pairs)


def keys(pairs: list[tuple[str, Any]]) -> list[str]:
    return [k for k, _ in pairs]


def get(pairs: list[tuple[str, Any]], key: str) -> Any:
    return dict(pairs)[key]


def run_text(evaluate_files, treaty_text: str | None, scenario_text: str, treaty: str | None = None) -> str:  # type: ignore[no-untyped-def]
    return str(evaluate_files(treaty_text, scenario_text, treaty).to_json())


def check_shape(text: str) -> list[dict[str, Any]]:
    """Assert SPEC's keys in SPEC's order at every level; return the instances as dicts."""
    doc = ordered(text)
    assert keys(doc) == TOP
    assert get(doc, "schema") == "casus.result/1"
    assert keys(get(doc, "scenario")) == SCENARIO
    out = []
    for tr in get(doc, "results"):
        assert keys(tr) == TREATY
        for inst in get(tr, "instances"):
            assert keys(inst) == INSTANCE
            for b in get(inst, "because"):
                assert keys(b) == BECAUSE
                assert re.fullmatch(r".+:\d+", get(b, "source"))
            for t in get(inst, "timeline"):
                assert keys(t) == TIMELINE
                assert DATE.match(get(t, "date"))
            d = json.loads(json.dumps(dict(inst)))
            d["because"] = [dict(b) for b in get(inst, "because")]
            d["timeline"] = [dict(t) for t in get(inst, "timeline")]
            out.append(d)
    return out


def test_result_json_keys_and_order(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    insts = check_shape(run_text(evaluate_files, RICH_TREATY, RICH_SCENARIO, "tt"))
    got = {(i["provision"], i["bearer"], i["beneficiary"]): i for i in insts}
    assert {k: i["status"] for k, i in got.items()} == {
        ("p1", "KP", "BY"): "pending", ("p1", "RU", "BY"): "pending",
        ("p2", "BY", "RU"): "fulfilled", ("p2", "KP", "RU"): "suspended", ("p2", "RU", "BY"): "defeated",
        ("p2", "KP", "BY"): "defeated",
    }
    # pending: not activated yet (null), with the missing atom written in the language
    p1 = got[("p1", "RU", "BY")]
    assert p1["activated"] is None and p1["since"] == "2021-03-01"
    assert p1["missing"] == ["request(from: BY, for: consult)"]
    assert p1["modality"] == "obligation" and p1["action"] == "consult" and p1["strength"] == "procedural"
    p2 = got[("p2", "BY", "RU")]
    assert p2["article"] == "2(a)"
    assert p2["qualifiers"] == ["within_5_days", "all_means"]
    assert p2["timeline"] == [{"date": "2021-03-01", "status": "active"}, {"date": "2021-03-02", "status": "fulfilled"}]


def test_every_value_has_the_documented_type(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    for i in check_shape(run_text(evaluate_files, RICH_TREATY, RICH_SCENARIO, "tt")):
        assert i["modality"] in ("obligation", "prohibition", "permission", "right")
        assert i["status"] in ("pending", "active", "fulfilled", "violated", "discharged", "suspended", "defeated",
                               "lapsed")
        assert i["strength"] in ("automatic", "conditional", "discretionary", "procedural")
        assert i["activated"] is None or DATE.match(i["activated"])
        assert DATE.match(i["since"])
        assert all(isinstance(q, str) for q in i["qualifiers"])
        assert i["version"] is None or isinstance(i["version"], str)
        assert all(isinstance(m, str) for m in i["missing"])
        assert i["timeline"][-1] == {"date": i["since"], "status": i["status"]}  # since: the current status began


def test_kursk_reproduces_spec_values(evaluate_files, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = run_text(evaluate_files, None, SPEC_KURSK)
    doc = json.loads(text)
    assert doc["scenario"] == {"name": "Kursk incursion", "interpretation": "default",
                               "source": str(tmp_path / "scenario.casus"), "says": None}
    (kp,) = next(r for r in doc["results"] if r["treaty"] == "ru_kp_2024")["instances"]
    assert next(r for r in doc["results"] if r["treaty"] == "ru_kp_2024")["title"] == \
        "Treaty on Comprehensive Strategic Partnership (Russia–DPRK)"
    expected = {
        "provision": "art4", "article": "4", "modality": "obligation", "action": "assist",
        "bearer": "KP", "beneficiary": "RU", "status": "fulfilled", "strength": "automatic",
        "activated": "2024-12-04", "since": "2024-12-10",
        "qualifiers": ["immediately", "all_means", "un_charter_51"],
        "version": None,
        "missing": [],
        "timeline": [{"date": "2024-12-04", "status": "active"}, {"date": "2024-12-10", "status": "fulfilled"}],
    }
    assert {k: v for k, v in kp.items() if k != "because"} == expected
    assert {"atom": "armed_attack(by: UA, on: RU)", "fact": "armed_attack(by: UA, at: RU-KRS)",
            "source": f"{tmp_path / 'scenario.casus'}:2"} in kp["because"]
    # SPEC: ru_by_2024 is in force only from 2025-03-13 — nothing from it
    assert next(r for r in doc["results"] if r["treaty"] == "ru_by_2024")["instances"] == []
    # results are sorted by treaty id, every treaty of the library listed
    assert [r["treaty"] for r in doc["results"]] == sorted(r["treaty"] for r in doc["results"])
    assert len(doc["results"]) == 11


def strip_sources(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_sources(v) for k, v in value.items() if k != "source"}
    if isinstance(value, list):
        return [strip_sources(v) for v in value]
    return value


def test_json_scenario_equals_casus_scenario(write) -> None:  # type: ignore[no-untyped-def]
    casus = write("kursk.casus", SPEC_KURSK)
    js = write("kursk.json", SPEC_KURSK_JSON)
    lib, scenarios = engine.load([casus, js])
    by_source = {s.source: s for s in scenarios}
    a = json.loads(engine.run(lib, by_source[str(casus)]).to_json())
    b = json.loads(engine.run(lib, by_source[str(js)]).to_json())
    assert b["scenario"]["source"] == str(js)
    assert strip_sources(a) == strip_sources(b)
    kp_b = next(r for r in b["results"] if r["treaty"] == "ru_kp_2024")["instances"][0]
    # the JSON scenario's explanations point at the event's line in the JSON file
    assert {"atom": "armed_attack(by: UA, on: RU)", "fact": "armed_attack(by: UA, at: RU-KRS)", "source": f"{js}:5"} \
        in kp_b["because"]


def test_json_until_null_is_open_ended_like_casus_dotdot(write) -> None:  # type: ignore[no-untyped-def]
    casus = write("a.casus", 'scenario "open" {\n  2024-08-06.. armed_attack(by: UA, at: RU-KRS)\n'
                  "  2024-08-06.. state_of_war(party: RU)\n}\n")
    js = write("a.json", '{"name": "open", "events": [\n'
               '  {"kind": "armed_attack", "date": "2024-08-06", "until": null, "by": "UA", "at": "RU-KRS",'
               ' "note": "a note is not a role"},\n'
               '  {"kind": "state_of_war", "date": "2024-08-06", "until": null, "party": "RU"}\n]}\n')
    lib, scenarios = engine.load([casus, js])
    a, b = (json.loads(engine.run(lib, s, ["ru_kp_2024", "ru_by_2024"]).to_json()) for s in scenarios)
    assert strip_sources(a) == strip_sources(b)
    by = next(r for r in a["results"] if r["treaty"] == "ru_by_2024")["instances"]
    assert by, "an open-ended attack is still going on when ru_by_2024 enters into force"


def test_result_round_trips_through_the_model(evaluate_files) -> None:  # type: ignore[no-untyped-def]
    text = run_text(evaluate_files, RICH_TREATY, RICH_SCENARIO)
    assert Result.model_validate_json(text).to_json() == text
    assert text.endswith("}\n") and "\n  " in text  # indented, one trailing newline


def test_published_json_schema_matches_the_model(regen: bool) -> None:
    if regen:
        SCHEMA.write_text(schema_text(), encoding="utf-8")
        pytest.skip("docs/result.schema.json rewritten")
    assert SCHEMA.exists(), "docs/result.schema.json is missing: run pytest --regen"
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), "docs/result.schema.json is stale: run pytest --regen"


def test_schema_describes_the_firm_shape() -> None:
    schema = json.loads(schema_text())
    assert list(schema["properties"]) == TOP
    assert schema["properties"]["schema"]["const"] == "casus.result/1"
    defs = schema["$defs"]
    assert list(defs["Instance"]["properties"]) == INSTANCE
    assert sorted(defs["Instance"]["required"]) == sorted(INSTANCE)
    assert list(defs["ScenarioInfo"]["properties"]) == SCENARIO
    assert list(defs["TreatyResult"]["properties"]) == TREATY
    assert list(defs["Because"]["properties"]) == BECAUSE
    assert list(defs["TimelineEntry"]["properties"]) == TIMELINE
    assert set(defs["Instance"]["properties"]["status"]["enum"]) == {
        "pending", "active", "fulfilled", "violated", "discharged", "suspended", "defeated", "lapsed"}


def test_batch_json_is_the_models_json_byte_for_byte() -> None:
    """Batch output builds its JSON from plain dicts (engine.core.records.result_json), not from the
    pydantic models: the text must be the models' `model_dump_json`, byte for byte, on every
    bundled scenario (every status, `because` from facts and from states, `missing`), on
    generated ones, and on names with quotes, backslashes, control and non-ASCII characters."""
    from engine.core.evaluate import evaluate
    from engine.core.model import result_model
    from engine.core.records import result_json
    from engine.kernel.facts import Scenario

    lib, scenarios = engine.load(sorted(str(p) for p in (ROOT / "scenarios").iterdir()))
    odd = 'Kursk "ʼ\\ \x01\x1f\x7f\u2028 é 中 \U0001f600'
    scenarios.append(Scenario(odd, odd + ".json", None, scenarios[0].facts))
    statuses = set()
    for s in scenarios:
        ev = evaluate(lib, s)
        text = result_json(lib, ev)
        model = result_model(lib, ev)
        assert text == model.model_dump_json(by_alias=True), s.name
        # `casus run --format json` indents the same text (engine/cli.py): the models' indented form
        assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == model.to_json(), s.name
        statuses |= {i["status"] for r in json.loads(text)["results"] for i in r["instances"]}
    assert {"pending", "active", "fulfilled", "violated", "discharged", "suspended"} <= statuses


SAYS_SCENARIO = """\
scenario "Kursk, told" {
  says "Ukraine's incursion into Kursk | and North Korea's help."
  source "a source line, which is not the says line"
  2024-08-06..2025-03-12  armed_attack(by: UA, at: RU-KRS)
  2024-12-10              assist(by: KP, to: RU)
}
"""


def test_says_in_the_result_json_table_and_markdown(tmp_path, cli) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 6: the scenario's `says` line (not its `source` line) is in the result JSON's
    `scenario` object (the pydantic model and the compact writer alike), under the table's title
    and in the Markdown."""
    from engine.core.records import result, result_json
    from engine.present.report.text import render_markdown, render_table

    p = tmp_path / "told.casus"
    p.write_text(SAYS_SCENARIO, encoding="utf-8")
    lib, (s,) = engine.load([p])
    ev = engine.evaluate(lib, s, ["ru_kp_2024"])
    says = "Ukraine's incursion into Kursk | and North Korea's help."
    model = engine.core.model.result_model(lib, ev)
    assert model.scenario.says == says
    doc = json.loads(model.to_json())
    assert list(doc["scenario"]) == SCENARIO and doc["scenario"]["says"] == says
    assert result_json(lib, ev) == model.model_dump_json(by_alias=True)  # the compact writer agrees
    assert render_table(result(lib, ev)).splitlines()[1] == f"  {says}"
    md = render_markdown(result(lib, ev))
    assert "> Ukraine's incursion into Kursk \\| and North Korea's help." in md.splitlines()
    r = cli("run", p, "--treaty", "ru_kp_2024", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["scenario"]["says"] == says
    # a scenario without one: null, and no line for it
    q = tmp_path / "plain.casus"
    q.write_text(SAYS_SCENARIO.replace('  says "Ukraine\'s incursion into Kursk | and North Korea\'s help."\n', ""),
                 encoding="utf-8")
    lib2, (s2,) = engine.load([q])
    ev2 = engine.evaluate(lib2, s2, ["ru_kp_2024"])
    assert json.loads(result_json(lib2, ev2))["scenario"]["says"] is None
    assert render_table(result(lib2, ev2)).splitlines()[1] == ""
