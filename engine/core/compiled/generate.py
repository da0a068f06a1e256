"""The generated source of a selection (`_Generator`): the tables filled, then, treaty by
treaty and provision by provision, each instance's life worked out over its days from the
lifecycle's decision trees (`_Life`), written as Python a hand-written evaluator would be."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Sequence
from typing import cast

from engine.base.memo import collector_paused
from engine.core import records
from engine.core.compiled.plan import _BY, _action_leaf, _beneficiaries, _machine, _monotone, _ProvisionPlan, bound
from engine.core.compiled.runtime import span_days
from engine.core.compiled.tables import _LEAVES, _Constants, _key, _Tables, _unhidden
from engine.core.evaluate import TreatyRun, _natural
from engine.kernel import conditions as C
from engine.kernel import lifecycle
from engine.kernel.context import TreatyContext
from engine.kernel.facts import BIG
from engine.language import ast as A
from engine.language.library import Library

# a provision with more possible beneficiaries than this goes through those its tables name
# (`_Generator.beneficiaries`): NATO's 32, not the peers' five
_FEW = 8

# a selection of more compiled provisions than this shares the code of provisions written alike
# (`_Generator.shared`): Python compiles a provision's own code in ~0.6 ms, and a call costs
# ~60 ns a scenario (2 µs of a peers' scenario's 38 at 32 provisions); the peers' 32 provisions
# and the bundled library's 40 have their own code, the peers' 136 to 2,023 share
_SHARE_FROM = 64

# where memberships change, how the code reads a fact beside `not` over facts of a variable read
# as "some value" (`_Tables.antijoin`): by the mode of its table
_UNANSWERED = {"antijoin": "unanswered", "antijoin pieces": "unanswered_pieces", "antijoin runs": "unanswered_runs"}
# the modes of the tables whose entries an instance's code reads as the runs of days on which its
# fact holds (`_Life._day`): an instance of another provision in its state, an `ongoing` fact, a
# fact cut by place, one beside `not`; the others give a first day
_RUNS = {"states", "runs", "pieces", *_UNANSWERED}

# a name of the code of one provision that `run` gives its function (`_Generator.shared`): a
# table, a constant, or a local of `run` (not in a string: a subdivision code such as 'XX-T1')
_SHARED_NAME = re.compile(r"[TCSM][A-Z0-9]*\b")  # (a prefix the scan finds fast; `_SHARED` says which)
_SHARED = re.compile(r"[TC][0-9]+|SM|MEM|MDAYS")


# whether the bearer is a member on day t, from its spans (`_Life.day`)
_BEARER_MEMBER = "member(sy, t)"


def _chained(entries: list[str]) -> str:
    """An expression of the items of one or more tables' entries, in turn (`chain`: in C, where a
    comprehension over each would make a function call of each)."""
    return entries[0] if len(entries) == 1 else f"chain({', '.join(entries)})"


def _function(source: str, constants: _Constants, what: str = "") -> Callable[..., list[object]]:
    """The function `run` of generated source, with its constants."""
    namespace: dict[str, object] = dict(constants.values)
    with collector_paused():
        code = compile(source, f"<casus compiled {what}code>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, from the checked library
    return cast("Callable[..., list[object]]", namespace["run"])


class _Membership:
    """The constants of the generated code that say who is a member when, in a treaty whose
    memberships change, and whose duties are suspended when (or, with `members`, for a scenario in
    which parties withdraw: `Program.leaving`, the variables `run` sets from its argument)."""

    def __init__(self, constants: _Constants, members: bool):
        self.constants, self.members = constants, members
        self.memberships: dict[str, tuple[str, str]] = {}  # see `spans`
        self.suspended: dict[str, tuple[str, str]] = {}  # see `suspensions`

    def spans(self, ctx: TreatyContext) -> tuple[str, str]:
        """The names of two constants of the generated code for a treaty whose memberships
        change: party -> its membership spans; spans -> the days on which they can change a
        status (each first day, each day after a last). (With `members`: two variables that
        `run` sets from its argument.)"""
        if self.members:
            return "MEM", "MDAYS"
        names = self.memberships.get(ctx.treaty.id)
        if names is None:
            of = {x: tuple(ctx.members[x]) for x in ctx.parties}
            days = {spans: span_days(spans) for spans in of.values()}
            names = self.memberships[ctx.treaty.id] = (self.constants.fresh(of), self.constants.fresh(days))
        return names

    def classes(self, ctx: TreatyContext, pool: Sequence[str]) -> tuple[str, str]:
        """The names of two constants of the generated code for a treaty whose memberships change
        (as declared: not `members`): its bearers' classes of memberships (the distinct spans of
        those of `pool`: NATO's founders, those who joined on one day), and each bearer's class,
        in the order of `pool`."""
        of = cast("dict[str, tuple[tuple[int, int], ...]]", self.constants.values[self.spans(ctx)[0]])
        classes = tuple(dict.fromkeys(of[b] for b in pool))
        return self.constants.add(classes), self.constants.add(tuple(classes.index(of[b]) for b in pool))

    def pair_spans(self, ctx: TreatyContext, p: A.Provision, sx: bool = True) -> str:
        """Code that sets `sx` (unless not `sx`: set already, for the beneficiary `x`) and `sy`, the
        beneficiary's and the bearer's membership spans, and `vx` (`seer`)."""
        members = self.spans(ctx)[0]
        return f"{f'sx = {members}.get(x, ()); ' if sx else ''}sy = {members}.get(y, ()); {self.seer(p)}"

    @staticmethod
    def seer(p: A.Provision) -> str:
        """Code that sets `vx`: whose membership a fact must overlap beside the bearer's (the
        beneficiary's, or, for a provision that protects a class wider than the parties, the
        bearer's again: `TreatyContext.seers`)."""
        return f"vx = {'sy' if p.protects is not None else 'sx'}"

    def suspensions(self, ctx: TreatyContext) -> tuple[str, str]:
        """The names of two constants of the generated code for a treaty that suspends duties:
        (bearer, beneficiary) -> the spans of days on which the bearer's duties toward the
        beneficiary are suspended; -> the days on which they start and end (the day after)."""
        names = self.suspended.get(ctx.treaty.id)
        if names is None:
            spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
            for bearer, beneficiary, s, e in ctx.suspensions:
                spans.setdefault((bearer, beneficiary), []).append((s, e))
            days = {pair: tuple(d for s, e in sp for d in (s, e + 1) if d <= BIG) for pair, sp in spans.items()}
            names = self.suspended[ctx.treaty.id] = (
                self.constants.fresh({pair: tuple(sp) for pair, sp in spans.items()}), self.constants.fresh(days))
        return names


