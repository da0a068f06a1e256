"""Parsing and parse diagnostics: `file:line:column: E-CODE: message`, the source line, a caret
under the right columns, and a hint a person can act on."""

from __future__ import annotations

import re

import pytest
from lark import Tree

import engine
from engine.base.errors import CasusError, Diagnostic
from engine.base.source import Source, Span, caret
from engine.language.syntax import decode, parse, parser

TREATY_WHNE = """\
treaty t1 "T" {
  parties RU, BY
  in force 2020-01-01
  provision p1 "P" article "1" {
    whne armed_attack(on: X)
    then each other party must assist(to: X)
  }
}
"""


def parse_error(text: str, path: str = "f.casus") -> Diagnostic:
    with pytest.raises(CasusError) as info:
        parse(decode(path, text.encode("utf-8")))
    assert len(info.value.diagnostics) == 1
    return info.value.diagnostics[0]


def caret_column(rendered: str) -> tuple[str, str]:
    """The (source line, caret line) pair of a rendered diagnostic, without the 2-space indent."""
    lines = rendered.splitlines()
    return lines[1][2:], lines[2][2:]


# ------------------------------------------------------------------ parsing what is valid


def test_parses_a_treaty_and_a_scenario_into_their_items() -> None:
    text = TREATY_WHNE.replace("whne", "when") + 'scenario "s" {\n  2024-01-01 armed_attack(on: RU)\n}\n'
    tree = parse(Source("ok.casus", text))
    assert isinstance(tree, Tree)
    assert [c.data for c in tree.children] == ["treaty", "scenario"]


def test_empty_file_and_comment_only_file_parse_to_no_items() -> None:
    assert parse(Source("e.casus", "")).children == []
    assert parse(Source("c.casus", "# only a comment\n   \n")).children == []


def test_parser_is_lalr_and_cached() -> None:
    assert parser() is parser()
    assert parser().options.parser == "lalr"


def test_condition_operators_bind_not_tighter_than_and_tighter_than_or() -> None:
    text = """\
    treaty t "T" {
      parties RU, BY
      in force 2020-01-01
      provision p "P" article "1" {
        when threat(on: X) or armed_attack(on: X) and not provocation(by: X)
        then each other party must assist(to: X)
      }
    }
    """
    import textwrap

    tree = parse(Source("prec.casus", textwrap.dedent(text)))
    when = next(tree.find_data("when"))
    cond = when.children[0]
    assert cond.data == "or_"
    assert cond.children[0].data == "occurred"
    assert cond.children[1].data == "and_"
    assert cond.children[1].children[1].data == "not_"


def test_crlf_line_endings_parse_and_count_lines() -> None:
    d = parse_error('scenario "x" {\r\n  2024-01-01 armed_attack(on: RU)\r\n  2024-01-01 armd attack\r\n}\r\n')
    assert (d.span.line, d.span.column) == (3, 19)


def test_byte_order_mark_is_ignored_and_does_not_shift_columns() -> None:
    d = parse_error('\ufeffscenario "x" {\n  2024-01-01 armed_attack(on: RU) }}\n')
    assert (d.span.line, d.span.column) == (2, 36)
    src = decode("bom.casus", '\ufeffscenario "x" {}\n'.encode("utf-8"))
    assert src.text.startswith("scenario")


# ------------------------------------------------------------------ diagnostics


def test_misspelt_keyword_is_located_with_caret_and_did_you_mean() -> None:
    d = parse_error(TREATY_WHNE, "obligations/x.casus")
    assert d.code == "E-PARSE"
    assert (d.span.path, d.span.line, d.span.column, d.span.end_column) == ("obligations/x.casus", 5, 5, 9)
    assert d.hint == "did you mean 'when'?"
    assert "found 'whne'" in d.message
    assert "'when'" in d.message and "'then'" in d.message
    rendered = d.render()
    first = rendered.splitlines()[0]
    assert re.fullmatch(r"obligations/x\.casus:5:5: E-PARSE: expected .+, found 'whne'", first)
    src_line, carets = caret_column(rendered)
    assert src_line == "    whne armed_attack(on: X)"
    assert carets == "    ^^^^"
    assert rendered.splitlines()[-1] == "  hint: did you mean 'when'?"


@pytest.mark.parametrize("wrong, right", [("than", "then"), ("uppon", "upon"), ("unles", "unless")])
def test_other_misspelt_provision_keywords(wrong: str, right: str) -> None:
    text = TREATY_WHNE.replace("whne", "when").replace("    then", f"    {wrong}")
    d = parse_error(text)
    assert (d.span.line, d.span.column) == (6, 5)
    assert d.hint == f"did you mean '{right}'?"


