"""`casus fmt`: one canonical layout for .casus files, comments kept.

The printer works on the Lark tree, so every token (names, codes, dates, strings) is printed
exactly as written; there is one printer method per grammar rule. Layout:

- two-space indentation, one entry per line, blocks as `header {` … `}` (`{}` when empty);
- conditions with the fewest parentheses (`not` binds tighter than `and`, `and` than `or`);
- qualifiers after the action joined by ", "; expect lines as
  `expect [under I] T.P A -> B STATE since D, activated D, missing ATOM, because ATOM`;
- scenario facts with their atoms (and their notes) aligned within the scenario;
- region and scope areas keep the lines they were written on (grouping by line is the
  author's: EU members on one line, overseas territories on the next), and a list written on
  the `{` line stays there: `scope art6 { region europe, TR }`;
- at most one blank line where the input had one or more, none right after `{`.

Comments, which the grammar ignores, are collected by the lexer and put back: a comment on its
own line stays before what follows it, at that nesting; a trailing comment stays at the end
of its line (two spaces before `#`); a comment inside something printed on one line moves just
before it, with the comment ending its last line. `format_text` checks its own output: the same
AST (spans aside) and the same comments, in order, or it raises InternalError rather than return
it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from engine.base.errors import CasusError, Diagnostic, Diagnostics, InternalError
from engine.base.limits import read_limited
from engine.base.output import write_file
from engine.base.paths import display_path, grammar_path
from engine.base.source import Source, Span
from engine.language import ast as A
from engine.language import quick, syntax
from engine.language.build import build

INDENT = "  "
BLOCKS = ("vocabulary", "administration", "interpretation", "treaty", "provision", "scenario", "property",
          "reservation")
AREA_LISTS = ("region", "scope")

# ---------------------------------------------------------------------------- parsing with comments


class _CommentSink:
    """The lexer callback: collects COMMENT tokens of the parse under way."""

    def __init__(self) -> None:
        self.tokens: list[Token] = []

    def __call__(self, tok: Token) -> Token:
        self.tokens.append(tok)
        return tok


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, _CommentSink]:
    """engine.language.syntax.parser()'s grammar and options, plus a callback that keeps the comments."""
    sink = _CommentSink()
    lark = syntax.compile_grammar(grammar_path().read_text(encoding="utf-8"), lexer_callbacks={"COMMENT": sink})
    return lark, sink


@dataclass(frozen=True)
class Comment:
    text: str  # as written, trailing white space removed
    pos: int  # offset of the '#'
    own_line: bool  # nothing but white space before it on its line


def parse_with_comments(src: Source) -> tuple[Tree, list[Comment]]:
    """The tree engine.language.syntax.parse gives, and the comments in order. Raises the usual CasusError.
    (One parse at a time: the comment sink is shared.)"""
    lark, sink = _parser()
    sink.tokens = []
    try:
        tree = lark.parse(src.text)
    except UnexpectedInput:
        syntax.parse(src)  # the same grammar fails the same way, with the usual located diagnostic
        raise InternalError(  # pragma: no cover
            "casus fmt: the formatter's parser and engine.language.syntax disagree") from None
    syntax._check_depth(src, tree)
    by_pos = {t.start_pos or 0: t for t in sink.tokens}  # a token lexed twice is one comment
    return tree, _comments(src.text, [(pos, str(by_pos[pos])) for pos in sorted(by_pos)])


# ---------------------------------------------------------------------------- output


class _Comments:
    """The comments not yet printed, consumed in document order."""

    def __init__(self, text: str, comments: list[Comment]):
        self.text = text
        self.items = comments
        self.next = 0

    def before(self, pos: int) -> list[Comment]:
        """Take every comment that starts before `pos`."""
        out = []
        while self.next < len(self.items) and self.items[self.next].pos < pos:
            out.append(self.items[self.next])
            self.next += 1
        return out

    def any_before(self, pos: int) -> bool:
        return self.next < len(self.items) and self.items[self.next].pos < pos

    def trailing(self, end: int, between: str = "") -> Comment | None:
        """Take the comment that ends the line on which something ended at `end`, if any
        (only white space, or the characters in `between`, may separate them)."""
        if self.next < len(self.items):
            c = self.items[self.next]
            if not c.own_line and c.pos >= end and self.text[end:c.pos].strip(" \t" + between) == "":
                self.next += 1
                return c
        return None