class _Generator:
    """The generated source of a selection: `run`, which fills the tables (`_Tables`), then
    works out each compiled provision's instances and appends their CSV lines, in treaty order
    (the engine's lines of the other treaties in their place)."""

    def __init__(self, lib: Library, interp: A.InterpretationDecl | None,
                 plans: dict[str, list[_ProvisionPlan]], order: list[str], rows: bool = False,
                 members: bool = False, numbers: dict[str, int] | None = None):
        self.lib, self.interp, self.plans, self.order = lib, interp, plans, order
        # the parties' membership spans: the treaty's as declared (constants), or (`members`, for
        # a scenario in which parties withdraw: `Program.leaving`) the argument `members` of `run`
        self.members = members
        # what `run` gives: CSV lines, or (`rows`, for the result JSON) each listed instance as
        # ((treaty, provision), bearer, beneficiary, status, activation day or None, since, timeline)
        self.rows = rows
        # the provisions whose states another provision reads (`p active for X`): (treaty, id)
        self.read = {(tid, ref.provision) for tid, pps in plans.items() for pp in pps
                     for c in A.clauses(pp.p) for ref, _ in A.state_refs(c)}
        self.keep = _Keeping(rows)  # what the code of one instance of the provision being written keeps
        self.constants = _Constants()
        self.orders: dict[tuple[str, ...], str] = {}  # beneficiaries -> the constant of their order (`keyed`)
        self.tables = _Tables(lib, interp, self.constants, numbers)
        self.body: list[str] = []
        # the code of a provision, its tables and constants as parameters -> the name of the
        # function that runs it and its number of parameters (`shared`): provisions written alike
        # share one
        self.functions: dict[str, tuple[str, int]] = {}
        self.share = sum(map(len, plans.values())) > _SHARE_FROM
        # the provision being written: its variables read as "some value" (`_hidden`)
        self.hidden: dict[str, tuple[tuple[A.Cond, tuple[A.Cond, ...]], ...]] = {}
        self.membership = _Membership(self.constants, members)
        self.membership_days = ""  # its treaty's, if its memberships change (`_Membership.spans`)
        self.life = _Life(self)  # writes each instance's life
        self.probes: dict[str, TreatyRun] = {}  # each treaty's run without facts (`provision`)

    def const(self, value: object) -> str:
        return self.constants.add(value)

    def source(self) -> str:
        """`run` and the functions its provisions share, as Python source. (The cycle collector
        is paused meanwhile: writing a large library's code makes many objects that live on,
        which it would walk again and again: a third of the time at 2,000 provisions.)"""
        with collector_paused():
            return self._source()

    def _source(self) -> str:
        for tid in self.order:
            if tid not in self.plans:
                if not self.rows:  # (rows: the engine's outcomes are put in place by the caller)
                    self.body.append(f"    out.extend(others[{tid!r}])")
                continue
            treaty = self.lib.treaties[tid]
            # a treaty a withdrawal of the scenario names: the engine's lines (`Program.withdrawn`)
            if self.rows:
                self.body += [f"    if {tid!r} not in others:", "        pass"]
            else:
                self.body += [f"    if {tid!r} in others:", f"        out.extend(others[{tid!r}])", "    else:",
                              "        pass"]
            block = len(self.body)
            listed = sorted(self.plans[tid], key=lambda pp: _natural(pp.p.id))  # the engine's order of lines
            order = _stratified(listed)
            reordered = order != listed
            for pp in order:
                if reordered:  # (its lines in a list of their own, put in their place below)
                    self.body.append(f"    out = B{listed.index(pp)} = []")
                start = len(self.body)
                self.provision(treaty, pp)
                self.body[start:] = self.shared(self.body[start:])
            if reordered:
                self.body.append("    out = O_")
                self.body += [f"    out += B{k}" for k in range(len(listed))]
                self.body.insert(block, "    O_ = out")
            self.body[block:] = ["    " + line for line in self.body[block:]]
        lines = [line for code, (name, count) in self.functions.items()
                 for line in (f"def {name}(out, {'' if self.rows else 'lead, '}"
                              f"{', '.join(f'p{i}' for i in range(count))}):", code)]
        lines += [f"def run(hits, starts, {'' if self.rows else 'lead, '}others{', members' if self.members else ''}):",
                 "    out = []",
                 "    SM = {}  # which facts of a table's entry a pair of memberships sees (`seen_in`)"]
        if self.members:  # (see `_Membership.spans`)
            lines += ["    MEM = members", "    MDAYS = SpanDays()"]
        lines += [f"    {name} = {{}}" for name in self.tables.names.values()]
        lines += self.tables.dispatch()
        lines += self.tables.temporal()
        lines += self.body
        lines.append("    return out")
        return "\n".join(lines) + "\n"

    def shared(self, code: list[str]) -> list[str]:
        """The code of one provision (lines of `run`) as a call of a function that runs it, with its
        tables, constants and the locals of `run` it reads as arguments: provisions written alike
        share one function, so the code Python compiles grows with the ways provisions are
        written, not with their number (the peers' generator writes 2,023 provisions, 768
        treaties, in 13 ways: 0.44 s to write and compile them, not 1.9 s: bench/codegen.py)."""
        if not self.share:
            return code
        head = 0  # its comments (which provision it is) stay in `run`
        while head < len(code) and code[head].lstrip().startswith("#"):
            head += 1
        if head == len(code):
            return code  # (nothing listed: no code)
        arguments: dict[str, str] = {}

        body = "\n".join(code[head:])

        def parameter(m: re.Match[str]) -> str:
            name, before = m.group(0), body[m.start() - 1] if m.start() else " "
            if before.isalnum() or before in "_-'\"" or not _SHARED.fullmatch(name):
                return name  # (part of another name, in a string, or no shared name)
            return arguments.setdefault(name, f"p{len(arguments)}")

        text = _SHARED_NAME.sub(parameter, body)
        name, _ = self.functions.setdefault(text, (f"run{len(self.functions)}", len(arguments)))
        return code[:head] + [f"    {name}(out, {'' if self.rows else 'lead, '}{', '.join(arguments)})"]

    def tables_of(self, pp: _ProvisionPlan, start: int, probe: TreatyRun) -> dict[int, str]:
        """The tables of a provision's facts (`C.tabled`: trigger, prerequisite, discharge
        condition), by the leaf's id."""
        p = pp.p
        out = {id(n): self.table(n, start, probe, fixed=pp.fixed) for c in (p.when, p.upon, p.unless)
               for n, _ in C.tabled(c) if id(n) not in pp.folded}
        # (a fact under `not` read with the fact beside it: that fact's table answers for both)
        out.update({n: out[id(fact)] for n, fact in pp.folded.items()})
        out.update({id(n): self.table(n, start, probe, starts=True, fixed=pp.fixed) for n, _ in C.tabled(p.until)})
        # (a state of another provision: the table its code files its instances in)
        out.update({id(r): self.tables.states(probe.treaty.id, r.provision) for c in A.clauses(p)
                    for r, _ in A.state_refs(c)})
        return out

    def instance(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str], probe: TreatyRun,
                 parties: list[str], pad: str, start: int, memo: str | None = None) -> None:
        """`day` for the bearer `y`: under its own trigger where its reservations add to it."""
        if not pp.variants:
            self.life.day(pp, tname, seed, probe, parties, pad, start, memo)
            return
        hidden = self.hidden
        for k, (party, variant) in enumerate(pp.variants):
            self.body.append(f"{pad}{'if' if k == 0 else 'elif'} y == {party!r}:")
            self.hidden = variant.hidden
            self.life.day(variant, self.tables_of(variant, start, probe), seed, probe, parties, pad + "    ", start)
        self.hidden = hidden
        self.body.append(f"{pad}else:")
        self.life.day(pp, tname, seed, probe, parties, pad + "    ", start)

    def table(self, leaf: A.Cond, start: int, probe: TreatyRun, starts: bool = False, fixed: bool = True) -> str:
        """`_Tables.table` for a leaf of the provision being written."""
        tests = {v: next(t for f, t in self.hidden[v] if f is leaf) for v in C.names(leaf) if v in self.hidden}
        return self.tables.table(leaf, start, tests, probe, starts, fixed)

    def names(self, leaf: A.Cond) -> tuple[str, ...]:
        return _unhidden(leaf, self.hidden)

    # ------------------------------------------------------------ provisions
    def provision(self, treaty: A.TreatyDecl, pp: _ProvisionPlan) -> None:
        """Code that appends the CSV lines of a provision's listed instances, sorted by bearer
        and beneficiary (as the engine lists them)."""
        p = pp.p
        then, when, upon = p.then, p.when, p.upon
        assert then is not None and when is not None
        # a compiled treaty is in force for good: a fact counts from entry into force, for every
        # party, or (not `fixed`) for the parties whose membership it overlaps; who owes whom is
        # the context's, as the interpretation reads it (its membership entries)
        probe = self.probes.get(treaty.id)
        if probe is None:
            probe = self.probes[treaty.id] = TreatyRun(self.lib, treaty, [], self.interp)
        ctx = probe.ctx
        start, fixed = ctx.start, pp.fixed
        parties = list(ctx.parties)
        self.hidden = pp.hidden
        if not fixed:
            self.membership_days = self.membership.spans(ctx)[1]
        self.keep.filing(self.tables.states(treaty.id, p.id) if (treaty.id, p.id) in self.read else "")
        out = self.body
        out.append(f"    # {treaty.id}.{p.id}")
        line = _Lines(self, treaty, p)
        benefs = _beneficiaries(self.lib, ctx, p)
        reading = self.interp.name if self.interp is not None else "default"
        if not benefs or p.version is not None and not p.version.read_under(reading):
            return  # (a text that does not apply under the reading is never triggered: nothing listed)
        # its code reads its tables by its beneficiaries and its bearers only (`x`, `y`)
        bearers = frozenset(ctx.bearer_pool(then.bearer)[0])
        reader = {_BY: bearers}
        for var, values in ((pp.ben_var, frozenset(benefs)), (pp.bearer_var, bearers)):
            if var:
                reader[var] = reader.get(var, frozenset()) | values
        self.tables.reading(reader)
        tname = self.tables_of(pp, start, probe)
        x, y = "x", "y"  # the beneficiary, the bearer
        seed = {v: (x if v == pp.ben_var else y) for v in (pp.ben_var, pp.bearer_var) if v}
        # (whether the bearer acted, its duties are suspended, its reservation adds to its trigger,
        # is its own: every instance is worked out for itself)
        own = pp.bearer_var is not None and any(pp.bearer_var in A.variables(c) for c in (when, upon, p.unless, p.until)
                                                if c is not None)
        acted_only = "action" in pp.machine.asks() and not (pp.suspends or pp.variants or own)
        per_bearer = "action" in pp.machine.asks() or pp.suspends or bool(pp.variants) or own
        # only values that a fact outside `not` binds can be beneficiaries (and bearers taken
        # from the trigger): every way the trigger holds binds them (`_plan_of`)
        ben_filter = _sources(tname, when, pp.ben_var, x, {}, self.hidden) if pp.ben_var else None
        # every beneficiary the trigger can hold for is a key of one of these tables: a scenario
        # with no fact in any lists nothing (most of the peers' provisions, in most scenarios)
        driver = _driver(when, pp.ben_var, tname, self.hidden) if pp.ben_var else None
        block = len(self.body)
        self.instances(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, driver, line, start, per_bearer,
                       acted_only)
        if driver:
            self.body[block:] = [f"    if {' or '.join(driver)}:", *("    " + code for code in self.body[block:])]

    def instances(self, pp: _ProvisionPlan, ctx: TreatyContext, tname: dict[int, str], seed: dict[str, str],
                  probe: TreatyRun, parties: list[str], benefs: Sequence[str], ben_filter: str | None,
                  driver: list[str] | None, line: _Lines, start: int, per_bearer: bool, acted_only: bool) -> None:
        """`provision`'s code of the instances: beneficiary by beneficiary, or, where the bearer
        is its own (`per_bearer`), instance by instance; both, split on whether anyone acted
        (`acted_only`)."""
        p, fixed = pp.p, pp.fixed
        if not per_bearer:
            self.per_beneficiary(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, driver, line, start)
            return
        if acted_only:
            # nobody acted (no fact of the action in the scenario): as if it were not asked
            self.body.append(f"    if not {self.table(_action_leaf(p), start, probe, fixed=fixed)}:")
            block = len(self.body)
            self.per_beneficiary(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, driver, line, start,
                                 acted=False)
            self.body[block:] = ["    " + code for code in self.body[block:]]
            self.body.append("    else:")
            block = len(self.body)
            self.per_bearer(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, driver, line, start)
            self.body[block:] = ["    " + code for code in self.body[block:]]
            return
        self.per_bearer(pp, ctx, tname, seed, probe, parties, benefs, ben_filter, driver, line, start)

    def per_beneficiary(self, pp: _ProvisionPlan, ctx: TreatyContext, tname: dict[int, str], seed: dict[str, str],
                        probe: TreatyRun, parties: list[str], benefs: Sequence[str], ben_filter: str | None,
                        driver: list[str] | None, line: _Lines, start: int, acted: bool = True) -> None:
        """The instances of one beneficiary live the same life whatever the bearer (its own
        membership aside): each beneficiary's once (per class of bearers alike in membership),
        then the lines, bearer by bearer (the engine's order). `acted`: whether the code reads
        the bearer's facts of the action (not: it has none)."""
        p, out, x, y = pp.p, self.body, "x", "y"
        when, upon = p.when, p.upon
        assert when is not None and p.then is not None
        fixed = pp.fixed
        pool, differ = ctx.bearer_pool(p.then.bearer)  # differ: the beneficiary is left out
        bearers = self.const(tuple(pool))
        # each beneficiary's status (`fixed`), or, per class of bearers, the statuses of those of its class
        out.append("    acts = []" if fixed else "    acts = {}")
        if not fixed and self.members:  # the bearers' classes by their memberships in this scenario
            out.append(f"    classes = tuple(dict.fromkeys(MEM.get(b, ()) for b in {bearers}))")
            out.append(f"    class_of = tuple(classes.index(MEM.get(b, ())) for b in {bearers})")
        out.append(f"    for {x} in {self.beneficiaries(benefs, driver)}:")
        if driver:  # every beneficiary is a key of one of these tables
            out.append(f"        if {' and '.join(f'{x} not in {t}' for t in driver)}: continue")
        elif ben_filter and not _monotone(when, upon):
            out.append(f"        if not ({ben_filter}): continue")
        if fixed:
            self.life.day(pp, tname, seed, probe, parties, "        ", start, acted=acted)
            out += self.keep.record("        ", f"for b_ in {bearers}" + (f" if b_ != {x}" if differ else ""))
            out.append(f"        if {self.keep.listed()}: acts.append(({x}, {line.act}))")
            out.append("    if acts:")
            out += line.lead("        ")
            out.append(f"        for {y} in {bearers}:")
            out += line.bearer("            ")
            out.append(f"            for {x}, {line.acted} in acts:")
            out.append(f"                if {y} != {x}: {line.of_act}" if differ else f"                {line.of_act}")
            return
        # the bearers whose memberships are the same (NATO's founders; those who joined on one
        # day) live the same life toward one beneficiary: once for each such class
        members = self.membership.spans(ctx)[0]
        if self.members:  # (worked out above)
            classes_name, class_of = "classes", "class_of"
        else:
            classes_name, class_of = self.membership.classes(ctx, pool)
        out.append(f"        sx = {members}.get({x}, ())")
        vx = self.membership.seer(p)
        if not C.needs_fact(when):
            out.append(f"        for c, sy in enumerate({classes_name}):")
            out.append(f"            {vx}")
            self.life.day(pp, tname, seed, probe, parties, "            ", start, acted=acted)
        else:
            # nothing can happen to an instance before the first of its facts starts (`d0`), and
            # every one of them a class sees starts then or later: classes whose memberships are
            # the same from then on (NATO's, for an attack in 2025) live the same life (`memo`)
            out.append(f"        d0 = {self.life.first_start(pp, tname, seed)}")
            last = self.life.last_end(pp, tname, seed)
            if last is not None:
                out.append(f"        dz = {last}")
            out.append("        memo = {}")
            spans = None if self.members else cast("tuple[tuple[tuple[int, int], ...], ...]",
                                                   self.constants.values[classes_name])
            bearer_member = _BEARER_MEMBER
            if last is not None and spans is not None and all(len(sp) == 1 for sp in spans):
                # (each class one span, the case of most treaties: its clipped span is its key)
                out.append(f"        for c, (s_, e_) in enumerate({self.const(tuple(sp[0] for sp in spans))}):")
                out.append("            if e_ < d0 or s_ > dz: continue")  # (dormant: `_Life.last_end`)
                out.append("            mk = (s_ if s_ > d0 else d0, e_)")
                setup, bearer_member = f"sy = {classes_name}[c]; {vx}", "s_ <= t <= e_"
            else:
                out.append(f"        for c, sy in enumerate({classes_name}):")
                out.append("            mk = tuple([(s_ if s_ > d0 else d0, e_) for s_, e_ in sy if e_ >= d0])")
                if last is not None:  # (its spans are in order)
                    out.append("            if not mk or mk[0][0] > dz: continue")  # (dormant: `_Life.last_end`)
                setup = vx
            out.append(f"            if mk in memo: {self.keep.state} = memo[mk]")
            out.append("            else:")
            out.append(f"                {setup}")
            self.life.day(pp, tname, seed, probe, parties, "                ", start, acted=acted,
                          bearer_member=bearer_member)
            out.append(f"                memo[mk] = {self.keep.remembered()}")
        # each class's acts (by beneficiary): a bearer's lines are those of its class
        out += self.keep.record("            ", f"for b_, c_ in zip({bearers}, {class_of}) if c_ == c"
                           + (f" and b_ != {x}" if differ else ""))
        out.append(f"            if {self.keep.listed()}: acts.setdefault(c, []).append(({x}, {line.act}))")
        out.append("    if acts:")
        out += line.lead("        ")
        out.append(f"        for {y}, cy in zip({bearers}, {class_of}):")
        out.append("            mine = acts.get(cy)")
        out.append("            if mine:")
        out += line.bearer("                ")
        out.append(f"                for {x}, {line.acted} in mine:")
        pad = "                    "
        out.append(f"{pad}if {y} != {x}: {line.of_act}" if differ else f"{pad}{line.of_act}")

    def beneficiaries(self, benefs: Sequence[str], driver: list[str] | None) -> str:
        """An expression of the beneficiaries a provision's loop goes through, in order: all that
        may be owed its duty, or, where many may and every one the trigger can hold for is a key
        of the `driver` tables (NATO's 32 parties, an attack on one), those keys (`keyed`)."""
        if not driver or len(benefs) <= _FEW:
            return self.const(tuple(benefs))
        key = tuple(benefs)
        order = self.orders.get(key)
        if order is None:
            order = self.orders[key] = self.constants.fresh({b: i for i, b in enumerate(benefs)})
        return f"keyed({order}, {', '.join(driver)})"

    def per_bearer(self, pp: _ProvisionPlan, ctx: TreatyContext, tname: dict[int, str], seed: dict[str, str],
                   probe: TreatyRun, parties: list[str], benefs: Sequence[str], ben_filter: str | None,
                   driver: list[str] | None, line: _Lines, start: int) -> None:
        """Each instance worked out for itself, bearer by bearer (or from the pairs of facts that bind
        both), its lines sorted."""
        p, out, x, y = pp.p, self.body, "x", "y"
        when, upon = p.when, p.upon
        assert when is not None and p.then is not None
        fixed = pp.fixed
        pool, differ = ctx.bearer_pool(p.then.bearer)
        bearers = self.const(tuple(pool))
        out.append("    rows = []")
        pairs = (_pair_driver(when, pp.ben_var, pp.bearer_var, tname, self.hidden) if pp.ben_var and pp.bearer_var
                 else None)
        if pairs is not None:
            # every way the trigger holds binds both by one fact: go through those facts' pairs
            tables, names = pairs
            assert pp.ben_var is not None and pp.bearer_var is not None  # pair_driver was asked
            keys = tables[0] if len(tables) == 1 else "{" + ", ".join(f"*{t}" for t in tables) + "}"
            out.append(f"    for k in {keys}:")
            out.append(f"        {x} = k[{names.index(pp.ben_var)}]; {y} = k[{names.index(pp.bearer_var)}]")
            out.append(f"        if {x} not in {self.const(frozenset(benefs))} or {y} not in "
                       f"{self.const(frozenset(cast('tuple[str, ...]', self.constants.values[bearers])))}: continue")
            if differ:
                out.append(f"        if {y} == {x}: continue")
            if not fixed:
                out.append(f"        {self.membership.pair_spans(ctx, p)}")
            self.instance(pp, tname, seed, probe, parties, "        ", start)
            out += self.keep.record("        ")
            out.append(f"        if {self.keep.listed()}: rows.append(({y}, {x}, {self.keep.state}))")
            out.append("    rows.sort()")
            out += line.lead("    ")
            out.append(f"    for {y}, {x}, {self.keep.state} in rows: {line.of_row}")
            return
        out.append(f"    for {x} in {self.beneficiaries(benefs, driver)}:")
        if ben_filter:
            out.append(f"        if not ({ben_filter}): continue")
        # the bearer is in none of its conditions: instances alike but for it are worked out once
        shared = not pp.variants and (pp.bearer_var is None or not any(
            pp.bearer_var in A.variables(c) for c in (when, upon, p.unless, p.until) if c is not None))
        # where memberships change, a bearer's class of memberships (`classes`; with `members`, its spans)
        cy = "" if fixed else "sy" if self.members else "cy"
        memo = None  # what the bearers that share a status share (`day`)
        last = None  # the last day of a fact that can make the trigger hold (`_Life.last_end`)
        if shared:
            out.append("        memo = {}")
            memo = "None" if fixed else cy
            if not fixed and C.needs_fact(when):  # (as in `per_beneficiary`) their memberships from `d0` on
                out.append(f"        d0 = {self.life.first_start(pp, tname, seed)}")
                last = self.life.last_end(pp, tname, seed)
                if last is not None:
                    out.append(f"        dz = {last}")
                out.append("        MK = {}  # (`clipped`)")
                memo = (f"clipped(MK, {cy}, sy, d0{', dz' if last is not None else ''}) "
                        f"if (mk := MK.get({cy})) is None else mk")
        if not fixed:
            out.append(f"        sx = {self.membership.spans(ctx)[0]}.get({x}, ())")
        if cy == "cy":
            classes, class_of = self.membership.classes(ctx, pool)
            out.append(f"        for {y}, cy in zip({bearers}, {class_of}):")
        else:
            out.append(f"        for {y} in {bearers}:")
        if differ:
            out.append(f"            if {y} == {x}: continue")
        if pp.bearer_var is not None and pp.bearer_var in bound(when):
            bear_filter = _sources(tname, when, pp.bearer_var, y, seed, self.hidden)
            out.append(f"            if not ({bear_filter}): continue")
        if cy == "cy":
            out.append(f"            sy = {classes}[cy]; {self.membership.seer(p)}")
        elif not fixed:
            out.append(f"            {self.membership.pair_spans(ctx, p, sx=False)}")
        if last is not None:  # (a class that sees no fact: `clipped` gives -1)
            out.append(f"            mk = {memo}")
            out.append("            if mk < 0: continue")  # (dormant: `_Life.last_end`)
            memo = "mk"
        self.instance(pp, tname, seed, probe, parties, "            ", start, memo)
        out += self.keep.record("            ")
        out.append(f"            if {self.keep.listed()}: rows.append(({y}, {x}, {self.keep.state}))")
        out.append("    rows.sort()")
        out += line.lead("    ")
        out.append(f"    for {y}, {x}, {self.keep.state} in rows: {line.of_row}")


