"""What the generated code calls at run time (`_Constants` names each), and what it gives:
the days a fact of a table is under way or seen by two parties, when a bearer acted, when a
discharge condition first holds, and the `Row` of an instance for the result JSON."""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

from engine.kernel.facts import BIG, holder, place_changes
from engine.language import ast as A
from engine.language.library import Library

NEVER = BIG + 1


class Row(NamedTuple):
    """A listed instance as `Program.rows` gives it (for the result JSON: engine/core/explained.py),
    or, with status None, one that is not listed but left dormant on some day, of a provision
    whose states another reads (`p active for X`: the explainer's solver reads them)."""

    provision: tuple[str, str]  # (treaty id, provision id)
    bearer: str
    beneficiary: str
    status: str | None
    activated: int | None
    since: int
    timeline: list[tuple[int, str]]  # (day, status): each change of status, as the engine's


class Invalid(Exception):
    """Raised by compiled code for a fact that ends before it starts: the engine's reader reports it."""


def by_value(facts: list[tuple[int, int, dict[str, str]]], role: str | None
             ) -> dict[str | None, tuple[list[int], list[tuple[int, int, dict[str, str]]]]]:
    """The facts (start, end, roles) of a kind grouped by their value for `role` (all in one group,
    None, when no role joins), each group sorted by start, with its starts apart for bisection:
    what the generated code of a within/after/before/during/overlapping looks in (`table`)."""
    groups: dict[str | None, tuple[list[int], list[tuple[int, int, dict[str, str]]]]] = {}
    for item in sorted(facts, key=_START) if len(facts) > 1 else facts:
        key = None if role is None else item[2].get(role)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ([item[0]], [item])
        else:
            group[0].append(item[0])
            group[1].append(item)
    return groups


_START = operator.itemgetter(0)  # a fact's start (start, end, roles)


def merged(runs: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The days of an `ongoing` table's entry (`_Tables.table`: each fact's (start, end), or its
    runs of days) as disjoint runs in order: their first days and their last days."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(runs):
        if ends and s <= ends[-1] + 1:
            if e > ends[-1]:
                ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def from_day(day: int) -> list[tuple[int, int]]:
    """The days from `day` on, for good (none if `day` is NEVER): a fact's, once it started."""
    return [(day, BIG)] if day <= BIG else []


def started_from(facts: list[tuple[int, int]], since: int) -> list[tuple[int, int]]:
    """The days (start, end) of the facts that started on or after `since`: an `ongoing` fact of a
    discharge condition (`_Expressions.held`)."""
    return [(s, e) for s, e in facts if s >= since]