class _Lines:
    """Output lines; a blank line is written only where asked and never right after `{`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.after_open = True  # the start of the file counts as just after an opening

    def add(self, depth: int, text: str, blank: bool = False, opens: bool = False) -> None:
        if blank and not self.after_open:
            self.lines.append("")
        self.lines.append(INDENT * depth + text)
        self.after_open = opens

    def trail(self, comment: Comment | None) -> None:
        if comment is not None:
            self.lines[-1] += "  " + comment.text

    def text(self) -> str:
        return "\n".join(self.lines) + "\n" if self.lines else ""


# ---------------------------------------------------------------------------- the printer


def _blank_before(text: str, pos: int) -> bool:
    """Whether a blank line separates `pos` from whatever precedes it."""
    i, newlines = pos, 0
    while i > 0 and text[i - 1] in " \t\r\n":
        newlines += text[i - 1] == "\n"
        i -= 1
    return newlines >= 2


def _tok(t: Tree | Token | None) -> str:
    return "" if t is None else str(t)


_PREC = {"or_": 1, "and_": 2, "not_": 3}  # everything else is a primary (4)


class _TermsPrinter:
    """The printers of the constructs by which treaties change (versions, reservations, notice
    periods, protected classes, membership per interpretation): mixed into `_Printer`."""

    if TYPE_CHECKING:  # _Printer's, which it uses
        def opt(self, prefix: str, t: Tree | Token | None) -> str: ...
        def one(self, t: Tree | Token | None) -> str: ...
        def cond(self, t: Tree, min_prec: int = 0) -> str: ...

    def reservation(self, t: Tree) -> tuple[str, list[Tree]]:
        kind, code, title, *rest = t.children
        n = 0
        while n < len(rest) and isinstance(rest[n], Token) and getattr(rest[n], "type", None) == "NAME":
            n += 1
        start, end = rest[n], rest[n + 1]
        names = ", ".join(map(str, rest[:n]))
        return (f"{kind} {code} {title} on {names}{self.opt('from ', start)}{self.opt('to ', end)}",
                list(rest[n + 2:]))

    def interp_member(self, t: Tree) -> str:
        code, treaty, start, end = t.children
        return f"member {code} of {treaty} from {start}{self.opt('to ', end)}"

    def interp_nonmember(self, t: Tree) -> str:
        code, treaty, start, end = t.children
        return f"not member {code} of {treaty} from {start}{self.opt('to ', end)}"

    def interp_suspend(self, t: Tree) -> str:
        code, toward, treaty, start, end = t.children
        return f"suspended {code}{self.opt('toward ', toward)} in {treaty} from {start}{self.opt('to ', end)}"

    def notice_period(self, t: Tree) -> str:
        n, unit = t.children
        return f"withdrawal takes effect {n} {self.one(unit)} after notice"

    def notice_unit(self, t: Tree) -> str:
        return str(t.children[0])

    def res_when(self, t: Tree) -> str:
        return f"only when {self.cond(t.children[0])}"

    def res_adds(self, t: Tree) -> str:
        return "adds " + ", ".join(self.one(q) for q in t.children)

    def version(self, t: Tree) -> str:
        name, start, end, reading = t.children
        return f"version {name} from {start}{self.opt('to ', end)}{self.opt('', reading)}"

    def version_to(self, t: Tree) -> str:
        name, end, reading = t.children
        return f"version {name} to {end}{self.opt('', reading)}"

    def version_read(self, t: Tree) -> str:
        name, reading = t.children
        return f"version {name} {self.one(reading)}"

    def under(self, t: Tree) -> str:
        return "under " + ", ".join(map(str, t.children))

    def except_under(self, t: Tree) -> str:
        return "except under " + ", ".join(map(str, t.children))

    def protects(self, t: Tree) -> str:
        return f"protects any state in region {t.children[0]}"



class _Places:
    """The printer's methods for places: areas, administration, whose territory (SPEC "Places,
    targets and time between facts")."""

    def administration(self, t: Tree) -> tuple[str, list[Tree]]:
        name, title, *entries = t.children
        return f"administration {name}{'' if title is None else ' ' + str(title)}", entries

    def area_named(self, t: Tree) -> str:
        return f"area {t.children[0]}"

    def area_decl(self, t: Tree) -> str:
        name, title, *rest = t.children
        *within, side = rest
        names = [str(w) for w in within if w is not None]
        text = f"area {name}{'' if title is None else ' ' + str(title)}"
        if names:
            text += f" within {', '.join(names)}"
        return text + (f" {side} of the tropic" if side is not None else "")

    def administer(self, t: Tree) -> str:
        date, *codes = t.children
        return f"from {date}: {', '.join(map(str, codes[:-1]))} administered by {codes[-1]}"

    def territory_of(self, t: Tree) -> str:
        var, party = t.children
        return f"{var} territory of {party.children[0]}"

    def administered_by(self, t: Tree) -> str:
        var, party = t.children
        return f"{var} administered by {party.children[0]}"


class _ScenarioPrinter:
    """The printers of scenarios, their `expect` lines and properties: mixed into `_Printer`."""

    if TYPE_CHECKING:  # _Printer's, which it uses
        date_width: int
        atom_width: int

        def opt(self, prefix: str, t: Tree | Token | None) -> str: ...
        def one(self, t: Tree | Token | None) -> str: ...
        def cond(self, t: Tree, min_prec: int = 0) -> str: ...

    # ------------------------------------------------------------ scenarios
    def use_interp(self, t: Tree) -> str:
        return f"interpretation {t.children[0]}"

    def fact_dates(self, t: Tree) -> str:
        start, range_, end = t.children[:3]
        return f"{start}{_tok(range_)}{_tok(end)}"

    def fact(self, t: Tree) -> str:
        atom, note = t.children[3:]
        text = f"{self.fact_dates(t).ljust(self.date_width)}  {self.one(atom)}"
        if note is None:
            return text
        return f"{text.ljust(self.date_width + 2 + self.atom_width)}  note {note}"

    def expect(self, t: Tree) -> str:
        under, expectation = t.children
        return f"expect{self.opt('under ', under)} {self.one(expectation)}"

    def expect_nothing(self, t: Tree) -> str:
        return f"nothing from {t.children[0]}"

    def expect_absent(self, t: Tree) -> str:
        treaty, provision, pair = t.children
        return f"no {treaty}.{provision} {self.one(pair)}"

    def expect_status(self, t: Tree) -> str:
        treaty, provision, pair, state, *details = t.children
        text = f"{treaty}.{provision} {self.one(pair)} {state}"
        for i, d in enumerate(details):
            text += (" " if i == 0 and d.data == "since" else ", ") + self.one(d)
        return text

    def pair(self, t: Tree) -> str:
        bearer, beneficiary = t.children
        return f"{self.one(bearer)} -> {self.one(beneficiary)}"

    def who(self, t: Tree) -> str:
        return str(t.children[0]) if t.children else "*"

    def since(self, t: Tree) -> str:
        return f"since {t.children[0]}"

    def activated(self, t: Tree) -> str:
        return f"activated {t.children[0]}"

    def never_activated(self, t: Tree) -> str:
        return "activated never"

    def missing(self, t: Tree) -> str:
        return f"missing {self.one(t.children[0])}"

    def because(self, t: Tree) -> str:
        return f"because {self.one(t.children[0])}"

    # ------------------------------------------------------------ properties
    def prop_never(self, t: Tree) -> str:
        state, treaty, provision, var, cond = t.children
        unless = f" unless {self.cond(cond)}" if cond is not None else ""
        return f"never {state} {treaty}.{provision} for {var}{unless}"

    def prop_always(self, t: Tree) -> str:
        state, treaty, provision, var, cond = t.children
        return f"always {state} {treaty}.{provision} for {var} when {self.cond(cond)}"

    def prop_order(self, t: Tree) -> str:
        treaty, provision, state, later_treaty, later_provision, later_state, var = t.children
        return f"{treaty}.{provision} {state} before {later_treaty}.{later_provision} {later_state} for {var}"


