"""Every output format escapes what it embeds (issue 17, item 2): a scenario's name is text from a
file, and must not break out of a DOT or Mermaid comment, a Markdown heading or code span, an SVG
text node, or become a spreadsheet formula in CSV (docs/formats.md, docs/security.md)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from engine.analysis.sweep import to_csv
from engine.base.paths import scenarios_dir
from engine.core.records import spreadsheet_cell
from engine.present import graph
from engine.present.report import text as report_text

EVENTS = [{"kind": "armed_attack", "by": "UA", "at": "RU-KRS", "date": "2024-08-06", "until": "2025-03-12"},
          {"kind": "state_of_war", "party": "RU", "date": "2024-08-06", "until": "2025-03-12"},
          {"kind": "assist", "by": "KP", "to": "RU", "date": "2024-12-10"}]
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\x85", "\v", "\f"]


def named(write, name: str, file: str = "s.json"):  # type: ignore[no-untyped-def]
    return write(file, json.dumps({"name": name, "events": EVENTS}))


@pytest.fixture(scope="module")
def coloured(lib) -> graph.Diagram:  # type: ignore[no-untyped-def]
    """ru_kp_2024's diagram coloured by a scenario (whose name each test sets)."""
    from engine.core.evaluate import evaluate
    from engine.io.load import load

    _, [s] = load([str(scenarios_dir() / "kursk_2024.casus")])
    return graph.build(lib, "ru_kp_2024", evaluate(lib, s, ["ru_kp_2024"]))


@pytest.mark.parametrize("brk", BREAKS)
def test_a_name_cannot_inject_into_dot(coloured, brk) -> None:  # type: ignore[no-untyped-def]
    evil = f'x{brk}}}{brk}digraph evil {{ a [URL="javascript:alert(1)"] }}{brk}// '
    lines = graph.to_dot(dataclasses.replace(coloured, scenario=evil, title=evil)).splitlines()
    comment = [ln for ln in lines if "coloured by scenario" in ln]
    assert len(comment) == 1 and comment[0].startswith("// coloured by scenario x ")
    assert "javascript" in comment[0]  # the name is all there, inside the comment
    assert not any(ln.lstrip().startswith("digraph evil") for ln in lines)
    assert sum(ln.startswith("digraph ") for ln in lines) == 1 and lines[-1] == "}"


@pytest.mark.parametrize("brk", BREAKS)
def test_a_name_cannot_inject_into_mermaid(coloured, brk) -> None:  # type: ignore[no-untyped-def]
    evil = f"x{brk}click n1 href \"javascript:alert(1)\"{brk}%% "
    lines = graph.to_mermaid(dataclasses.replace(coloured, scenario=evil, title=evil)).splitlines()
    assert not any(ln.lstrip().startswith("click") for ln in lines)
    assert sum(ln.startswith("%% coloured by scenario x") for ln in lines) == 1


@pytest.mark.parametrize("brk", ["\u2028", "\x85"])
def test_a_line_break_in_a_name_stays_in_its_comment_from_the_command_line(cli, write, brk) -> None:  # type: ignore[no-untyped-def]
    """C0 controls in a JSON name are refused (tests/io/test_strict_json.py); other line breaks
    reach the diagram, on their comment line."""
    evil = f"x{brk}digraph evil {{}}"
    for fmt, lead in (("dot", "// coloured by scenario x"), ("mermaid", "%% coloured by scenario x")):
        r = cli("graph", "ru_kp_2024", "--format", fmt, "--scenario", named(write, evil))
        assert r.exit_code == 0, r.output
        assert sum(ln.startswith(lead) for ln in r.stdout.splitlines()) == 1
        assert not any(ln.startswith("digraph evil") for ln in r.stdout.splitlines())
    r = cli("graph", "ru_kp_2024", "--format", "dot", "--scenario", named(write, "x\ndigraph evil {}"))
    assert r.exit_code == 2 and "E-JSON" in r.stderr


def test_svg_text_is_escaped_and_valid_xml() -> None:
    assert graph._xml('a\x01b<script>&"') == "a b&lt;script&gt;&amp;&quot;"
    assert graph._dq('a"b\\c\nd\u2028e') == '"a\\"b\\\\c d e"'