class _Keeping:
    """What the code of one instance of the provision being written keeps and gives (`state`: the
    locals it sets): its status and dates, and, for the result JSON's rows or a provision whose
    states another reads (`filing`), its timeline (`tl`) too; which instances it gives
    (`listed`), what the memo of instances alike keeps (`remembered`), and the code that files
    an instance in the provision's table of states (`record`)."""

    def __init__(self, rows: bool):
        self.rows = rows
        self.states = ""  # the table of its states, if another provision reads them
        self.state = ""
        self.filing("")

    def filing(self, states: str) -> None:
        """The provision being written files its instances in table `states` ("": none reads
        them): each instance's code keeps its timeline (`tl`, as rows do) and, for a CSV line,
        its activation day (`a0`), and the memo of instances alike keeps those left dormant too."""
        self.states = states
        self.state = "st, a, s, tl" if self.rows else "st, a, s, tl, a0" if states else "st, a, s"

    @property
    def keeps(self) -> bool:
        """Whether an instance's code keeps its timeline (`tl`)."""
        return self.rows or bool(self.states)

    def remembered(self) -> str:
        """What the memo of instances alike keeps of one (`memo[mk] = …`): its state, or, for one
        left dormant whose states no provision reads, nothing."""
        if self.states:
            return f"({self.state})"
        nothing = "(None, None, None, None)" if self.rows else "(None, '', '')"
        return f"({self.state}) if st is not None else {nothing}"

    def listed(self) -> str:
        """A test that the instance just worked out is given: it is listed (not dormant), or, as a
        row whose status is None, it left dormant and another provision reads its states (the
        explainer's solver reads them: engine/core/explained.py)."""
        return "st is not None or tl" if self.rows and self.states else "st is not None"

    def record(self, pad: str, each: str = "") -> list[str]:
        """Code that files the instance toward `x` in the table of its provision's states
        (`_Tables.states`), if it left dormant, for the provisions that read them: by bearer `y`,
        or by each bearer `b_` of the comprehension `each` ("for b_ in …")."""
        if not self.states:
            return []
        activation = "a" if self.rows else "a0"  # (in a row, `a` is the day; in a CSV line, its text)
        if not each:
            return [f"{pad}if tl: {self.states}.setdefault(x, {{}})[y] = (tl, {activation})"]
        return [f"{pad}if tl: {self.states}.setdefault(x, {{}}).update({{b_: (tl, {activation}) {each}}})"]