class _Printer(_TermsPrinter, _Places, _ScenarioPrinter):
    def __init__(self, text: str, comments: list[Comment]):
        self.text = text
        self.comments = _Comments(text, comments)
        self.out = _Lines()
        self.date_width = 0  # scenario facts: the width of the widest date part
        self.atom_width = 0  # … and of the widest atom that has a note

    # ------------------------------------------------------------ placing things and comments
    def document(self, tree: Tree) -> str:
        for item in tree.children:
            self.entry(item, 0)
        self.own_line_comments(len(self.text) + 1, 0)
        return self.out.text()

    def blank_before(self, pos: int) -> bool:
        return _blank_before(self.text, pos)

    def own_line_comments(self, pos: int, depth: int) -> None:
        for c in self.comments.before(pos):
            self.out.add(depth, c.text, self.blank_before(c.pos))

    def lead(self, start: int, end: int, depth: int, between: str | None = None) -> bool:
        """Print the comments before a construct, then those inside its one-line part
        (`start`..`end`), moved before it; with `between` (see _Comments.trailing) the comment
        ending its last line moves with them. Returns whether the construct's line takes a blank."""
        self.own_line_comments(start, depth)
        blank = self.blank_before(start)
        moved = self.comments.before(end)
        if moved and between is not None:
            moved += filter(None, [self.comments.trailing(end, between)])
        for i, c in enumerate(moved):
            self.out.add(depth, c.text, blank if i == 0 else self.blank_before(c.pos))
        return blank and not moved

    def entry(self, t: Tree, depth: int) -> None:
        if t.data in AREA_LISTS:
            self.area_list(t, depth)
        elif t.data in BLOCKS:
            header, entries = getattr(self, t.data)(t)
            self.block(t, depth, header, entries)
        else:
            text = self.one(t)
            if not self.keep_lines(t.meta.start_pos, t.meta.end_pos, depth, text):
                blank = self.lead(t.meta.start_pos, t.meta.end_pos, depth, between="")
                self.out.add(depth, text, blank)
            self.out.trail(self.comments.trailing(t.meta.end_pos))

    def keep_lines(self, start: int, end: int, depth: int, text: str) -> bool:
        """A construct written over several lines with a comment ending each of them but the last
        (`parties BE,  # Belgium` / `CA`, an atom's roles one a line): its canonical one-line `text`
        is cut where the input lines end, each comment stays at the end of its line, and the lines
        after the first start under the first role (or after the first word). The cuts are found by counting the
        characters that are not white space, which the layout does not change; where the counts
        disagree, a cut is not after a comma, or a comment inside stands on a line of its own,
        False (nothing printed)."""
        self.own_line_comments(start, depth)
        items, i = self.comments.items, self.comments.next
        inside = []  # the comments before `end` (in order: not a scan of all the rest, which may be thousands)
        while i < len(items) and items[i].pos < end:
            inside.append(items[i])
            i += 1
        if not inside or any(c.own_line for c in inside):
            return False
        counts, seg_start = [], start
        for c in inside:
            counts.append(sum(not ch.isspace() for ch in self.text[seg_start:c.pos]))
            newline = self.text.find("\n", c.pos)
            seg_start = end if newline < 0 else newline + 1
        counts.append(sum(not ch.isspace() for ch in self.text[seg_start:end]))
        if sum(counts) != sum(not ch.isspace() for ch in text) or 0 in counts:
            return False
        pieces, i = [], 0
        for n in counts:
            j, seen = i, 0
            while seen < n:
                seen += not text[j].isspace()
                j += 1
            pieces.append(text[i:j].strip())
            i = j
        if any(not piece.endswith(",") for piece in pieces[:-1]):  # only lists are cut (after a comma)
            return False
        blank = self.blank_before(start)
        first = pieces[0]  # the lines after it start under the first role, or after the first word
        hang = " " * (first.index("(") + 1 if "(" in first else first.index(" ") + 1 if " " in first else 4)
        for k, piece in enumerate(pieces):
            self.out.add(depth, piece if k == 0 else hang + piece, blank if k == 0 else False)
            if k < len(inside):
                self.out.trail(self.comments.before(inside[k].pos + 1)[-1])
        return True

    def open_brace(self, t: Tree) -> int:
        """The offset of the block's `{` (after its header tokens; comments may come between)."""
        header = [c for c in t.children if isinstance(c, Token)]
        i: int = (header[-1].end_pos or 0) if header else t.meta.start_pos
        while self.text[i] != "{":
            i = self.text.index("\n", i) if self.text[i] == "#" else i + 1
        return i

    def block(self, t: Tree, depth: int, header: str, entries: list[Tree]) -> None:
        start, end = t.meta.start_pos, t.meta.end_pos
        brace = self.open_brace(t)
        blank = self.lead(start, brace, depth)
        if not entries and not self.comments.any_before(end):
            self.out.add(depth, header + " {}", blank)
        else:
            self.out.add(depth, header + " {", blank, opens=True)
            self.out.trail(self.comments.trailing(brace + 1))
            for e in entries:
                self.entry(e, depth + 1)
            self.own_line_comments(end - 1, depth + 1)
            self.out.add(depth, "}")
        self.out.trail(self.comments.trailing(end))

    def opt(self, prefix: str, t: Tree | Token | None) -> str:
        """` prefix PART` for an optional part that is there, else nothing."""
        return "" if t is None else f" {prefix}{self.one(t)}"

    def one(self, t: Tree | Token | None) -> str:
        """Anything printed on one line: the method named after its rule."""
        if t is None:
            return ""
        if isinstance(t, Token):
            return str(t)
        return getattr(self, t.data)(t)

    # ------------------------------------------------------------ top-level blocks
    def vocabulary(self, t: Tree) -> tuple[str, list[Tree]]:
        name, *entries = t.children
        return f"vocabulary {name}", entries

    def interpretation(self, t: Tree) -> tuple[str, list[Tree]]:
        name, title, *entries = t.children
        return f"interpretation {name}{self.opt('', title)}", entries

    def treaty(self, t: Tree) -> tuple[str, list[Tree]]:
        name, title, *entries = t.children
        return f"treaty {name} {title}", entries

    def provision(self, t: Tree) -> tuple[str, list[Tree]]:
        name, title, article, *entries = t.children
        return f"provision {name} {title} article {article}", entries

    def scenario(self, t: Tree) -> tuple[str, list[Tree]]:
        name, *entries = t.children
        facts = [e for e in entries if e.data == "fact"]
        self.date_width = max((len(self.fact_dates(f)) for f in facts), default=0)
        self.atom_width = max((len(self.one(f.children[3])) for f in facts if f.children[4] is not None), default=0)
        return f"scenario {name}", entries

    def property(self, t: Tree) -> tuple[str, list[Tree]]:
        name, title, *rules = t.children
        return f"property {name}{self.opt('', title)}", rules

    # ------------------------------------------------------------ vocabulary
    def kind_decl(self, t: Tree) -> str:
        word, name, *rest = t.children
        *roles, parent, doc = rest
        role_text = ", ".join(self.one(r) for r in roles if r is not None)
        return f"{word} {name}({role_text}){self.opt('is ', parent)}{self.opt('', doc)}"

    def kind_parents(self, t: Tree) -> str:
        return ", ".join(str(p) for p in t.children)

    def role_decl(self, t: Tree) -> str:
        name, optional, type_ = t.children
        return f"{name}{_tok(optional)}: {type_}"

    def actor_decl(self, t: Tree) -> str:
        name, doc = t.children
        return f"actor {name}{self.opt('', doc)}"

    # ------------------------------------------------------------ regions and scopes
    def region(self, t: Tree) -> str:
        name, title = t.children[:2]
        return f"region {name}{self.opt('', title)}"

    def scope(self, t: Tree) -> str:
        name, title = t.children[:2]
        return f"scope {name}{self.opt('', title)}"

    def area_code(self, t: Tree) -> str:
        code, *excepts = t.children
        shown = [str(c) for c in excepts if c is not None]
        return f"{code} except ({', '.join(shown)})" if shown else str(code)

    def area_region(self, t: Tree) -> str:
        return f"region {t.children[0]}"

    def area_list(self, t: Tree, depth: int) -> None:
        """`region`/`scope` NAME ["title"] { areas }. Areas keep the lines they were written on
        (one output line per input line, normalised); a list written on the `{` line with no
        comment inside stays on one line: `{ CA, US, MX }`."""
        header = self.one(t)
        areas = [a for a in t.children[2:] if a is not None]
        end = t.meta.end_pos
        brace = self.open_brace(t)
        blank = self.lead(t.meta.start_pos, brace, depth)
        texts = [self.one(a) + ("," if i < len(areas) - 1 else "") for i, a in enumerate(areas)]
        one_line = all(a.meta.line == self.line_of(brace) for a in areas)
        if one_line and not self.comments.any_before(end):
            self.out.add(depth, f"{header} {{ {' '.join(texts)} }}" if areas else f"{header} {{}}", blank)
            self.out.trail(self.comments.trailing(end))
            return
        self.out.add(depth, header + " {", blank, opens=True)
        self.out.trail(self.comments.trailing(brace + 1))
        line: list[str] = []  # the output line under way: areas written on one input line
        line_no, line_blank = 0, False
        for a, text in zip(areas, texts, strict=True):
            if line and a.meta.line != line_no:
                self.out.add(depth + 1, " ".join(line), line_blank)
                line = []
            if not line:
                line_no, line_blank = a.meta.line, self.lead(a.meta.start_pos, a.meta.start_pos, depth + 1)
            inner = self.comments.before(a.meta.end_pos)
            if inner:  # comments inside the area move before its line, with the one ending it
                inner += filter(None, [self.comments.trailing(a.meta.end_pos, between=",")])
                for i, c in enumerate(inner):
                    self.out.add(depth + 1, c.text, line_blank if i == 0 else self.blank_before(c.pos))
                line_blank = False
            line.append(text)
            tail = self.comments.trailing(a.meta.end_pos, between=",")
            if tail is not None:  # it ends the input line, and so the output line
                self.out.add(depth + 1, " ".join(line), line_blank)
                self.out.trail(tail)
                line = []
        if line:
            self.out.add(depth + 1, " ".join(line), line_blank)
        self.own_line_comments(end - 1, depth + 1)
        self.out.add(depth, "}")
        self.out.trail(self.comments.trailing(end))

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    # ------------------------------------------------------------ interpretations
    def reassign(self, t: Tree) -> str:
        date, *codes = t.children
        return f"from {date}: {', '.join(map(str, codes[:-1]))} belong to {codes[-1]}"

    def timing_default(self, t: Tree) -> str:
        word, days = t.children
        return f"{self.one(word)} means within {days} days"

    def self_defence(self, t: Tree) -> str:
        return "armed attacks in self-defence are not armed attacks"

    def definition(self, t: Tree) -> str:
        head, body = t.children
        return f"define {self.one(head)} while {self.one(body)}"

    # ------------------------------------------------------------ treaties
    def parties(self, t: Tree) -> str:
        return "parties " + ", ".join(map(str, t.children))

    def member(self, t: Tree) -> str:
        *codes, start, end = t.children
        return f"member {', '.join(map(str, codes))} from {start}{self.opt('until ', end)}"

    def signed(self, t: Tree) -> str:
        return f"signed {t.children[0]}"

    def in_force(self, t: Tree) -> str:
        start, end = t.children
        return f"in force {start}{self.opt('until ', end)}"

    def source(self, t: Tree) -> str:
        return f"source {t.children[0]}"

    def says(self, t: Tree) -> str:
        return f"says {t.children[0]}"

    def suspension(self, t: Tree) -> str:
        bearer, beneficiary, start, end = t.children
        return f"suspended {bearer} toward {beneficiary} from {start}{self.opt('until ', end)}"

    # ------------------------------------------------------------ provisions
    def when(self, t: Tree) -> str:
        return f"when {self.cond(t.children[0])}"

    def upon(self, t: Tree) -> str:
        return f"upon {self.cond(t.children[0])}"

    def unless(self, t: Tree) -> str:
        return f"unless {self.cond(t.children[0])}"

    def discharge(self, t: Tree) -> str:
        return f"until {self.cond(t.children[0])}"

    def ends_with_situation(self, t: Tree) -> str:
        return "until the situation ends"

    def then(self, t: Tree) -> str:
        bearer, modality, action, beneficiary, *qualifiers = t.children
        text = f"then {self.one(bearer)} {self.one(modality)} {self.one(action)}"
        text += self.opt("for ", beneficiary)
        return text + "".join(", " + self.one(q) for q in qualifiers)

    def each_other(self, t: Tree) -> str:
        return "each other party" + self.opt("", t.children[0])

    def each_party(self, t: Tree) -> str:
        return "each party" + self.opt("", t.children[0])

    def bearer_code(self, t: Tree) -> str:
        return str(t.children[0])

    def bearer_var(self, t: Tree) -> str:
        return str(t.children[0])

    def must(self, t: Tree) -> str:
        return "must"

    def must_not(self, t: Tree) -> str:
        return "must not"

    def may(self, t: Tree) -> str:
        return "may"

    def right(self, t: Tree) -> str:
        return "has the right to"

    def q_timing(self, t: Tree) -> str:
        return self.one(t.children[0])

    def timing_word(self, t: Tree) -> str:
        return str(t.children[0])

    def q_within(self, t: Tree) -> str:
        return f"within {t.children[0]} days"

    def q_deems(self, t: Tree) -> str:
        return "as it deems necessary"

    def q_constitutional(self, t: Tree) -> str:
        return "in accordance with constitutional processes"

    def q_all_means(self, t: Tree) -> str:
        return "by all means"

    def q_means(self, t: Tree) -> str:
        return f"by {' and '.join(map(str, t.children))} means"

    def q_basis(self, t: Tree) -> str:
        return f"under {t.children[0]}"

    def q_report(self, t: Tree) -> str:
        return f"reporting to {t.children[0]}"

    # ------------------------------------------------------------ conditions
    def cond(self, t: Tree, min_prec: int = 0) -> str:
        """A condition, in parentheses only when it binds less tightly than its place needs."""
        text = self.one(t)
        return f"({text})" if _PREC.get(t.data, 4) < min_prec else text

    def or_(self, t: Tree) -> str:
        left, right = t.children
        return f"{self.cond(left, 1)} or {self.cond(right, 1)}"

    def and_(self, t: Tree) -> str:
        left, right = t.children
        return f"{self.cond(left, 2)} and {self.cond(right, 2)}"

    def not_(self, t: Tree) -> str:
        return f"not {self.cond(t.children[0], 3)}"

    def occurred(self, t: Tree) -> str:
        return self.one(t.children[0])

    def ongoing(self, t: Tree) -> str:
        return f"{self.one(t.children[0])} ongoing"

    def within_after(self, t: Tree) -> str:
        first, days, second = t.children
        return f"{self.one(first)} within {days} days after {self.one(second)}"

    def after(self, t: Tree) -> str:
        first, second = t.children
        return f"{self.one(first)} after {self.one(second)}"

    def before(self, t: Tree) -> str:
        first, second = t.children
        return f"{self.one(first)} before {self.one(second)}"

    def during(self, t: Tree) -> str:
        first, second = t.children
        return f"{self.one(first)} during {self.one(second)}"

    def overlapping(self, t: Tree) -> str:
        first, second = t.children
        return f"{self.one(first)} overlapping {self.one(second)}"

    def in_scope(self, t: Tree) -> str:
        var, name = t.children
        return f"{var} in scope {name}"

    def in_region(self, t: Tree) -> str:
        var, name = t.children
        return f"{var} in region {name}"

    def in_parties(self, t: Tree) -> str:
        return f"{t.children[0]} in parties"

    def is_state(self, t: Tree) -> str:
        return f"{t.children[0]} is a state"

    def is_actor(self, t: Tree) -> str:
        return f"{t.children[0]} is an actor"

    def state_ref(self, t: Tree) -> str:
        provision, state, beneficiary, bearer = t.children
        return f"{provision} {state} for {self.one(beneficiary)}{self.opt('by ', bearer)}"

    def atom(self, t: Tree) -> str:
        name, *args = t.children
        return f"{name}({', '.join(self.one(a) for a in args if a is not None)})"

    def arg(self, t: Tree) -> str:
        role, value = t.children
        return f"{role}: {self.one(value)}"

    def code(self, t: Tree) -> str:
        return str(t.children[0])

    def var(self, t: Tree) -> str:
        return str(t.children[0])

    def name(self, t: Tree) -> str:
        return str(t.children[0])

    def wildcard(self, t: Tree) -> str:
        return "_"



