"""Issue 16, items 15, 17 and 18: how errors are shown (wide characters, UTF-16 files, unknown
territories and kinds) and what `casus fmt` keeps (line endings, a list's trailing comments)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.base.source import Span, caret, display_width
from engine.language.fmt import format_file, format_text

# ---------------------------------------------------------------------------- wide characters


def test_display_width() -> None:
    assert display_width("abc") == 3
    assert display_width("日本語") == 6
    assert display_width("ＡＢ") == 4  # full-width Latin
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("") == 0


@pytest.mark.parametrize("before", ["", "abc ", "日本語 ", "note \"戦争\" ", "é\u0301 ", "\t日 "])
def test_the_caret_lands_under_the_error_after_wide_characters(before: str) -> None:
    line = f'{before}fooo bar'
    col = len(before) + 1
    shown, pointer = caret(line, Span("f", 1, col, 1, col + 4)).split("\n")
    assert shown == "  " + line.expandtabs(1)
    assert pointer == "  " + " " * display_width(before.expandtabs(1)) + "^^^^"


def test_a_wide_error_gets_wide_carets() -> None:
    _, pointer = caret("x 日本 y", Span("f", 1, 3, 1, 5)).split("\n")
    assert pointer == "    ^^^^"


def test_the_caret_after_wide_characters_on_the_command_line(cli: Any, write: Any) -> None:
    p = write("w.casus", 'scenario "日本語のシナリオ" {\n'
                         '  2024-08-06  armed_attack(by: UA, on: RU) note "日本語" fooo\n}\n')
    result = cli("check", p)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    source, pointer = lines[1], lines[2]
    assert source.endswith('note "日本語" fooo')
    # the carets start at the column where a terminal draws 'fooo'
    assert pointer.index("^") == display_width(source[: source.index("fooo")])
    assert pointer.strip() == "^^^^"


def test_a_caret_just_past_the_end_of_a_line_stays_there() -> None:
    _, pointer = caret("日本", Span("f", 1, 3, 1, 4)).split("\n")
    assert pointer == "      ^"


# ---------------------------------------------------------------------------- UTF-16


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_named_as_such(cli: Any, tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "u.casus"
    p.write_bytes('scenario "x" {\n  2024-08-06  armed_attack(by: UA, on: RU)\n}\n'.encode(encoding))
    result = cli("check", p)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"{p}:1:1: E-ENCODING: the file is UTF-16, not UTF-8"
    assert "  hint: save the file as UTF-8" in result.stderr
    assert "Traceback" not in result.output


def test_latin1_is_still_not_utf8(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "l.casus"
    p.write_bytes('scenario "Ação" {\n}\n'.encode("latin-1"))
    result = cli("check", p)
    assert "E-ENCODING: the file is not UTF-8 text" in result.stderr


# ---------------------------------------------------------------------------- unknown names


def test_an_unknown_territory_gets_a_did_you_mean(cli: Any, write: Any) -> None:
    p = write("t.casus", 'scenario "x" {\n  2024-08-06  armed_attack(by: UA, at: RU-KRX)\n}\n')
    result = cli("check", p)
    assert f"{p}:2:40: E-CODE: unknown territory code 'RU-KRX' (ISO 3166-2)" in result.stderr
    assert "  hint: did you mean 'RU-KR', 'RU-KRS' or 'RU-KIR'?" in result.stderr.splitlines()


def test_an_unknown_territory_in_a_json_scenario_gets_a_did_you_mean(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"name": "x", "events": [
        {"kind": "armed_attack", "date": "2024-08-06", "by": "UA", "at": "UA-433"}]}), encoding="utf-8")
    result = cli("check", p)
    assert "E-CODE: unknown territory code 'UA-433' (ISO 3166-2)" in result.stderr
    assert "  hint: did you mean 'UA-43'" in result.stderr


def test_an_unknown_kind_suggests_declaring_one(cli: Any, write: Any) -> None:
    p = write("k.casus", 'scenario "x" {\n  2024-08-06  cyber_operation(by: RU, on: EE, at: EE-37, for: assist)\n}\n')
    result = cli("check", p)
    hint = next(line for line in result.stderr.splitlines() if line.startswith("  hint: "))
    assert "vocabulary mine { kind cyber_operation(by: party, on: party, at: place, for: action) }" in hint
    # and the block it shows, put in the file, makes the file good
    block = hint[hint.index("vocabulary mine"):hint.index(" }") + 2]
    good = write("k2.casus", block + "\n" + p.read_text(encoding="utf-8"))
    assert cli("check", good).exit_code == 0


def test_a_typo_of_a_kind_still_gets_the_close_name(cli: Any, write: Any) -> None:
    p = write("k.casus", 'scenario "x" {\n  2024-08-06  armed_atack(on: RU)\n}\n')
    assert "  hint: did you mean 'armed_attack'?" in cli("check", p).stderr.splitlines()


# ---------------------------------------------------------------------------- fmt: line endings


SCENARIO = 'scenario "x" {\n  2024-08-06  armed_attack(by: UA, on: RU)  # a comment\n}\n'


def test_fmt_keeps_crlf(cli: Any, tmp_path: Path) -> None:
    p = tmp_path / "c.casus"
    p.write_bytes(SCENARIO.replace("\n", "\r\n").encode())
    result = cli("fmt", "--check", p)
    assert result.exit_code == 0 and result.stdout == ""  # line endings alone are not a change
    messy = SCENARIO.replace("  2024", "     2024").replace("\n", "\r\n")
    p.write_bytes(messy.encode())
    assert cli("fmt", "--check", p).exit_code == 1
    assert cli("fmt", p).exit_code == 0
    assert p.read_bytes() == SCENARIO.replace("\n", "\r\n").encode()
    assert cli("fmt", "--check", p).exit_code == 0


def test_fmt_keeps_lf() -> None:
    assert format_text(SCENARIO) == SCENARIO


# ---------------------------------------------------------------------------- fmt: comments in lists


LISTS = """\
vocabulary mine {
  kind widget(by: party,  # who
              at: place)  # where
}
treaty t "T" {
  parties BE,  # Belgium
          CA  # Canada
  member GR,  # Greece
         TR from 1952-02-18
  in force 1952-01-01
}
scenario "x" {
  2024-08-06  armed_attack(by: UA,  # the attacker
                           on: RU)  # the victim
  2024-08-06  armed_attack(by: UA, on: RU)  # trailing
}
"""


def test_fmt_keeps_a_trailing_comment_on_its_line_inside_a_list() -> None:
    assert format_text(LISTS) == LISTS


def test_fmt_lines_up_a_list_that_was_not() -> None:
    messy = LISTS.replace("          CA", " CA").replace("                           on", "  on")
    assert format_text(messy) == LISTS


def test_fmt_of_a_list_is_stable_and_keeps_crlf(tmp_path: Path) -> None:
    p = tmp_path / "l.casus"
    p.write_bytes(LISTS.replace("\n", "\r\n").encode())
    assert not format_file(p, check=True).changed
    once = format_text(LISTS)
    assert format_text(once) == once


def test_fmt_still_moves_a_comment_that_is_not_after_a_comma() -> None:
    text = ('treaty t "T" {\n  parties RU, BY\n  in force 2024-01-01\n  provision p "P" article "1" {\n'
            '    when a(on: X) or # inside\n      b(on: X)\n    then each other party Y must assist(to: X)\n  }\n}\n')
    vocab = "vocabulary v {\n  kind a(on: party)\n  kind b(on: party)\n}\n"
    out = format_text(vocab + text)
    assert "    # inside\n    when a(on: X) or b(on: X)\n" in out