class _Lines:
    """How the generated code writes a provision's listed instances: CSV lines (`lead`, the
    scenario's name as a field, then the provision's columns, bearer, beneficiary, status and
    dates) or, for `rows`, `Row`s. Where a beneficiary's status is the same for many bearers
    (`acts`), what follows the bearer in its lines is written once per beneficiary (`act`),
    and what precedes it once per bearer (`bearer`): a line is then one concatenation."""

    def __init__(self, gen: _Generator, treaty: A.TreatyDecl, p: A.Provision):
        self.rows = gen.rows
        if gen.rows:
            self.act = self.acted = gen.keep.state  # each act: (x, [c,] st, a, s, tl)
            self.of_act = self.of_row = f"out.append(Row({gen.const((treaty.id, p.id))}, y, x, st, a, s, tl))"
            return
        self.head = gen.const(f",{treaty.id},{p.id},{records.csv_field(p.article)},")  # (an article: any character)
        self.act, self.acted = "f',{x},{st},{a},{s}'", "tx"  # each act: (x, [c,] what follows the bearer)
        self.of_act = "out.append(py + tx)"
        self.of_row = "out.append(f'{P}{y},{x},{st},{a},{s}')"

    def lead(self, pad: str) -> list[str]:
        """Code before a provision's lines are written: what precedes the bearer in each (`P`)."""
        return [] if self.rows else [f"{pad}P = lead + {self.head}"]

    def bearer(self, pad: str) -> list[str]:
        """Code before a bearer's lines are written, from `acts`: what precedes its beneficiary (`py`)."""
        return [] if self.rows else [f"{pad}py = P + y"]