def both(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The days two lists of runs of days share."""
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s <= e:
                out.append((s, e))
    return out


def first_in(runs: tuple[list[int], list[int]], since: int) -> int:
    """The first day on or after `since` in disjoint runs of days (`merged`; NEVER: none): when a
    state of another provision in a discharge condition first holds from activation on."""
    i = bisect.bisect_right(runs[0], since) - 1
    if i >= 0 and runs[1][i] >= since:
        return since
    return runs[0][i + 1] if i + 1 < len(runs[0]) else NEVER


def under_way(runs: tuple[list[int], list[int]], t: int) -> bool:
    """Whether a fact of an `ongoing` table's entry (`merged`) is under way on day t
    (`Solver.match`: started by t and ends on t or later)."""
    i = bisect.bisect_right(runs[0], t) - 1
    return i >= 0 and runs[1][i] >= t


def _placed(lib: Library, interp: A.InterpretationDecl | None, tests: tuple[tuple[A.PlaceOf, ...], ...]
            ) -> Callable[[int, int, tuple[str, ...], tuple[str, ...]], list[tuple[int, int]]]:
    """For place tests (`A territory of X`, `A administered by X`; each one of alternatives), a
    function of a fact's days (s, e), its places and its parties (one each per alternative, in
    order): the runs of days in [s, e] on which every test holds, one of its alternatives at
    least: the place's sovereign (or administrator) under the interpretation is the party
    (`Solver.solve`; an area has neither). The days are cut where a territory can change hands
    (`place_changes`); who holds a place is asked once per place, relation and change."""
    flat = [(n, t) for n, alts in enumerate(tests) for t in alts]
    changes = sorted(place_changes(lib, interp))
    holders: dict[tuple[str, str, int], str | None] = {}

    def held(place: str, relation: str, day: int) -> str | None:
        since = changes[i - 1] if (i := bisect.bisect_right(changes, day)) else -1  # the last change by then
        key = (place, relation, since)
        if key not in holders:
            holders[key] = holder(lib, interp, place, relation, day)
        return holders[key]

    def placed(s: int, e: int, places: tuple[str, ...], whos: tuple[str, ...]) -> list[tuple[int, int]]:
        cuts = [s] + changes[bisect.bisect_right(changes, s):bisect.bisect_right(changes, e)]
        out: list[tuple[int, int]] = []
        for n, day in enumerate(cuts):
            ok = [False] * len(tests)  # per test: one of its alternatives holds
            for (n_test, t), place, who in zip(flat, places, whos, strict=True):
                ok[n_test] = ok[n_test] or held(place, t.relation, day) == who
            if all(ok):
                last = cuts[n + 1] - 1 if n + 1 < len(cuts) else e
                if out and out[-1][1] == day - 1:
                    out[-1] = (out[-1][0], last)
                else:
                    out.append((day, last))
        return out

    return placed


def acted(facts: list[tuple[int, int]], since: int) -> int:
    """The first day on or after `since` on which one of the facts (start, end) of a provision's
    action (`_action_leaf`) that reaches `since` is under way (NEVER: none)."""
    first = NEVER
    for s, e in facts:
        if e >= since and s < first:
            first = s
    return since if first <= since else first


def first_from(memo: dict[tuple[object, ...], object], facts: list[tuple[int, int]], since: int) -> int:
    """The first start in a discharge table's entry (`_Generator.table`) on or after `since`
    (NEVER: none). A long entry's starts are sorted once per run of the generated code (in `memo`,
    by the entry's id: a table entry, or a list `seen_in` keeps there, lives as long) and
    bisected: every activated instance asks (a scan each time grew with facts x instances)."""
    if len(facts) < 8:
        first = NEVER
        for s, _ in facts:
            if since <= s < first:
                first = s
        return first
    key = (id(facts), "starts")
    starts = cast("list[int] | None", memo.get(key))
    if starts is None:
        starts = sorted([s for s, _ in facts])
        memo[key] = starts
    i = bisect.bisect_left(starts, since)
    return starts[i] if i < len(starts) else NEVER


def seen(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]
         ) -> list[tuple[int, int]]:
    """The facts (start, end) of a table's entry that overlap a membership span of each of two
    parties (`TreatyContext.visible`)."""
    if len(sx) == 1 and len(sy) == 1:  # (most parties have one span: `_bounds`)
        lo, hi = _bounds(sx, sy)
        return [(s, e) for s, e in facts if s <= hi and e >= lo]
    return [(s, e) for s, e in facts if _overlaps(s, e, sx) and _overlaps(s, e, sy)]


def _bounds(sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> tuple[int, int]:
    """For two parties of one membership span each: (lo, hi) such that the days [s, e] overlap
    the span of each if and only if s <= hi and e >= lo (s <= b1 and e >= a1 and s <= b2 and
    e >= a2, whether or not the spans meet)."""
    (a1, b1), (a2, b2) = sx[0], sy[0]
    return (a1 if a1 > a2 else a2), (b1 if b1 < b2 else b2)


def _overlaps(s: int, e: int, spans: tuple[tuple[int, int], ...]) -> bool:
    """Whether the days [s, e] overlap one of the spans (a loop: the generated code asks this of
    every fact a pair of parties may see, and a generator in `any` costs several times more)."""
    for a, b in spans:
        if s <= b and e >= a:
            return True
    return False


def seen_pieces(pieces: list[tuple[int, int, int, int]], sx: tuple[tuple[int, int], ...],
                sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The runs of days (a, b) of a table's entry whose fact (its days s, e) both parties see
    (`seen`)."""
    return [(a, b) for a, b, s, e in pieces if _overlaps(s, e, sx) and _overlaps(s, e, sy)]


