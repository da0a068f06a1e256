"""The tables the generated code sorts a scenario's facts into (`_Tables`: per fact of a
condition, the first day it holds, or the runs of days, or each fact, for each binding) and the
constants it names (`_Constants`)."""

from __future__ import annotations

import bisect
import itertools
import operator
from collections import Counter
from collections.abc import Collection

from engine.core import records
from engine.core.compiled.plan import _alternatives, negated
from engine.core.compiled.runtime import (
    NEVER,
    Invalid,
    Row,
    SpanDays,
    _placed,
    acted,
    both,
    by_value,
    change_days,
    clipped,
    first_from,
    first_in,
    first_pair,
    first_seen,
    first_seen_in,
    from_day,
    keyed,
    later,
    member,
    merged,
    seen,
    seen_in,
    seen_pieces,
    started_from,
    state_runs,
    unanswered,
    unanswered_pieces,
    unanswered_runs,
    under_way,
)
from engine.core.evaluate import TreatyRun
from engine.kernel import conditions as C
from engine.kernel.facts import BIG
from engine.language import ast as A
from engine.language.codes import country_of, is_country
from engine.language.library import Library

_LEAVES = (A.Occurred, A.Temporal, A.Ongoing)  # what a table answers for (`C.tabled`)
# a table of the facts of a kind: (name, atom, variables, hidden, mode, the call that cuts a
# fact's days by its place tests or "")
_Filled = tuple[str, A.Atom, tuple[str, ...], dict[str, str], str, str]


# ---------------------------------------------------------------------------- code generation