class _Life:
    """The code of one instance's life (`day`): what is the bearer's own, a memo for bearers
    alike, then the lifecycle's decision trees over its days (`_Generator.provision` says for
    which instances). It writes into its generator's body, with its tables and constants."""

    def __init__(self, gen: _Generator):
        self.gen = gen
        self.runs: set[int] = set()  # the leaves of the instance being written whose tables keep runs of days

    def day_of(self, var: str) -> str:
        """A day (an ordinal) as `run` gives it: ISO text in a CSV line, the ordinal in a row."""
        return var if self.gen.rows else f"ISO.get({var}) or iso({var})"

    def day(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str], probe: TreatyRun,
            parties: list[str], pad: str, start: int, memo: str | None = None, acted: bool = True,
            bearer_member: str = _BEARER_MEMBER) -> None:
        """`_day`, with what is the bearer's own set first: `w`, the facts of its action, and `su`,
        the spans of its suspension toward the beneficiary. `memo`: the rest depends on the
        bearer only through this expression of its membership (`sy`, or `sy` from the first day
        a fact can count), so a bearer that did not act and is not suspended takes the status
        worked out for another with the same (`memo`, emptied for each beneficiary): NATO's
        thirty allies, once. Not `acted`: no bearer has a fact of the action, so the lifecycle is
        the one where it never comes. `bearer_member`: whether the bearer is a member on day t,
        from its spans (`sy`), or, where the loop over the classes unpacked its class's one
        span, two comparisons (`per_beneficiary`)."""
        out = self.gen.body
        own = []
        if not acted:
            pp = dataclasses.replace(pp, machine=_machine(pp.p, pp.due, pp.fixed, pp.suspends, acted=False))
        if "action" in pp.machine.asks():
            # the bearer's facts of the action for the beneficiary (`_action_leaf`)
            leaf = _action_leaf(pp.p)
            key = _key(self.gen.names(leaf), {**seed, _BY: "y"})
            entry = f"{self.gen.table(leaf, start, probe, fixed=pp.fixed)}.get({key}, ())"
            out.append(f"{pad}w = {entry}")
            if not pp.fixed:
                out.append(f"{pad}if w: w = seen(w, vx, sy)")
            own.append("w")
        if pp.suspends:
            out.append(f"{pad}su = {self.gen.membership.suspensions(probe.ctx)[0]}.get((y, x), ())")
            own.append("su")
        if memo is None:
            self._day(pp, tname, seed, probe, parties, pad, start, bearer_member)
            return
        alone = f"not ({' or '.join(own)})" if own else "True"
        if memo != "mk":  # (else set already)
            out.append(f"{pad}mk = {memo}")
        out.append(f"{pad}if {alone} and mk in memo: {self.gen.keep.state} = memo[mk]")
        out.append(f"{pad}else:")
        self._day(pp, tname, seed, probe, parties, pad + "    ", start, bearer_member)
        out.append(f"{pad}    if {alone}: memo[mk] = {self.gen.keep.remembered()}")

    def first_start(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str]) -> str:
        """An expression of the first day on which a fact of the instance's conditions starts, as
        the tables keep them (NEVER: none): the first of the days on which a fact that a party
        must see to count starts (`seen`: a piece of a fact's days counts by the fact's)."""
        p = pp.p
        firsts = []
        entries: dict[str, list[str]] = {}  # a day's getter (`_Constants`) -> the entries it reads it from
        for c in (p.when, p.upon, p.unless, p.until):
            for n, _ in C.tabled(c):
                name = tname[id(n)]
                mode = self.gen.tables.modes[name]
                entry = f"{name}.get({_key(self.gen.names(n), seed)}, {'NEVER' if mode == 'first' else '()'})"
                if mode == "first":
                    firsts.append(entry)
                elif mode == "pieces":  # (run start, run end, fact start, fact end)
                    entries.setdefault("F2", []).append(entry)
                elif mode == "pairs":  # (day, first fact's start, end, second fact's start, end)
                    firsts.append(f"min([min(f_[1], f_[3]) for f_ in {entry}], default=NEVER)")
                elif mode.startswith("antijoin"):
                    # (a value's facts, or runs with their facts' days, and those under `not`: a
                    # class that sees one of these, and one that does not, live different lives)
                    facts = "_, _, s_, _" if mode == "antijoin pieces" else "s_, _"
                    firsts.append(f"min([s_ for f_ in {entry} for {facts} in f_[0]], default=NEVER)")
                    firsts.append(f"min([s_ for f_ in {entry} for n_ in f_[1] for s_, _ in n_], default=NEVER)")
                else:  # (start, end) of each fact, or run of days
                    entries.setdefault("F0", []).append(entry)
        firsts += [f"min(map({get}, {_chained(read)}), default=NEVER)" for get, read in sorted(entries.items())]
        return f"min({', '.join(firsts)})" if len(firsts) > 1 else firsts[0] if firsts else "NEVER"

    def last_end(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str]) -> str | None:
        """An expression of the last day on which a fact that can make the trigger hold is under
        way (outside `not`; of those on the instance's beneficiary), where memberships change and
        every way the trigger holds has a fact of its own (`C.needs_fact`): a bearer who is a
        member on none of the days from `d0` (`first_start`) to then sees none of them (the
        code reads only the facts both parties see: `_Life._day`), so its instance is dormant,
        not worked out (NATO's members who joined after an attack). None: no such day is
        read from the tables (their modes), or none is needed."""
        when = pp.p.when
        if pp.fixed or when is None or not C.needs_fact(when):
            return None
        lasts = []
        entries: dict[str, list[str]] = {}  # a day's getter (`_Constants`) -> the entries it reads it from
        for n, positive in C.tabled(when):
            if not positive:
                continue
            name = tname[id(n)]
            mode = self.gen.tables.modes[name]
            entry = f"{name}.get({_key(self.gen.names(n), seed)}, ())"
            if mode in ("runs", "facts"):  # (start, end) of each fact
                entries.setdefault("F1", []).append(entry)
            elif mode == "pieces":  # (run start, run end, fact start, fact end)
                entries.setdefault("F3", []).append(entry)
            elif mode == "pairs":  # (day, first fact's start, end, second fact's start, end)
                lasts.append(f"max([max(f_[2], f_[4]) for f_ in {entry}], default=0)")
            else:
                return None
        lasts += [f"max(map({get}, {_chained(read)}), default=0)" for get, read in sorted(entries.items())]
        return f"max({', '.join(lasts)})" if len(lasts) > 1 else lasts[0] if lasts else None

    def state_runs(self, ref: A.StateRef, table: str, seed: dict[str, str]) -> str:
        """An expression of the runs of days on which an instance of the provision `ref` names,
        toward its beneficiary, by its bearer (any, if it names none), is in its state
        (`runtime.state_runs`, from `table`, where its code files them: `_Keeping.record`)."""
        def value(v: A.Value | None) -> str:
            if isinstance(v, A.Var):
                return seed[v.name]  # (the bearer's or the beneficiary's: `_hidden` refuses any other)
            return repr(v.code) if isinstance(v, A.Code) else "None"  # (`_`, or none: any)

        return f"state_runs({table}, {value(ref.beneficiary)}, {value(ref.bearer)}, {ref.state!r})"

    def _day(self, pp: _ProvisionPlan, tname: dict[int, str], seed: dict[str, str],
             probe: TreatyRun, parties: list[str], pad: str, start: int,
             bearer_member: str = _BEARER_MEMBER) -> None:
        """Code that sets `st` (None: dormant), `a` (activation date or '') and `s` (since): the
        lifecycle's decision trees for the provision (`_ProvisionPlan.machine`), written out over
        the days its conditions can change (entry into force, each fact's first day, the days an
        `ongoing` fact starts and stops, those on which the parties' memberships begin and end).
        In a treaty whose memberships change (not `pp.fixed`), `sx` and `sy` are the
        beneficiary's and the bearer's membership spans, and only the facts that overlap both
        count (`seen`)."""
        when, upon, machine = pp.p.when, pp.p.upon, pp.machine
        assert when is not None
        out = self.gen.body
        leaves = [n for c in (when, upon, pp.p.unless) if c is not None for n in A.walk(c)
                  if isinstance(n, (*_LEAVES, A.StateRef)) and id(n) not in pp.folded]  # (`_Expressions.truth`)
        local: dict[int, str] = {}
        self.runs = set()
        for i, n in enumerate(leaves):
            local[id(n)] = f"f{i}"
            mode = self.gen.tables.modes[tname[id(n)]]
            table = tname[id(n)]
            key = "" if isinstance(n, A.StateRef) else _key(self.gen.names(n), seed)
            entry = (self.state_runs(n, table, seed) if isinstance(n, A.StateRef) else
                     f"{table}.get({key}, {'NEVER' if mode == 'first' else '()'})")
            # (a key with no fact has no entry, the case of most: nothing to look at)
            got = f"(g_ := {table}.get({key})) is not None"
            if mode in _RUNS:  # (the days on which it holds, not a first day)
                self.runs.add(id(n))
            if mode == "runs" and not pp.fixed:  # of the facts both parties see
                entry = f"seen_in(SM, g_, vx, sy) if {got} else []"
            elif mode == "pieces":  # the same, cut by place
                entry = f"seen_pieces({entry}, vx, sy)"
            elif mode == "facts":  # the first day on which one that both parties see has started
                entry = f"first_seen_in(SM, g_, vx, sy) if {got} else NEVER"
            elif mode == "pairs":  # the first day on which a pair of facts both parties see holds
                entry = f"first_pair({entry}, vx, sy)"
            elif mode in _UNANSWERED:  # the days on which it holds beside `not`, of the facts both
                entry = f"{_UNANSWERED[mode]}({entry}, vx, sy)"  # parties see (`_Tables.antijoin`)
            out.append(f"{pad}f{i} = {entry}")
            if id(n) in self.runs:  # (its days as disjoint runs, in order: `under_way` bisects them)
                local[id(n)] = f"m{i}"
                out.append(f"{pad}m{i} = merged(f{i})")
        expr = _Expressions(self.gen.constants, local, self.runs, seed, self.gen.hidden, pp.fixed, probe, parties,
                            pp.folded)
        if _monotone(when, upon) and machine.once_active() and pp.p.version is None and not pp.windows:
            # active from the first day the trigger holds, which then holds for good
            out.append(f"{pad}d = {expr.first(when, start)}")
            out.append(f"{pad}if d > BIG:")
            out.append(f"{pad}    st = None" + ("; a = s = a0 = None; tl = []" if self.gen.keep.states else ""))
            out.append(f"{pad}else:")
            out.append(f"{pad}    st = {lifecycle.ACTIVE!r}; a = s = {self.day_of('d')}"
                       + (f"; tl = [(d, {lifecycle.ACTIVE!r})]" if self.gen.keep.keeps else "")
                       + ("; a0 = d" if self.gen.keep.states else ""))
            return
        ask = {"trigger": expr.truth(when)}
        if pp.windows:  # a reservation's condition is the trigger's on its days only
            windowed = {id(c): (s, e) for c, s, e in pp.windows}
            items = when.items if isinstance(when, A.And) else (when,)
            parts = [expr.truth(c) if id(c) not in windowed else f"(not {_among(*windowed[id(c)])} or {expr.truth(c)})"
                     for c in items]
            ask["trigger"] = "(" + " and ".join(parts) + ")"
        if pp.p.unless is not None:  # (it reads no variable of the trigger but the parties': `_hidden`)
            ask["undefeated"] = f"not {expr.truth(pp.p.unless)}"
        version = pp.p.version
        if version is not None:  # its text can be triggered only on its days (`TreatyContext.version_applies`)
            first = start if version.start is None else version.start
            ask["trigger"] = f"{_among(first, version.end)} and {ask['trigger']}"
        if not pp.fixed:
            ask.update(bearer_member=bearer_member, beneficiary_member="member(sx, t)")  # (as `machine` asks)
        suspended: list[str] = []  # the days its suspensions start and end
        if pp.suspends:  # (`su`: `day`)
            ask["suspended"] = "member(su, t)"
            suspended.append(f"*{self.gen.membership.suspensions(probe.ctx)[1]}.get((y, x), ())")
        if upon is not None:
            ask["prerequisites"] = expr.truth(upon)
        if pp.p.ends_with_situation:  # the facts of its own trigger (`_Now.situation_ended`)
            ask["situation_ended"] = f"not {expr.truth(pp.situation or when)}"
        on_latch = ["a0 = t"]  # what is done on activation
        if "action" in machine.asks():
            # (`w`: `day`) it acted on the first day from activation on which one of its facts of
            # the action is under way; that day is one to look at
            # (worked out once, on activation: `ad`; with a deadline, only a fact started by then
            # counts: `TreatyRun._action_fact`)
            ask["action"] = "(acted(w, t) if a0 is None else ad) <= t"
            late = "" if pp.deadline is None else f"; ad = ad if ad <= t + {pp.deadline} else NEVER"
            on_latch.append(f"ad = acted(w, t){late}; later(days, t, ad)")
        if "deadline_passed" in machine.asks():  # (`_Now.deadline_passed`) past the day activation set
            assert pp.deadline is not None
            ask["deadline_passed"] = f"a0 is not None and t > a0 + {pp.deadline}"
            on_latch.append(f"later(days, t, t + {pp.deadline + 1})")
        until = pp.p.until
        if until is not None:
            for j, n in enumerate(x for x in A.walk(until) if isinstance(x, (A.Occurred, A.Ongoing, A.StateRef))):
                local[id(n)] = f"u{j}"
                if isinstance(n, A.StateRef):  # the days it holds on (`_Expressions.discharge`)
                    out.append(f"{pad}u{j} = {self.state_runs(n, tname[id(n)], seed)}")
                    continue
                entry = f"{tname[id(n)]}.get({_key(self.gen.names(n), seed)}, ())"
                out.append(f"{pad}u{j} = {entry if pp.fixed else f'seen_in(SM, {entry}, vx, sy)'}")
            # the first day from activation (now, if it activates now) on which it holds (worked
            # out once, on activation: `dd`)
            ask["discharge"] = f"({expr.discharge(until, 't')} if a0 is None else dd) <= t"
            # that day, from the day of activation, is one the loop must look at
            on_latch.append(f"dd = {expr.discharge(until, 't')}; later(days, t, dd)")
        states = [(status, latched) for status, latched, _ in machine.trees]
        # and the final ones (discharged: `Machine.trees` has the states an instance can leave)
        states += sorted({(step.status, latched or step.latch) for _, latched, tree in machine.trees
                          for step in lifecycle.leaves(tree)} - set(states))
        number = {state: i for i, state in enumerate(states)}
        moving = [(i, tree) for i, (_, _, tree) in enumerate(machine.trees) if not machine.absorbing(*states[i])]
        mdays = self.gen.membership_days
        days = ", ".join([str(start)] + [f"*change_days(f{i})" if id(n) in self.runs else local[id(n)]
                                         for i, n in enumerate(leaves)]
                         + ([] if pp.fixed else [f"*{mdays}[vx]", f"*{mdays}[sy]"])
                         + suspended
                         + [str(d) for d in (_bounds(version.start, version.end) if version is not None else [])]
                         + [str(d) for _, first, last in pp.windows for d in _bounds(first, last)])
        # q: the state's number in `states`; s0: since; a0: activation (days)
        out.append(f"{pad}q = 0; s0 = a0 = None" + ("; tl = []" if self.gen.keep.keeps else ""))
        # an instance whose trigger holds on none of its days stays dormant through them all
        # (NATO's allies that joined after the facts its beneficiary's trigger reads): its days
        # need not be gone through, where the lifecycle does nothing else while it does not hold
        possible = "" if pp.windows else expr.possible(when)
        loop = pad
        if possible and _stays_untriggered(machine):
            out.append(f"{pad}if {possible}:")
            loop = pad + "    "
        out.append(f"{loop}days = sorted({{{days}}})")
        out.append(f"{loop}for t in days:  # (`later` may add a day after t)")
        out.append(f"{loop}    if t > BIG: break")
        for k, (i, tree) in enumerate(moving):
            inner = loop + "    "
            if len(moving) > 1:
                out.append(f"{loop}    {'if' if k == 0 else 'elif'} q == {i}:")
                inner += "    "
            self.transitions(tree, i, states, number, machine, ask, on_latch, inner)
        # the status after the last day, as the engine's CSV gives it
        for k, (status, latched) in enumerate(states):
            head = f"{pad}{'if' if k == 0 else 'elif' if k < len(states) - 1 else 'else'}" + (
                f" q == {k}:" if k < len(states) - 1 else ":")
            if status == lifecycle.DORMANT:  # not listed (its timeline may be read: `record`)
                out.append(f"{head} st = None" + ("; a = s = None" if self.gen.keep.states else ""))
            elif not latched:
                never = "None" if self.gen.rows else repr("")
                out.append(f"{head} st = {status!r}; a = {never}; s = {self.day_of('s0')}")
            elif _since_activation(states[k], machine):
                out.append(f"{head} st = {status!r}; a = s = {self.day_of('a0')}")
            else:
                out.append(f"{head} st = {status!r}; a = {self.day_of('a0')}; s = {self.day_of('s0')}")

    def transitions(self, tree: lifecycle.Tree, i: int, states: list[tuple[str, bool]],
                    number: dict[tuple[str, bool], int], machine: lifecycle.Machine, ask: dict[str, str],
                    on_latch: list[str], pad: str) -> None:
        """Code for one day of an instance in state `i`: the lifecycle's decision tree, each
        observation written as the expression in `ask`, `on_latch` done on activation; `break` once
        it can change no more."""
        out = self.gen.body
        if not isinstance(tree, lifecycle.Step):
            name, no, yes = tree
            out.append(f"{pad}if {ask[name]}:")
            self.transitions(yes, i, states, number, machine, ask, on_latch, pad + "    ")
            if _moves(no, i, states, number):
                out.append(f"{pad}else:")
                self.transitions(no, i, states, number, machine, ask, on_latch, pad + "    ")
            return
        status, latched = states[i]
        target = (tree.status, latched or tree.latch)
        j = number[target]
        code = []
        if j != i:
            code.append(f"q = {j}")
        if tree.status != status:
            code.append("s0 = t")
            if self.gen.keep.keeps:
                code.append(f"tl.append((t, {tree.status!r}))")
        if tree.latch:
            code += on_latch
        if machine.absorbing(*target):
            code.append("break")
        out.append(pad + ("; ".join(code) if code else "pass"))