# ---------------------------------------------------------------------------- the API


def _document(src: Source, tree: Tree) -> A.Document:
    return build(src, tree, Diagnostics())  # date errors do not matter here: only the shape does


def _comment(text: str, pos: int, raw: str) -> Comment:
    line_start = text.rfind("\n", 0, pos) + 1
    return Comment(raw.rstrip(), pos, text[line_start:pos].strip() == "")


def _comments(text: str, found: list[tuple[int, str]]) -> list[Comment]:
    return [_comment(text, pos, raw) for pos, raw in found]


class _Widths:
    """What the first reading of a file with a long block gives `_format_scenarios`: for each
    scenario block, whether it has entries, and the widths its facts are aligned to."""

    def __init__(self) -> None:
        self.blocks: list[tuple[bool, int, int]] = []
        self.entries, self.dates, self.atoms = False, 0, 0

    def block(self, start: int, brace: int, header: str) -> None:
        self.entries, self.dates, self.atoms = False, 0, 0

    def entry(self, entry: quick.Entry, node: quick.Node) -> None:
        self.entries = True
        self.dates, self.atoms = _widths([entry], self.dates, self.atoms)

    def end(self, end: int) -> None:
        self.blocks.append((self.entries, self.dates, self.atoms))


def _widths(entries: Iterable[quick.Entry], dates: int = 0, atoms: int = 0) -> tuple[int, int]:
    """The widths a block's facts are aligned to: of their dates, and of the atoms of those with
    a note (at least `dates` and `atoms`)."""
    for e in entries:
        if e.fact is not None:
            dates = max(dates, len(e.fact[0]))
            if e.fact[2] is not None:
                atoms = max(atoms, len(e.fact[1]))
    return dates, atoms


