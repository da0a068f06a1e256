"""Source files and spans: where a piece of text came from, and how to point at it."""

from __future__ import annotations

from engine.base.record import record


@record(order=True)
class Span:
    """A region of a source file; lines and columns count from 1, `end_column` is exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def short(self) -> str:
        """`path:line`, as used in explanations (`source` fields)."""
        return f"{self.path}:{self.line}"


NOWHERE = Span("<builtin>", 1, 1, 1, 1)


@record
class Source:
    """The text of one file, kept to render the line under an error."""

    path: str
    text: str

    def line_text(self, line: int) -> str:
        return line_of(self.text, line)

    def end_span(self) -> Span:
        """The position just past the last character (for errors at end of input)."""
        lines = self.text.split("\n")
        line = len(lines)
        column = len(lines[-1].rstrip("\r")) + 1
        return Span(self.path, line, column, line, column + 1)

    def span_at(self, offset: int, length: int = 1) -> Span:
        """The span of `length` characters starting at character `offset`."""
        line = self.text.count("\n", 0, offset) + 1
        start_of_line = self.text.rfind("\n", 0, offset) + 1
        column = offset - start_of_line + 1
        return Span(self.path, line, column, line, column + max(length, 1))


def split_lines(text: str) -> list[str]:
    """Lines as the parser counts them: only '\\n' ends a line (not '\\f', '\\x1c' or U+2028, which
    `str.splitlines` would also split on); a '\\r' before it is dropped."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def line_of(text: str, line: int) -> str:
    """Line `line` (from 1) of `text` as the parser counts lines, or "" if there is none."""
    lines = split_lines(text)
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def caret(source_line: str, span: Span, width: int = 100) -> str:
    """Two lines: the source line (cut to `width` around the span) and carets under the span."""
    col = span.column - 1
    length = (span.end_column - span.column) if span.end_line == span.line else len(source_line) - col
    length = max(1, min(length, max(1, len(source_line) - col) if col < len(source_line) else 1))
    start = 0
    if len(source_line) > width:
        start = max(0, min(col - width // 3, len(source_line) - width))
    shown = (source_line[start : start + width].expandtabs(1) if start or len(source_line) > width
             else source_line.expandtabs(1))
    prefix = "…" if start else ""
    before = source_line[start:col].expandtabs(1) if col > start else ""
    under = source_line[col:col + min(length, width)].expandtabs(1)
    # carets go by the columns a terminal draws, not by characters: a CJK character takes two
    past_end = max(0, col - start - len(before))  # an error just after the line's last character
    pointer = " " * (len(prefix) + display_width(before) + past_end) + "^" * max(1, display_width(under))
    return f"  {prefix}{shown}\n  {pointer}"


def display_width(text: str) -> int:
    """How many terminal columns `text` takes: wide and full-width characters (CJK) two, combining
    marks and zero-width characters none, everything else one."""
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width