class _Expressions:
    """Python expressions for a provision's conditions in its instance's code (`_Generator._day`):
    `local`: each leaf's local (its first day, or its runs of days, `runs`), `seed`: the locals of
    the bearer's and the beneficiary's variables, `hidden`: the variables read as "some value"
    (their tests applied in the tables), `fixed`: the parties are members for good, `probe`:
    the treaty's run (fixed tests are worked out by the engine, for every party)."""

    def __init__(self, constants: _Constants, local: dict[int, str], runs: set[int], seed: dict[str, str],
                 hidden: Collection[str], fixed: bool, probe: TreatyRun, parties: list[str],
                 folded: Collection[int]):
        self.constants, self.local, self.runs, self.seed = constants, local, runs, seed
        self.hidden, self.fixed, self.probe, self.parties = hidden, fixed, probe, parties
        self.folded = folded  # the facts under `not` read with the fact beside them (`_ProvisionPlan.folded`)

    def first(self, c: A.Cond, start: int) -> str:
        """The first day a condition without `not` or `ongoing` holds (NEVER if never)."""
        if isinstance(c, (A.Occurred, A.Temporal)):
            return self.local[id(c)]
        if isinstance(c, (A.And, A.Or)):
            parts = [self.first(i, start) for i in c.items]
            if len(parts) == 1:
                return parts[0]
            op = ">" if isinstance(c, A.And) else "<"
            if len(parts) == 2 and all(x.isidentifier() for x in parts):  # no call for the common case
                return f"({parts[0]} if {parts[0]} {op} {parts[1]} else {parts[1]})"
            return f"{'max' if isinstance(c, A.And) else 'min'}({', '.join(parts)})"
        return f"({start} if {self.test(c)} else NEVER)"

    def discharge(self, c: A.Cond, since: str) -> str:
        """The first day on or after `since` (an expression) on which a discharge condition holds
        on facts that started on or after it (NEVER if none: `_until_ok`). Facts, once started,
        hold for good: the first days of the parts give the whole's; with a state of another
        provision or an `ongoing` fact, which hold on some days only, from the days each part
        holds (`held`)."""
        if any(isinstance(n, (A.StateRef, A.Ongoing)) for n in A.walk(c)):
            return f"first_in(merged({self.held(c, since)}), {since})"
        if isinstance(c, A.Occurred):
            return f"first_from(SM, {self.local[id(c)]}, {since})"
        if isinstance(c, (A.And, A.Or)):
            parts = [self.discharge(i, since) for i in c.items]
            return parts[0] if len(parts) == 1 else f"{'max' if isinstance(c, A.And) else 'min'}({', '.join(parts)})"
        return f"({since} if {self.test(c)} else NEVER)"

    def held(self, c: A.Cond, since: str) -> str:
        """An expression of the runs of days on which a discharge condition holds, from `since`
        on (some may start before): a fact's from its first start on or after `since`, an
        `ongoing` one's while those that started then or later are under way, a state's (its
        local: `state_runs`), a fixed test's from `since`; `and` keeps the days its parts
        share (`both`), `or` those of any."""
        if isinstance(c, A.Occurred):
            return f"from_day(first_from(SM, {self.local[id(c)]}, {since}))"
        if isinstance(c, A.Ongoing):  # (while under way, of the facts that started from `since` on)
            return f"started_from({self.local[id(c)]}, {since})"
        if isinstance(c, A.StateRef):
            return self.local[id(c)]
        if isinstance(c, (A.And, A.Or)):
            parts = [self.held(i, since) for i in c.items]
            out = parts[0]
            for part in parts[1:]:
                out = f"both({out}, {part})" if isinstance(c, A.And) else f"{out} + {part}"
            return f"({out})"
        return f"(from_day({since}) if {self.test(c)} else [])"

    def possible(self, c: A.Cond) -> str:
        """An expression that is false only if a condition holds on no day: one of the facts,
        relations or states it needs (outside `not`) has no day (none seen: no first day, no
        runs); "" if it may hold without any (a test, a `not`)."""
        if isinstance(c, (*_LEAVES, A.StateRef)):
            local = self.local[id(c)]
            return local if id(c) in self.runs else f"{local} <= BIG"
        if isinstance(c, (A.And, A.Or)):
            parts = [self.possible(i) for i in c.items]
            if isinstance(c, A.Or) and not all(parts):
                return ""
            parts = [part for part in parts if part]
            joiner = " and " if isinstance(c, A.And) else " or "
            return "" if not parts else parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
        return ""

    def truth(self, c: A.Cond) -> str:
        """Whether a condition holds on day `t`."""
        if id(c) in self.runs:
            return f"under_way({self.local[id(c)]}, t)"
        if isinstance(c, _LEAVES):
            return f"{self.local[id(c)]} <= t"
        if isinstance(c, (A.And, A.Or)):
            joiner = " and " if isinstance(c, A.And) else " or "
            return "(" + joiner.join(self.truth(i) for i in c.items) + ")"
        if isinstance(c, A.Not) and (A.variables(c) and A.variables(c) <= set(self.hidden)
                                     or id(c.item) in self.folded):
            # `not A in scope art3` of a variable read as "some value", or `not consult(by: S, with:
            # X)`: applied where its fact binds it (`_Tables.antijoin`)
            return "True"
        if isinstance(c, A.Not):
            return f"not {self.truth(c.item)}"
        if isinstance(c, A.InParties) and not self.fixed:  # (of the bearer or the beneficiary: `_hidden`)
            return f"member(s{self.seed[c.var]}, t)"
        return self.test(c)

    def test(self, c: A.Cond) -> str:
        """A scope, region or party test over the bearer's or the beneficiary's variable: fixed in
        time for a compiled treaty, so worked out here, by the engine, for every party."""
        var = c.var if isinstance(c, (A.InArea, A.InParties, A.IsWho, A.PlaceOf)) else None
        if var in self.hidden:
            return "True"  # applied to its value where its fact binds it (`_hidden`, `unify`, `_placed`)
        assert isinstance(c, (A.InArea, A.InParties, A.IsWho)) and var is not None
        probe = self.probe
        yes = frozenset(x for x in self.parties
                        if next(probe.solver.solve(c, {var: x}, probe.ctx.start, ()), None) is not None)
        return f"({self.seed[var]} in {self.constants.add(yes)})"


