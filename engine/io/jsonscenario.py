"""JSON scenarios (SPEC "Scenario files"): read with a Lark JSON grammar so that errors and
explanations point at lines, then turned into the same AST as a `.casus` scenario."""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.paths import data_dir
from engine.base.source import Source, Span
from engine.language import ast as A
from engine.language.build import date_ordinal
from engine.language.syntax import _check_depth

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

# (Lark is imported where a scenario file is parsed: a batch of JSON lines, read by the json
# module, never needs it, and importing it is a quarter of casus's start-up)

RESERVED = ("kind", "date", "until", "note")
_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    from lark import Lark

    return Lark((data_dir("grammar") / "json.lark").read_text(encoding="utf-8"), start="value", parser="lalr",
                propagate_positions=True, maybe_placeholders=True)


class _Node:
    """A JSON value with its span."""

    def __init__(self, value: Any, span: Span):
        self.value = value
        self.span = span


def _span(path: str, node: Tree | Token) -> Span:
    if isinstance(node, str):  # a Token
        return Span(path, node.line or 1, node.column or 1, node.end_line or 1, node.end_column or 2)
    m = node.meta
    if getattr(m, "empty", True):
        return Span(path, 1, 1, 1, 2)
    return Span(path, m.line, m.column, m.end_line, m.end_column)


_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")  # control characters, lone surrogates


def bad_char(text: str) -> str | None:
    """A description of the first control character or lone surrogate in `text` (None: none)."""
    m = _BAD_CHARS.search(text)
    if m is None:
        return None
    c = ord(m.group())
    return f"{'a lone surrogate' if 0xD800 <= c <= 0xDFFF else 'a control character'} (U+{c:04X})"


def _convert(path: str, t: Tree | Token, diags: Diagnostics) -> _Node:
    """A JSON value, strictly: a duplicate key, a number that is not finite (or too long for
    Python), a control character or a lone surrogate in a string are located errors."""
    sp = _span(path, t)
    if isinstance(t, str):  # (a Token) pragma: no cover - values are always wrapped
        return _Node(str(t), sp)
    d = t.data
    if d == "string":
        return _Node(_string(str(t.children[0]), sp, diags), sp)
    if d == "number":
        return _Node(_number(str(t.children[0]), sp, diags), sp)
    if d in ("true", "false", "null"):
        return _Node({"true": True, "false": False, "null": None}[d], sp)
    if d == "array":
        return _Node([_convert(path, c, diags) for c in t.children if c is not None], sp)
    obj: dict[str, tuple[Span, _Node]] = {}
    for pair in t.children:
        if pair is None:
            continue
        key_tok, val = pair.children
        ksp = _span(path, key_tok)
        key = _string(str(key_tok), ksp, diags)
        if key in obj:
            first = obj[key][0]
            diags.error(ksp, "E-JSON", f"duplicate key '{key}'",
                        f"it is already at line {first.line}, column {first.column}; keep one")
            continue
        obj[key] = (ksp, _convert(path, val, diags))
    return _Node(obj, sp)


def _string(token: str, sp: Span, diags: Diagnostics) -> str:
    text: str = json.loads(token)
    bad = bad_char(text)
    if bad is not None:
        diags.error(sp, "E-JSON", f"{bad} in a string", "strings in a scenario hold printable text only")
    return text


def _number(token: str, sp: Span, diags: Diagnostics) -> Any:
    try:
        value = json.loads(token)
    except ValueError:  # an integer over Python's digit limit
        diags.error(sp, "E-JSON", f"a number of {len(token)} characters is too long", "write a shorter number")
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        diags.error(sp, "E-JSON", f"{token[:40]} is out of range (not a finite number)", "write a smaller number")
        return 0
    return value


def parse_json_scenario(src: Source, diags: Diagnostics) -> A.ScenarioDecl | None:
    from lark.exceptions import UnexpectedInput

    try:
        tree = _parser().parse(src.text)
    except UnexpectedInput as e:
        line, col = getattr(e, "line", -1), getattr(e, "column", -1)
        at_end = getattr(getattr(e, "token", None), "type", None) == "$END"
        span = src.end_span() if at_end or line is None or line < 1 else Span(src.path, line, col, line, col + 1)
        expected = set(getattr(e, "accepts", None) or getattr(e, "expected", None) or getattr(e, "allowed", None)
                       or [])
        msg = f"not valid JSON; expected {_describe(expected)}" if expected else "not valid JSON"
        raise CasusError([Diagnostic(span, "E-JSON", msg, "check for a missing comma, quote or bracket", (),
                                     src.line_text(span.line))]) from None
    _check_depth(src, tree, "JSON values")
    root = _convert(src.path, tree, diags)
    return to_scenario(root, src, diags)