_SHORT = 2000  # entries of a block `_ScenarioStream` holds until the block ends; a longer block: `_Widths`


class _Long(Exception):
    """A block longer than `_SHORT` entries: `_format_scenarios` reads the file twice."""


class _Unsure(Exception):
    """`_format_scenarios` leaves the file to the full printer."""


Meaning = tuple[str, A.FactDecl | A.Expect | None, str]  # what an output line must read as (`quick.line`)


class _Output(Protocol):
    """Where `_format_scenarios` hands its text, piece by piece."""

    def __call__(self, piece: str) -> None: ...

    def restart(self) -> None:
        """Forget what came so far: the text starts again."""


class _LineStream:
    """`_Lines` for `_format_scenarios`: each line, once no comment can trail it any more, is read
    back (`quick.line`) unless it is the input's own line, and must read as what it was printed
    from — the same entry (spans aside) or none, and the same comments — then goes to `write`,
    a thousand at a time. A header and a closing brace are the tokens read, as written, and are
    not read back."""

    def __init__(self, text: str, write: _Output) -> None:
        self.text = text
        self.write = write
        self.lines: list[str] = []
        self.after_open = True  # the start of the file counts as just after an opening
        self.meaning: Meaning | None = None  # the last line's
        self.comments: list[str] = []  # those printed on the last line
        self.at = 0  # where the last line's entry or comment starts in the input

    def add(self, depth: int, text: str, blank: bool = False, opens: bool = False,
            meaning: Meaning | None = ("", None, ""), comment: Comment | None = None, at: int = 0) -> None:
        self.settle()
        if blank and not self.after_open:
            self.lines.append("")
        self.lines.append(INDENT * depth + text)
        self.after_open = opens
        self.meaning = meaning
        self.comments = [] if comment is None else [comment.text]
        self.at = at

    def trail(self, comment: Comment | None) -> None:
        if comment is not None:
            self.lines[-1] += "  " + comment.text
            self.comments.append(comment.text)

    def settle(self) -> None:
        """Read the last line back (not if it is its input's line, as it was read); write out
        what is settled."""
        if self.meaning is not None and self.lines and not self.as_written(self.lines[-1]):
            got = quick.line(self.lines[-1])
            if got is None or got[:3] != self.meaning or got[3] != self.comments:  # pragma: no cover - a bug
                raise _Unsure
        self.meaning = None
        if len(self.lines) > 1000:
            last = self.lines.pop()
            self.write("\n".join(self.lines) + "\n")
            self.lines = [last]

    def as_written(self, printed: str) -> bool:
        """Whether the line printed is the whole input line it was printed from (then it reads as
        that line did: a token never spans lines)."""
        start = self.text.rfind("\n", 0, self.at) + 1
        return self.text.startswith(printed, start) and self.text.startswith("\n", start + len(printed))

    def close(self) -> None:
        self.settle()
        if self.lines:
            self.write("\n".join(self.lines) + "\n")
            self.lines = []