def seen_in(memo: dict[tuple[object, ...], object], facts: list[tuple[int, int]],
            sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """`seen`, remembered in `memo` (one per run of the generated code, while the table entries it
    names by their ids live) for a long entry: every bearer of a class that acted (and so does
    not share an evaluation) asks it again of the same facts."""
    if len(facts) < 8:
        return seen(facts, sx, sy)
    key = (id(facts), sx, sy)
    got = memo.get(key)
    if got is None:
        got = memo[key] = seen(facts, sx, sy)
    return cast("list[tuple[int, int]]", got)


def first_seen_in(memo: dict[tuple[object, ...], object], facts: list[tuple[int, int]],
                  sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> int:
    """`first_seen`, remembered as `seen_in` is."""
    if len(facts) < 8:
        return first_seen(facts, sx, sy)
    key = (id(facts), sx, sy, "first")
    got = memo.get(key)
    if got is None:
        got = memo[key] = first_seen(facts, sx, sy)
    return cast("int", got)


def first_pair(pairs: list[tuple[int, int, int, int, int]], sx: tuple[tuple[int, int], ...],
               sy: tuple[tuple[int, int], ...]) -> int:
    """The first day of a within/after/before's entry (`_pair_loop`: each pair of facts as (day,
    s1, e1, s2, e2)) whose two facts both parties see (`seen`; NEVER: none)."""
    return min([d for d, s1, e1, s2, e2 in pairs if _overlaps(s1, e1, sx) and _overlaps(s1, e1, sy)
                and _overlaps(s2, e2, sx) and _overlaps(s2, e2, sy)], default=NEVER)


def first_seen(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]
               ) -> int:
    """The first start of the facts that both parties see (`seen`; NEVER: none)."""
    first = NEVER
    if len(sx) == 1 and len(sy) == 1:
        lo, hi = _bounds(sx, sy)
        for s, e in facts:
            if s < first and s <= hi and e >= lo:
                first = s
        return first
    for s, e in facts:
        if s < first and _overlaps(s, e, sx) and _overlaps(s, e, sy):
            first = s
    return first


def unanswered(entry: list[tuple[list[tuple[int, int]], tuple[list[tuple[int, int]], ...]]],
               sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """The runs of days of an entry of a table of a fact beside `not` over facts of a variable
    (`_Tables.antijoin`: for each value, its facts and those of each fact under `not`) on which,
    for some value, a fact both parties see has started and none under `not` that they see has
    (`first_seen`)."""
    out = []
    for facts, negs in entry:
        first = first_seen(facts, sx, sy)
        if first > BIG:
            continue
        last = min([first_seen(f, sx, sy) for f in negs])
        if first < last:
            out.append((first, last - 1 if last <= BIG else BIG))
    return out


def unanswered_pieces(entry: list[tuple[list[tuple[int, int, int, int]], tuple[list[tuple[int, int]], ...]]],
                      sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """`unanswered` of a fact with a place test (`_Tables.antijoin`, "antijoin pieces": for each
    value, the runs of days on which its facts hold, each with its fact's days, and the facts
    under `not`): the runs of the facts both parties see, for some value, up to the day before
    the first fact under `not` that they see started."""
    out = []
    for pieces, negs in entry:
        last = min([first_seen(f, sx, sy) for f in negs])
        for a, b, s, e in pieces:
            if a < last and _overlaps(s, e, sx) and _overlaps(s, e, sy):
                out.append((a, b if b < last else last - 1))
    return out


def unanswered_runs(entry: list[tuple[list[tuple[int, int]], tuple[list[tuple[int, int]], ...]]],
                    sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """`unanswered` of an `ongoing` fact (`_Tables.antijoin`, "antijoin runs": for each value, its
    facts' days and the facts under `not`): `unanswered_pieces`, each fact's days its own run."""
    return unanswered_pieces([([(s, e, s, e) for s, e in facts], negs) for facts, negs in entry], sx, sy)


def state_runs(table: dict[str, dict[str, tuple[list[tuple[int, str]], int | None]]], beneficiary: str | None,
               bearer: str | None, state: str) -> list[tuple[int, int]]:
    """The days on which an instance of a provision toward `beneficiary`, by `bearer` (None: any),
    is in `state` (`p active for X by Y`; "activated": from its activation on), from the
    timelines its code recorded (`_Tables.states`): each status holds from the day it was entered
    to the day before the next, the last for good (`InstanceRun.status_at`)."""
    out: list[tuple[int, int]] = []
    for by_bearer in table.values() if beneficiary is None else filter(None, [table.get(beneficiary)]):
        for timeline, activated in by_bearer.values() if bearer is None else filter(None, [by_bearer.get(bearer)]):
            if state == "activated":
                if activated is not None:
                    out.append((activated, BIG))
                continue
            for i, (day, status) in enumerate(timeline):
                if status == state:
                    last = timeline[i + 1][0] - 1 if i + 1 < len(timeline) else BIG
                    if last >= day:
                        out.append((day, last))
    return out


def keyed(order: dict[str, int], *tables: dict[str, object]) -> list[str]:
    """The beneficiaries of a provision (`order`: each one's place in their order) that are keys
    of its driver tables, in that order: those the trigger can hold for (`_Generator.beneficiaries`)."""
    if len(tables) == 1:
        found = [x for x in tables[0] if x in order]
    else:
        found = [x for x in {x for t in tables for x in t} if x in order]
    found.sort(key=order.__getitem__)
    return found


def clipped(memo: dict[object, int], key: object, spans: tuple[tuple[int, int], ...], d0: int, dz: int = BIG) -> int:
    """A number for a bearer's membership spans from day d0 on, the same for every bearer whose
    spans are the same from then on (those share a status: `_Life.day`), remembered in `memo` (one
    per beneficiary, for its d0) by `key` (the bearer's class of memberships, or its spans); -1
    for spans with no day from d0 to dz (the bearer sees none of the facts: `_Life.last_end`)."""
    mine = tuple([(s if s > d0 else d0, e) for s, e in spans if e >= d0])
    if not mine or mine[0][0] > dz:
        memo[key] = -1
        return -1
    got = memo[key] = memo.setdefault(mine, len(memo))
    return got


def member(spans: tuple[tuple[int, int], ...], t: int) -> bool:
    """Whether a party with these membership spans is a member on day t (`TreatyContext.member`)."""
    for s, e in spans:
        if s <= t <= e:
            return True
    return False


def later(days: list[int], t: int, day: int) -> None:
    """Add a day after t to the sorted days an instance's loop goes through (the first on which
    its discharge condition holds: `_Generator.day`)."""
    if t < day <= BIG and day not in days:
        bisect.insort(days, day)


def span_days(spans: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """The days on which a party's membership spans can change a status: each first day, each
    day after a last (up to BIG)."""
    return tuple(d for s, e in spans for d in (s, e + 1) if d <= BIG)


class SpanDays(dict[tuple[tuple[int, int], ...], tuple[int, ...]]):
    """Membership spans -> their `span_days`, worked out the first time they are read: in a
    scenario in which parties withdraw (`MDAYS` of the code `Program.leaving` writes), the pairs
    of parties whose instances leave dormant are few."""

    def __missing__(self, spans: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
        days = self[spans] = span_days(spans)
        return days


def change_days(runs: list[tuple[int, int]]) -> list[int]:
    """The days on which an `ongoing` table's entry can change: each fact's start and the day
    after its end (the engine's instants: `TreatyContext.days`)."""
    out = []
    for s, e in runs:
        out.append(s)
        out.append(e + 1)
    return out
