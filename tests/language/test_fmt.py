"""`casus fmt`: the canonical layout, comments kept, idempotent, the same AST (spans aside) and
the same results after formatting; atomic writes, untouched files on errors, --check, --diff."""

from __future__ import annotations

import json
import os
import random
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark, Token

import engine
from engine.base.errors import CasusError, Diagnostics
from engine.base.paths import grammar_path, library_dir, scenarios_dir
from engine.base.source import Source
from engine.language import ast as A
from engine.language.build import build
from engine.language.fmt import _Printer, format_file, format_text
from engine.language.syntax import full_parser as parser
from engine.language.syntax import parse

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = sorted(library_dir().glob("*.casus"))
SCENARIOS = sorted(scenarios_dir().glob("*.casus"))
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.casus"))
FILES = LIBRARY + SCENARIOS + EXAMPLES


# ------------------------------------------------------------------ helpers independent of engine.language.fmt


@lru_cache(maxsize=1)
def _lexing_parser() -> tuple[Lark, list[Token]]:
    """The grammar keeping every token in the tree, and a callback collecting the comments."""
    seen: list[Token] = []
    lark = Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", strict=True, keep_all_tokens=True,
                lexer_callbacks={"COMMENT": seen.append})
    return lark, seen


def tokens(text: str) -> list[Token]:
    """Every token of the text, comments included, in order."""
    lark, seen = _lexing_parser()
    seen.clear()
    tree = lark.parse(text)
    found = {t.start_pos: t for t in [*tree.scan_values(lambda v: isinstance(v, Token)), *seen]}
    return [found[p] for p in sorted(found)]


def comments(text: str) -> list[str]:
    return [str(t).rstrip() for t in tokens(text) if t.type == "COMMENT"]


def document(text: str, path: str = "f.casus") -> A.Document:
    src = Source(path, text)
    return build(src, parse(src), Diagnostics())


def ugly(text: str, seed: int, keep_comments: bool = True, blank_lines: bool = True) -> str:
    """The same tokens (and comments), laid out badly: random white space between every token."""
    rng = random.Random(seed)
    gaps = [" ", "\n", "\t", "   \n  "] + (["\n\n\n"] if blank_lines else [])
    out = []
    for t in tokens(text):
        if t.type == "COMMENT" and not keep_comments:
            continue
        out.append(str(t) + ("\n" if t.type == "COMMENT" else ""))
        out.append(rng.choice(gaps))
    return "".join(out)


def assert_well_formatted(text: str, out: str) -> None:
    assert format_text(out) == out, "not idempotent"
    assert comments(out) == comments(text), "a comment was lost, changed or moved out of order"
    assert document(out) == document(text), "the AST changed"
    assert out == "" or out.endswith("\n") and not out.endswith("\n\n")
    assert "\n\n\n" not in out
    assert not re.search(r"\{\n\n", out), "a blank line right after '{'"
    assert all(line == line.rstrip() for line in out.split("\n")), "trailing white space"


# ------------------------------------------------------------------ the layout


MESSY = """\
# header comment


vocabulary v {   # about v

  kind k(by?: party,on:party) is encroachment "doc"


  action a()
  actor terrorist_group
}
region r "R" { AB, CD except (CD-1) }
region big {
  AB,CD,   # first line
  EF
  ,
  region r
  # last
}
treaty t "T" {
  parties RU,
     BY   # after a multi-line entry
  in force 2024-01-01 until 2025-01-01
  provision p "P" article "1" {
    when (a(on: X) and b(on: X)) or (not (c(on: X)))
    upon a(on: X) and (b(on: X) or # inside
      c(on: X))   # and after
    then each other party Y must assist(to: X) for X ,immediately,  within 5 days, by all means
  }

  provision q "Q" article "2" {}
}
scenario "S" {
  interpretation default
  2024-01-01..2024-02-01 a(on: RU) note "n"
  2024-03-01 b(on: BY)
  2024-04-01.. long_name(on: BY, by: RU) note "m"
  expect t.p RU -> BY active since 2024-01-01 activated 2024-01-01
  expect under default t.p * -> BY pending missing a(on: BY) because b(on: BY)
  expect no t.p RU -> BY
  # before the brace
}
"""

