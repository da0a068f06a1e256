"""`casus diff`: minimal distinguishing scenarios, complete up to the bound, confirmed by the
engine, each saved scenario runnable with `casus run`."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.analysis import diff as D
from engine.core.evaluate import evaluate

MAP = ["BY=KP"]


@pytest.fixture(scope="module")
def by_kp() -> D.DiffResult:
    # one date per scenario keeps the search to seconds (the library grew: 673k scenarios at two dates)
    return D.diff("ru_by_2024", "ru_kp_2024", MAP, max_dates=1)


@pytest.fixture(scope="module")
def by_kp_json(by_kp: D.DiffResult) -> dict[str, Any]:
    return json.loads(by_kp.to_json())


def kinds(diff: dict[str, Any]) -> list[str]:
    return sorted(e["kind"] for e in diff["scenario"]["events"])


def insts(side: list[dict[str, Any]], action: str | None = None) -> list[tuple[str, str, str, str]]:
    return [(i["provision"], i["action"], i["status"], i["strength"]) for i in side
            if action is None or i["action"] == action]


# ---------------------------------------------------------------------------- the seed comparison


def test_threat_request_agreement_assistance_under_one_consultation_under_other(by_kp_json: dict[str, Any]) -> None:
    hits = [d for d in by_kp_json["differences"]
            if kinds(d) == ["agreement", "imminent_threat", "request"]
            and any(e["kind"] == "request" and e["for"] == "assist" for e in d["scenario"]["events"])
            and any(e.get("on") == "BY" for e in d["scenario"]["events"] if e["kind"] == "imminent_threat")]
    assert hits, "no imminent threat + request + agreement difference"
    d = hits[0]
    assert ("art4_2b", "assist", "active", "conditional") in insts(d["a"])
    assert insts(d["b"], "assist") == []  # no duty to assist under ru_kp_2024 …
    # … only consultation, lapsed once the one-day threat is over ("in case of an imminent threat")
    assert insts(d["b"]) == [("art3", "consult", "lapsed", "procedural")]
    assert d["scenario_b"]["events"][1]["on"] == "KP"  # B's scenario speaks of the DPRK


def test_attack_and_war_without_request(by_kp_json: dict[str, Any]) -> None:
    hits = [d for d in by_kp_json["differences"] if kinds(d) == ["armed_attack", "state_of_war"]
            # the attack on Belarus, named by its victim or (since Art. 2 on the Union State's
            # territory reads `at`) by its place
            and (d["scenario"]["events"][0].get("on") or d["scenario"]["events"][0].get("at")) == "BY"
            and d["scenario"]["events"][0]["date"] == "2025-03-13"]
    # a one-day attack and an open-ended one (the war must arise during it: ru_kp_2024 Art. 4)
    assert len(hits) == 2
    d = hits[0]
    assert insts(d["b"], "assist") == [("art4", "assist", "active", "automatic")]
    assert d["b"][0]["qualifiers"][0] == "immediately"
    # no request while the attack went on: lapsed or, if it goes on, pending
    assert {("art4_2b", "assist", s, "conditional") for s in ("pending", "lapsed")} & set(insts(d["a"]))
    pending = next(i for i in d["a"] if i["provision"] == "art4_2b")
    assert any(m.startswith("request(from: BY, for: assist)") for m in pending["missing"])


def test_sanctions_something_under_one_nothing_under_other(by_kp_json: dict[str, Any]) -> None:
    hits = [d for d in by_kp_json["differences"] if "sanctions" in kinds(d) and d["a"] and not d["b"]]
    assert hits
    assert kinds(hits[0]) == ["sanctions"]  # one fact is enough
    assert ("sanctions", "countermeasures", "pending", "discretionary") in insts(hits[0]["a"])


# ---------------------------------------------------------------------------- the guarantees


def test_json_shape_and_bound(by_kp_json: dict[str, Any]) -> None:
    out = by_kp_json
    assert out["schema"] == "casus.diff/1" and out["a"] == "ru_by_2024" and out["b"] == "ru_kp_2024"
    bound = out["bound"]
    assert bound["max_facts"] == 3 and bound["complete"] is True
    assert {p["party"] for p in bound["parties"]} == {"RU", "BY"}
    assert bound["outsider"] not in {"RU", "BY", "KP"}
    # and the day after each: `during` and `ongoing` make the end of a fact count
    assert [d["date"] for d in bound["dates"]] == ["2025-03-13", "2024-12-04", "2024-12-05", "2025-03-14"]
    sizes = [d["facts"] for d in out["differences"]]
    assert sizes == sorted(sizes)  # smallest first
    for d in out["differences"]:
        assert set(d) >= {"scenario", "a", "b", "summary"}
        assert d["a"] != d["b"]


def _sig(result: engine.Result, key: tuple[str, str, str]) -> frozenset[tuple[str, str, str, str]]:
    action, bearer, benef = key
    return frozenset((i.provision, i.modality, i.status, i.strength) for tr in result.results for i in tr.instances
                     if (i.action, i.bearer, i.beneficiary) == (action, bearer, benef))


def test_each_difference_is_minimal_and_confirmed(by_kp_json: dict[str, Any], tmp_path: Path) -> None:
    """Re-checked from outside: the saved scenarios, and every one with a fact left out, run
    through engine.load/run under both treaties."""

    def run(events: list[dict[str, Any]], name: str, treaty: str) -> engine.Result:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"name": name, "interpretation": "default", "events": events}), encoding="utf-8")
        lib2, [sc] = engine.load([path])
        return engine.run(lib2, sc, [treaty])

    for n, d in enumerate(by_kp_json["differences"]):
        ev_a = d["scenario"]["events"]
        ev_b = d.get("scenario_b", d["scenario"])["events"]
        for diff in d["differs"]:
            key_a = (diff["action"], diff["bearer"], diff["beneficiary"])
            key_b = tuple({"BY": "KP"}.get(x, x) for x in key_a)
            want_a = frozenset((e["provision"], e["modality"], e["status"], e["strength"]) for e in diff["a"])
            want_b = frozenset((e["provision"], e["modality"], e["status"], e["strength"]) for e in diff["b"])
            # confirmed: the saved scenario gives exactly this under each treaty
            assert _sig(run(ev_a, f"a{n}", "ru_by_2024"), key_a) == want_a
            assert _sig(run(ev_b, f"b{n}", "ru_kp_2024"), key_b) == want_b  # type: ignore[arg-type]
            # minimal: leaving out any fact loses this difference
            for i in range(len(ev_a)):
                sub_a, sub_b = ev_a[:i] + ev_a[i + 1:], ev_b[:i] + ev_b[i + 1:]
                got = (_sig(run(sub_a, f"sa{n}_{i}", "ru_by_2024"), key_a),
                       _sig(run(sub_b, f"sb{n}_{i}", "ru_kp_2024"), key_b))  # type: ignore[arg-type]
                assert got != (want_a, want_b), f"difference {n + 1} is not minimal without fact {i + 1}"


def test_saved_scenario_runs_with_casus_run(by_kp_json: dict[str, Any], tmp_path: Path, cli: Any) -> None:
    d = next(x for x in by_kp_json["differences"] if kinds(x) == ["armed_attack", "state_of_war"])
    path = tmp_path / "diff.json"
    path.write_text(json.dumps(d["scenario"], indent=2), encoding="utf-8")
    res = cli("run", path, "--treaty", "ru_by_2024", "--format", "json")
    assert res.exit_code == 0
    got = json.loads(res.output)["results"][0]["instances"]
    assert [(i["provision"], i["status"]) for i in got] == [(i["provision"], i["status"]) for i in d["a"]]
    path_b = tmp_path / "diff_b.json"
    path_b.write_text(json.dumps(d["scenario_b"]), encoding="utf-8")
    got_b = json.loads(cli("run", path_b, "--treaty", "ru_kp_2024", "--format", "json").output)

    def unsourced(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**i, "because": [{k: v for k, v in b.items() if k != "source"} for b in i["because"]]} for i in items]

    assert unsourced(got_b["results"][0]["instances"]) == unsourced(d["b"])


def test_complete_up_to_two_facts_against_brute_force(by_kp: D.DiffResult) -> None:
    """Every scenario of at most two facts of the search universe, run without any pruning
    under the treaties as written, shows only differences the diff lists, with a witness no
    larger."""
    a, b = D.load_sides("ru_by_2024", "ru_kp_2024")
    search = D.Search(a, b, {"BY": "KP"})
    universe = sorted(search.universe.facts())
    listed: dict[tuple[Any, ...], int] = {}
    for d in by_kp.differences:
        for s in d.sigs:
            listed[s] = len(d.facts)

    def outcome(side: Any, facts: tuple[D.DFact, ...]) -> dict[Any, frozenset[Any]]:
        ev = evaluate(side.side.lib, search.universe.scenario(side, facts), [side.side.tid], "default")
        return D._entries(side, ev.outcomes[0].instances, side.side.lib)

    checked = 0
    for size in (1, 2):
        for facts in itertools.combinations(universe, size):
            if len({f.start for f in facts}) > 1:
                continue
            oa, ob = outcome(search.a, facts), outcome(search.b, facts)
            for key in set(oa) | set(ob):
                ea, eb = oa.get(key, frozenset()), ob.get(key, frozenset())
                if D._proj(ea) == D._proj(eb):
                    continue
                acts = [f for f in facts if D._fulfils(f, key)]
                if acts:  # an action toward a duty the treaties already differ on only fulfils it
                    rest = tuple(f for f in facts if f is not acts[0])
                    ra, rb = outcome(search.a, rest), outcome(search.b, rest)
                    if D._proj(ra.get(key, frozenset())) != D._proj(rb.get(key, frozenset())):
                        continue
                sig = (key, ea, eb)
                assert sig in listed, f"{[f.render() for f in facts]} shows an unlisted difference {sig}"
                assert listed[sig] <= size
                checked += 1
    assert checked > 50


def test_max_facts_bounds_the_search() -> None:
    one = D.diff("ru_by_2024", "ru_kp_2024", MAP, max_facts=1)
    assert one.bound["max_facts"] == 1
    assert one.differences and all(len(d.facts) == 1 for d in one.differences)
    zero = D.diff("ru_by_2024", "ru_kp_2024", MAP, max_facts=0)
    assert zero.differences == []


def test_action_filter() -> None:
    res = D.diff("ru_by_2024", "ru_kp_2024", MAP, action="consult", max_dates=1)
    assert res.differences
    assert all(s[0][0] == "consult" for d in res.differences for s in d.sigs)


def test_two_versions_of_one_treaty_file(write: Any) -> None:
    text = (Path(__file__).resolve().parents[2] / "obligations" / "ru_kp_2024.casus").read_text(encoding="utf-8")
    assert "when state_of_war(party: X) during armed_attack(by: S, on: X) and S is a state" in text
    v2 = write("ru_kp_v2.casus", text.replace("when state_of_war(party: X) during armed_attack(by: S, on: X)",
                                               "when armed_attack(by: S, on: X)"))
    res = D.diff("ru_kp_2024", str(v2))
    # an attack alone; and, as the end of an attack counts under `during`, an attack that goes on,
    # assistance that day and a war the day after (active from the war under the original,
    # fulfilled from the attack under v2)
    # (a variant that only mirrors another, the same facts about another party, is not counted)
    own = [d for d in res.differences if d.mirror_of is None]
    assert len(own) == 2
    d = own[0]
    # the attack may be drawn as any kind of armed attack (`wmd_use` is one)
    others = sorted(f.kind for f in own[1].facts if f.kind not in ("armed_attack", "wmd_use"))
    assert others == ["assist", "state_of_war"]
    assert len(own[1].facts) == 3
    assert [f.kind for f in d.facts] == ["armed_attack"] and not d.a_runs
    assert [(r.provision.id, r.status) for r in d.b_runs] == [("art4", "active")]
    table = D.render_table(res)
    assert "ru_kp_v2.casus" in table and "no smaller scenario shows any of them" in table


def test_deadlines_under_strict_reading() -> None:
    """Where the interpretation gives timing words deadlines, an action a few days later can be in
    time under one treaty and late under the other."""
    res = D.diff("ru_by_2024", "ru_kp_2024", MAP, action="consult", interpretation="strict_deadlines")
    assert res.bound["max_dates"] == 2
    late = [d for d in res.differences
            if any(s[1] and any(e[3] == "fulfilled" for e in s[1]) and any(e[3] == "violated" for e in s[2])
                   for s in d.sigs)]
    assert late and [f.kind for f in late[0].facts][-1] == "consult"


def test_cli_table_and_errors(cli: Any, cli_once: Any) -> None:
    # the README's `casus diff`, run once for both
    res = cli_once("diff", "ru_by_2024", "ru_kp_2024", "--map", "BY=KP", "--max-dates", "1", "--max-facts", "2")
    assert res.exit_code == 0
    assert "no smaller scenario shows any of them" in res.output
    assert "BY (= KP)" in res.output
    out = json.loads(cli("diff", "us_jp_1960", "us_kr_1953", "--format", "json", "--max-facts", "2").output)
    assert out["schema"] == "casus.diff/1" and out["differences"]
    bad = cli("diff", "ru_by_2024", "ru_kp_2024", "--map", "RU=KP")
    assert bad.exit_code == 2 and "party to both treaties" in bad.output
    bad = cli("diff", "ru_by_2024", "ru_kpp_2024")
    assert bad.exit_code == 2 and "ru_kp_2024" in bad.output
    bad = cli("diff", "ru_by_2024", "ru_kp_2024", "--action", "asist")
    assert bad.exit_code == 2 and "assist" in bad.output


def test_a_date_where_both_bind_is_not_labelled_only_one(write: Any) -> None:
    """Issue 16 item 4: a date's note spoke for the first pair of parties only: "only b binds"
    for a party not yet a member of a, when both treaties bind the other pairs that day."""
    body = ('  in force 2020-01-01\n  provision p1 "P" article "1" {\n    when armed_attack(on: X)\n'
            "    then each other party must assist(to: X)\n  }\n}\n")
    a = write("a.casus", 'treaty a_t "A" {\n  parties RU, BY\n  member KZ from 2021-01-01\n' + body)
    b = write("b.casus", 'treaty b_t "B" {\n  parties RU, BY, KZ\n' + body)
    res = D.diff(str(a), str(b), max_facts=1)
    notes = {d["date"]: d["why"] for d in json.loads(res.to_json())["bound"]["dates"]}
    assert notes["2020-01-01"].endswith("both bind (for some pairs; only b_t binds for others)"), notes
    assert notes["2021-01-01"].endswith("both bind"), notes
