"""`casus compare` as data (issue 4, item 1): CSV and JSON with a row per instance and a cell
per interpretation, `--interpretations all`, several scenarios, cells marked where they change."""

from __future__ import annotations

import csv
import io
import json

from engine.present.report.text import COMPARE_COLUMNS

CRIMEA = """\
scenario "Crimea" {
  2024-12-10..2025-01-10 armed_attack(by: UA, at: UA-43)
  2024-12-10..2025-01-10 state_of_war(party: RU)
}
"""

THREAT = """\
scenario "Threat" {
  2025-06-02 imminent_threat(by: US, on: KP)
}
"""


def test_csv_has_a_line_per_instance_and_interpretation(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    r = cli("compare", crimea, "--interpretations", "default,ru_claims", "--treaty", "ru_kp_2024",
            "--treaty", "nato_1949", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == COMPARE_COLUMNS
    kp = [x for x in rows if x["treaty"] == "ru_kp_2024"]
    assert [(x["interpretation"], x["status"], x["since"], x["changed"], x["differs"]) for x in kp] == [
        ("default", "dormant", "", "false", "true"), ("ru_claims", "active", "2024-12-10", "true", "true")]
    assert ({(x["bearer"], x["beneficiary"], x["article"], x["strength"]) for x in kp}
            == {("KP", "RU", "4", "automatic")})
    assert not [x for x in rows if x["treaty"] == "nato_1949"]  # nothing alive under either reading


def test_csv_several_scenarios_and_all_interpretations(cli, write, lib) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    threat = write("threat.casus", THREAT)
    r = cli("compare", crimea, threat, "--interpretations", "all", "--treaty", "ru_kp_2024", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {x["scenario"] for x in rows} == {"Crimea", "Threat"}
    assert {x["interpretation"] for x in rows} == set(lib.interpretations)
    art3 = [x for x in rows if x["scenario"] == "Threat" and x["provision"] == "art3"]
    # pending under every reading (no request): the row does not differ, no cell changes
    # the threat over with no request: lapsed ("in case of an imminent threat")
    assert {(x["status"], x["changed"], x["differs"]) for x in art3} == {("lapsed", "false", "false")}
    assert art3[0]["missing"] == "request(from: KP, for: consult) or request(from: RU, for: consult)"
    war = {x["interpretation"]: x["status"] for x in rows if x["scenario"] == "Crimea" and x["provision"] == "art4"}
    assert war["ru_claims"] == "active" and war["default"] == "dormant"


def test_json_rows_cells_and_quiet(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    r = cli("compare", crimea, "--interpretations", "default,ru_claims", "--treaty", "ru_kp_2024",
            "--treaty", "nato_1949", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["schema"] == "casus.compare/1"
    assert doc["interpretations"] == ["default", "ru_claims"]
    assert doc["quiet"] == ["nato_1949"]
    (row,) = doc["rows"]
    assert (row["treaty"], row["provision"], row["bearer"], row["beneficiary"], row["differs"]) == (
        "ru_kp_2024", "art4", "KP", "RU", True)
    assert row["cells"]["default"] == {"status": "dormant", "since": None, "activated": None, "missing": [],
                                       "changed": False}
    assert row["cells"]["ru_claims"]["status"] == "active" and row["cells"]["ru_claims"]["changed"] is True
    assert [len(x["results"][0]["instances"]) for x in doc["results"] if x["results"][0]["treaty"] == "nato_1949"] \
        == [0, 0]


def test_json_several_scenarios_is_a_list(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    threat = write("threat.casus", THREAT)
    r = cli("compare", crimea, threat, "--treaty", "ru_kp_2024", "--format", "json")
    docs = json.loads(r.stdout)
    assert [d["scenario"] for d in docs] == ["Crimea", "Threat"]
    assert docs[1]["rows"][0]["cells"]["default"]["status"] == "lapsed"  # the threat ended unasked


def test_table_several_scenarios_one_after_the_other(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    threat = write("threat.casus", THREAT)
    one = cli("compare", crimea, "--treaty", "ru_kp_2024").stdout
    both = cli("compare", crimea, threat, "--treaty", "ru_kp_2024").stdout
    assert both.startswith(one)
    assert "Threat" in both[len(one):] and "lapsed 2025-06-03" in both[len(one):]  # a one-day threat, unasked