def _stratified(plans: list[_ProvisionPlan]) -> list[_ProvisionPlan]:
    """A treaty's plans in the order their code runs: each after those whose states it reads
    (the checker has ruled out cycles), else in the order given."""
    by_id = {pp.p.id: pp for pp in plans}
    done: dict[str, _ProvisionPlan] = {}

    def visit(pp: _ProvisionPlan) -> None:
        if pp.p.id in done:
            return
        for c in A.clauses(pp.p):
            for ref, _ in A.state_refs(c):
                if ref.provision in by_id:
                    visit(by_id[ref.provision])
        done[pp.p.id] = pp

    for pp in plans:
        visit(pp)
    return list(done.values())


def _sources(tname: dict[int, str], when: A.Cond, var: str, local: str, seed: dict[str, str],
             hidden: Collection[str]) -> str:
    """An expression: some fact outside `not` binds `var` to the local `local`, beside the
    values the other variables of `seed` (casus variable -> local) have, or some state of another
    provision outside `not` can (`plan.bound`: an instance of it toward, or by, that value left
    dormant)."""
    parts = []
    for ref, negative in A.state_refs(when):
        if not negative and isinstance(ref.beneficiary, A.Var) and ref.beneficiary.name == var:
            parts.append(f"{local} in {tname[id(ref)]}")
        elif not negative and isinstance(ref.bearer, A.Var) and ref.bearer.name == var:
            if isinstance(ref.beneficiary, A.Var) and ref.beneficiary.name in seed:
                parts.append(f"{local} in {tname[id(ref)]}.get({seed[ref.beneficiary.name]}, ())")
            else:
                parts.append(f"any({local} in d_ for d_ in {tname[id(ref)]}.values())")
    for leaf, positive in C.tabled(when):
        t = tname[id(leaf)]
        names = _unhidden(leaf, hidden)
        if not positive or var not in names:
            continue
        if len(names) == 1:
            parts.append(f"{local} in {t}")
            continue
        if all(n == var or n in seed for n in names):
            parts.append(f"{_key(names, {**seed, var: local})} in {t}")
            continue
        checks = [f"k[{names.index(var)}] == {local}"]
        checks += [f"k[{names.index(n)}] == {v}" for n, v in seed.items() if n != var and n in names]
        parts.append(f"any({' and '.join(checks)} for k in {t})")
    return " or ".join(parts)