def test_misspelt_status_word_gets_a_suggestion() -> None:
    d = parse_error('scenario "x" {\n  expect ru_kp_2024.art4 KP -> RU fulfiled\n}\n')
    assert (d.span.line, d.span.column) == (2, 35)
    assert "expected a status" in d.message
    assert d.hint == "did you mean 'fulfilled'?"


def test_misspelt_kind_word_in_vocabulary() -> None:
    d = parse_error("vocabulary v {\n  knd x()\n}\n")
    assert (d.span.line, d.span.column) == (2, 3)
    assert d.hint == "did you mean 'kind'?"


def test_unexpected_eof_points_at_the_end_of_the_text() -> None:
    text = 'scenario "x" {\n  2024-01-01 armed_attack(on: RU)'
    d = parse_error(text)
    assert d.code == "E-PARSE"
    assert d.message.startswith("unexpected end of file; expected ")
    # just past the last character of the last line
    assert (d.span.line, d.span.column) == (2, len("  2024-01-01 armed_attack(on: RU)") + 1)
    assert "'}'" in d.message
    assert d.hint == "a '{' may be missing its '}'"
    src_line, carets = caret_column(d.render())
    assert src_line == "  2024-01-01 armed_attack(on: RU)"
    assert carets == " " * len(src_line) + "^"


def test_unexpected_eof_after_final_newline_points_past_it() -> None:
    d = parse_error('scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n')
    assert (d.span.line, d.span.column) == (3, 1)
    assert d.span.line >= 1  # never Lark's -1


def test_unexpected_eof_lists_only_what_the_parser_accepts() -> None:
    d = parse_error('scenario "x" {\n  2024-01-01 armed_attack(on: RU)\n')
    # after a fact: another fact (a date), note, expect, interpretation, says, source or '}'
    assert d.message == ("unexpected end of file; expected 'expect', 'interpretation', 'note', 'says', "
                         "'source', '}' or a date (YYYY-MM-DD)")


def test_unclosed_parentheses_in_a_condition_end_of_file() -> None:
    d = parse_error('treaty t "T" {\n  provision p "P" article "1" {\n    when (((')
    assert (d.span.line, d.span.column) == (3, 13)
    assert "unexpected end of file" in d.message


def test_unexpected_character_is_located_and_hints_what_is_accepted() -> None:
    d = parse_error('scenario "x" {\n  2024-01-01 armed_attack(on: RU) $\n}\n')
    assert (d.span.line, d.span.column) == (2, 35)
    assert d.message == "unexpected character '$'"
    assert d.hint == "expected 'expect', 'interpretation', 'note', 'says', 'source', '}' or a date (YYYY-MM-DD)"
    _, carets = caret_column(d.render())
    assert carets.index("^") == 34


def test_unterminated_string_hint() -> None:
    d = parse_error('scenario "x {\n}\n')
    assert (d.span.line, d.span.column) == (1, 10)
    assert d.hint == "strings end on the same line with '\"'"


def test_lower_case_party_code_hint() -> None:
    d = parse_error('treaty t "T" {\n  parties Ru, BY\n}\n')
    assert (d.span.line, d.span.column) == (2, 11)
    assert d.message == "expected a party or territory code, found 'Ru'"
    assert d.hint == "party codes are two capital letters (ISO 3166-1 alpha-2), e.g. RU, BY"


def test_a_huge_token_is_shortened_in_the_message() -> None:
    d = parse_error("x" * 100_000)
    assert (d.span.line, d.span.column) == (1, 1)
    assert len(d.message) < 300
    assert d.message.endswith("…'")
    # the source line is cut around the caret, not printed whole
    assert len(d.render()) < 1000


def test_tab_before_the_error_keeps_the_caret_aligned() -> None:
    d = parse_error('scenario "x" {\n\t2024-01-01 armd attack(on: RU)\n}\n')
    assert (d.span.line, d.span.column) == (2, 18)
    src_line, carets = caret_column(d.render())
    assert src_line[carets.index("^"):].startswith("attack")


# ------------------------------------------------------------------ caret rendering


def test_caret_spans_the_whole_token() -> None:
    out = caret("  2024-01-01 armed_atack(on: RU)", Span("f", 1, 14, 1, 25))
    assert out == "    2024-01-01 armed_atack(on: RU)\n" + "  " + " " * 13 + "^" * 11


