"""Bad input never produces a traceback: a located error (`path:line:col: CODE`), the source
line with a caret, a hint, and exit code 2 — through the CLI as a user meets it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import engine
from engine.base.errors import CasusError
from engine.base.paths import library_dir
from engine.language.syntax import read_source

ROOT = Path(__file__).resolve().parents[2]

SMALL_TREATY = """\
treaty t1 "T" {
  parties RU, BY
  in force 2020-01-01
  provision p1 "P" article "1" {
    when COND
    then each other party must assist(to: X)
  }
}
"""


def assert_located(result: Any, where: str, code: str, *, message: str | None = None,
                   hint: str | None = None) -> str:
    """Exit 2, no traceback, and a diagnostic starting `where: code:`; returns stderr."""
    out = result.output
    err = result.stderr
    assert "Traceback" not in out, out
    assert result.exit_code == 2, (result.exit_code, out)
    assert result.stdout == ""
    first = [line for line in err.splitlines() if line.startswith(f"{where}: {code}: ")]
    assert first, f"no line starting {where}: {code}: in\n{err[:3000]}"
    if message is not None:
        assert first[0] == f"{where}: {code}: {message}", first[0]
    if hint is not None:
        assert f"  hint: {hint}" in err.splitlines()
    assert err.splitlines()[-1].startswith("casus: ") and " error" in err.splitlines()[-1]
    return str(err)


def caret_under(err: str, header: str) -> tuple[str, str]:
    """The source line and caret line that follow the diagnostic line `header`."""
    lines = err.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(header))
    return lines[i + 1], lines[i + 2]


# ------------------------------------------------------------------ encoding and size


def test_non_utf8_bytes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "latin1.casus"
    p.write_bytes(b'scenario "x" {\n  2024-01-01 armed_attack(on: RU) note "caf\xe9"\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:44", "E-ENCODING",
                         message="the file is not UTF-8 text (byte 0xe9 at offset 58)",
                         hint="save the file as UTF-8")
    src, carets = caret_under(err, f"{p}:2:44")
    assert src == '    2024-01-01 armed_attack(on: RU) note "caf'
    assert carets == " " * 45 + "^"


def test_non_utf8_in_a_json_scenario(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "s.json"
    p.write_bytes(b'{"name": "\xff"}')
    assert_located(cli("run", p), f"{p}:1:11", "E-ENCODING")


def test_ten_megabytes_of_comments_then_an_error_on_the_last_line(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pad = "  # " + "padding " * 10 + "\n"
    n = (10 * 1024 * 1024) // len(pad) + 1
    p = tmp_path / "big.casus"
    p.write_text('scenario "big" {\n' + pad * n + "  2024-01-01 armed_attack(on: UK)\n}\n", encoding="utf-8")
    assert p.stat().st_size >= 10 * 1024 * 1024
    start = time.monotonic()
    result = cli("run", p)
    elapsed = time.monotonic() - start
    assert_located(result, f"{p}:{n + 2}:31", "E-CODE", hint="did you mean 'GB'?")
    assert elapsed < 30, elapsed


def test_ten_megabytes_of_junk(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20250313)
    junk = "".join(rng.choice('abc XYZ (){}:,."#\n0123-') for _ in range(10 * 1024 * 1024))
    p = tmp_path / "junk.casus"
    p.write_text(junk, encoding="utf-8")
    result = cli("check", p)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{p}:")
    line, col = (int(x) for x in first[len(str(p)) + 1:].split(":")[:2])
    lines = junk.split("\n")
    assert 1 <= line <= len(lines) and 1 <= col <= len(lines[line - 1]) + 1
    assert len(result.stderr) < 5000  # the report stays readable


def test_one_ten_megabyte_word(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "word.casus"
    p.write_text("c" * (10 * 1024 * 1024), encoding="utf-8")
    err = assert_located(cli("check", p), f"{p}:1:1", "E-PARSE")
    assert len(err) < 2000


# ------------------------------------------------------------------ deep nesting


def test_hundred_thousand_not_in_a_when_condition(cli, write) -> None:  # type: ignore[no-untyped-def]
    cond = "armed_attack(on: X) and " + "not " * 100_000 + "provocation(by: X)"
    p = write("notnot.casus", SMALL_TREATY.replace("COND", cond))
    result = cli("check", p)
    assert result.exit_code == 2 and "Traceback" not in result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{p}:5:")
    assert ": E-NESTING: conditions nest more than 200 levels deep" in first
    col = int(first.split(":")[2])
    assert len("    when armed_attack(on: X) and ") < col < len("    when armed_attack(on: X) and ") + 4 * 100_000


def test_twenty_thousand_nested_and_groups(cli, write) -> None:  # type: ignore[no-untyped-def]
    n = 20_000  # each level adds to the tree, unlike bare parentheses; 100,000 takes ~12 s to parse
    cond = "(armed_attack(on: X) and " * n + "armed_attack(on: X)" + ")" * n
    p = write("nested.casus", SMALL_TREATY.replace("COND", cond))
    result = cli("check", p)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0].startswith(f"{p}:5:")
    assert "E-NESTING" in result.stderr.splitlines()[0]


def test_hundred_thousand_open_parentheses_is_a_parse_error_at_the_end(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("open.casus", SMALL_TREATY.replace("COND", "(" * 100_000).split("\n    then")[0] + "\n")
    assert_located(cli("check", p), f"{p}:6:1", "E-PARSE",
                   message="unexpected end of file; expected '(', 'not', a name or a variable")


def test_hundred_thousand_balanced_parentheses_are_harmless(cli, write) -> None:  # type: ignore[no-untyped-def]
    # Redundant parentheses add no depth to the tree; the file is valid and loads.
    cond = "(" * 100_000 + "armed_attack(on: X)" + ")" * 100_000
    p = write("parens.casus", SMALL_TREATY.replace("COND", cond))
    result = cli("check", p)
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output[:2000]
    assert result.stdout.startswith("ok: ")


def test_deeply_nested_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "deep.json"
    p.write_text('{"name": "x", "events": [' + "[" * 100_000 + "]" * 100_000 + "]}", encoding="utf-8")
    result = cli("run", p)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith(f"{p}:1:")
    assert "E-NESTING: JSON values nest more than 200 levels deep" in result.stderr.splitlines()[0]


# ------------------------------------------------------------------ dates and intervals


def test_impossible_date_in_a_scenario(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("d.casus", 'scenario "x" {\n  2025-02-30 armed_attack(on: RU)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:3", "E-DATE", message="'2025-02-30' is not a date",
                         hint="dates are written YYYY-MM-DD and must exist in the calendar")
    assert caret_under(err, f"{p}:2:3") == ("    2025-02-30 armed_attack(on: RU)", "    ^^^^^^^^^^")


def test_impossible_dates_in_a_treaty(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("2020-01-01", "2020-13-01").replace("COND", "armed_attack(on: X)")
              .replace("  parties RU, BY\n", "  parties RU, BY\n  member KP from 2021-04-31\n"))
    result = cli("check", p)
    err = assert_located(result, f"{p}:3:18", "E-DATE", message="'2021-04-31' is not a date")
    assert f"{p}:4:12: E-DATE: '2020-13-01' is not a date" in err
    assert err.splitlines()[-1] == "casus: 2 errors"


def test_until_before_date_in_casus(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("i.casus", 'scenario "x" {\n  2025-03-05..2025-03-01 armed_attack(on: RU)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:15", "E-INTERVAL",
                         message="the interval ends (2025-03-01) before it starts (2025-03-05)")
    assert caret_under(err, f"{p}:2:15")[1] == " " * 16 + "^" * 10


def test_until_before_date_in_json(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "i.json"
    p.write_text('{\n  "name": "x",\n  "events": [\n'
                 '    {"kind": "armed_attack", "date": "2024-08-06", "until": "2024-03-12", "at": "RU-KRS"},\n'
                 '    {"kind": "assist", "date": "2024-02-30", "by": "KP", "to": "RU"}\n  ]\n}\n', encoding="utf-8")
    err = assert_located(cli("run", p), f"{p}:4:61", "E-INTERVAL", message="'until' is before 'date'")
    assert f'{p}:5:32: E-DATE: "2024-02-30" is not a date' in err


@pytest.mark.parametrize("date", ["{}", "[]", '["2024-08-06"]'])
def test_a_date_that_is_a_list_or_an_object_in_a_batch_line(cli, tmp_path: Path, date: str) -> None:  # type: ignore[no-untyped-def]
    """(The compiled code's reader looked such a date up in its memo of dates: an internal error.)"""
    p = tmp_path / "b.jsonl"
    p.write_text('{"name":"x","events":[{"kind":"threat","date":' + date + ',"by":"IQ","on":"UZ"}]}\n',
                 encoding="utf-8")
    kind = "an object" if date == "{}" else "a list"
    for fmt in ("csv", "json"):
        result = cli("run", "--batch", p, "--format", fmt)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert f"{p}:1:47: E-DATE: {kind} is not a date" in result.stderr.splitlines()


def test_treaty_in_force_until_before_its_start(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("in force 2020-01-01", "in force 2020-01-01 until 2019-01-01")
              .replace("COND", "armed_attack(on: X)"))
    assert_located(cli("check", p), f"{p}:3:29", "E-INTERVAL")


# ------------------------------------------------------------------ unknown names


def test_unknown_role_with_did_you_mean(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("r.casus", 'scenario "x" {\n  2024-01-01 armed_attack(by: UA, onn: RU)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:35", "E-ROLE", message="'armed_attack' has no role 'onn'",
                         hint="did you mean 'on'?")
    assert caret_under(err, f"{p}:2:35")[1] == " " * 36 + "^" * 7


def test_unknown_role_in_a_treaty_condition(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("COND", "armed_attack(victim: X)"))
    assert_located(cli("check", p), f"{p}:5:23", "E-ROLE", message="'armed_attack' has no role 'victim'",
                   hint="its roles are: by, on, at, against")


def test_unknown_kind(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("k.casus", 'scenario "x" {\n  2024-01-01 armed_atack(on: RU)\n}\n')
    assert_located(cli("run", p), f"{p}:2:14", "E-UNKNOWN", message="unknown kind 'armed_atack'",
                   hint="did you mean 'armed_attack'?")


def test_unknown_party_code_uk_suggests_gb(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("c.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: UK)\n}\n')
    err = assert_located(cli("run", p), f"{p}:2:31", "E-CODE",
                         message="unknown party code 'UK' (ISO 3166-1 alpha-2)", hint="did you mean 'GB'?")
    assert caret_under(err, f"{p}:2:31")[1] == " " * 32 + "^^"


def test_unknown_territory_code(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("c.casus", 'scenario "x" {\n  2024-01-01 armed_attack(at: RU-KRZ)\n}\n')
    assert_located(cli("run", p), f"{p}:2:31", "E-CODE", message="unknown territory code 'RU-KRZ' (ISO 3166-2)")


def test_unknown_party_in_treaty_membership(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus",
              SMALL_TREATY.replace("parties RU, BY", "parties RU, UK").replace("COND", "armed_attack(on: X)"))
    assert_located(cli("check", p), f"{p}:2:15", "E-CODE", hint="did you mean 'GB'?")


def test_wrong_kind_of_value_in_a_role(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("ty.casus", 'scenario "x" {\n'
              "  2024-01-01 armed_attack(on: RU-KRS)\n"
              "  2024-01-01 armed_attack(by: terorist_group, on: RU)\n"
              "  2024-01-01 request(from: RU, for: asist)\n"
              "  2024-01-01 withdrawal(party: RU, treaty: nato)\n}\n")
    err = assert_located(cli("check", p), f"{p}:2:31", "E-CODE", message="'RU-KRS' is a territory, not a party",
                         hint="a party is a country code such as 'RU'")
    lines = err.splitlines()
    assert f"{p}:3:31: E-TYPE: 'terorist_group' is not a party or a declared actor" in lines
    assert "  hint: did you mean 'terrorist_group'?" in lines
    assert f"{p}:4:37: E-TYPE: 'asist' is not an action" in lines
    assert "  hint: did you mean 'assist'?" in lines
    assert f"{p}:5:44: E-UNKNOWN: unknown treaty 'nato'" in lines
    assert lines[-1] == "casus: 4 errors"


def test_unknown_scope_and_region_in_a_condition(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("sc.casus", SMALL_TREATY.replace(
        "COND", "armed_attack(on: X, at: A) and A in scope art66 and A in region eurpe"))
    err = assert_located(cli("check", p), f"{p}:5:41", "E-UNKNOWN")
    assert "unknown scope 'art66'" in err.splitlines()[0]
    assert f"{p}:5:62: E-UNKNOWN: unknown region 'eurpe'" in err.splitlines()
    assert "  hint: did you mean 'europe'?" in err.splitlines()


def test_unknown_treaty_on_the_command_line(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", ROOT / "scenarios" / "kursk_2024.casus", "--treaty", "nato")
    assert_located(result, "casus", "E-UNKNOWN", message="unknown treaty 'nato'",
                   hint="did you mean 'nato_1949'?")


def test_unknown_interpretation_on_the_command_line(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n}\n')
    assert_located(cli("run", p, "--interpretation", "ru_claim"), "casus", "E-UNKNOWN",
                   message="unknown interpretation 'ru_claim'", hint="did you mean 'ru_claims'?")


def test_unknown_interpretation_in_a_scenario(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", 'scenario "x" {\n  interpretation ru_claim\n  2024-01-01 armed_attack(on: RU)\n}\n')
    assert_located(cli("run", p), f"{p}:2:18", "E-UNKNOWN", message="unknown interpretation 'ru_claim'",
                   hint="did you mean 'ru_claims'?")


def test_unknown_treaty_and_provision_in_expect(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n'
              "  expect ru_kp_202.art4 KP -> RU active\n  expect ru_kp_2024.art5 KP -> RU active\n}\n")
    err = assert_located(cli("test", p), f"{p}:3:10", "E-UNKNOWN", message="unknown treaty 'ru_kp_202'")
    assert f"{p}:4:21: E-UNKNOWN: unknown provision 'art5'" in err


def test_unknown_interpretation_in_compare(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n}\n')
    assert_located(cli("compare", p, "--interpretations", "default,ru_claimz"), "casus", "E-UNKNOWN",
                   hint="did you mean 'ru_claims'?")


def test_unknown_provision_in_explain(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("explain", ROOT / "scenarios" / "kursk_2024.casus", "ru_kp_2024.art44")
    assert_located(result, "casus", "E-UNKNOWN", hint="did you mean 'art4' or 'art3'?")


# ------------------------------------------------------------------ files


def test_missing_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "nope.casus"
    assert_located(cli("run", p), f"{p}:1:1", "E-FILE")
    assert_located(cli("check", p), f"{p}:1:1", "E-FILE", message="no such file")


def test_missing_bundled_scenario_name_suggests(cli) -> None:  # type: ignore[no-untyped-def]
    assert_located(cli("run", "kursk_2042"), "kursk_2042:1:1", "E-FILE", hint="did you mean 'kursk_2024'?")


def test_a_directory_without_scenarios(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "folder.casus"
    d.mkdir()
    assert_located(cli("run", d), f"{d}:1:1", "E-SCENARIO", message="no scenario in the given files")


def test_a_directory_is_searched_and_its_bad_file_reported(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "dir"
    d.mkdir()
    (d / "bad.casus").write_text('scenario "x" {\n  2024-01-01 armed_attack(on: UK)\n}\n', encoding="utf-8")
    assert_located(cli("run", d), f"{d / 'bad.casus'}:2:31", "E-CODE")


def test_reading_a_directory_as_a_file_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(CasusError) as info:
        read_source(str(tmp_path))
    d = info.value.diagnostics[0]
    assert (d.span.path, d.span.line, d.span.column, d.code) == (str(tmp_path), 1, 1, "E-FILE")
    assert d.message == "is a directory, not a file"


def test_missing_library_folder(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lib = tmp_path / "nolib"
    assert_located(cli("treaties", "--library", lib), f"{lib}:1:1", "E-FILE")


def test_json_scenario_with_a_syntax_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "bad.json"
    p.write_text('{\n  "name": "x",\n  "events": [\n'
                 '    {"kind": "armed_attack", "date": "2024-08-06", "by": "UA", "at": "RU-KRS"}\n'
                 '    {"kind": "assist", "date": "2024-12-10", "by": "KP", "to": "RU"}\n  ]\n}\n', encoding="utf-8")
    err = assert_located(cli("run", p), f"{p}:5:5", "E-JSON", message="not valid JSON; expected ',' or ']'",
                         hint="check for a missing comma, quote or bracket")
    assert caret_under(err, f"{p}:5:5")[1] == "      ^"


def test_truncated_json_points_at_the_end(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "cut.json"
    p.write_text('{"name": "x", "events": [\n', encoding="utf-8")
    assert_located(cli("run", p), f"{p}:2:1", "E-JSON")


def test_json_scenario_with_unknown_code_and_kind(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "names.json"
    p.write_text('{"name": "x", "events": [\n'
                 '  {"kind": "armed_atack", "date": "2024-01-01", "on": "RU"},\n'
                 '  {"kind": "armed_attack", "date": "2024-01-01", "on": "UK"}\n]}\n', encoding="utf-8")
    err = assert_located(cli("run", p), f"{p}:2:3", "E-UNKNOWN", hint="did you mean 'armed_attack'?")
    assert f"{p}:3:56: E-CODE: unknown party code 'UK' (ISO 3166-1 alpha-2)" in err


def test_json_scenario_that_is_not_an_object(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = tmp_path / "arr.json"
    p.write_text("[1, 2]\n", encoding="utf-8")
    assert_located(cli("run", p), f"{p}:1:1", "E-JSON",
                   message="a JSON scenario is an object with 'name' and 'events'")


# ------------------------------------------------------------------ checks of treaties


def test_unsafe_negation(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("u.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X) and not provocation(by: Y)"))
    err = assert_located(cli("check", p), f"{p}:5:34", "E-UNSAFE", message="variable 'Y' appears only under 'not'")
    assert caret_under(err, f"{p}:5:34")[1] == " " * 35 + "^" * len("not provocation(by: Y)")


def test_unsafe_region_test(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("u.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X) and A in region europe"))
    assert_located(cli("check", p), f"{p}:5:34", "E-UNSAFE")


CYCLE = """\
treaty t1 "T" {
  parties RU, BY
  in force 2020-01-01
  provision a "A" article "1" {
    when armed_attack(on: X) and not b active for X
    then each other party must assist(to: X)
  }
  provision b "B" article "2" {
    when armed_attack(on: X) and a active for X
    then each other party must assist(to: X)
  }
}
"""


def test_stratification_cycle_between_provisions(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("cyc.casus", CYCLE)
    err = assert_located(cli("check", p), f"{p}:8:3", "E-CYCLE")
    line = next(x for x in err.splitlines() if "E-CYCLE" in x)
    assert "provisions of 't1' depend on each other in a cycle through not/unless/until" in line
    assert "a" in line.split(": ")[-1] and "b" in line.split(": ")[-1]
    assert err.splitlines()[-1] == "casus: 1 error"


def test_stratification_cycle_is_named_exactly(write) -> None:  # type: ignore[no-untyped-def]
    p = write("cyc.casus", CYCLE)
    with pytest.raises(CasusError) as info:
        engine.load([p])
    (d,) = info.value.diagnostics
    assert d.message.endswith(": a -> b -> a")


def test_self_reference_through_unless_is_a_cycle(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("self.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X)").replace(
        "    then", "    unless p1 active for X\n    then"))
    assert_located(cli("check", p), f"{p}:4:3", "E-CYCLE")


def test_duplicate_provision_ids(cli, write) -> None:  # type: ignore[no-untyped-def]
    prov = ('  provision a "A" article "1" {\n    when armed_attack(on: X)\n'
            "    then each other party must assist(to: X)\n  }\n")
    p = write("dup.casus", 'treaty t1 "T" {\n  parties RU, BY\n  in force 2020-01-01\n' + prov + prov + "}\n")
    assert_located(cli("check", p), f"{p}:8:3", "E-DUPLICATE", message="provision 'a' is declared twice in 't1'",
                   hint=f"the other declaration is at {p}:4:3")


def _treaty_line(tid: str) -> int:
    """The line of `treaty tid` in the bundled library file of that name."""
    lines = (library_dir() / f"{tid}.casus").read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"treaty {tid} "))


def test_a_treaty_with_a_library_id_replaces_the_library_s(cli, write) -> None:  # type: ignore[no-untyped-def]
    # issue 16 item 1: editing a bundled treaty is a copy given beside the rest, not a duplicate
    p = write("dup.casus", SMALL_TREATY.replace("t1", "ru_kp_2024").replace("COND", "armed_attack(on: X)"))
    r = cli("check", p)
    assert r.exit_code == 0, r.output
    # the library's properties about provisions the user's treaty no longer has are set aside
    assert r.stderr == (f"casus: note: {p} replaces the bundled treaty 'ru_kp_2024' for this run (setting aside "
                        "the bundled properties 'consultation_needs_threat', 'dprk_assists_at_war', about provisions "
                        "it does not have)\n")
    lib, _ = engine.load([p])
    assert lib.treaties["ru_kp_2024"].span.path == str(p)


def test_duplicate_between_the_users_files_is_reported_in_the_later(write) -> None:  # type: ignore[no-untyped-def]
    text = SMALL_TREATY.replace("t1", "ru_kp_2024").replace("COND", "armed_attack(on: X)")
    a, b = write("a/dup.casus", text), write("b/dup.casus", text)
    with pytest.raises(CasusError) as info:
        engine.load([a, b])
    (d,) = info.value.diagnostics
    assert (d.span.path, d.span.line, d.code) == (str(b), 1, "E-DUPLICATE")
    assert d.hint == f"the other declaration is at {a}:1:1"


def test_the_same_file_named_twice_is_read_once(write) -> None:  # type: ignore[no-untyped-def]
    t = write("t.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X)"))
    s = write("s.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n}\n')
    lib, scenarios = engine.load([t, s, t])
    assert "t1" in lib.treaties and len(scenarios) == 1


def test_obligation_to_do_something_that_is_not_an_action(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X)").replace(
        "must assist(to: X)", "must armed_attack(on: X)"))
    assert_located(cli("check", p), f"{p}:6:32", "E-TYPE", message="'armed_attack' is not an action")


def test_unbound_bearer_variable(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("t.casus", SMALL_TREATY.replace("COND", "armed_attack(on: X)").replace(
        "each other party must", "Z must"))
    assert_located(cli("check", p), f"{p}:6:10", "E-UNBOUND")


def test_variables_in_a_scenario_fact(cli, write) -> None:  # type: ignore[no-untyped-def]
    p = write("f.casus", 'scenario "x" {\n  2024-01-01 armed_attack(on: X)\n}\n')
    assert_located(cli("run", p), f"{p}:2:31", "E-FACT")


# ------------------------------------------------------------------ the real command


def test_real_subprocess_reports_located_error_and_exit_2(tmp_path: Path) -> None:
    p = tmp_path / "bad.casus"
    p.write_text('scenario "x" {\n  2024-01-01 armed_attack(on: UK)\n  2025-02-30 armed_atack(onn: RU)\n}\n',
                 encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "run", str(p)], capture_output=True, text=True,
                          check=False, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{p}:2:31: E-CODE: unknown party code 'UK' (ISO 3166-1 alpha-2)"
    assert f"{p}:3:3: E-DATE: '2025-02-30' is not a date" in lines
    assert f"{p}:3:14: E-UNKNOWN: unknown kind 'armed_atack'" in lines
    assert lines[-1] == "casus: 3 errors"


def test_real_subprocess_on_non_utf8_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "bin.casus"
    p.write_bytes(bytes(range(256)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "check", str(p), str(tmp_path / "missing.casus")],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    # bytes 0..127 are ASCII (one newline, byte 10); byte 0x80 at offset 128 is line 2, column 118
    assert proc.stderr.splitlines()[0] == f"{p}:2:118: E-ENCODING: the file is not UTF-8 text (byte 0x80 at offset 128)"
    assert any(line.startswith(f"{tmp_path / 'missing.casus'}:1:1: E-FILE") for line in proc.stderr.splitlines())