class _ScenarioStream:
    """The printer of `_format_scenarios`: each block, entry and comment printed as the reader
    hands it over. A block's entries are held until its end, which gives the widths its facts
    are aligned to, unless `widths` (`_Widths`) has them: then each is printed at once."""

    def __init__(self, text: str, widths: list[tuple[bool, int, int]] | None, found: list[tuple[int, str]],
                 write: _Output) -> None:
        self.text = text
        self.widths = None if widths is None else iter(widths)
        self.found = found  # the comments the reader has passed: (position, text)
        self.comments = _Comments(text, [])
        self.out = _LineStream(text, write)
        self.header, self.brace, self.blank = "", 0, False
        self.entries, self.dates, self.atoms = False, 0, 0
        self.held: list[tuple[quick.Entry, quick.Node]] = []

    def _seen(self) -> _Comments:
        """The comments, those the reader has passed since last asked added."""
        items = self.comments.items
        for pos, raw in self.found[len(items):]:
            items.append(_comment(self.text, pos, raw))
        return self.comments

    def own_line_comments(self, pos: int, depth: int) -> None:
        for c in self._seen().before(pos):
            self.out.add(depth, c.text, _blank_before(self.text, c.pos), comment=c, at=c.pos)

    def block(self, start: int, brace: int, header: str) -> None:
        self.own_line_comments(start, 0)
        self.header, self.brace, self.blank = header, brace, _blank_before(self.text, start)
        if self._seen().any_before(brace):  # pragma: no cover - a comment ends its line, the header is one line
            raise _Unsure
        if self.widths is not None:
            self.entries, self.dates, self.atoms = next(self.widths)
            if self.entries:
                self.open()

    def open(self) -> None:
        self.out.add(0, self.header + " {", self.blank, opens=True, meaning=None)
        self.out.trail(self._seen().trailing(self.brace + 1))

    def entry(self, e: quick.Entry, node: quick.Node) -> None:
        if self.widths is None:
            self.held.append((e, node))
            if len(self.held) > _SHORT:
                raise _Long
        else:
            self.print(e, node)

    def print(self, e: quick.Entry, node: quick.Node) -> None:
        self.own_line_comments(e.start, 1)
        line = e.text
        if e.fact is not None:
            dates, atom, note = e.fact
            line = f"{dates.ljust(self.dates)}  {atom}"
            if note is not None:
                line = f"{line.ljust(self.dates + 2 + self.atoms)}  note {note}"
        word = "fact" if isinstance(node, A.FactDecl) else e.text.split(" ", 1)[0]
        meaning: Meaning = (word, node if isinstance(node, A.FactDecl | A.Expect) else None, e.text)
        self.out.add(1, line, _blank_before(self.text, e.start), meaning=meaning, at=e.start)
        self.out.trail(self._seen().trailing(e.end))

    def end(self, end: int) -> None:
        if self.widths is None:
            self.dates, self.atoms = _widths(e for e, _ in self.held)
            self.entries = bool(self.held)
            if self.entries:
                self.open()
            for e, node in self.held:
                self.print(e, node)
            self.held = []
        if not self.entries and not self._seen().any_before(end):
            self.out.add(0, self.header + " {}", self.blank, meaning=None)
        else:
            if not self.entries:
                self.open()
            self.own_line_comments(end - 1, 1)
            self.out.add(0, "}", meaning=None)
        self.out.trail(self._seen().trailing(end))

    def close(self) -> None:
        self.own_line_comments(len(self.text) + 1, 0)
        self.out.close()
        if self.comments.next != len(self.found):  # pragma: no cover - a bug: a comment not printed
            raise _Unsure