def test_caret_on_a_long_line_is_cut_around_the_column() -> None:
    line = "a" * 500 + "X" + "b" * 500
    out = caret(line, Span("f", 1, 501, 1, 502))
    shown, pointer = out.splitlines()
    assert shown.startswith("  …")
    assert len(shown) <= 2 + 1 + 100
    assert shown[pointer.index("^")] == "X"


def test_source_end_span_and_span_at() -> None:
    src = Source("s.casus", "ab\ncde")
    assert src.end_span() == Span("s.casus", 2, 4, 2, 5)
    assert src.span_at(4, 2) == Span("s.casus", 2, 2, 2, 4)
    assert src.line_text(2) == "cde"
    assert src.line_text(9) == ""


# ------------------------------------------------------------------ several errors


def test_several_files_with_errors_are_all_reported_sorted(write) -> None:  # type: ignore[no-untyped-def]
    b = write("b.casus", TREATY_WHNE)  # a parse error at 5:5
    a = write("a.casus", """\
        scenario "a" {
          2024-01-01 armed_attack(on: UK)
          2024-02-30 armed_attack(on: RU)
        }
        """)
    c = write("c.casus", 'scenario "c" {\n  2024-01-01 armed_attack(on: RU)\n')  # EOF
    with pytest.raises(CasusError) as info:
        engine.load([c, b, a])
    where = [(d.span.path, d.span.line, d.span.column, d.code) for d in info.value.diagnostics]
    assert where == [
        (str(a), 2, 31, "E-CODE"),
        (str(a), 3, 3, "E-DATE"),
        (str(b), 5, 5, "E-PARSE"),
        (str(c), 3, 1, "E-PARSE"),
    ]
    rendered = info.value.render()
    # each diagnostic begins with its location, in that order
    starts = [line for line in rendered.splitlines() if re.match(r"\S+:\d+:\d+: E-", line)]
    assert [s.split(": ")[0] for s in starts] == [f"{a}:2:31", f"{a}:3:3", f"{b}:5:5", f"{c}:3:1"]


def test_one_file_several_semantic_errors_sorted_by_line_and_column(write) -> None:  # type: ignore[no-untyped-def]
    p = write("s.casus", """\
        scenario "x" {
          interpretation ru_claim
          2024-01-01 armd_attack(on: RU)
          2024-01-01 armed_attack(victim: RU)
          expect ru_kp_202.art4 KP -> RU active
        }
        """)
    with pytest.raises(CasusError) as info:
        engine.load([p])
    got = [(d.span.line, d.span.column, d.code, d.hint) for d in info.value.diagnostics]
    assert got == [
        (2, 18, "E-UNKNOWN", "did you mean 'ru_claims'?"),
        (3, 14, "E-UNKNOWN", "did you mean 'armed_attack'?"),
        (4, 14, "E-ROLE-MISSING", "write it as armed_attack(on: …)"),
        (4, 27, "E-ROLE", "its roles are: by, on, at, against"),
        (5, 10, "E-UNKNOWN", "did you mean 'ru_kp_2024' or 'ru_by_2024'?"),
    ]
    assert info.value.diagnostics[4].suggestions == ("ru_kp_2024", "ru_by_2024")


def test_the_grammar_compiles_under_lark_strict_mode() -> None:
    """casus compiles the grammar without Lark's strict analysis at run time (engine/language/
    syntax.py OPTIONS: it costs most of a second per uncached start); the grammar must pass it
    here: no two terminals match the same text, no shift/reduce conflict. The run-time parser
    then gives the strict one's tree on every bundled file."""
    from pathlib import Path

    from engine.language.syntax import full_parser

    strict = full_parser(strict=True)
    loose = full_parser()
    root = Path(__file__).resolve().parents[2]
    files = sorted([*root.glob("obligations/*.casus"), *root.glob("scenarios/*.casus")])
    assert len(files) > 40
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert loose.parse(text) == strict.parse(text), f


# ---------------------------------------------------------------------------- shipped parse tables


def _corpus() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = sorted([*root.glob("obligations/*.casus"), *root.glob("scenarios/*.casus"),
                    *root.glob("tests/conformance/*.casus"), *root.glob("tests/golden/*.casus")])
    assert len(files) > 100
    return [f.read_text(encoding="utf-8") for f in files]


