"""The `casus` command through click's CliRunner: every verb, its output and its exit code
(0 success, 1 an expectation failed, 2 bad input or usage)."""

from __future__ import annotations

import json
import re

import pytest
from helpers import KURSK

CRIMEA = """\
scenario "Crimea" {
  2024-12-10..2025-01-10 armed_attack(by: UA, at: UA-43)
  2024-12-10..2025-01-10 state_of_war(party: RU)
}
"""


@pytest.fixture
def kursk(write):  # type: ignore[no-untyped-def]
    return write("kursk.casus", KURSK)


# ------------------------------------------------------------------ run


def test_run_table(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", kursk, "--treaty", "ru_kp_2024", "--treaty", "ru_by_2024")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Kursk — interpretation default — {kursk}"
    header = next(line for line in lines if line.strip().startswith("art."))
    assert header.split() == ["art.", "provision", "bearer", "→", "beneficiary", "duty", "status", "since",
                              "activated", "strength", "missing"]
    row = next(line for line in lines if "art4" in line)
    assert row.split() == ["4", "art4", "KP", "→", "RU", "must", "assist", "fulfilled", "2024-12-10", "2024-12-04",
                           "automatic"]
    assert lines[-1] == "Nothing comes alive under: ru_by_2024"


def test_run_json(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", kursk, "--treaty", "ru_kp_2024", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema"] == "casus.result/1"
    assert doc["scenario"] == {"name": "Kursk", "interpretation": "default", "source": str(kursk), "says": None}
    (tr,) = doc["results"]
    (inst,) = tr["instances"]
    assert (inst["status"], inst["since"], inst["activated"]) == ("fulfilled", "2024-12-10", "2024-12-04")
    assert result.stdout.endswith("}\n")


def test_run_markdown(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", kursk, "--treaty", "ru_kp_2024", "--treaty", "ru_by_2024", "--format", "markdown")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("## Kursk\n")
    assert ("| `ru_kp_2024` | 4 | `art4` | KP → RU | must assist | **fulfilled** | 2024-12-10 | 2024-12-04 "
            "| automatic |") in out
    assert "\nNothing comes alive under: `ru_by_2024`.\n" in out
    assert "| `ru_by_2024` |" not in out
    assert "### Why" in out
    assert f"`armed_attack(by: UA, on: RU)` ← `armed_attack(by: UA, at: RU-KRS)` ({kursk}:2)" in out


def test_run_markdown_with_nothing_alive_is_one_line(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    """Issue 16 item 4: no table, no row per treaty, when nothing comes alive."""
    result = cli("run", kursk, "--treaty", "nato_1949", "--treaty", "us_jp_1960", "--format", "markdown")
    assert result.exit_code == 0
    body = result.stdout.split("\n\n", 2)[2]
    assert body.strip() == "Nothing comes alive under: `nato_1949`, `us_jp_1960`.", result.stdout


def test_run_two_scenarios_as_json_gives_a_list(cli, kursk, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    result = cli("run", kursk, crimea, "--treaty", "ru_kp_2024", "--format", "json")
    assert result.exit_code == 0
    docs = json.loads(result.stdout)
    assert [d["scenario"]["name"] for d in docs] == ["Kursk", "Crimea"]  # in the order given (issue 16.2)
    again = cli("run", crimea, kursk, "--treaty", "ru_kp_2024", "--format", "json")
    assert [d["scenario"]["name"] for d in json.loads(again.stdout)] == ["Crimea", "Kursk"]


def test_run_with_interpretation_changes_the_result(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    plain = json.loads(cli("run", crimea, "--treaty", "ru_kp_2024", "--format", "json").stdout)
    claims = json.loads(cli("run", crimea, "--treaty", "ru_kp_2024", "--format", "json",
                            "--interpretation", "ru_claims").stdout)
    assert plain["results"][0]["instances"] == []
    assert claims["scenario"]["interpretation"] == "ru_claims"
    assert [(i["bearer"], i["status"]) for i in claims["results"][0]["instances"]] == [("KP", "active")]


def test_run_bad_format_is_a_usage_error(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", kursk, "--format", "xml")
    assert result.exit_code == 2
    assert "'xml' is not one of 'table', 'json', 'markdown'" in result.output


def test_run_without_a_scenario_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("run").exit_code == 2


def test_run_a_file_without_a_scenario(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("only_region.casus", "region r { RU }\n")
    result = cli("run", p)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{p}:1:1: E-SCENARIO: no scenario in the given files")


def test_run_with_a_user_library(cli, tmp_path, write) -> None:  # type: ignore[no-untyped-def]
    libdir = tmp_path / "lib"
    libdir.mkdir()
    from engine.base.paths import library_dir

    (libdir / "vocabulary.casus").write_text((library_dir() / "vocabulary.casus").read_text(encoding="utf-8"),
                                             encoding="utf-8")
    (libdir / "interpretations.casus").write_text('interpretation default "d" {}\n', encoding="utf-8")
    (libdir / "mine.casus").write_text(
        'treaty mine "Mine" {\n  parties RU, BY\n  in force 2000-01-01\n'
        '  provision p "P" article "1" {\n    when armed_attack(on: X)\n'
        "    then each other party must assist(to: X)\n  }\n}\n", encoding="utf-8")
    s = write("s.casus", 'scenario "s" {\n  2024-01-01 armed_attack(on: RU)\n}\n')
    result = cli("run", s, "--library", libdir, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [r["treaty"] for r in doc["results"]] == ["mine"]
    assert cli("treaties", "--library", libdir).stdout.split()[0] == "mine"


def test_run_accepts_a_bundled_scenario_by_name(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", "kursk_2024", "--treaty", "ru_kp_2024", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["scenario"]["source"] == "scenarios/kursk_2024.casus"


# ------------------------------------------------------------------ compare


def _columns(header: str, row: str, sep: str) -> dict[str, str]:
    """A table row as {column name: cell}; the table layout may change, the column names not."""
    split = (lambda s: re.split(r"\s{2,}", s.strip())) if sep == "  " else (
        lambda s: [c.strip() for c in s.strip().strip("|").split("|")])
    names, cells = split(header), split(row)
    if len(cells) < len(names):  # an empty last cell (no difference) is dropped by the plain-text split
        cells += [""] * (len(names) - len(cells))
    return dict(zip(names, cells, strict=False))  # a longer row keeps the named cells


def test_compare_marks_the_difference_between_interpretations(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    result = cli("compare", crimea, "--interpretations", "default,ru_claims")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Crimea"
    header = next(line for line in lines if line.startswith("treaty"))
    assert header.split()[-3:] == ["default", "ru_claims", "differs"]
    row = _columns(header, next(line for line in lines if line.startswith("ru_kp_2024")), "  ")
    assert (row["provision"], row["bearer → beneficiary"]) == ("art4", "KP → RU")
    assert row["default"] == "—"
    assert row["ru_claims"].startswith("active 2024-12-10")
    assert row["differs"] == "*"
    # NATO sees nothing under either reading: no row of it is marked
    assert not [line for line in lines if line.startswith("nato_1949") and line.rstrip().endswith("*")]
    assert "nato_1949" in result.stdout


def test_compare_same_interpretation_twice_marks_nothing(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    result = cli("compare", crimea, "--interpretations", "ru_claims,ru_claims", "--treaty", "ru_kp_2024")
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("ru_kp_2024"))
    assert not row.rstrip().endswith("*")


def test_compare_markdown_and_json(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    md = cli("compare", crimea, "--interpretations", "default,ru_claims", "--treaty", "ru_kp_2024",
             "--format", "markdown")
    assert md.exit_code == 0
    lines = md.stdout.splitlines()
    header = next(line for line in lines if line.startswith("| treaty"))
    row = _columns(header, next(line for line in lines if line.startswith("| ru_kp_2024")), "|")
    assert row["default"] == "—" and row["ru_claims"].startswith("active 2024-12-10") and row["differs"] == "*"
    js = cli("compare", crimea, "--interpretations", "default,ru_claims", "--treaty", "ru_kp_2024", "--format", "json")
    doc = json.loads(js.stdout)
    assert doc["interpretations"] == ["default", "ru_claims"]
    assert [len(r["results"][0]["instances"]) for r in doc["results"]] == [0, 1]


# ------------------------------------------------------------------ explain


def test_explain_why(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("explain", kursk, "ru_kp_2024.art4")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0].startswith("ru_kp_2024.art4 — Art. 4:")
    assert "KP -> RU: fulfilled since 2024-12-10 (activated 2024-12-04)" in out
    assert f"because armed_attack(by: UA, on: RU)  <-  armed_attack(by: UA, at: RU-KRS)  [{kursk}:2]" in out
    assert f"because state_of_war(party: RU)  <-  state_of_war(party: RU)  [{kursk}:3]" in out


def test_explain_why_not_treaty_not_in_force(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("early.casus", 'scenario "early" {\n  2024-08-06..2024-11-01 armed_attack(by: UA, at: RU-KRS)\n'
              "  2024-08-06..2024-11-01 state_of_war(party: RU)\n}\n")
    result = cli("explain", p, "ru_kp_2024.art4")
    assert result.exit_code == 0
    out = result.stdout
    assert "No instance: the provision stayed dormant. Why not:" in out
    line = next(x for x in out.splitlines() if "armed_attack(by: S, on: RU)" in x)
    assert line.strip().startswith("did not")
    assert "treaty was not in force" in line and "(in force 2024-12-04)" in line
    # Art. 4 is `state_of_war(party: X) during armed_attack(on: X)`: one line for the relation,
    # naming its first fact (the war, line 3)
    assert f"[{p}:3]" in line


def test_explain_why_not_party_not_a_member(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("se.casus", 'scenario "se" {\n  2024-01-01 armed_attack(by: RU, at: SE)\n}\n')
    result = cli("explain", p, "nato_1949.art5")
    assert result.exit_code == 0
    line = next(x for x in result.stdout.splitlines() if "armed_attack(on: SE" in x)
    assert "SE was not a member then (member: 2024-03-07–)" in line


def test_explain_mentions_other_interpretations(cli, write) -> None:  # type: ignore[no-untyped-def]
    crimea = write("crimea.casus", CRIMEA)
    result = cli("explain", crimea, "ru_kp_2024.art4")
    assert result.exit_code == 0
    assert "under interpretation ru_claims: KP -> RU active" in result.stdout


def test_explain_target_without_a_dot_is_a_usage_error(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("explain", kursk, "ru_kp_2024")
    assert result.exit_code == 2
    assert result.stderr.startswith("casus: E-USAGE: 'ru_kp_2024' should be TREATY.PROVISION")


def test_explain_unknown_treaty(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("explain", kursk, "ru_kp_2042.art4")
    assert result.exit_code == 2
    assert "E-UNKNOWN: unknown treaty 'ru_kp_2042'" in result.stderr
    assert "did you mean 'ru_kp_2024'" in result.stderr


# ------------------------------------------------------------------ check, test, treaties


def test_check_a_good_file_reports_counts(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("check", kursk)
    assert result.exit_code == 0
    assert re.fullmatch(r"ok: \d+ files, 11 treaties, \d+ provisions, \d+ interpretations, 1 scenarios\n",
                        result.stdout)


def test_check_a_bad_file_exits_2(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("bad.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: UK)\n}\n')
    result = cli("check", p)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0].startswith(f"{p}:2:31: E-CODE")


def test_test_passing_expectations_exit_0(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("test", kursk)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"PASS {kursk}:5:3: ru_kp_2024.art4 KP -> RU fulfilled",
        f"PASS {kursk}:6:3: nothing from ru_by_2024",
        "2 passed, 0 failed",
    ]


def test_test_failing_expectation_exit_1_and_says_why(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("fail.casus", KURSK.replace("fulfilled since", "active since"))
    result = cli("test", p)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert f"FAIL {p}:5:3: ru_kp_2024.art4 KP -> RU active" in lines
    assert "     KP -> RU is fulfilled since 2024-12-10, not active" in lines
    assert lines[-1] == "1 passed, 1 failed"


def test_test_quiet_prints_failures_only(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("fail.casus", KURSK.replace("nothing from ru_by_2024", "nothing from ru_kp_2024"))
    result = cli("test", "-q", p)
    assert result.exit_code == 1
    assert not any(line.startswith("PASS") for line in result.stdout.splitlines())
    assert result.stdout.splitlines()[0] == f"FAIL {p}:6:3: nothing from ru_kp_2024"
    assert result.stdout.splitlines()[1] == "     found art4 KP -> RU fulfilled"


@pytest.mark.parametrize("expect, ok", [
    ("expect ru_kp_2024.art4 KP -> RU fulfilled, activated 2024-12-05", False),
    ("expect ru_kp_2024.art4 KP -> RU fulfilled, because armed_attack(by: UA, on: RU)", True),
    ("expect ru_kp_2024.art4 KP -> RU fulfilled, because threat(on: RU)", False),
    ("expect ru_kp_2024.art4 * -> RU fulfilled", True),
    ("expect no ru_kp_2024.art4 RU -> KP", True),
    ("expect no ru_kp_2024.art4 KP -> RU", False),
    ("expect ru_kp_2024.art3 KP -> RU pending", False),
    ("expect under ru_claims ru_kp_2024.art4 KP -> RU fulfilled since 2024-12-10", True),
    ("expect under strict_deadlines ru_kp_2024.art4 KP -> RU fulfilled", True),
])
def test_test_expectation_forms(cli, write, expect: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    text = KURSK.replace("  expect nothing from ru_by_2024\n", "").replace(
        "  expect ru_kp_2024.art4 KP -> RU fulfilled since 2024-12-10, activated 2024-12-04\n", f"  {expect}\n")
    result = cli("test", write("e.casus", text))
    assert result.exit_code == (0 if ok else 1), result.output
    assert result.stdout.splitlines()[-1] == ("1 passed, 0 failed" if ok else "0 passed, 1 failed")


def test_test_expect_activated_is_rejected_as_bad_input(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("e.casus", 'scenario "x" {\n  expect ru_kp_2024.art4 KP -> RU activated\n}\n')
    result = cli("test", p)
    assert result.exit_code == 2
    assert f"{p}:2:3: E-EXPECT" in result.stderr


def test_treaties_lists_the_library(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("treaties")
    assert result.exit_code == 0
    ru_kp = next(line for line in result.stdout.splitlines() if line.startswith("ru_kp_2024"))
    assert re.fullmatch(r"ru_kp_2024\s+in force 2024-12-04\s+KP, RU\s+2 provisions\s+"
                        r"Treaty on Comprehensive Strategic Partnership \(Russia–DPRK\)", ru_kp)
    # issue 16 item 4: current members are counted (the UK left the EU in 2020), the ever-members beside
    eu = next(line for line in result.stdout.splitlines() if line.startswith("eu_teu_42_7"))
    assert "  27 members (28 ever)  " in eu, eu
    nato = next(line for line in result.stdout.splitlines() if line.startswith("nato_1949"))
    assert "  32 members  " in nato, nato


def test_help_and_unknown_command(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--help").exit_code == 0
    result = cli("frobnicate")
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_version(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--version")
    assert result.exit_code == 0
    assert "0.1.0" in result.stdout


def test_graph_verb_exists(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("graph", "nato_1949")
    assert result.exit_code == 0
    assert "art5" in result.stdout


def test_fmt_verb_exists(cli, kursk) -> None:  # type: ignore[no-untyped-def]
    result = cli("fmt", "--check", kursk)
    assert "No such command" not in result.output
    assert result.exit_code in (0, 1)


def test_a_bug_in_casus_is_reported_as_such_with_exit_3(cli, kursk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from engine import api

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("boom")

    for name in ("run", "run_records"):  # JSON output; tables and Markdown
        monkeypatch.setattr(api, name, broken)
    result = cli("run", kursk)
    assert result.exit_code == 3
    assert "internal error — this is a bug in casus, not in your input" in result.stderr
    assert "ZeroDivisionError: boom" in result.stderr
