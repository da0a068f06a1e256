"""docs/language.md shows the whole language with examples quoted from real files.

Every keyword of grammar/casus.lark must appear in the document's code, and every fenced example
must be a quotation: the paragraph before it names the files (`obligations/…`, `scenarios/…`,
`tests/conformance/…`), and each line of the example is a line of one of them (a `…` stands for
text left out). When a library file changes, the quotation that no longer matches fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "language.md"
GRAMMAR = ROOT / "grammar" / "casus.lark"

FENCE = re.compile(r"^```[^\n]*\n(?P<body>.*?)^```$", re.M | re.S)
SOURCE = re.compile(r"`((?:obligations|scenarios|tests/conformance)/[\w./-]+\.casus)`")
LITERAL = re.compile(r'"([a-z][a-z-]*)"')
WORD = re.compile(r"[a-z][a-z-]*")


def _code(text: str) -> str:
    """The document's code: fenced blocks and inline code spans."""
    blocks = [m.group("body") for m in FENCE.finditer(text)]
    prose = FENCE.sub("", text)
    return "\n".join(blocks + re.findall(r"`([^`\n]+)`", prose))


def _examples() -> list[tuple[int, str, list[str]]]:
    text = DOC.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n")
        paragraph = before.rsplit("\n\n", 1)[-1]
        line = text.count("\n", 0, m.start()) + 1
        found.append((line, m.group("body"), SOURCE.findall(paragraph)))
    return found


def _matches(quoted: str, lines: set[str]) -> bool:
    pieces = [p.strip() for p in quoted.split("…")]
    if len(pieces) == 1:
        return quoted in lines
    for candidate in lines:
        at = 0
        for piece in pieces:
            at = candidate.find(piece, at)
            if at < 0:
                break
            at += len(piece)
        else:
            return True
    return False


def test_every_keyword_of_the_grammar_is_shown() -> None:
    keywords = set()
    for literal in LITERAL.findall(GRAMMAR.read_text(encoding="utf-8")):
        keywords.update(WORD.findall(literal))
    shown = set(WORD.findall(_code(DOC.read_text(encoding="utf-8"))))
    missing = sorted(keywords - shown)
    assert keywords, "no keywords read from the grammar"
    assert not missing, f"docs/language.md shows no code with: {', '.join(missing)}"


@pytest.mark.parametrize("line,body,sources", _examples(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_examples_are_quoted_from_the_files_they_name(line: int, body: str, sources: list[str]) -> None:
    assert sources, f"docs/language.md:{line}: the paragraph before this example names no file it is quoted from"
    lines: set[str] = set()
    for source in sources:
        path = ROOT / source
        assert path.is_file(), f"docs/language.md:{line}: {source} does not exist"
        lines.update(raw.strip() for raw in path.read_text(encoding="utf-8").splitlines())
    for offset, raw in enumerate(body.splitlines(), start=1):
        quoted = raw.strip()
        if quoted in ("", "…"):
            continue
        assert _matches(quoted, lines), (
            f"docs/language.md:{line + offset}: not a line of {', '.join(sources)}: {quoted}")


def test_the_check_catches_a_misquotation() -> None:
    lines = {"when threat(on: X) ongoing", 'says "a long text"'}
    assert _matches("when threat(on: X) ongoing", lines)
    assert _matches('says "a …"', lines)
    assert not _matches("when threat(on: Y) ongoing", lines)
    assert not _matches('says "a …short"', lines)