class _Constants:
    """The constants of the generated code by name: the helpers it calls, and values worked out
    while it is written (equal values share one name)."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {
            "NEVER": NEVER, "BIG": BIG, "ISO": records._ISO, "iso": records._iso, "Invalid": Invalid,
            "by_value": by_value, "bisect_left": bisect.bisect_left, "bisect_right": bisect.bisect_right,
            "under_way": under_way, "merged": merged, "change_days": change_days, "first_from": first_from,
            "first_in": first_in, "from_day": from_day, "both": both,
            "started_from": started_from,
            "later": later, "first_pair": first_pair, "seen": seen, "seen_pieces": seen_pieces,
            "first_seen": first_seen, "seen_in": seen_in, "first_seen_in": first_seen_in, "member": member,
            "acted": acted, "Row": Row, "keyed": keyed, "clipped": clipped, "unanswered": unanswered,
            "unanswered_pieces": unanswered_pieces, "unanswered_runs": unanswered_runs,
            "state_runs": state_runs, "chain": itertools.chain, "SpanDays": SpanDays,
            # an entry's day: (start, end, …) of a fact or run; (…, fact start, fact end) of a piece
            "F0": operator.itemgetter(0), "F1": operator.itemgetter(1), "F2": operator.itemgetter(2),
            "F3": operator.itemgetter(3)}
        self._names: dict[tuple[type, object], str] = {}

    def add(self, value: object) -> str:
        """The name of a constant (equal values share one)."""
        key = (type(value), value)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = f"C{len(self.values)}"
            self.values[name] = value
        return name

    def fresh(self, value: object) -> str:
        """The name of a constant of its own (a value that cannot be a key: a dict)."""
        name = f"C{len(self.values)}"
        self.values[name] = value
        return name


class _Tables:
    """The tables the generated code sorts a scenario's facts into (`table`), and the code that
    fills them (`dispatch`, `temporal_code`)."""

    def __init__(self, lib: Library, interp: A.InterpretationDecl | None, constants: _Constants,
                 numbers: dict[str, int] | None = None):
        self.lib, self.interp, self.constants = lib, interp, constants
        self.codes: dict[str, int] = {}  # kind -> its number in `run`'s dispatch
        # the numbers to give the kinds (a part of a program reads the facts as the program does:
        # `Program.leaving`); None: numbered here, from 1
        self.numbers = numbers
        self.lists: dict[str, str] = {}  # a kind a within/after/before reads -> the list of its facts
        self.groups: dict[tuple[str, str | None], str] = {}  # (kind, role) -> its facts by value (`by_value`)
        # each of those -> its line in `temporal_code` and the lists of the first facts that look in it
        self.lookers: dict[str, tuple[int, list[str]]] = {}
        self.names: dict[tuple[object, ...], str] = {}  # (leaf key, start, tests, mode) -> table name
        # table name -> what it keeps for a binding: the "first" day it holds, the "runs" of days it
        # holds (`ongoing`; a fact with a place test: `_placed`), every matching fact's days
        # ("facts": memberships change), their "starts" (`until`); where memberships change, a
        # fact with a place test keeps its runs with its own days ("pieces": which count is per
        # fact), and a within/after/before every pair of facts with its day ("pairs"); a fact
        # beside `not` over facts of a variable read as "some value", where memberships change,
        # each value's facts (or "pieces", or an `ongoing` fact's days) with those under `not`
        # ("antijoin", "antijoin pieces", "antijoin runs": `antijoin`); a provision's instances,
        # their timelines ("states": `states`)
        self.modes: dict[str, str] = {}
        # (kind, start) -> the tables of the facts of that kind (`_Filled`)
        self.occurred: dict[tuple[str, int], list[_Filled]] = {}
        self.places: dict[tuple[tuple[A.PlaceOf, ...], ...], str] = {}  # see `_placed`
        self.temporal_code: list[str] = []
        self.passes: dict[tuple[str, str, tuple[A.Cond, ...]], str] = {}  # see `passing`
        # the values the provision being written reads a variable's table entries by (`reading`)
        self.reader: dict[str, frozenset[str]] = {}
        # table -> its variable -> the values its readers read it by (None: any): `_fill` keeps only those
        self.read_by: dict[str, dict[str, frozenset[str] | None]] = {}

    def table(self, leaf: A.Cond, start: int, tests: dict[str, tuple[A.Cond, ...]], probe: TreatyRun,
              starts: bool = False, fixed: bool = True) -> str:
        """The name of the table of a fact or within/after/before of a condition: the values of
        its variables (sorted; one value, or a tuple) -> the first day it holds, from `start`;
        of an `ongoing` fact, or any fact in a treaty whose memberships change (not `fixed`: which
        facts count differs from one pair of parties to the next): -> the (start, end) of each
        matching fact, from `start`; with `starts`, of a discharge condition's fact: -> the
        (start, end) of each, with its own start.
        `tests`: the leaf's variables read as "some value" (`_hidden`) -> the tests beside it; `probe`:
        its treaty's run (`passing`). The tables of the facts of one kind are filled in one pass
        over its facts. A place test (`A territory of X`) keeps, of each matching fact's days
        (from its start for good, or while it is under way), those on which it holds (`_placed`)."""
        negs = {v: items for v, ts in tests.items() if (items := tuple(t.item for t in ts if negated(t)))}
        if negs:  # (`_hidden`: of one variable, beside no place test of it)
            (var, items), = negs.items()
            fixed_tests = tuple(t for t in tests[var] if not negated(t))
            others = {v: ts for v, ts in tests.items() if v != var}  # (tested as in any table of the fact)
            return self.antijoin(leaf, var, items, start, probe, fixed,
                                 self.passing(var, fixed_tests, probe) if fixed_tests else "", others)
        # a variable read as "some value" -> the function that tests its values ("": none)
        hidden = {v: self.passing(v, fixed_tests, probe) if (fixed_tests := tuple(
            t for t in ts if not _alternatives(t, v))) else "" for v, ts in tests.items()}
        places = tuple(alts for v, ts in tests.items() for t in ts if (alts := _alternatives(t, v)))
        placed = self.placed(places, isinstance(leaf, A.Ongoing)) if places else ""
        mode = ("starts" if starts else "pieces" if places and not fixed else "runs" if isinstance(leaf, A.Ongoing)
                or places else "first" if fixed else "pairs" if isinstance(leaf, A.Temporal) else "facts")
        key = (C.leaf_key(leaf), start, tuple(hidden.items()), mode, placed)
        names = tuple(n for n in C.names(leaf) if n not in tests)
        name = self.names.get(key)
        if name is not None:
            self._read(name, names)
            return name
        name = self.names[key] = f"T{len(self.names)}"
        self.modes[name] = mode
        self._read(name, names)
        if isinstance(leaf, (A.Occurred, A.Ongoing)):
            self.occurred.setdefault((leaf.atom.kind, start), []).append((name, leaf.atom, names, hidden, mode, placed))
            return name
        assert not places  # (`_hidden`: not beside a relation between facts)
        assert isinstance(leaf, A.Temporal)
        for kind in (leaf.first.kind, leaf.second.kind):
            if kind not in self.lists:
                self.lists[kind] = f"L{len(self.lists)}"
        bound = set(A.variables(A.Occurred(leaf.first, leaf.span)))
        # the facts of the second kind, by start, grouped by the value of a role that must equal a
        # variable the first fact bound (`by_value`): for each first fact only the group of its
        # value, and in it only the starts the relation allows (`C.partners`), are looked at,
        # instead of every fact of the second kind (a sweep over sorted intervals, not all pairs)
        join = next(((a.role, a.value.name) for a in leaf.second.args
                     if isinstance(a.value, A.Var) and a.value.name in bound), None)
        role = None if join is None else join[0]
        groups = self.groups.get((leaf.second.kind, role))
        if groups is None:
            groups = self.groups[(leaf.second.kind, role)] = f"G{len(self.groups)}"
            self.lookers[groups] = (len(self.temporal_code), [])  # (when it is worked out: `temporal`)
            self.temporal_code.append(f"    {groups} = by_value({self.lists[leaf.second.kind]}, {role!r})")
        self.lookers[groups][1].append(self.lists[leaf.first.kind])
        first_only = set(names) <= bound  # (before `unify` adds the second fact's variables)
        self.temporal_code += _pair_loop(
            leaf, start, name, names, self.lists[leaf.first.kind], self.unify(leaf.first, "r1", set(), hidden),
            f"{groups}.get({'None' if join is None else f'v_{join[1]}'})", self.unify(leaf.second, "r2", bound, hidden),
            first_only, every=mode == "pairs")
        return name

    def reading(self, reader: dict[str, frozenset[str]]) -> None:
        """The provision whose code is written next reads the tables it asks for (`table`) by
        these values of these variables only (its beneficiaries, its bearers: the code's `x` and
        `y`), and any value of the others."""
        self.reader = reader

    def _read(self, name: str, names: tuple[str, ...]) -> None:
        """Table `name`, keyed by the variables `names`, is read by the provision being written
        (`reading`): the values by which any provision reads each variable's entries."""
        read = self.read_by.setdefault(name, {})
        for v in names:
            if v not in read:
                read[v] = self.reader.get(v)
            elif (was := read[v]) is not None:
                mine = self.reader.get(v)
                read[v] = None if mine is None else was | mine

    def _kept(self, name: str, names: tuple[str, ...]) -> str:
        """A test, in the pass that fills table `name`, that keeps only the entries some provision
        reads (`_read`: a beneficiary of its, a bearer): a fact about other parties fills nothing,
        and the provisions of a treaty none of whose parties a scenario names find their tables
        empty. "" where any value is read."""
        return "".join(f" and v_{v} in {parties}" for v, parties in self._kept_sets(name, names))

    def _kept_sets(self, name: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
        """The tests of `_kept`: each variable of `names` that is read by some values only, and
        the name of the constant set of them."""
        read = self.read_by.get(name, {})
        return [(v, self.constants.add(values)) for v in names if (values := read.get(v)) is not None]

    def temporal(self) -> list[str]:
        """`temporal_code`, where the facts of a kind are grouped by value (`by_value`) only in a
        scenario with facts of that kind and of a kind whose facts look in the groups (else none)."""
        code = list(self.temporal_code)
        for (kind, _), group in self.groups.items():
            at, firsts = self.lookers[group]
            looking = list(dict.fromkeys(firsts))
            test = looking[0] if len(looking) == 1 else f"({' or '.join(looking)})"
            code[at] += f" if {self.lists[kind]} and {test} else {{}}"
        return code

    def states(self, treaty: str, provision: str) -> str:
        """The table of a provision's instances whose states another provision of its treaty reads
        (`p active for X`): beneficiary -> bearer -> (its timeline, its activation day or None),
        for every instance that left dormant; its code fills it as it works them out (in the
        order `_Generator.source` writes provisions: each after those whose states it reads), and
        `state_runs` gives the days on which one is in a state."""
        key = ("states", treaty, provision)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"T{len(self.names)}"
            self.modes[name] = "states"
        return name

    def antijoin(self, leaf: A.Cond, var: str, negs: tuple[A.Cond, ...], start: int, probe: TreatyRun,
                 fixed: bool, passes: str = "", others: dict[str, tuple[A.Cond, ...]] | None = None) -> str:
        """The table of a fact beside `not` over facts that name its variable `var`, read as "some
        value" (`_hidden`: `threat(by: S, on: X) and not consult(by: S, with: X)`), per binding
        of the parties' variables, filled after the facts' own tables (`var` in their keys): where
        the parties are members for good (`fixed`), the runs of days on which, for some value of
        `var`, the fact holds and none of those under `not` has started; else, for each value,
        the matching facts (or, with a place test, their runs of days with the facts' own:
        "antijoin pieces"; of an `ongoing` fact, "antijoin runs") and those of each fact under
        `not`, of which each pair of members sees those that overlap both memberships
        (`unanswered`). `passes`: the function that tests a value of `var` (`passing`: `S is a
        state` beside it), or ""; `others`: the fact's other variables read as "some value" (its
        place A) -> the tests beside it (`A territory of X`), which its own table applies
        (`table`)."""
        others = others or {}
        # (each value of `var`: the first day, or the runs of days on which a place test holds,
        # or, where memberships change, the facts, or their runs of days with their own)
        first = self.table(leaf, start, others, probe, fixed=fixed)
        key = ("antijoin", first, var, tuple(C.leaf_key(n) for n in negs), fixed, passes)
        name = self.names.get(key)
        if name is not None:
            return name
        name = self.names[key] = f"T{len(self.names)}"
        self.modes[name] = "runs" if fixed else {"pieces": "antijoin pieces", "runs": "antijoin runs"}.get(
            self.modes[first], "antijoin")
        names = tuple(n for n in C.names(leaf) if n not in others)
        unpack = f"        {''.join(f'v_{n}, ' for n in names)}= {'(k,)' if len(names) == 1 else 'k'}" + (
            f"\n        if not {passes}[v_{var}]: continue" if passes else "")
        out_key = _key(tuple(n for n in names if n != var))
        if fixed:
            ends = [f"{self.table(n, start, {}, probe)}.get({_key(C.names(n))}, NEVER)" for n in negs]
            end = ends[0] if len(ends) == 1 else "min(" + ", ".join(ends) + ")"
            if self.modes[first] == "runs":  # (its runs of days, cut where the first fact under `not` starts)
                self.temporal_code += [
                    f"    for k, rs in {first}.items():", unpack,
                    f"        n = {end}",
                    "        for d, e in rs:",
                    f"            if d < n: {name}.setdefault({out_key}, []).append((d, e if e < n else n - 1))"]
                return name
            self.temporal_code += [
                f"    for k, d in {first}.items():", unpack,
                f"        n = {end}",
                f"        if d < n: {name}.setdefault({out_key}, []).append((d, n - 1 if n <= BIG else BIG))"]
            return name
        facts = [f"{self.table(n, start, {}, probe, fixed=False)}.get({_key(C.names(n))}, ())" for n in negs]
        self.temporal_code += [
            f"    for k, d in {first}.items():", unpack,
            f"        {name}.setdefault({out_key}, []).append((d, ({''.join(f + ', ' for f in facts)})))"]
        return name

    def placed(self, tests: tuple[tuple[A.PlaceOf, ...], ...], ongoing: bool) -> str:
        """A call, in the dispatch's loop over a kind's facts (s1, e1: the fact's days), that
        gives the runs of days on which the fact's condition holds with its place tests (each
        one of its alternatives): from its start for good (or to its end, `ongoing`), cut where a
        place changes hands (`_placed`)."""
        fn = self.places.get(tests)
        if fn is None:
            fn = self.places[tests] = self.constants.fresh(_placed(self.lib, self.interp, tests))
        flat = [t for alts in tests for t in alts]
        whos = ", ".join(f"v_{t.party.name}" if isinstance(t.party, A.Var) else repr(str(t.party)) for t in flat)
        places = ", ".join(f"v_{t.var}" for t in flat)
        return f"{fn}(s1, {'e1' if ongoing else 'BIG'}, ({places},), ({whos},))"

    def passing(self, var: str, tests: tuple[A.Cond, ...], probe: TreatyRun) -> str:
        """The name of a table of the generated code (`C[value]`): whether a value of `var` passes
        `tests` (fixed for a value: `C.fixed_test`), as the engine's solver answers, once per value."""
        scoped = any(isinstance(n, A.InArea) and n.what == "scope" for c in tests for n in A.walk(c))
        key = (probe.treaty.id if scoped else "", var, tests)  # a scope is its treaty's
        name = self.passes.get(key)
        if name is None:
            name = self.passes[key] = self.constants.fresh(_Passing(probe, var, tests))
        return name

    def unify(self, atom: A.Atom, roles: str, bound: set[str],
              hidden: dict[str, str] | None = None, got: dict[str, str] | None = None) -> str:
        """`scenario.unify` of one atom against the roles dict named `roles`, as one expression
        that binds `v_<Var>` for the variables not yet in `bound` (and adds them); a variable of
        `hidden` (-> the function that tests its value) is tested as soon as it is bound. `got`:
        the roles already read into locals (role -> its local's name). A role's fixed value is
        tested before any variable is bound (a cheap test that fails first spares a place's)."""
        parts, fixed = [], []
        for a in atom.args:
            v = a.value
            if isinstance(v, A.Wildcard):
                continue
            have = got[a.role] if got and a.role in got else f"{roles}.get({a.role!r})"
            if isinstance(v, A.Var):
                if v.name in bound:
                    parts.append(f"{have} == v_{v.name}")
                else:
                    bound.add(v.name)
                    parts.append(f"(v_{v.name} := {have}) is not None")
                    if hidden and hidden.get(v.name):
                        parts.append(f"{hidden[v.name]}[v_{v.name}]")
            elif isinstance(v, A.Code):
                if a.role in ("at", "in") and is_country(v.code):
                    self.constants.values["country_of"] = country_of
                    fixed.append(f"((h := {have}) == {v.code!r} or h is not None and country_of(h) == {v.code!r})")
                else:
                    fixed.append(f"{have} == {v.code!r}")
            else:
                assert isinstance(v, A.Name)
                fixed.append(f"{have} == {v.name!r}")
        return " and ".join(fixed + parts) or "True"

    def dispatch(self) -> list[str]:
        """One pass over the facts files each under its kind's number; then one pass over the
        facts of each kind a condition reads (its own and its subkinds') fills its tables, those
        of every treaty (`_fill`)."""
        slots = {kind for kind, _ in self.occurred} | set(self.lists)
        by_slot: dict[str, list[int]] = {}
        for kind in sorted(self.lib.kinds):
            mine = [k for k in self.lib.kinds[kind].ancestors if k in slots]
            if mine:
                n = len(self.codes) + 1 if self.numbers is None else self.numbers[kind]  # (KeyError: unread)
                self.codes[kind] = n
                for k in mine:
                    by_slot.setdefault(k, []).append(n)
        if not self.codes:
            return []
        # (one list more, the last: the withdrawals, `Program.withdrawal`, which no table reads)
        lists = len(self.codes) if self.numbers is None else len(self.numbers)
        code = [f"    K = ({'[], ' * (lists + 2)})",
                "    for (c, r1, e1), s1 in zip(hits, starts):",
                "        if c:",
                "            if e1 is None: e1 = s1",
                "            elif e1 < s1: raise Invalid",
                "            K[c].append((s1, e1, r1))"]
        for slot, name in self.lists.items():
            code.append(f"    {name} = {' + '.join(f'K[{n}]' for n in by_slot.get(slot, ())) or '[]'}")
        by_kind: dict[str, list[tuple[int, list[_Filled]]]] = {}
        for (kind, start), tables in self.occurred.items():
            by_kind.setdefault(kind, []).append((start, tables))
        for kind, groups in by_kind.items():
            ns = by_slot.get(kind, ())
            if ns:  # one pass over a kind's facts for every treaty's tables, by entry into force
                code.append(f"    for s1, e1, r1 in {' + '.join(f'K[{n}]' for n in ns)}:")
                code += self._fill(sorted(groups, key=lambda group: group[0]))
        return code

    def _fill(self, groups: list[tuple[int, list[_Filled]]]) -> list[str]:
        """The body of the pass over a kind's facts: its tables, those of a later entry into force
        after those of an earlier one (a fact that ends before one ends before the next: `continue`;
        its start moved up to one is moved up to the next by the same test)."""
        # a role more than one table reads is read once per fact
        reads = Counter(a.role for _, tables in groups for t in tables for a in t[1].args
                        if not isinstance(a.value, A.Wildcard))
        got = {role: f"r1_{role}" for role, n in sorted(reads.items()) if n > 1}
        code = [f"        if e1 < {groups[0][0]}: continue", *(f"        {v} = r1.get({r!r})" for r, v in got.items())]
        # a discharge condition's facts count from their own start (`Solver.holds_after`), the
        # others' from entry into force: theirs come before any start is moved
        for i, (start, tables) in enumerate(groups):
            for name, atom, names, hidden, _, _ in (t for t in tables if t[4] == "starts"):
                match = self.unify(atom, "r1", set(), hidden, got) + self._kept(name, names)
                test = match if i == 0 else f"e1 >= {start} and {match}"
                code.append(f"        if {test}: {name}.setdefault({_key(names)}, []).append((s1, e1))")
        for i, (start, tables) in enumerate(groups):
            rest = [t for t in tables if t[4] != "starts"]
            if not rest:
                continue
            if i > 0:
                code.append(f"        if e1 < {start}: continue")
            code.append(f"        if s1 < {start}: s1 = {start}")
            guard = self._guard(rest, got)
            if guard:
                code.append(f"        if {guard}:")
            at = "            " if guard else "        "
            for name, atom, names, hidden, mode, placed in rest:
                key, match = _key(names), self.unify(atom, "r1", set(), hidden, got) + self._kept(name, names)
                if mode == "pieces":
                    code.append(f"{at}if {match}: {name}.setdefault({key}, []).extend("
                                f"[(a, b, s1, e1) for a, b in {placed}])")
                elif placed:
                    code.append(f"{at}if {match}: {name}.setdefault({key}, []).extend({placed})")
                elif mode in ("runs", "facts"):
                    code.append(f"{at}if {match}: {name}.setdefault({key}, []).append((s1, e1))")
                else:
                    code.append(f"{at}if {match} and s1 < {name}.get({key}, NEVER): {name}[{key}] = s1")
        return code

    def _guard(self, tables: list[_Filled], got: dict[str, str]) -> str:
        """A test, before the tables of one entry into force in the pass over a kind's facts, that
        every one of them makes (`_kept`): a role's value among the parties they are read for
        (those of a treaty), so that a fact about other parties is tested once, not by each
        table. "" where they share no such test."""
        shared: set[tuple[str, str]] | None = None
        for name, atom, names, _, _, _ in tables:
            roles: dict[str, str] = {}  # variable -> the role it is read from (the first: the others test equality)
            for a in atom.args:
                if isinstance(a.value, A.Var):
                    roles.setdefault(a.value.name, a.role)
            tests = {(roles[v], parties) for v, parties in self._kept_sets(name, names) if v in roles}
            shared = tests if shared is None else shared & tests
            if not shared:
                return ""
        if not shared:
            return ""
        role, constant = min(shared)
        return f"{got.get(role) or f'r1.get({role!r})'} in {constant}"


def _unhidden(leaf: A.Cond, hidden: Collection[str]) -> tuple[str, ...]:
    """The variables of a leaf that key its table: all but those read as "some value"."""
    return tuple(n for n in C.names(leaf) if n not in hidden)


def _pair_loop(leaf: A.Temporal, start: int, table: str, names: tuple[str, ...], firsts: str, first: str,
               group: str, second: str, first_only: bool, every: bool = False) -> list[str]:
    """Generated code that fills `table` for a within/after/before/during/overlapping: for each
    fact of the list `firsts` that passes `first` (the first atom's unification), the facts of
    its `group` (by start) whose starts the relation allows, bisected, each tested in full
    (`C.relation_ok`) and by `second`. `first_only`: the table's key is the first fact's
    variables only, so the first pair that holds, by start, gives the least day (the later
    start) and the rest of the window is passed over. `every` (memberships change: which pairs
    count is each pair of parties' own, `first_pair`): every pair, as (day, s1, e1, s2, e2)."""
    lo, hi = C.gap_bounds(leaf)
    window: tuple[str | None, str | None]  # the bounds on s2 (`C.partners`; None: unbounded)
    if leaf.op == "during":  # C.relation_ok: A starts within B's interval
        test, window = "s2 <= s1 <= e2", (None, "s1")
    elif leaf.op == "overlapping":  # C.relation_ok: the intervals share a day
        test, window = "s1 <= e2 and s2 <= e1", (None, "e1")
    else:  # within / after / before: the days between the starts (C.gap_bounds)
        test = (f"{lo} <= s1 - s2 <= {hi}" if lo is not None and hi is not None else
                f"s1 - s2 >= {lo}" if lo is not None else f"s1 - s2 < {(hi or 0) + 1}")
        window = (None if hi is None else f"s1 - {hi}"), (None if lo is None else f"s1 - {lo}")
    i = "0" if window[0] is None else f"bisect_left(g[0], {window[0]})"
    j = "len(g[0])" if window[1] is None else f"bisect_right(g[0], {window[1]})"
    return [f"    for s1, e1, r1 in {firsts}:",
            f"        if e1 < {start} or not ({first}): continue",
            f"        g = {group}",
            "        if g is None: continue",
            "        gf = g[1]",
            f"        for n in range({i}, {j}):",  # not a slice: a copy of the window, however soon it stops
            "            s2, e2, r2 = gf[n]",
            f"            if e2 < {start} or not ({test}) or not ({second}): continue",
            f"            k = {_key(names)}",
            "            d = s1 if s1 > s2 else s2",
            f"            if d < {start}: d = {start}",
            *([f"            {table}.setdefault(k, []).append((d, s1, e1, s2, e2))"] if every else
              [f"            if d < {table}.get(k, NEVER): {table}[k] = d",
               *(["            break"] if first_only else [])])]


class _Passing(dict[str, bool]):
    """Value -> whether it passes the tests of a variable (`_Tables.passing`), as the engine's
    solver answers, worked out the first time the generated code reads it (`__missing__`): the
    same parties recur, and a read is a lookup, not a call."""

    def __init__(self, probe: TreatyRun, var: str, tests: tuple[A.Cond, ...]):
        super().__init__()
        self.solver, self.start, self.var, self.tests = probe.solver, probe.ctx.start, var, tests

    def __missing__(self, value: str) -> bool:
        got = self[value] = all(next(self.solver.solve(c, {self.var: value}, self.start, ()), None) is not None
                                for c in self.tests)
        return got


def _key(names: tuple[str, ...], seed: dict[str, str] | None = None) -> str:
    """The key of a table (`_Generator.table`) in generated code."""
    vals = [seed[n] if seed is not None else f"v_{n}" for n in names]
    if len(vals) == 1:
        return vals[0]
    return "(" + "".join(v + ", " for v in vals) + ")" if vals else "()"