def test_the_shipped_parse_tables_are_this_grammars(regen: bool) -> None:
    """grammar/casus.tables.json must be compiled from grammar/casus.lark as it is now, with the
    options casus uses (its stamp): after changing the grammar, `pytest --regen` rewrites it. (A
    stale file is never used: casus compiles the grammar instead, slower to start without a
    cache. Tables from another Lark release are not used either; that is no error here.)"""
    import json

    from engine.base.paths import grammar_path
    from engine.language.syntax import _stamp, shipped_parser, tables_path, write_tables

    text = grammar_path().read_text(encoding="utf-8")
    if regen and shipped_parser(text) is None:
        write_tables()
    stamp = json.loads(tables_path().read_text(encoding="utf-8"))["stamp"]
    now = _stamp(text)
    assert (stamp["grammar_sha256"], stamp["options"]) == (now["grammar_sha256"], now["options"]), \
        "grammar/casus.tables.json is stale: run pytest --regen"


def test_the_tables_json_gives_back_number_keys() -> None:
    """Lark's serialized parser keys parse states by number; JSON keys are strings
    (`_to_json` writes such a dict as pairs, `_int_keys` reads it back)."""
    import json

    from engine.language.syntax import _int_keys, _to_json

    x = {"states": {0: {"A": [1, "x"], 7: {}}, 12: [{"#": 3}]}, "name": "casus", "empty": {}, 3: None}
    assert json.loads(json.dumps(_to_json(x)), object_hook=_int_keys) == {
        "states": {0: {"A": [1, "x"], "7": {}}, 12: [{"#": 3}]}, "name": "casus", "empty": {}, "3": None}


@pytest.fixture
def tables(tmp_path):  # type: ignore[no-untyped-def]
    """The shipped tables when this Lark can use them, else tables written now by this Lark (so
    that the tests below test the mechanism whatever Lark is installed)."""
    from engine.base.paths import grammar_path
    from engine.language.syntax import shipped_parser, tables_path, write_tables

    if shipped_parser(grammar_path().read_text(encoding="utf-8")) is not None:
        return tables_path()
    return write_tables(tmp_path / "casus.tables.json")


def test_the_shipped_parser_reads_what_the_compiled_one_reads(tables) -> None:  # type: ignore[no-untyped-def]
    """The same tree (or error: type, place, what was expected) on every bundled, conformance and
    golden file, and on 400 seeded mutations of them."""
    import random

    from lark.exceptions import UnexpectedInput

    from engine.base.paths import grammar_path
    from engine.language.syntax import compile_grammar, shipped_parser

    text = grammar_path().read_text(encoding="utf-8")
    shipped, compiled = shipped_parser(text, tables), compile_grammar(text)
    assert shipped is not None

    def outcome(p: object, t: str) -> object:
        try:
            return p.parse(t)  # type: ignore[attr-defined]
        except UnexpectedInput as e:
            return (type(e).__name__, e.line, e.column, sorted(getattr(e, "expected", None) or ()),
                    sorted(getattr(e, "allowed", None) or ()))

    corpus = _corpus()
    for t in corpus:  # (a few golden files are wrong on purpose: their errors are compared)
        assert outcome(shipped, t) == outcome(compiled, t)
    rng = random.Random(2026)
    errors = 0
    for _ in range(400):
        t = rng.choice(corpus)
        i = rng.randrange(len(t))
        cut = rng.choice(["", "(", ")", "{", "}", " when ", "..", ",", "X", "\"", " 2020-13-40 "])
        mutated = t[:i] + cut + t[i + rng.randrange(0, 8):]
        got = outcome(shipped, mutated)
        assert got == outcome(compiled, mutated)
        errors += isinstance(got, tuple)
    assert errors > 100  # a third are errors (136 with this seed), compared by place and what was expected


def test_without_a_cache_the_grammar_is_not_compiled(monkeypatch: pytest.MonkeyPatch, tmp_path, tables) -> None:  # type: ignore[no-untyped-def]
    """A run with no usable cache reads the shipped tables (milliseconds) rather than compiling
    the grammar; tables for another grammar are ignored and the grammar compiled."""
    from engine.language import syntax

    monkeypatch.setattr(syntax, "tables_path", lambda: tables)
    monkeypatch.setenv("CASUS_CACHE_DIR", str(tmp_path / "no" / "such"))
    monkeypatch.setattr(syntax, "compile_grammar", lambda *a, **k: pytest.fail("compiled"))
    syntax.parser.cache_clear()
    try:
        assert syntax.parser().parse('scenario "s" {\n  2020-01-01  threat(on: PL)\n}\n').data == "start"
        stale = tmp_path / "stale.json"
        stale.write_text(syntax.tables_path().read_text(encoding="utf-8").replace('"grammar_sha256":"',
                                                                                  '"grammar_sha256":"0'))
        assert syntax.shipped_parser(syntax.grammar_path().read_text(encoding="utf-8"), stale) is None
    finally:
        syntax.parser.cache_clear()
