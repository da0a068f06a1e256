"""A batch line read (engine/io/batch.py runs the batch; SPEC "Scenario files"): as strict JSON
(`strict_object`), as a scenario for the engine (`line_scenario`: straight to facts where the line
has the common shape, `fast_scenario`, else the positional reader with its located errors), and as
the compiled code's facts (`canonical_input`: a canonical line, read as text; `compiled_input`: the
json module's reading), with the memos of distinct events and dates that let a long batch check
each once."""

from __future__ import annotations

import itertools
import json
import math
import operator
import re
from itertools import repeat
from typing import TYPE_CHECKING, Any, Literal, cast

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.source import Source, Span
from engine.core import compiled
from engine.core.options import EvalOptions
from engine.io.jsonscenario import RESERVED, bad_char, parse_json_scenario
from engine.kernel.facts import BIG, Fact, Scenario
from engine.language import ast as A
from engine.language.build import date_ordinal
from engine.language.library import Checker, Library, check_scenario, placed_without_on

if TYPE_CHECKING:
    from engine.core.compiled import Program

# the most entries each memo of the readers keeps (dates, distinct events): past it, it starts
# again empty, so memory stays bounded however many scenarios a batch has
MEMO_ENTRIES = 100_000

_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_SCENARIO_KEYS = frozenset({"name", "interpretation", "events", "note", "description"})


# ---------------------------------------------------------------------------- strict JSON


