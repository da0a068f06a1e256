"""`casus sweep`: a declared space of scenarios, enumerated (itertools.product), evaluated in
parallel with identical results whatever the number of workers, tabulated per provision, and
written as flat CSV / JSON records that load straight into a data frame."""

from __future__ import annotations

import csv
import io
import json

import pytest

import engine
from engine.analysis.sweep import RECORD_COLUMNS, load_space, progress_bar, run_space, to_csv

SPACE = {
    "name": "threats",
    "treaties": ["ru_kp_2024", "ru_by_2024"],
    "dimensions": {"target": ["BY", "KP"], "request": [False, True], "interpretation": ["default", "ru_claims"],
                   "date": ["2025-06-02"]},
    "template": [
        {"kind": "imminent_threat", "date": "{date}", "until": "{date+10}", "on": "{target}"},
        {"kind": "request", "date": "{date+1}", "from": "{target}", "for": "consult", "if": "request"},
    ],
}


@pytest.fixture
def space_file(tmp_path):  # type: ignore[no-untyped-def]
    def make(doc: dict = SPACE, name: str = "space.json"):  # type: ignore[type-arg]
        p = tmp_path / name
        p.write_text(json.dumps(doc), encoding="utf-8")
        return p

    return make


def test_points_are_the_product_in_order(space_file) -> None:  # type: ignore[no-untyped-def]
    sp = load_space(space_file())
    assert sp.size == 8
    pts = sp.points()
    assert pts[0] == {"target": "BY", "request": False, "interpretation": "default", "date": "2025-06-02"}
    assert pts[1]["interpretation"] == "ru_claims" and pts[2]["request"] is True and pts[4]["target"] == "KP"


def test_records_say_where_each_obligation_activates(lib, space_file) -> None:  # type: ignore[no-untyped-def]
    res = run_space(lib, load_space(space_file()))
    provisions = sum(1 for t in ("ru_kp_2024", "ru_by_2024") for _ in lib.treaties[t].provisions)
    assert len(res.records) == 8 * provisions
    art3 = [r for r in res.records if (r["treaty"], r["provision"]) == ("ru_kp_2024", "art3")]
    on = {(r["target"], r["request"]) for r in art3 if r["activated"]}
    assert on == {("KP", True)}  # consultations only on the DPRK's request
    pending = [r for r in art3 if r["target"] == "KP" and not r["request"]]
    # unasked, the consultations lapse once the one-day threat is over ("in case of an imminent threat")
    assert {r["status"] for r in pending} == {"lapsed"}
    hit = next(r for r in art3 if r["activated"])
    assert (hit["first_activated"], hit["beneficiaries"], hit["bearers"]) == ("2025-06-03", "KP", "RU")
    summary = {(s["treaty"], s["provision"]): s for s in res.summary()}
    s3 = summary[("ru_kp_2024", "art3")]
    assert (s3["points"], s3["activated"], s3["share"]) == (8, 2, 0.25)
    # issue 16 item 4: "where" says how often, among the points with those values
    assert s3["where"] == "target=KP, request=true (2 of 2 such points)"
    consult = summary[("ru_by_2024", "art2_consult")]
    assert consult["activated"] == 4 and consult["where"] == "target=BY (4 of 4 such points)"


def test_workers_do_not_change_the_result(lib, space_file) -> None:  # type: ignore[no-untyped-def]
    sp = load_space(space_file())
    one = run_space(lib, sp, workers=1)
    three = run_space(lib, sp, workers=3)
    assert to_csv(one.records, one.columns) == to_csv(three.records, three.columns)
    assert [r["point"] for r in three.records] == sorted(r["point"] for r in three.records)


def test_csv_and_json_are_flat_records(cli, space_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = space_file()
    r = cli("sweep", path, "--format", "csv", "--workers", "2")
    assert r.exit_code == 0, r.output
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0]) == ["point", "target", "request", "interpretation", "date"] + RECORD_COLUMNS
    assert {row["activated"] for row in rows} == {"true", "false"}
    out = tmp_path / "s.json"
    r = cli("sweep", path, "--format", "json", "-o", out)
    assert r.exit_code == 0 and "wrote" in r.stderr
    recs = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(recs, list) and len(recs) == len(rows)
    assert all(isinstance(v, (str, int, bool, float)) for rec in recs for v in rec.values())  # flat
    assert list(recs[0]) == list(rows[0])
    s = json.loads(cli("sweep", path, "--format", "json", "--summary").stdout)
    assert {"treaty", "provision", "points", "activated", "share", "where", "target"} <= set(s[0])


def test_bundled_example_space(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("sweep", "seed_sweep")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].endswith("scenarios/spaces/seed_sweep.json")
    assert lines[1].startswith("48 scenarios: aggressor (2), target (3)")
    art4 = next(line for line in lines if line.startswith("ru_kp_2024") and " art4 " in line)
    assert "8/48" in art4 and "event=armed_attack" in art4 and "interpretation=war_by_attack" in art4


def test_progress_bar_draws_on_the_stream() -> None:
    buf = io.StringIO()
    ticks = iter([0.0, 0.0, 2.0, 4.0])  # start, then at each call
    show = progress_bar(buf, clock=lambda: next(ticks))
    show(0, 4)
    show(1, 4)
    show(4, 4)
    assert buf.getvalue() == ("\rsweep [" + "." * 30 + "] 0/4"
                              "\rsweep [#######.......................] 1/4  0.5/s  6s left"
                              "\rsweep [" + "#" * 30 + "] 4/4  1.0/s" + " " * len("  6s left") + "\n")


@pytest.mark.parametrize("change, message", [
    ({"dimensions": {"point": ["x"]}}, "dimension name 'point' is taken"),
    ({"template": [{"kind": "threat", "date": "{day}", "on": "BY"}]}, "{day} is not a dimension"),
    ({"template": [{"kind": "threat", "date": "2025-01-01", "on": "BY", "if": "nope"}]}, "'if' names no dimension"),
    ({"dimensions": {"target": []}}, "needs a non-empty list"),
    ({"colour": "red"}, "unknown key 'colour'"),
])
def test_space_shape_errors(cli, space_file, change, message) -> None:  # type: ignore[no-untyped-def]
    r = cli("sweep", space_file({**SPACE, **change}))
    assert r.exit_code == 2
    assert "E-SPACE" in r.stderr and message in r.stderr


def test_events_are_checked_against_the_library(cli, space_file) -> None:  # type: ignore[no-untyped-def]
    bad = {**SPACE, "template": [{"kind": "imminent_threat", "date": "{date}", "on": "{target}"},
                                 {"kind": "request", "date": "{date}", "from": "UK", "for": "consult"}]}
    r = cli("sweep", space_file(bad))
    assert r.exit_code == 2
    assert "unknown party code 'UK'" in r.stderr and "template[1]" in r.stderr
    r = cli("sweep", space_file({**SPACE, "dimensions": {**SPACE["dimensions"], "interpretation": ["ru_claimz"]}}))
    assert r.exit_code == 2 and "ru_claims" in r.stderr


def test_python_api(lib, space_file) -> None:  # type: ignore[no-untyped-def]
    res = run_space(lib, load_space(space_file()), workers=1)
    assert res.columns[:5] == ["point", "target", "request", "interpretation", "date"]
    assert engine.load_library is not None