def _driver(c: A.Cond, var: str, tname: dict[int, str], hidden: Collection[str]) -> list[str] | None:
    """Tables of facts that bind `var` alone, or of the states of another provision toward it
    (`_Tables.states`), whose keys hold every value of `var` for which `c` can hold (None if
    there are none such)."""
    if isinstance(c, A.StateRef):
        return [tname[id(c)]] if isinstance(c.beneficiary, A.Var) and c.beneficiary.name == var else None
    if isinstance(c, _LEAVES):
        return [tname[id(c)]] if _unhidden(c, hidden) == (var,) else None
    if isinstance(c, A.And):
        for item in c.items:
            got = _driver(item, var, tname, hidden)
            if got:
                return got
        return None
    if isinstance(c, A.Or):
        parts = [_driver(item, var, tname, hidden) for item in c.items]
        found = [ts for ts in parts if ts]
        return None if len(found) < len(parts) else [t for ts in found for t in ts]
    return None


def _pair_driver(c: A.Cond, ben: str, bearer: str, tname: dict[int, str], hidden: Collection[str]
                 ) -> tuple[list[str], tuple[str, ...]] | None:
    """Tables of facts that bind both the beneficiary and the bearer, one of which holds in
    every way `c` does (with their common variable order), or None."""
    if isinstance(c, _LEAVES):
        names = _unhidden(c, hidden)
        return ([tname[id(c)]], names) if set(names) == {ben, bearer} else None
    if isinstance(c, A.And):
        for item in c.items:
            got = _pair_driver(item, ben, bearer, tname, hidden)
            if got:
                return got
        return None
    if isinstance(c, A.Or):
        parts = [_pair_driver(item, ben, bearer, tname, hidden) for item in c.items]
        found = [got for got in parts if got]
        if len(found) < len(parts):
            return None
        return [t for ts, _ in found for t in ts], found[0][1]
    return None


def _among(first: int | None, last: int | None) -> str:
    """A test that day `t` is one of the days from `first` to `last` (None: unbounded on that
    side; both None: never asked): a version's days, a reservation's."""
    return " <= ".join([*([str(first)] if first is not None else []), "t", *([str(last)] if last is not None else [])])


def _bounds(first: int | None, last: int | None) -> list[int]:
    """The days on which a span of days (`_among`) starts and stops (the day after its last)."""
    return [d for d in (first, None if last is None else last + 1) if d is not None]


def _moves(tree: lifecycle.Tree, i: int, states: list[tuple[str, bool]],
          number: dict[tuple[str, bool], int]) -> bool:
    """Whether a decision tree can take state `i` anywhere else."""
    if isinstance(tree, lifecycle.Step):
        return number[(tree.status, states[i][1] or tree.latch)] != i
    return _moves(tree[1], i, states, number) or _moves(tree[2], i, states, number)


def _stays_untriggered(machine: lifecycle.Machine) -> bool:
    """Whether an instance in its first state (dormant) stays in it, and nothing is done, on
    every day its trigger does not hold, whatever else is observed."""
    status = machine.trees[0][0]

    def stays(tree: lifecycle.Tree) -> bool:
        if isinstance(tree, lifecycle.Step):
            return tree.status == status and not tree.latch
        name, no, yes = tree
        return stays(no) if name == "trigger" else stays(no) and stays(yes)

    return stays(machine.trees[0][2])


def _since_activation(state: tuple[str, bool], machine: lifecycle.Machine) -> bool:
    """Whether an instance in this (latched) state is always in it since its activation: every
    way into it activates it."""
    into = [(s, lt, step) for s, lt, tree in machine.trees for step in lifecycle.leaves(tree)
            if (step.status, lt or step.latch) == state and (s, lt) != state]
    return all(step.latch for _, _, step in into)