def _not_strict(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


# the json module, strictly: NaN and Infinity, and numbers out of range, raise ValueError
_STRICT = json.JSONDecoder(parse_constant=_not_strict, parse_float=_finite)
_KEY_END = re.compile(r'"\s*:')


def _strict(line: str, obj: object) -> bool:
    """Whether a line the json module read is strict JSON as casus takes it (else the positional
    reader says where it is not): no duplicate key — the line has as many key ends (`":`) as the
    objects read have keys, which a string holding `":` only makes look suspect — and no control
    character or lone surrogate in the free text (name, notes, description).

    The common line is checked without a regular expression or a look at its texts: every key
    written has a colon after it, so a line with no more colons than the objects read have keys
    has no duplicate; and an ASCII line with no backslash and no DEL has no such character in
    any string (the json module refuses the other control characters written as they are, and
    an escape needs a backslash)."""
    if not isinstance(obj, dict):
        return True
    events = obj.get("events")
    keys = len(obj)
    plain = line.isascii() and "\\" not in line and "\x7f" not in line
    texts = [] if plain else [obj.get("name"), obj.get("note"), obj.get("description")]
    if isinstance(events, list):
        try:
            keys += sum(map(_KEYS_OF, events))  # TypeError: an event that is not an object
            if not plain:
                texts += map(dict.get, events, repeat("note"))
        except TypeError:
            for ev in events:
                if isinstance(ev, dict):
                    keys += len(ev)
                    texts.append(ev.get("note"))
                elif ev is not None and not isinstance(ev, (str, int, float, bool)):
                    return False  # nested: the positional reader looks at it
    if line.count(":") != keys and len(_KEY_END.findall(line)) != keys:
        return False
    return not any(isinstance(t, str) and bad_char(t) is not None for t in texts)


_KEYS_OF = dict.__len__
_SCAN = json.scanner.make_scanner(_STRICT)  # type: ignore[attr-defined]  # (obj, end) at an index


def strict_object(line: str) -> object:
    """A line read as strict JSON (`_strict`), or None."""
    try:
        obj, end = _SCAN(line, 0)  # the json module's own scanner, without `loads`'s wrapping
        if end != len(line) and not line[end:].isspace() or not _strict(line, obj):
            return None
    except (ValueError, StopIteration, RecursionError):
        return None
    return obj


# ---------------------------------------------------------------------------- the scenario, for the engine


def line_scenario(lib: Library, line: str, path: str, lineno: int) -> Scenario:
    """The scenario of a batch line for the engine; a line that is not strict JSON, or that the
    library refuses, raises its located error (FILE:LINE:COL, from the positional reader)."""
    text = line.rstrip("\r\n")
    try:
        obj = _STRICT.decode(text)
    except json.JSONDecodeError as e:
        col = e.colno
        raise CasusError([Diagnostic(Span(path, lineno, col, lineno, col + 1), "E-JSON",
                                     f"not valid JSON: {e.msg}", "each line holds one JSON scenario object",
                                     (), text)]) from None
    except (ValueError, RecursionError):  # NaN, 1e99999, a 5,000-digit integer, deep nesting
        obj = None
    fast = fast_scenario(lib, obj, path, lineno) if obj is not None and _strict(text, obj) else None
    if fast is not None:
        return fast
    decl = _slow_decl(lib, text, path, lineno)
    if not isinstance(obj, dict) or "name" not in obj:  # the positional reader names a nameless scenario after its file
        decl = A.ScenarioDecl(f"{path}:{lineno}", decl.interpretation, decl.facts, (), None, decl.span,
                              decl.interpretation_span)
    return _to_scenario(decl, path, lineno)


def fast_scenario(lib: Library, obj: object, path: str, lineno: int) -> Scenario | None:
    """The scenario of a line of the common shape, straight to facts: each distinct event (its
    kind and roles) is checked against the library once per run, by the checker itself, and
    remembered with its text. None sends the line to the positional reader (`_slow_decl`), for
    exact error messages, or for a shape this reader does not take."""
    if not isinstance(obj, dict) or not _SCENARIO_KEYS.issuperset(obj):
        return None
    where = f"{path}:{lineno}"
    name = obj.get("name", where)
    interp = obj.get("interpretation")
    events = obj.get("events")
    if (not isinstance(name, str) or not isinstance(events, list)
            or interp is not None and not (isinstance(interp, str) and interp in lib.interpretations)):
        return None
    facts = []
    for ev in events:
        if not isinstance(ev, dict):
            return None
        kind, date = ev.get("kind"), ev.get("date")
        if not isinstance(kind, str) or not isinstance(date, str):
            return None
        start = _DATES.get(date) or _ordinal(date)
        if start is None:
            return None
        got = _until_and_checked(lib, kind, ev)
        if got is None:
            return None
        until, hit = got
        if until is not None and until < start:
            return None
        end = start if until is None else until
        note = ev.get("note")
        facts.append(Fact(kind, dict(hit.roles), start, end, hit.text, where, note if isinstance(note, str) else None))
    return Scenario(name, where, interp, tuple(facts), (), None)


def _to_scenario(decl: A.ScenarioDecl, path: str, lineno: int) -> Scenario:
    where = f"{path}:{lineno}"
    facts = tuple(Fact(f.atom.kind, {a.role: str(a.value) for a in f.atom.args}, f.start,
                       BIG if f.end is None else f.end, f.atom.render(), where, f.note) for f in decl.facts)
    return Scenario(decl.name, where, decl.interpretation, facts, (), decl)


def _slow_decl(lib: Library, text: str, path: str, lineno: int) -> A.ScenarioDecl:
    """Read a line again with the positional JSON grammar (padded so that lines count as in the
    file): raise its located diagnostics, or return the scenario if it is fine after all (a
    shape the fast reader does not take, such as a numeric name)."""
    diags = Diagnostics()
    padded = "\n" * (lineno - 1) + text
    diags.add_source(path, padded)
    decl = parse_json_scenario(Source(path, padded), diags)  # raises on invalid JSON
    if decl is not None:
        check_scenario(lib, decl, diags)
    diags.raise_if_any()
    assert decl is not None
    return decl


# ---------------------------------------------------------------------------- events, each checked once


def _until(u: object) -> int | None:
    """An event's `until` as an ordinal: BIG for null (open-ended); None if it is not a date."""
    if u is None:
        return BIG
    return date_ordinal(u) if isinstance(u, str) else None


def _until_and_checked(lib: Library, kind: str, ev: dict) -> tuple[int | None, Checked] | None:
    """An event's `until` (None: not written) and the checker's reading of it (`_checked`), as
    the fast readers take them; None if its `until` is not a date or null, a role's value not
    a string, or the checker refuses it."""
    end = None
    if "until" in ev:
        end = _until(ev["until"])
        if end is None:
            return None
    event = _event_key(kind, ev)
    if event is None:
        return None
    checked = _checked(lib, event)
    if checked is False:
        return None
    return end, checked


def _event_key(kind: str, ev: dict) -> tuple[str, ...] | None:
    """(kind, role, value, role, value, …) of an event, in its order; None if a role's value is
    not a string."""
    key = [kind]
    for role, value in ev.items():
        if role not in RESERVED:
            if not isinstance(value, str):
                return None
            key.append(role)
            key.append(value)
    return tuple(key)


_DATES: dict[str, int] = {}
_KNOWN: list[tuple[Library, dict[tuple[str, ...], Checked | Literal[False]]]] = []
_WRITTEN: list[tuple[Library, dict[tuple[object, ...], tuple[str, dict[str, str], str]]]] = []


def _of_library(memo: list[tuple[Library, dict[Any, Any]]], lib: Library) -> dict[Any, Any]:
    """The memo (a one-entry list) kept for this library: emptied for another one."""
    if not memo or memo[0][0] is not lib:
        memo[:] = [(lib, {})]
    return memo[0][1]


def _written_events(lib: Library) -> dict[tuple[object, ...], tuple[str, dict[str, str], str]]:
    """Each distinct event the compiled code's reader took (its key in `Program.shapes`, all
    but its date) -> its kind, roles as written and text, for this library (`light_scenario`)."""
    return _of_library(cast("list[tuple[Library, dict[Any, Any]]]", _WRITTEN), lib)


def _known_events(lib: Library) -> dict[tuple[str, ...], Checked | Literal[False]]:
    """The events already checked against this library, or False if not clean."""
    return _of_library(cast("list[tuple[Library, dict[Any, Any]]]", _KNOWN), lib)


def _checked(lib: Library, event: tuple[str, ...]) -> Checked | Literal[False]:
    """`_check_event`, remembered per library (`_known_events`): events that differ only in their
    dates, `until` or note are checked once."""
    known = _known_events(lib)
    got = known.get(event)
    if got is None:
        if len(known) > MEMO_ENTRIES:
            known.clear()
        got = known[event] = _check_event(lib, event)
    return got


class Checked:
    """An event the checker accepts as a fact (`_check_event`): its roles, and its text as the
    language writes it (`kind(role: value, …)`, as `Atom.render` writes it), written the first
    time it is asked for (for a `Fact` the engine reads: the compiled code's reader needs only the
    roles)."""

    __slots__ = ("_kind", "_text", "roles")

    def __init__(self, kind: str, roles: dict[str, str]):
        self.roles, self._kind, self._text = roles, kind, ""

    @property
    def text(self) -> str:
        if not self._text:
            self._text = f"{self._kind}({', '.join(f'{r}: {v}' for r, v in self.roles.items())})"
        return self._text


def _check_event(lib: Library, event: tuple[str, ...]) -> Checked | Literal[False]:
    """An event (kind, role, value, role, value, …) the checker accepts as a fact; False
    otherwise. One of a shape the checker took before, its values each taken in a role of its
    type, is not looked at again (`_EventChecker.clean`)."""
    # (a value's text is itself: a code, a name; as many values as roles, the event's length odd)
    kind, names, values = event[0], event[1::2], event[2::2]
    checker = _checker(lib)
    if checker.clean(kind, names, values):
        return Checked(kind, dict(zip(names, values, strict=False)))
    roles = dict(zip(names, values, strict=False))
    if len(roles) < len(names):  # a role twice: the checker's error, the positional reader's to say
        return False
    args = list(map(_arg, roles.items()))
    if not all(args) or not _NAME.match(kind):  # (None: not a code or a name, the positional reader's to say)
        return False
    checker.atom(A.Atom(kind, tuple(cast("list[A.Arg]", args)), _SPAN), in_fact=True)
    if checker.d.items:  # (its problems are the positional reader's to report)
        checker.d.items.clear()
        return False
    checker.took(kind, roles)
    return Checked(kind, roles)


_SPAN = Span("<batch>", 1, 1, 1, 2)
_ARGS: dict[tuple[str, str], A.Arg] = {}


def _arg(role_value: tuple[str, str]) -> A.Arg | None:
    """An event's role and value as the checker reads them (None: the value is not a code or a
    name, which the positional reader reports), made once: the same parties and places recur in
    events that differ in another role (half of `_check_event`'s time was making them)."""
    arg = _ARGS.get(role_value)
    if arg is None:
        role, v = role_value
        if _CODE.match(v):
            value: A.Value = A.Code(v, _SPAN)
        elif _NAME.match(v):
            value = A.Name(v, _SPAN)
        else:
            return None
        if len(_ARGS) > MEMO_ENTRIES:
            _ARGS.clear()
        arg = _ARGS[role_value] = A.Arg(role, value, _SPAN)
    return arg


class _EventChecker(Checker):
    """The checker, for the events of batch lines (`_check_event`), which are facts: a value that
    a role of its type took without a problem is not looked at again, nor an event of a shape
    (kind, roles in order) it took whose values all were (the same parties and places recur in
    events that differ in another role: they were 60% of a check, and the rest of it a walk
    through the kind's roles that gives the same answer for every event of one shape)."""

    def __init__(self, lib: Library):
        super().__init__(Diagnostics())
        self.lib = lib
        # (role type, value's text): a value's kind (code, name) is read from its text (`_arg`)
        self._clean: set[tuple[str, str]] = set()
        # (kind, roles) -> their types, for each shape of event taken whose taking reads no value
        self._shapes: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def value(self, v: A.Value, rtype: str, in_fact: bool) -> None:
        key = (rtype, v.code if isinstance(v, A.Code) else str(v))
        if key in self._clean:
            return
        problems = len(self.d.items)
        super().value(v, rtype, in_fact)
        if len(self.d.items) == problems:
            if len(self._clean) > MEMO_ENTRIES:
                self._clean.clear()
            self._clean.add(key)

    def clean(self, kind: str, roles: tuple[str, ...], values: tuple[str, ...]) -> bool:
        """Whether the checker takes an event (its kind, roles and their values) without a
        problem, known without a check: its shape was taken (`took`: no role twice) and each
        value taken in a role of its type; False when it is not known so."""
        types = self._shapes.get((kind, roles))  # (a type for each role)
        return types is not None and self._clean.issuperset(zip(types, values, strict=False))

    def took(self, kind: str, roles: dict[str, str]) -> None:
        """An event of this kind and roles was taken without a problem: its shape is remembered
        (`clean`), unless how an event of that shape is taken depends on a value
        (`placed_without_on`: its `at`, where it lacks the `on` its kind needs)."""
        info = self.lib.kinds[kind]
        if placed_without_on(info, roles):
            return
        if len(self._shapes) > MEMO_ENTRIES:
            self._shapes.clear()
        self._shapes[(kind, tuple(roles))] = tuple(info.roles[r].type for r in roles)


_CHECKERS: list[tuple[Library, _EventChecker]] = []


def _checker(lib: Library) -> _EventChecker:
    """One checker per library for `_check_event` (building one costs more than a check)."""
    if not _CHECKERS or _CHECKERS[0][0] is not lib:
        _CHECKERS[:] = [(lib, _EventChecker(lib))]
    return _CHECKERS[0][1]


# ---------------------------------------------------------------------------- the compiled code's facts


def compiled_input(lib: Library, obj: object, treaties: tuple[str, ...], interpretation: str | None, path: str,
                    lineno: int, programs: dict[str | None, Program | None] | None, options: EvalOptions
                    ) -> tuple[Program, tuple[list[tuple[int, dict[str, str], int | None]], list[int],
                                              list[tuple[object, ...]]], str] | None:
    """For a scenario line (`obj`: as `strict_object` read it, which this takes apart) that the
    compiled code can read: the program of the selection under its interpretation, its facts as
    the code reads them (`light_facts`) and its name. None for any other line (not strict JSON,
    keys or events the fast reader does not take, an unknown interpretation, nothing compiled,
    or the compiled code is switched off)."""
    if not options.compiled:
        return None
    if not isinstance(obj, dict) or not _SCENARIO_KEYS.issuperset(obj):
        return None
    interp = obj.get("interpretation")
    if interp is not None and not (isinstance(interp, str) and interp in lib.interpretations):
        return None
    prog = _program(lib, interp, treaties, interpretation, programs)
    if prog is None:
        return None
    light = light_facts(lib, prog, obj)
    name = obj.get("name", f"{path}:{lineno}")
    if light is None or not isinstance(name, str):
        return None
    return prog, light, name


def _program(lib: Library, interp: str | None, treaties: tuple[str, ...], interpretation: str | None,
             programs: dict[str | None, Program | None] | None) -> Program | None:
    """The compiled program of the selection under a line's interpretation (`interp`), made once
    per run (`programs`); None if nothing compiles."""
    if programs is not None and interp in programs:
        return programs[interp]
    prog = compiled.program(lib, treaties, interpretation or interp or "default")
    if programs is not None:
        programs[interp] = prog
    return prog


# A canonical line: compact JSON (`json.dumps(..., separators=(",", ":"))`, casus's own writers,
# bench/realistic.py) of a name and events only, each event's kind first and its date second:
#   {"name":"s1","events":[{"kind":"threat","date":"2025-01-15","by":"FR","on":"RO"},…]}
# Split at each '{"kind":' and at its '"date":"', an event is (the text before its date, its date,
# the text after it): `canonical_input` reads a line without the json module, and each distinct
# text around a date is read as JSON once (`_canonical_event`).
_CANONICAL_HEAD, _CANONICAL_EVENTS, _NAMELESS_HEAD = '{"name":"', '","events":[', '{"events":['
_EVENT_START, _DATE_START = '{"kind":', '"date":"'
_BEFORE_DATE, _FROM_DATE = operator.itemgetter(0), operator.itemgetter(2)
_DAY_TEXT, _AFTER_DAY = operator.itemgetter(slice(0, 10)), operator.itemgetter(slice(10, None))


def canonical_input(lib: Library, line: str, treaties: tuple[str, ...], interpretation: str | None, path: str,
                    lineno: int, programs: dict[str | None, Program | None] | None, options: EvalOptions
                    ) -> tuple[Program, tuple[list[tuple[int, dict[str, str], int | None]], list[int],
                                              list[tuple[object, ...]]], str] | None:
    """`compiled_input` for a canonical line (above), read as text: the same program, facts and
    name as the json module's reading gives, or None for any line that is not canonical, or has
    an event the compiled code does not read (`compiled_input` then reads it as JSON). Each
    event's key in the memos of distinct events is its text without its date."""
    if not options.compiled:
        return None
    if not line.endswith("}]}"):
        line = line.rstrip()
        if not line.endswith("}]}"):
            return None
    pieces = (line[:-2] + ",").split(_EVENT_START)  # (every piece after the first ends with "},")
    head = pieces[0]
    if head.startswith(_CANONICAL_HEAD) and head.endswith(_CANONICAL_EVENTS):
        name = head[len(_CANONICAL_HEAD):-len(_CANONICAL_EVENTS)]
        # (the text of a JSON string as it is: no quote, escape or control character)
        if not (name.isascii() and name.isprintable()) or '"' in name or "\\" in name:
            return None
    elif head == _NAMELESS_HEAD:
        name = f"{path}:{lineno}"
    else:
        return None
    prog = _program(lib, None, treaties, interpretation, programs)
    if prog is None or prog.attack_kinds is not None:  # (self-defence reads the kinds: `light_facts`)
        return None
    parts = list(map(str.partition, itertools.islice(pieces, 1, None), repeat(_DATE_START)))
    after = list(map(_FROM_DATE, parts))  # (the date's 10 characters, then the rest)
    keys: list[tuple[object, ...]] = list(zip(map(_BEFORE_DATE, parts), map(_AFTER_DAY, after), strict=True))
    shapes = prog.shapes
    hits = list(map(shapes.get, keys))
    if not all(hits):  # texts not seen before (None), or that the engine must see (False)
        _room_for_shapes(prog)
        for i, hit in enumerate(hits):
            if hit is None:
                ev = _canonical_event(*cast("tuple[str, str]", keys[i]))
                hits[i] = hit = shapes[keys[i]] = False if ev is None else _shape(lib, prog, ev, keys[i])
            if hit is False:
                return None
    starts = _days(list(map(_DAY_TEXT, after)))
    if starts is None:
        return None
    facts = cast("list[tuple[int, dict[str, str], int | None]]", hits)
    return prog, _with_derived(prog, facts, starts, keys), name


def _canonical_event(before: str, after: str) -> dict | None:
    """The event (without its date) of a canonical line's text around its date (`canonical_input`),
    such as `"threat",` and `","by":"FR","on":"RO"},`; None unless, with a date put back between
    them, that text is one event of strict JSON (`strict_object`) whose kind comes first and its
    date, of 10 characters, second. (Its text is then read alike in the line: a JSON value reads
    the same wherever it is, and the text `{"kind":` is in no JSON string, where a quote is escaped.)"""
    ev = strict_object(_EVENT_START + before + _DATE_START + _SOME_DAY + after[:-1])
    if not isinstance(ev, dict) or list(ev)[:2] != ["kind", "date"] or ev["date"] != _SOME_DAY:
        return None
    del ev["date"]
    return ev


_SOME_DAY = "2000-01-01"  # (its place in an event's text: the line's own date, there, is read on its own)


def light_facts(lib: Library, prog: Program, obj: dict
                ) -> tuple[list[tuple[int, dict[str, str], int | None]], list[int], list[tuple[object, ...]]] | None:
    """A scenario's facts for compiled code (`compiled.Program.run`): (hits, starts), and each
    event's key in the memos of distinct events (all but its date: `light_scenario`). None when
    the engine must see the scenario (a line the fast reader would not take, or a fact that
    `Program.complete` refuses). Each distinct event (all but its date) is checked once per program, by
    the checker itself (`_shape`). The work per fact is done by `map`, in C."""
    events = obj.get("events")
    if not isinstance(events, list):
        return None
    shapes = prog.shapes
    try:
        days = list(map(dict.pop, events, repeat("date"), repeat(None)))  # TypeError: not an object
        keys = list(map(tuple, map(dict.items, events)))
        hits = list(map(shapes.get, keys))  # TypeError: a list or an object as a value
    except TypeError:
        return None
    # `all` tests truth (cheap for tuples and ordinals), where `None in …` would compare
    if not all(hits):  # events not seen before (None), or that the engine must see (False)
        _room_for_shapes(prog)
        for i, hit in enumerate(hits):
            if hit is None:
                hits[i] = hit = shapes[keys[i]] = _shape(lib, prog, events[i], keys[i])
            if hit is False:
                return None
    starts = _days(days)
    if starts is None:
        return None
    # none is None or False now
    facts = cast("list[tuple[int, dict[str, str], int | None]]", hits)
    if prog.attack_kinds is not None and prog.reads_self_defence(list(map(_KIND_OF, events)), facts, starts):
        return None
    return _with_derived(prog, facts, starts, cast("list[tuple[object, ...]]", keys))


_KIND_OF = operator.itemgetter("kind")


def _room_for_shapes(prog: Program) -> None:
    """The memo of distinct events (`Program.shapes`, keyed by their text or their reading) and
    what the interpretation derives from them, emptied once they hold `MEMO_ENTRIES`."""
    if len(prog.shapes) > MEMO_ENTRIES:
        prog.shapes.clear()
        if prog.derived is not None:
            prog.derived.clear()


def _days(days: list[Any]) -> list[int] | None:
    """The ordinals of the events' dates (remembered: `_DATES`); None if one is not a date."""
    try:
        starts = list(map(_DATES.get, days))
    except TypeError:  # (a date written as a list or an object: the positional reader says where)
        return None
    if not all(starts):  # dates not seen before (ordinals are never 0)
        for i, start in enumerate(starts):
            if start is None:
                day = days[i]
                if not isinstance(day, str) or (start := _ordinal(day)) is None:
                    return None
                starts[i] = start
    return cast("list[int]", starts)


def _ordinal(day: str) -> int | None:
    """A date's ordinal, remembered in `_DATES` (emptied once it holds `MEMO_ENTRIES`); None if
    it is not a date."""
    start = date_ordinal(day)
    if start is not None:
        if len(_DATES) > MEMO_ENTRIES:
            _DATES.clear()
        _DATES[day] = start
    return start


def _with_derived(prog: Program, facts: list[tuple[int, dict[str, str], int | None]], starts: list[int],
                  keys: list[tuple[object, ...]]
                  ) -> tuple[list[tuple[int, dict[str, str], int | None]], list[int], list[tuple[object, ...]]]:
    """A scenario's facts for the compiled code, (hits, starts, keys), with those the
    interpretation's definitions derive from each event after the events' own."""
    if prog.derived is not None:
        derived = prog.derived
        more = [(d, start) for key, start in zip(keys, starts, strict=True) for d in derived[key]]
        facts += [d for d, _ in more]
        starts += [start for _, start in more]
    return facts, starts, keys


def _shape(lib: Library, prog: Program, ev: dict, key: tuple[object, ...]
           ) -> tuple[int, dict[str, str], int | None] | Literal[False]:
    """For an event without its date: (the number by which the compiled code knows its kind,
    its roles, its end: None for a one-day event), or False if the engine must see it. Under an
    interpretation with definitions, what they derive from it goes to `prog.derived[key]`."""
    kind = ev.get("kind")
    if not isinstance(kind, str):
        return False
    got = _until_and_checked(lib, kind, ev)
    if got is None:
        return False
    end, checked = got
    roles = prog.complete(kind, checked.roles)
    if roles is None:
        return False
    if prog.derived is not None:
        derived = prog.derive(kind, roles, end)
        if derived is None:
            return False
        prog.derived[key] = derived
    return prog.code_of(kind), roles, end


def light_scenario(lib: Library, obj: dict, keys: list[tuple[object, ...]],
                   hits: list[tuple[int, dict[str, str], int | None]], starts: list[int], name: str, path: str,
                   lineno: int, only: int | None = None) -> Scenario:
    """The scenario of a line the compiled code has read (`light_facts`: `obj` without its
    events' dates, each event's key, its reading and its first day), as `fast_scenario` reads
    it, for the engine beside the compiled code (the explainer; the treaties it does not compile,
    or that a withdrawal leaves to it): each distinct event's kind, roles as written and text are
    remembered (`_written_events`), its days are the compiled code's reading. `only`: with the
    events the code reads under that number only (the withdrawals and denunciations, all that
    the parties' memberships are read from: `Program.memberships`)."""
    where = f"{path}:{lineno}"
    written = _written_events(lib)
    facts = []
    # (the facts an interpretation's definitions derive come after the events': left out, `prepare` adds them)
    for ev, key, (code, _, end), start in zip(obj["events"], keys, hits, starts, strict=False):
        if only is not None and code != only:
            continue
        seen = written.get(key)
        if seen is None:
            kind = ev["kind"]
            checked = _checked(lib, cast("tuple[str, ...]", _event_key(kind, ev)))
            assert checked is not False  # (the compiled code's reader checked it)
            if len(written) > MEMO_ENTRIES:
                written.clear()
            seen = written[key] = (kind, checked.roles, checked.text)
        note = ev.get("note")
        facts.append(Fact(seen[0], dict(seen[1]), start, start if end is None else end, seen[2], where,
                          note if isinstance(note, str) else None))
    return Scenario(name, where, obj.get("interpretation"), tuple(facts), (), None)