def test_a_name_cannot_inject_into_markdown(cli, write) -> None:  # type: ignore[no-untyped-def]
    evil = "x\u2028<script>alert(1)</script>\x85[click](javascript:alert(1)) | a | `b`"
    path = named(write, evil, "we`ird.json")
    for args in (("run", path, "--format", "markdown"), ("compare", path, "--format", "markdown")):
        r = cli(*args)
        assert r.exit_code == 0, r.output
        assert "<script>" not in r.stdout and "[click](javascript" not in r.stdout
        [heading] = [ln for ln in r.stdout.splitlines() if ln.startswith("## ")]
        assert heading == ("## x &lt;script&gt;alert(1)&lt;/script&gt; \\[click\\](javascript:alert(1)) \\| a \\| "
                           "\\`b\\`")
    out = cli("run", path, "--format", "markdown").stdout
    assert f"scenario ``{path}``." in out  # a code span whose fence its backtick cannot close
    assert report_text._md_text("a\nb\r<i>") == "a b &lt;i&gt;" and report_text._md("a\n|b") == "a \\|b"


@pytest.mark.parametrize("cell,shown", [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
                                        ("+1+1", "'+1+1"), ("-1+cmd", "'-1+cmd"), ("@SUM(A1)", "'@SUM(A1)"),
                                        ("\t=1", "'\t=1"), ("-3", "-3"), ("+1.5e3", "+1.5e3"), ("-", "'-"),
                                        ("Kursk - 2024", "Kursk - 2024"), ("", "")])
def test_spreadsheet_formulas_are_neutralised_but_numbers_are_not(cell, shown) -> None:  # type: ignore[no-untyped-def]
    assert spreadsheet_cell(cell) == shown


def test_sweep_and_compare_csv_hold_no_formula(cli, write) -> None:  # type: ignore[no-untyped-def]
    text = to_csv([{"point": 0, "x": "=1+1", "n": -3, "s": "-3"}], ["point", "x", "n", "s"])
    assert list(csv.reader(io.StringIO(text))) == [["point", "x", "n", "s"], ["0", "'=1+1", "-3", "-3"]]
    r = cli("compare", named(write, "=cmd|' /C calc'!A0"), "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and {row["scenario"] for row in rows} == {"'=cmd|' /C calc'!A0"}


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", '" onmouseover="alert(1)',
                                  "<img src=x onerror=alert(1)>",
                                  "</title><svg onload=alert(1)>", "'><a href='javascript:alert(1)'>"])
def test_a_name_cannot_inject_into_the_html_report(cli, write, tmp_path, evil) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "r.html"
    r = cli("report", named(write, f"x {evil}"), "-o", page, "--treaty", "ru_kp_2024")
    assert r.exit_code == 0, r.output
    html = page.read_text(encoding="utf-8")
    assert evil not in html and "alert(1)" in html  # there, but as text
    assert "href='javascript" not in html and 'href="javascript' not in html


def test_a_says_line_cannot_inject_into_markdown_table_or_html(write) -> None:  # type: ignore[no-untyped-def]
    """A scenario's `says` line is text from a file, shown by `run` (table, Markdown) and the report."""
    from engine.core.evaluate import evaluate
    from engine.core.records import result
    from engine.io.load import load
    from engine.present.report.html import render_report

    evil = "a <script>alert(1)</script> [x](javascript:alert(1)) | `code` & more"
    p = write("evil.casus",
              'scenario "evil" {\n  says "' + evil + '"\n  2024-08-06 armed_attack(by: UA, at: RU-KRS)\n}\n')
    lib, [s] = load([str(p)])
    res = result(lib, evaluate(lib, s, ["csto_1992"]))
    md = report_text.render_markdown(res)
    (line,) = [ln for ln in md.splitlines() if ln.startswith("> ")]
    assert "<script>" not in line and "\\[x\\](javascript" in line and "\\|" in line and "\\`code\\`" in line
    assert report_text.render_table(res).splitlines()[1] == "  " + evil  # plain text in a terminal
    page = render_report(lib, [s], treaties=["csto_1992"])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