_JSON_TOKENS = {"LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'", "COMMA": "','", "COLON": "':'",
                "STRING": 'a "string"', "NUMBER": "a number", "TRUE": "true", "FALSE": "false", "NULL": "null",
                "$END": "the end of the file"}


def _describe(expected: set[str]) -> str:
    """Expected JSON tokens in words (the casus grammar's names do not cover '[' and ']')."""
    items = sorted({_JSON_TOKENS.get(e, e) for e in expected})
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def to_scenario(root: _Node, src: Source, diags: Diagnostics) -> A.ScenarioDecl | None:
    path = src.path
    if not isinstance(root.value, dict):
        diags.error(root.span, "E-JSON", "a JSON scenario is an object with 'name' and 'events'")
        return None
    obj = root.value
    for key, (ksp, _) in obj.items():
        if key not in ("name", "interpretation", "events", "note", "description"):
            diags.error(ksp, "E-JSON", f"unknown key '{key}'",
                        hint="a scenario has 'name', 'interpretation' and 'events'")
    name = obj.get("name", (root.span, _Node(path, root.span)))[1].value
    if not isinstance(name, str):
        diags.error(obj["name"][1].span, "E-JSON", "'name' must be a string", 'for example "name": "Kursk 2024"')
        name = path
    interp_entry = obj.get("interpretation")
    interp = interp_entry[1].value if interp_entry else None
    if interp_entry is not None and interp is not None and not isinstance(interp, str):
        diags.error(interp_entry[1].span, "E-JSON", "'interpretation' must be a string")
        interp = None
    events_entry = obj.get("events")
    if events_entry is None or not isinstance(events_entry[1].value, list):
        diags.error(root.span if events_entry is None else events_entry[1].span, "E-JSON",
                    "a scenario needs an 'events' list")
        return None
    facts = []
    for ev in events_entry[1].value:
        f = _fact(ev, path, diags)
        if f is not None:
            facts.append(f)
    return A.ScenarioDecl(str(name), interp, tuple(facts), (), None, root.span,
                          interp_entry[1].span if interp_entry else None)


def _fact(ev: _Node, path: str, diags: Diagnostics) -> A.FactDecl | None:
    if not isinstance(ev.value, dict):
        diags.error(ev.span, "E-JSON", "an event is an object with 'kind', 'date' and roles")
        return None
    obj: dict[str, tuple[Span, _Node]] = ev.value
    ok = True
    for req in ("kind", "date"):
        if req not in obj:
            diags.error(ev.span, "E-JSON", f"the event has no '{req}'")
            ok = False
    if not ok:
        return None
    kind_node = obj["kind"][1]
    if not isinstance(kind_node.value, str) or not _NAME.match(kind_node.value):
        diags.error(kind_node.span, "E-JSON", "'kind' must be a lower-case name such as \"armed_attack\"")
        return None
    start = _date(obj["date"][1], diags)
    end: int | None
    if "until" in obj:
        u = obj["until"][1]
        end = None if u.value is None else _date(u, diags)
    else:
        end = start
    if start is None:
        return None
    if end is not None and end < start:
        diags.error(obj["until"][1].span, "E-INTERVAL", "'until' is before 'date'",
                    "the interval's end must be on or after its start")
    args = []
    for key, (ksp, val) in obj.items():
        if key in RESERVED:
            continue
        if not isinstance(val.value, str):
            diags.error(val.span, "E-JSON", f"role '{key}' must be a string such as \"RU\"")
            continue
        v = val.value
        value: A.Value
        if _CODE.match(v):
            value = A.Code(v, val.span)
        elif _NAME.match(v):
            value = A.Name(v, val.span)
        else:
            diags.error(val.span, "E-JSON", f"'{v}' is neither a party or territory code nor a name",
                        "codes are like \"RU\" or \"RU-KRS\"; names like \"assist\"")
            continue
        args.append(A.Arg(key, value, ksp))
    note = obj.get("note")
    atom = A.Atom(kind_node.value, tuple(args), ev.span)
    return A.FactDecl(atom, start, end, note[1].value if note and isinstance(note[1].value, str) else None, ev.span)


def _date(node: _Node, diags: Diagnostics) -> int | None:
    if not isinstance(node.value, str) or date_ordinal(node.value) is None:
        shown = json.dumps(node.value) if node.value is None or isinstance(node.value, str | int | float | bool) \
            else "an object" if isinstance(node.value, dict) else "a list"  # (what a fuzzed file had: not a _Node)
        diags.error(node.span, "E-DATE", f"{shown} is not a date",
                    "dates are strings written YYYY-MM-DD and must exist in the calendar")
        return None
    return date_ordinal(node.value)