CANONICAL = """\
# header comment

vocabulary v {  # about v
  kind k(by?: party, on: party) is encroachment "doc"

  action a()
  actor terrorist_group
}
region r "R" { AB, CD except (CD-1) }
region big {
  AB, CD,  # first line
  EF,
  region r
  # last
}
treaty t "T" {
  parties RU, BY  # after a multi-line entry
  in force 2024-01-01 until 2025-01-01
  provision p "P" article "1" {
    when a(on: X) and b(on: X) or not c(on: X)
    # inside
    # and after
    upon a(on: X) and (b(on: X) or c(on: X))
    then each other party Y must assist(to: X) for X, immediately, within 5 days, by all means
  }

  provision q "Q" article "2" {}
}
scenario "S" {
  interpretation default
  2024-01-01..2024-02-01  a(on: RU)                  note "n"
  2024-03-01              b(on: BY)
  2024-04-01..            long_name(on: BY, by: RU)  note "m"
  expect t.p RU -> BY active since 2024-01-01, activated 2024-01-01
  expect under default t.p * -> BY pending, missing a(on: BY), because b(on: BY)
  expect no t.p RU -> BY
  # before the brace
}
"""


def test_the_canonical_layout() -> None:
    assert format_text(MESSY) == CANONICAL
    assert_well_formatted(MESSY, CANONICAL)


@pytest.mark.parametrize("cond, shown", [
    ("(a() and b()) or c()", "a() and b() or c()"),
    ("a() and (b() or c())", "a() and (b() or c())"),
    ("(a() or b()) or (c() or d())", "a() or b() or c() or d()"),
    ("not (a() and b())", "not (a() and b())"),
    ("not (not a())", "not not a()"),
    ("(((a() ongoing)))", "a() ongoing"),
    ("not (X in scope s) and (p fulfilled for X by Y)", "not X in scope s and p fulfilled for X by Y"),
    ("a() within 3 days after b() or (a() before b())", "a() within 3 days after b() or a() before b()"),
])
def test_conditions_take_the_fewest_parentheses(cond: str, shown: str) -> None:
    text = f'treaty t "T" {{\n  provision p "P" article "1" {{\n    when {cond}\n  }}\n}}\n'
    out = format_text(text)
    assert f"    when {shown}\n" in out
    assert document(out) == document(text)


def test_every_grammar_rule_has_a_printer() -> None:
    inlined = {"start", "cond", "disj", "conj", "neg", "primary"}  # `?` rules and the document
    names = {str(r.alias or r.origin.name) for r in parser().rules}
    missing = sorted(n for n in names if not n.startswith("_") and n not in inlined and not hasattr(_Printer, n))
    assert not missing, f"engine/language/fmt.py has no printer for {missing}"


def test_empty_and_comment_only_files() -> None:
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("  # only a comment   \n\n\n# another") == "# only a comment\n\n# another\n"


def test_a_byte_order_mark_and_crlf_line_ends_are_normalised() -> None:
    assert format_text('\ufeffregion r {\r\n  AB, CD  # x\r\n}\r\n') == "region r {\n  AB, CD  # x\n}\n"


def test_errors_are_the_usual_located_diagnostics() -> None:
    with pytest.raises(CasusError) as e:
        format_text('treaty t "T" {\n  signed 2024-01-01\n  sined 2024-01-02\n}\n', "bad.casus")
    (d,) = e.value.diagnostics
    assert (d.span.path, d.span.line, d.code) == ("bad.casus", 3, "E-PARSE")
    assert "did you mean 'signed'?" in d.render()


