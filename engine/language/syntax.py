"""Text -> Lark tree. Loads the grammar once and turns Lark's exceptions into diagnostics.

Lark is imported on first use, not with this module: a run whose files all come from the cache
(engine/api.py) never needs it. The grammar's parse tables ship beside it, compiled, as JSON
(`grammar/casus.tables.json`, written by `write_tables`: `pytest --regen` or tests/regen.py): a run without a
usable cache reads them in milliseconds instead of compiling the grammar (a tenth of a second or
more), and nothing is unpickled to do it."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.base.errors import CasusError, Diagnostic
from engine.base.paths import display_path, grammar_path
from engine.base.source import Source, Span, caret

if TYPE_CHECKING:
    from lark import Lark, Token, Tree
    from lark.exceptions import UnexpectedInput

MAX_DEPTH = 200

_FRIENDLY = {
    "NAME": "a name",
    "CODE": "a party or territory code",
    "VAR": "a variable",
    "DATE": "a date (YYYY-MM-DD)",
    "INT": "a number",
    "STRING": 'a "string"',
    "STATE": "a status (pending, active, fulfilled, …)",
    "TIMING_WORD": "a timing word (immediately, promptly, forthwith)",
    "KIND_WORD": "'kind'/'action'",
    "RANGE": "'..'",
    "OPTIONAL": "'?'",
    "$END": "the end of the file",
}


# How casus compiles the grammar. Not Lark's `strict=True`: its check that no two terminals can
# match the same text (interegular) takes most of a second, and what it proves is a property of
# the grammar file, not of a run; tests/language/test_syntax.py compiles it strictly, so a
# grammar with a collision or a shift/reduce conflict never ships, and without one the parse
# tables are the same either way.
OPTIONS: dict[str, object] = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": True}


def compile_grammar(text: str, **extra: object) -> Lark:
    """The grammar compiled with OPTIONS. Lark checks terminal collisions whenever interegular is
    installed, strict or not (as warnings when not strict), for casus's grammar and for its own
    grammar of grammars: switched off here for the compile (`lark.lexer.has_interegular`, a
    module flag; should a Lark release drop it, setting it does nothing and only time is lost)."""
    import lark.lexer
    from lark import Lark

    had = getattr(lark.lexer, "has_interegular", False)
    lark.lexer.has_interegular = False
    try:
        return Lark(text, **OPTIONS, **extra)
    finally:
        lark.lexer.has_interegular = had


@lru_cache(maxsize=1)
def full_parser(strict: bool = False) -> Lark:
    """The grammar compiled without the cache, with Lark's grammar object kept: for tools that
    read the grammar itself, such as `hypothesis.extra.lark.from_lark(full_parser())`; with
    `strict`, Lark's strict analysis runs too (terminal collisions and conflicts are errors)."""
    from lark import Lark

    text = grammar_path().read_text(encoding="utf-8")
    return Lark(text, strict=strict, **OPTIONS)


def tables_path() -> Path:
    return grammar_path().with_name("casus.tables.json")


def _stamp(text: str) -> dict[str, str]:
    """What compiled tables are good for: this grammar text, this Lark, these options."""
    import lark

    return {"grammar_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "lark": lark.__version__,
            "options": repr(sorted(OPTIONS.items()))}