def _format_scenarios(src: Source, write: _Output) -> bool:
    """The layout `_Printer` gives, for a file of scenarios only, each entry on one line,
    without Lark and without holding the file's document (engine/language/quick.py: a 5 MB file
    in seconds, in a small multiple of its size), handed to `write` piece by piece; False for
    any other file (`write` may have had part of it). One reading, a block's entries held until
    its end for the widths its facts are aligned to; for a file with a block longer than
    `_SHORT` entries, two: the widths (`_Widths`), then the lines. Each line is read back as it
    is settled (`_LineStream`: the check `format_text` makes). The same rules as
    `_Printer.block` and `_Printer.entry` where nothing is cut over lines; checked against the
    printer in tests/language/test_quick.py."""
    widths: list[tuple[bool, int, int]] | None = None
    while True:
        found: list[tuple[int, str]] = []
        printer = _ScenarioStream(src.text, widths, found, write)
        try:
            if not quick.layout(src, printer, found):
                return False
            printer.close()
            return True
        except _Unsure:  # pragma: no cover - a bug in this printer
            return False
        except _Long:
            write.restart()
            measured = _Widths()
            if not quick.layout(src, measured, []):  # pragma: no cover - it took the file so far
                return False
            widths = measured.blocks


class _Pieces:
    """The text `_format_scenarios` hands over, kept (`text`)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def __call__(self, piece: str) -> None:
        self.parts.append(piece)

    def restart(self) -> None:
        self.parts.clear()

    @property
    def text(self) -> str:
        return "".join(self.parts)


class _SameBytes:
    """Whether the text handed over piece by piece (`_format_scenarios`), encoded as the file is
    (a byte order mark, line ends), is the file's very bytes, without holding that text."""

    def __init__(self, data: bytes, bom: str, end: bytes) -> None:
        self.data, self.bom, self.end = data, bom, end
        self.restart()

    def restart(self) -> None:
        self.prefix = self.bom
        self.pos = 0
        self.same = True

    def __call__(self, piece: str) -> None:
        if self.same:
            got = (self.prefix + piece).encode("utf-8").replace(b"\n", self.end)
            self.same = self.data[self.pos:self.pos + len(got)] == got
            self.pos += len(got)
        self.prefix = ""

    @property
    def changed(self) -> bool:
        self("")  # a byte order mark before no text at all
        return not self.same or self.pos != len(self.data)