# ------------------------------------------------------------------ the library, the scenarios, the examples


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundled_files_format_well(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    out = format_text(text, str(path))
    assert_well_formatted(text, out)
    bad = ugly(text, seed=len(text))
    assert document(format_text(bad)) == document(text)
    assert format_text(format_text(bad)) == format_text(bad)


def test_the_library_and_scenarios_are_formatted(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("fmt", "--check", library_dir(), scenarios_dir(), ROOT / "docs" / "examples")
    assert result.exit_code == 0, result.output
    assert result.output == ""


def _normalised(result: engine.Result, library: str) -> Any:
    text = result.to_json()
    text = re.sub(r"(obligations/|" + re.escape(library) + r"/)[\w.-]+\.casus(:\d+)?", "<library>", text)
    return json.loads(text)


def test_results_are_unchanged_after_formatting_the_library(tmp_path: Path) -> None:
    for i, path in enumerate(LIBRARY):
        (tmp_path / path.name).write_text(format_text(ugly(path.read_text(encoding="utf-8"), seed=i)),
                                          encoding="utf-8")
    scenario_files = sorted(scenarios_dir().glob("*.casus")) + sorted(scenarios_dir().glob("*.json"))
    lib, scenarios = engine.load(scenario_files)
    lib2, scenarios2 = engine.load(scenario_files, library=tmp_path)
    assert len(scenarios) == len(scenarios2) == len(scenario_files)
    for s, s2 in zip(scenarios, scenarios2, strict=True):
        assert _normalised(engine.run(lib, s), str(tmp_path)) == _normalised(engine.run(lib2, s2), str(tmp_path))


# ------------------------------------------------------------------ generated documents


def _terminals() -> dict[str, st.SearchStrategy[str]]:
    """Plausible tokens, each followed by some white space; comments with distinct texts."""
    gaps = st.sampled_from([" ", "\n", "\n\n\n  ", "\t"])
    values = {
        "NAME": st.sampled_from(["armed_attack", "assist", "on", "by", "to", "for", "in", "or", "and", "not",
                                 "until", "means", "europe", "p", "t"]),
        "CODE": st.sampled_from(["RU", "BY", "KP", "RU-KRS", "UA-43"]),
        "VAR": st.sampled_from(["X", "Y", "Victim"]),
        "DATE": st.sampled_from(["2024-12-04", "2025-03-13", "2025-02-30"]),
        "INT": st.sampled_from(["0", "5", "007"]),
        "STRING": st.sampled_from(['"x"', '""', '"Art. 5 # not a comment"', '"a \\" b"']),
        "WS": st.just(""),
    }
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in parser().terminals:
        if t.name == "COMMENT":
            out[t.name] = st.from_regex(r"# [a-z]{1,4}", fullmatch=True).map(lambda s: s + "\n")
            continue
        if t.name in values:
            word = values[t.name]
        elif t.pattern.type == "str":
            word = st.just(t.pattern.value)
        else:
            choices = re.fullmatch(r"\(\?:([a-z_|]+)\)", t.pattern.value)
            if not choices:  # pragma: no cover - a new kind of terminal: add it above
                raise AssertionError(f"no strategy for terminal {t.name}")
            word = st.sampled_from(choices.group(1).split("|"))
        out[t.name] = st.tuples(word, gaps).map("".join)
    return out


DOCUMENTS = from_lark(parser(), explicit=_terminals())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(DOCUMENTS)
def test_generated_documents_format_well(text: str) -> None:
    try:
        document(text)
    except CasusError:  # the generator can put two words together; such texts are not ours to format
        return
    assert_well_formatted(text, format_text(text))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.integers(0, 2**16), st.integers(0, 2**16))
def test_the_layout_depends_only_on_the_tokens(text: str, seed1: int, seed2: int) -> None:
    """Two copies laid out differently format the same way, bar what the layout deliberately
    keeps: blank lines, where comments are, and how region and scope areas are split into lines."""
    try:
        tree = parse(Source("f.casus", text))
    except CasusError:
        return
    bad = ugly(text, seed1)
    assert document(format_text(bad)) == document(text)
    assert comments(format_text(bad)) == comments(text)
    if any(True for _ in tree.find_pred(lambda t: t.data in ("area_code", "area_region", "area_named"))):
        return
    one, two = (format_text(ugly(text, s, keep_comments=False, blank_lines=False)) for s in (seed1, seed2))
    assert one == two


# ------------------------------------------------------------------ files and the command line

LAID_OUT = 'region r "R" { AB, CD }\n'
MESSY_FILE = 'region   r "R"   {AB,CD}   \n\n\n'
BROKEN = 'treaty t "T" {\n  parties RU BY\n}\n'


def test_fmt_rewrites_a_file_atomically_keeping_its_mode(cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("a.casus", MESSY_FILE)
    os.chmod(path, 0o640)
    result = cli("fmt", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"reformatted {path}\n"
    assert path.read_text(encoding="utf-8") == LAID_OUT
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.casus"]  # no temporary file left behind
    again = cli("fmt", path)
    assert (again.exit_code, again.output) == (0, "")


def test_fmt_check_lists_what_would_change_and_writes_nothing(cli, write) -> None:  # type: ignore[no-untyped-def]
    messy, tidy = write("m.casus", MESSY_FILE), write("t.casus", LAID_OUT)
    result = cli("fmt", "--check", messy, tidy)
    assert result.exit_code == 1
    assert result.output == f"would reformat {messy}\n"
    assert messy.read_text(encoding="utf-8") == MESSY_FILE
    assert cli("fmt", "--check", tidy).exit_code == 0


def test_fmt_diff_prints_a_unified_diff_and_writes_nothing(cli, write) -> None:  # type: ignore[no-untyped-def]
    path = write("m.casus", MESSY_FILE)
    result = cli("fmt", "--diff", path)
    assert result.exit_code == 0
    assert result.output.startswith(f"--- {path} (original)\n+++ {path} (formatted)\n@@")
    assert f"-{MESSY_FILE.splitlines()[0]}\n" in result.output
    assert f"+{LAID_OUT}" in result.output
    assert path.read_text(encoding="utf-8") == MESSY_FILE
    assert cli("fmt", "--diff", "--check", path).exit_code == 1


def test_fmt_never_touches_a_file_it_cannot_parse(cli, write) -> None:  # type: ignore[no-untyped-def]
    broken, messy = write("broken.casus", BROKEN), write("messy.casus", MESSY_FILE)
    before = broken.read_bytes()
    result = cli("fmt", broken, messy)
    assert result.exit_code == 2
    assert broken.read_bytes() == before
    assert f"{broken}:2:14: E-PARSE:" in result.stderr
    assert "casus: 1 error" in result.stderr
    assert messy.read_text(encoding="utf-8") == LAID_OUT  # the others are still formatted


def test_fmt_takes_folders_and_refuses_json_and_missing_files(cli, write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    a, b = write("d/a.casus", MESSY_FILE), write("d/sub/b.casus", MESSY_FILE)
    write("d/c.json", "{}")
    result = cli("fmt", "--check", tmp_path / "d")
    assert (result.exit_code, result.output) == (1, f"would reformat {a}\nwould reformat {b}\n")
    json_file = cli("fmt", tmp_path / "d" / "c.json")
    assert json_file.exit_code == 2 and "E-FILE" in json_file.stderr
    missing = cli("fmt", tmp_path / "nope.casus")
    assert missing.exit_code == 2 and "E-FILE: no such file" in missing.stderr


def test_format_file_reports_without_writing_under_check(write) -> None:  # type: ignore[no-untyped-def]
    path = write("m.casus", MESSY_FILE)
    done = format_file(path, check=True)
    assert done.changed and done.diff == ""
    assert path.read_text(encoding="utf-8") == MESSY_FILE
    assert format_file(path).changed
    assert not format_file(path).changed