def _to_json(x: Any) -> Any:
    """Lark's serialized parser as JSON: a dict keyed by numbers (parse states, memo ids) is
    written `{"#int": [[key, value], …]}`, since JSON keys are strings."""
    if isinstance(x, dict):
        if x and all(isinstance(k, int) for k in x):
            return {"#int": [[k, _to_json(v)] for k, v in x.items()]}
        return {str(k): _to_json(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_to_json(v) for v in x]
    return x


def _int_keys(d: dict[str, Any]) -> dict[Any, Any]:
    """`json.loads`'s object_hook, undoing `_to_json`: a dict written `{"#int": [[key, value], …]}`
    gets its number keys back, any other is as read. (As a hook, called by the C decoder once per
    dict, not by a walk over every value in Python afterwards: ~8 ms less per run without a
    cache.)"""
    if "#int" in d:
        return dict(d["#int"])
    return d


def write_tables(path: Path | None = None) -> Path:
    """Compile the grammar and write its parse tables as JSON beside it (or to `path`), stamped
    with what they are good for. Run after changing the grammar (`pytest --regen`, or
    tests/regen.py): tests/language/test_syntax.py fails until the stamp matches the grammar."""
    import lark

    from engine.base.output import write_file

    text = grammar_path().read_text(encoding="utf-8")
    data, memo = compile_grammar(text).memo_serialize([lark.lexer.TerminalDef, lark.grammar.Rule])
    out = path or tables_path()
    write_file(out, json.dumps({"stamp": _stamp(text), "data": _to_json(data), "memo": _to_json(memo)},
                               sort_keys=True, separators=(",", ":")) + "\n")
    return out


def shipped_parser(text: str, path: Path | None = None) -> Lark | None:
    """The parser from the tables shipped beside the grammar, if they were compiled from this
    grammar text by this Lark with these options (else None: compile it)."""
    from lark import Lark

    try:
        saved = json.loads((path or tables_path()).read_text(encoding="utf-8"), object_hook=_int_keys)
        if saved.get("stamp") != _stamp(text):
            return None
        return Lark.load({"data": saved["data"], "memo": saved["memo"]})
    except Exception:  # noqa: BLE001 - missing, unreadable or from another Lark: compile instead
        return None


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The grammar's parser, once per process: from the tables shipped beside it when they are
    this grammar's (`shipped_parser`); else compiled, and when the cache folder can be used, once
    per grammar (compiling takes a few tenths of a second; reading it back, milliseconds). The
    compiled parser goes through casus's own authenticated cache (engine/base/cache.py), never
    Lark's `cache=` option, which unpickles a file whose name anyone can guess."""
    import io

    import lark
    from lark import Lark

    from engine.base import cache

    text = grammar_path().read_text(encoding="utf-8")
    shipped = shipped_parser(text)
    if shipped is not None:
        return shipped
    name = f"grammar-{cache.key(text, lark.__version__, repr(sorted(OPTIONS.items())))}"
    blob = cache.load_bytes(name)
    if blob is not None:
        try:
            return Lark.load(io.BytesIO(blob))  # bytes casus wrote (their MAC checked)
        except Exception:  # noqa: BLE001, S110 - a stale entry: compile afresh
            pass
    compiled = compile_grammar(text)
    buf = io.BytesIO()
    try:
        compiled.save(buf)
    except Exception:  # noqa: BLE001  # pragma: no cover - a Lark that cannot save: compile every time
        return compiled
    cache.save_bytes(name, buf.getvalue())
    return compiled


@lru_cache(maxsize=1)
def _terminal_text() -> dict[str, str]:
    out: dict[str, str] = {}
    for t in parser().terminals:
        if t.name in _FRIENDLY:
            out[t.name] = _FRIENDLY[t.name]
        elif t.pattern.type == "str":
            out[t.name] = f"'{t.pattern.value}'"
        else:
            out[t.name] = t.name.lower()
    out["$END"] = _FRIENDLY["$END"]
    return out


@lru_cache(maxsize=1)
def _word_choices() -> dict[str, tuple[str, ...]]:
    """Terminals that are a choice of plain words (STATE, TIMING_WORD, KIND_WORD) -> the words."""
    out: dict[str, tuple[str, ...]] = {}
    for t in parser().terminals:
        m = re.fullmatch(r"\(\?:([a-z_|]+)\)", t.pattern.value) if t.pattern.type == "re" else None
        if m:
            out[t.name] = tuple(sorted(m.group(1).split("|")))
    return out


def _keywords(expected: set[str]) -> list[str]:
    names = _terminal_text()
    words = [names[e][1:-1] for e in expected if re.fullmatch(r"'[^']+'", names.get(e, ""))]
    choices = _word_choices()
    for e in sorted(expected):
        words.extend(choices.get(e, ()))
    return sorted(set(words))


def _accepted(e: UnexpectedInput, fallback: set[str]) -> set[str]:
    """The terminals the parser really accepts where it stopped (LALR lookahead sets are wider)."""
    ip = getattr(e, "interactive_parser", None)
    if ip is not None:
        try:
            return set(ip.accepts()) or fallback
        except Exception:  # noqa: BLE001  # pragma: no cover - never let a hint turn into a crash
            return fallback
    return fallback


def describe_expected(expected: set[str]) -> str:
    names = _terminal_text()
    items = sorted({names.get(e, e) for e in expected})
    if len(items) > 10:  # a provision's entries (ten keywords) are listed whole
        items = items[:10] + ["…"]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _shorten(text: str, limit: int = 40) -> str:
    """A token as quoted in a message: never the whole of a megabyte-long word."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _diag(src: Source, span: Span, code: str, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(span, code, message, hint, (), src.line_text(span.line))


def _utf16_without_mark(data: bytes) -> bool:
    """UTF-16 text without a byte-order mark: at least half of the even or of the odd bytes of its
    start are NUL (ASCII characters in UTF-16), which UTF-8 text never has."""
    sample = data[:64]
    if len(sample) < 4:
        return False
    return any(2 * sample[i::2].count(0) >= len(sample[i::2]) for i in (0, 1))


def decode(path: str, data: bytes) -> Source:
    """Bytes -> Source, with a located error for anything that is not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_mark(data):  # Windows editors save so
        raise CasusError([Diagnostic(Span(path, 1, 1, 1, 2), "E-ENCODING", "the file is UTF-16, not UTF-8",
                                     "save the file as UTF-8 (in most editors: Save with Encoding → UTF-8)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        good = data[: e.start].decode("utf-8", errors="replace")
        line = good.count("\n") + 1
        column = len(good) - (good.rfind("\n") + 1) + 1
        span = Span(path, line, column, line, column + 1)
        shown = good.split("\n")[-1]
        raise CasusError([Diagnostic(span, "E-ENCODING",
                                     f"the file is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})",
                                     "save the file as UTF-8", (), shown)]) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(path, text)


def read_source(path: str) -> Source:
    """Read a file; its Source is named by `display_path` (bundled files by their short name)."""
    from engine.base.limits import read_limited

    shown = display_path(path)
    try:
        data = read_limited(path, shown)  # at most CASUS_MAX_INPUT_MB (engine/base/limits.py)
    except FileNotFoundError:
        raise CasusError([Diagnostic(Span(path, 1, 1, 1, 1), "E-FILE", "no such file",
                                     "check the path, or run 'casus treaties' to see the bundled library")]) from None
    except IsADirectoryError:
        raise CasusError([Diagnostic(Span(path, 1, 1, 1, 1), "E-FILE", "is a directory, not a file")]) from None
    except OSError as e:
        raise CasusError([Diagnostic(Span(path, 1, 1, 1, 1), "E-FILE",
                                     f"cannot read the file: {e.strerror}")]) from None
    return decode(shown, data)


def parse(src: Source) -> Tree:
    """Parse one source file; raise CasusError with a located, friendly message."""
    from lark.exceptions import UnexpectedInput

    try:
        tree = parser().parse(src.text)
    except UnexpectedInput as e:
        raise CasusError([_parse_error(src, e)]) from None
    except RecursionError:  # pragma: no cover - LALR is iterative; kept as a guard
        raise CasusError([_diag(src, src.end_span(), "E-NESTING", "the input nests too deeply")]) from None
    _check_depth(src, tree)
    return tree


def _check_depth(src: Source, tree: Tree, what: str = "conditions") -> None:
    """Reject absurd nesting before anything recursive walks the tree."""
    from lark import Tree

    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            meta = node.meta
            span = Span(src.path, getattr(meta, "line", 1), getattr(meta, "column", 1),
                        getattr(meta, "line", 1), getattr(meta, "column", 1) + 1)
            raise CasusError([_diag(src, span, "E-NESTING",
                                    f"{what} nest more than {MAX_DEPTH} levels deep",
                                    "split the condition into simpler parts" if what == "conditions" else None)])
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + 1))


def _parse_error(src: Source, e: UnexpectedInput) -> Diagnostic:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        # `accepts` (what the parser state really takes) before `expected` (LALR lookaheads, too many)
        expected = set(getattr(e, "accepts", None) or getattr(e, "expected", None) or [])
        span = src.end_span()
        return _diag(src, span, "E-PARSE", f"unexpected end of file; expected {describe_expected(expected)}",
                     "a '{' may be missing its '}'" if "RBRACE" in expected else None)
    if isinstance(e, UnexpectedToken):
        tok: Token = e.token
        expected = set(e.accepts or e.expected)
        length = max(1, len(str(tok.value)))
        span = Span(src.path, tok.line or 1, tok.column or 1, tok.line or 1, (tok.column or 1) + length)
        found = f"'{_shorten(str(tok.value))}'"
        hint = None
        close = difflib.get_close_matches(str(tok.value), _keywords(expected), n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif tok.type == "VAR" and "CODE" in expected:
            hint = "party codes are two capital letters (ISO 3166-1 alpha-2), e.g. RU, BY"
        elif tok.type == "CODE" and "VAR" in expected and "CODE" not in expected:
            hint = "variables are one capital letter, optionally followed by lower case (X, Y, Victim)"
        return _diag(src, span, "E-PARSE", f"expected {describe_expected(expected)}, found {found}", hint)
    if isinstance(e, UnexpectedCharacters):
        line, column = e.line or 1, e.column or 1
        span = Span(src.path, line, column, line, column + 1)
        pos = e.pos_in_stream if e.pos_in_stream is not None else len(src.text)  # Lark always sets it
        char = src.text[pos] if 0 <= pos < len(src.text) else "?"
        allowed = _accepted(e, set(e.allowed or []))
        hint = None
        rest = src.text[pos:pos + 40].split()
        word = rest[0] if rest else char
        if char == '"':
            hint = "strings end on the same line with '\"'"
        elif allowed:
            close = difflib.get_close_matches(word.rstrip("(:,"), _keywords(allowed), n=1, cutoff=0.6)
            if close:
                hint = f"did you mean '{close[0]}'?"
            else:
                hint = f"expected {describe_expected(allowed)}"
        return _diag(src, span, "E-PARSE", f"unexpected character {char!r}", hint)
    return _diag(src, src.end_span(), "E-PARSE", str(e).splitlines()[0])  # pragma: no cover


__all__ = ["parse", "parser", "read_source", "decode", "caret"]