def format_text(text: str, path: str = "<text>", full: bool = False) -> str:
    """The canonical layout of a .casus text. Raises CasusError (located) if it does not parse.
    A file of scenarios only is laid out without Lark (`_format_scenarios`); `full`: always
    the printer on Lark's tree (the same text, slower)."""
    src = Source(path, text.removeprefix("\ufeff"))
    if not full:
        pieces = _Pieces()
        if _format_scenarios(src, pieces):
            return pieces.text
    tree, comments = parse_with_comments(src)
    out = _Printer(src.text, comments).document(tree)
    # never hand back a text that means something else, or has lost a comment
    try:
        again, again_comments = parse_with_comments(Source(path, out))
    except CasusError as e:  # pragma: no cover - a bug in the printer
        raise InternalError(f"casus fmt printed text that does not parse:\n{e.render()}") from None
    if _document(src, tree) != _document(src, again):  # pragma: no cover
        raise InternalError(f"casus fmt would change the meaning of {path}")
    if [c.text for c in comments] != [c.text for c in again_comments]:  # pragma: no cover
        raise InternalError(f"casus fmt would lose or reorder a comment of {path}")
    return out


@dataclass(frozen=True)
class Formatted:
    """What `format_file` did: `changed` says whether the file is (or was) not in the layout."""

    path: str
    changed: bool
    diff: str = ""  # a unified diff, when asked for


def _unified_diff(old: str, new: str, path: str) -> str:
    def lines(text: str) -> list[str]:  # only "\n" ends a line, as for the parser
        out = [line + "\n" for line in text.split("\n")]
        out[-1] = out[-1][:-1]
        if out[-1] == "":
            out.pop()
        elif out:
            out[-1] += "\n\\ No newline at end of file\n"
        return out

    return "".join(difflib.unified_diff(lines(old), lines(new), f"{path} (original)", f"{path} (formatted)"))


def format_file(path: str | os.PathLike[str], check: bool = False, diff: bool = False) -> Formatted:
    """Put one file in the canonical layout. With `check` or `diff` nothing is written (`diff`
    also returns the unified diff). A file that does not parse is never touched: CasusError."""
    path = str(path)
    if path.endswith(".json"):
        raise CasusError([Diagnostic(Span(path, 1, 1, 1, 1), "E-FILE", "casus fmt formats .casus files, not JSON")])
    try:
        data = read_limited(path, display_path(path))  # at most CASUS_MAX_INPUT_MB (engine/base/limits.py)
    except OSError:
        syntax.read_source(path)  # raises the usual located E-FILE diagnostic
        raise  # pragma: no cover
    src = syntax.decode(display_path(path), data)
    # the file's own conventions stay: a byte order mark, and CRLF line ends (as its first line has)
    bom = "\ufeff" if data.startswith(b"\xef\xbb\xbf") else ""
    first_end = data.find(b"\n")  # (not data.split: a copy of the whole file)
    end = b"\r\n" if first_end > 0 and data[first_end - 1:first_end] == b"\r" else b"\n"
    quick_tried = check and not diff
    if quick_tried:  # only whether it would change: compared as it is laid out, never held whole
        same = _SameBytes(data, bom, end)
        if _format_scenarios(Source(src.path, src.text.removeprefix("\ufeff")), same):
            return Formatted(path, same.changed)
    text = format_text(src.text, src.path, full=quick_tried)  # (the fast way declined it already)
    new = (bom + text).encode("utf-8").replace(b"\n", end)
    changed = new != data
    patch = _unified_diff(data.decode("utf-8").removeprefix("\ufeff"), new.decode("utf-8").removeprefix("\ufeff"),
                          path) if diff else ""
    if changed and not (check or diff):
        write_file(path, new)  # atomically, keeping the file's owner, group and mode
    return Formatted(path, changed, patch)


def casus_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Files as named, and every .casus file under a named folder, sorted."""
    from engine.language.library import iter_casus_files

    return list(iter_casus_files(paths))


def format_files(paths: Iterable[str | os.PathLike[str]], check: bool = False, diff: bool = False,
                 ) -> tuple[list[Formatted], CasusError | None]:
    """`format_file` over files and folders. Files that parse are handled even when others do
    not; the problems come back as one CasusError (None when there are none)."""
    done: list[Formatted] = []
    problems: list[Diagnostic] = []
    for p in casus_files(paths):
        try:
            done.append(format_file(p, check=check, diff=diff))
        except CasusError as e:
            problems.extend(e.diagnostics)
    return done, CasusError(problems) if problems else None


__all__ = ["Comment", "Formatted", "format_file", "format_files", "format_text", "parse_with_comments"]
