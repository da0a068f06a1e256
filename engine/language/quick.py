"""A fast reader for files of scenarios only: text -> AST without Lark and without a parse tree.

A large scenario file (issue 17, item 5: a 5 MB file of facts) is mostly fact lines, and
Lark's lexer, LALR parser and tree with positions cost a few microseconds and a few hundred
bytes per token. This reader takes the part of the grammar (grammar/casus.lark) that such a file
uses — `scenario` blocks of `says`, `source`, `interpretation`, facts and `expect` lines, with
comments — and builds the very AST that `engine.language.build` makes from Lark's tree (the same
nodes, spans and E-DATE / E-INTERVAL diagnostics, through the same `Builder`).

It only ever accepts: at the first thing it does not take for certain — another kind of item,
a syntax error, a token Lark might split otherwise (`RUS`, `_`, a word glued to a `-`) — it
gives up, and the caller parses the file with Lark as before, so every syntax error is Lark's,
word for word. Where both accept, both give the same AST: tests/language/test_quick.py holds
the two to each other on the bundled scenarios, generated files and mutations of them.

Three ways to read: `read`, a file's document; `stream`, its facts and scenarios handed over one
at a time and never held together (`casus check` of a big file: engine/io/load.py); `layout`,
what `casus fmt` prints, handed over as read (engine/language/fmt.py), with `line` to read a
printed line back."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from engine.base.errors import Diagnostics
from engine.base.memo import collector_paused
from engine.base.source import Source, Span
from engine.language import ast as A
from engine.language.build import Builder

# One token per match; anything else ends the match (group `bad`). The word tokens must not be
# followed by a character that would let Lark cut the text elsewhere.
_TOKEN = re.compile(r"""
    [ \t\r]+
  | (?P<nl>\n)
  | (?P<comment>\#[^\n]*)
  | (?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?![0-9A-Za-z_-])
  | (?P<code>[A-Z]{2}(?:-[A-Z0-9]{1,3})?)(?![0-9A-Za-z_-])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)(?![0-9A-Za-z_])
  | (?P<string>"[^"\\\n]*(?:\\.[^"\\\n]*)*")
  | (?P<punct>\.\.|->|[{}():,.*])
  | (?P<bad>.)
""", re.X | re.S)
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_VAR = re.compile(r"[A-Z](?:[a-z0-9_][A-Za-z0-9_]*)?")
_STATES = frozenset({"pending", "active", "activated", "fulfilled", "violated", "discharged", "defeated",
                     "suspended", "lapsed"})
_EXPECT_WORDS = frozenset({"under", "nothing", "no"})
_ENTRY_WORDS = frozenset({"interpretation", "says", "source", "expect"})

# token kinds
_DATE, _CODE, _VAR_T, _NAME_T, _STRING, _PUNCT, _END = "D", "C", "V", "N", "S", "P", "$"


class _Decline(Exception):
    """Not for this reader: parse the file with Lark."""


Tok = tuple[str, str, int, int, int]  # kind, text, line, column, offset (a token never spans lines)


def _tokens(text: str, comments: list[tuple[int, str]] | None) -> Iterator[Tok]:
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        group = m.lastgroup
        if group is None:  # white space
            continue
        if group == "nl":
            line += 1
            line_start = m.end()
            continue
        if group == "comment":
            if comments is not None:
                comments.append((m.start(), m.group()))
            continue
        value = m.group(group)
        if group == "word" or group == "code":
            value = sys.intern(value)  # the same few names and codes, over and over
        start = m.start()
        col = start - line_start + 1
        if group == "word":
            if _NAME.fullmatch(value):
                if value == "_":  # the wildcard, or a name: Lark decides by the parser's state
                    raise _Decline
                yield _NAME_T, value, line, col, start
            elif _VAR.fullmatch(value):
                yield _VAR_T, value, line, col, start
            elif len(value) == 2 and value.isupper() and value.isascii():
                yield _CODE, value, line, col, start
            else:  # `RUS`, `AB_c`: Lark would cut them into pieces
                raise _Decline
        elif group == "date":
            yield _DATE, value, line, col, start
        elif group == "code":
            yield _CODE, value, line, col, start
        elif group == "string":
            yield _STRING, value, line, col, start
        elif group == "punct":
            yield _PUNCT, value, line, col, start
        else:
            raise _Decline
    yield _END, "", line, 1, len(text)


@dataclass
class Entry:
    """A scenario entry for `casus fmt`, written on one line: where it is, and its canonical
    text (for a fact: its dates, atom and note, which the printer aligns)."""

    start: int
    end: int
    text: str
    fact: tuple[str, str, str | None] | None = None


Node = A.FactDecl | A.Expect | Tok  # what an entry holds (`interpretation`, `says`, `source`: its value)


class LayoutSink(Protocol):
    """What `casus fmt` is handed of a file of scenarios as it is read (`layout`)."""

    def block(self, start: int, brace: int, header: str) -> None:
        """A scenario block starts at `start`, its header (one line) ends with `{` at `brace`."""

    def entry(self, entry: Entry, node: Node) -> None:
        """An entry of the block, written on one line."""

    def end(self, end: int) -> None:
        """The block ends just before `end` (its `}` is at `end - 1`)."""


class _Reader:
    """`sink`: also what `casus fmt` needs, handed there as read (`layout`), and `comments`
    gets each comment. `on_fact`: each fact goes there as it is read, and its scenario is made
    without it (`stream`)."""

    def __init__(self, src: Source, diags: Diagnostics, sink: LayoutSink | None = None,
                 on_fact: Callable[[A.FactDecl], None] | None = None,
                 comments: list[tuple[int, str]] | None = None):
        self.path = src.path
        self.on_fact = on_fact
        self.sink = sink
        self.b = Builder(src, diags)
        self.toks = _tokens(src.text, comments)
        self.tok: Tok = next(self.toks)
        self.last: Tok = self.tok  # the token taken last
        self.fact_parts: tuple[str, str, str | None] = ("", "", None)  # the last fact's, for `casus fmt`

    # ------------------------------------------------------------ tokens
    def advance(self) -> Tok:
        t = self.last = self.tok
        self.tok = next(self.toks)
        return t

    def take(self, kind: str, text: str | None = None) -> Tok:
        t = self.tok
        if t[0] != kind or (text is not None and t[1] != text):
            raise _Decline
        self.last = t
        self.tok = next(self.toks)
        return t

    def word(self, text: str) -> Tok:
        return self.take(_NAME_T, text)

    def at(self, kind: str, text: str) -> bool:
        return self.tok[0] == kind and self.tok[1] == text

    def span(self, t: Tok) -> Span:
        return Span(self.path, t[2], t[3], t[2], t[3] + len(t[1]))

    def between(self, first: Tok, last: Tok) -> Span:
        return Span(self.path, first[2], first[3], last[2], last[3] + len(last[1]))

    # ------------------------------------------------------------ the file
    def document(self) -> A.Document:
        items: list[A.Item] = []
        while self.tok[0] != _END:
            items.append(self.scenario())
        return A.Document(self.path, tuple(items))

    def scenario(self) -> A.ScenarioDecl:
        first = self.word("scenario")
        name = self.take(_STRING)
        brace = self.take(_PUNCT, "{")
        interp: str | None = None
        interp_span = None
        facts: list[A.FactDecl] = []
        expects: list[A.Expect] = []
        says = None
        sink = self.sink
        if sink is not None:
            if brace[2] != first[2]:  # a header over several lines (a comment inside): the full printer's
                raise _Decline
            sink.block(first[4], brace[4], f"scenario {name[1]}")
        while not self.at(_PUNCT, "}"):
            start = self.tok
            word, node, shown = self.entry()
            if isinstance(node, A.FactDecl):
                if self.on_fact is None:
                    facts.append(node)
                else:
                    self.on_fact(node)
            elif isinstance(node, A.Expect):
                expects.append(node)
            elif word == "interpretation":
                interp, interp_span = node[1], self.span(node)
            elif word == "says":
                says = self.b.string(node[1])
            # (a scenario's `source` is documentation only)
            if sink is not None:
                end = self.last
                if end[2] != start[2]:  # written over several lines: the full printer keeps its cuts
                    raise _Decline
                fact = self.fact_parts if isinstance(node, A.FactDecl) else None
                sink.entry(Entry(start[4], end[4] + len(end[1]), shown, fact), node)
        last = self.advance()
        if sink is not None:
            sink.end(last[4] + 1)
        return A.ScenarioDecl(self.b.string(name[1]) or "", interp, tuple(facts), tuple(expects), says,
                              self.between(first, last), interp_span)

    def entry(self) -> tuple[str, Node, str]:
        """One entry of a scenario: its keyword (`fact` for a fact), what it holds, and its
        canonical text for `casus fmt` (a fact's parts are in `fact_parts` instead)."""
        kind, text = self.tok[0], self.tok[1]
        if kind == _DATE:
            return "fact", self.fact(), ""
        if kind != _NAME_T or text not in _ENTRY_WORDS:
            raise _Decline
        keyword = self.advance()
        if text == "expect":
            expect, shown = self.expect(keyword)
            return text, expect, shown
        value = self.take(_NAME_T if text == "interpretation" else _STRING)
        return text, value, f"{text} {value[1]}"

    def fact(self) -> A.FactDecl:
        b = self.b
        start_tok = self.advance()
        start = b.date_at(start_tok[1], self.span(start_tok))
        end: int | None = start
        dates = start_tok[1]
        if self.at(_PUNCT, ".."):
            self.advance()
            dates += ".."
            if self.tok[0] == _DATE:
                end_tok = self.advance()
                dates += end_tok[1]
                end = b.date_at(end_tok[1], self.span(end_tok))
                if end < start:
                    b.interval_error(start_tok[1], end_tok[1], self.span(end_tok))
            else:
                end = None
        atom, last = self.atom()
        note = None
        if self.at(_NAME_T, "note"):
            self.advance()
            last = self.take(_STRING)
            note = b.string(last[1])
        if self.sink is not None:
            self.fact_parts = (dates, atom.render(), last[1] if note is not None else None)
        return A.FactDecl(atom, start, end, note, self.between(start_tok, last))

    def atom(self) -> tuple[A.Atom, Tok]:
        name = self.take(_NAME_T)
        self.take(_PUNCT, "(")
        args: list[A.Arg] = []
        if not self.at(_PUNCT, ")"):
            while True:
                role = self.take(_NAME_T)
                self.take(_PUNCT, ":")
                v = self.advance()
                sp = self.span(v)
                kind = v[0]
                value: A.Value
                if kind == _CODE:
                    value = A.Code(v[1], sp)
                elif kind == _VAR_T:
                    value = A.Var(v[1], sp)
                elif kind == _NAME_T:
                    value = A.Name(v[1], sp)
                else:
                    raise _Decline
                args.append(A.Arg(role[1], value, Span(self.path, role[2], role[3], v[2], v[3] + len(v[1]))))
                if not self.at(_PUNCT, ","):
                    break
                self.advance()
        last = self.take(_PUNCT, ")")
        return A.Atom(name[1], tuple(args), self.between(name, last)), last

    def expect(self, first: Tok) -> tuple[A.Expect, str]:
        """An `expect` line, and its canonical text (`casus fmt`)."""
        b = self.b
        under = None
        if self.at(_NAME_T, "under"):
            self.advance()
            under = self.take(_NAME_T)
            if under[1] in _EXPECT_WORDS:  # a keyword there: Lark's to judge
                raise _Decline
        base: dict[str, object] = dict(interpretation=under[1] if under is not None else None, provision=None,
                                       bearer=None, beneficiary=None, status=None, since=None, activated=None,
                                       never_activated=False, missing=(), because=())
        if self.at(_NAME_T, "nothing"):
            self.advance()
            self.word("from")
            treaty = last = self.take(_NAME_T)
            head = f"expect{' under ' + under[1] if under is not None else ''} "
            return (A.Expect(form="nothing", treaty=treaty[1], treaty_span=self.span(treaty),
                             span=self.between(first, last), **base),  # type: ignore[arg-type]
                    f"{head}nothing from {treaty[1]}")
        absent = self.at(_NAME_T, "no")
        if absent:
            self.advance()
        treaty = self.take(_NAME_T)
        if treaty[1] in _EXPECT_WORDS:
            raise _Decline
        self.take(_PUNCT, ".")
        prov = self.take(_NAME_T)
        bearer, who1 = self.who()
        self.take(_PUNCT, "->")
        beneficiary, last = self.who()
        head = f"expect{' under ' + under[1] if under is not None else ''} "
        text = f"{treaty[1]}.{prov[1]} {who1[1]} -> {last[1]}"
        base.update(provision=prov[1], bearer=bearer, beneficiary=beneficiary, treaty_span=self.span(treaty),
                    provision_span=self.span(prov))
        if absent:
            return (A.Expect(form="absent", treaty=treaty[1], span=self.between(first, last),
                             **base),  # type: ignore[arg-type]
                    f"{head}no {text}")
        state = self.take(_NAME_T)
        if state[1] not in _STATES:
            raise _Decline
        base["status"] = state[1]
        text += f" {state[1]}"
        last = state
        missing: list[A.Atom] = []
        because: list[A.Atom] = []
        first_detail = True
        while True:
            if self.at(_PUNCT, ","):
                self.advance()
                if self.tok[0] != _NAME_T or self.tok[1] not in ("since", "activated", "missing", "because"):
                    raise _Decline
            if self.tok[0] != _NAME_T:
                break
            word = self.tok[1]
            if word not in ("since", "activated", "missing", "because"):
                break
            self.advance()
            if word == "since":
                last = self.take(_DATE)
                base["since"] = b.date_at(last[1], self.span(last))
                detail = f"since {last[1]}"
            elif word == "activated":
                if self.at(_NAME_T, "never"):
                    last = self.advance()
                    base["never_activated"] = True
                    detail = "activated never"
                else:
                    last = self.take(_DATE)
                    base["activated"] = b.date_at(last[1], self.span(last))
                    detail = f"activated {last[1]}"
            else:
                atom, last = self.atom()
                (missing if word == "missing" else because).append(atom)
                detail = f"{word} {atom.render()}"
            text += (" " if first_detail and word == "since" else ", ") + detail
            first_detail = False
        base.update(missing=tuple(missing), because=tuple(because))
        return (A.Expect(form="status", treaty=treaty[1], span=self.between(first, last),
                         **base),  # type: ignore[arg-type]
                f"{head}{text}")

    def who(self) -> tuple[str | None, Tok]:
        """`CODE` or `*` (any: None), and its token."""
        t = self.advance()
        if t[0] == _CODE:
            return t[1], t
        if t[0] == _PUNCT and t[1] == "*":
            return None, t
        raise _Decline


def read(src: Source, diags: Diagnostics) -> A.Document | None:
    """The document of a file of scenarios only, its E-DATE / E-INTERVAL problems added to
    `diags`; None (and nothing added) when the file is not one this reader takes: then Lark's."""
    local = Diagnostics()
    local.add_source(src.path, src.text)
    try:
        with collector_paused():  # many new objects, no cycles among them
            doc = _Reader(src, local).document()
    except _Decline:
        return None
    diags.items.extend(local.items)
    return doc


def stream(src: Source, diags: Diagnostics, on_fact: Callable[[A.FactDecl], None],
           on_scenario: Callable[[A.ScenarioDecl], None]) -> int | None:
    """Read a file of scenarios only without ever holding it whole: each fact goes to `on_fact`
    as it is read, then its scenario, made without its facts, to `on_scenario` when its `}` is
    read. The number of scenarios, their E-DATE / E-INTERVAL problems added to `diags`; None
    when the file is not one this reader takes (then Lark's: what `diags` and the callbacks got
    so far is the caller's to drop). The same facts and scenarios, in the same order, as `read`
    gives (tests/language/test_quick.py)."""
    count = 0
    try:
        with collector_paused():
            reader = _Reader(src, diags, on_fact=on_fact)
            while reader.tok[0] != _END:
                on_scenario(reader.scenario())
                count += 1
    except _Decline:
        return None
    return count


def _dropped(fact: A.FactDecl) -> None:
    pass


def layout(src: Source, sink: LayoutSink, comments: list[tuple[int, str]]) -> bool:
    """Hand `sink` what `casus fmt` needs of a file of scenarios only whose every entry and
    header is written on one line, as it is read, and each comment (position, text) to
    `comments` as the reader passes it: a block's comments before its entries, an entry's
    trailing comment before the next entry. False for any other file (the full printer's, on
    Lark's tree), the sink having had part of it."""
    try:
        with collector_paused():
            # the facts go to the sink as entries, not into scenarios nobody keeps
            reader = _Reader(src, Diagnostics(), sink=sink, on_fact=_dropped, comments=comments)
            while reader.tok[0] != _END:
                reader.scenario()
    except _Decline:
        return False
    return True


def line(text: str) -> tuple[str, A.FactDecl | A.Expect | None, str, list[str]] | None:
    """What one line of `casus fmt`'s output reads as: the entry on it (its keyword, the fact or
    `expect` it holds, its canonical text, as `_Reader.entry` gives; ("", None, "") for none)
    and the comments on it; None if it is not one entry and comments."""
    comments: list[tuple[int, str]] = []
    try:
        reader = _Reader(Source("<fmt>", text), Diagnostics(), comments=comments)
        word, node, shown = "", None, ""
        if reader.tok[0] != _END:
            word, value, shown = reader.entry()
            node = value if isinstance(value, A.FactDecl | A.Expect) else None
        if reader.tok[0] != _END:
            return None
    except _Decline:
        return None
    return word, node, shown, [c for _, c in comments]
