"""The walk's shortcuts for one treaty (issue 6; engine/core/options.py chooses which are taken):
each instance walks only its own instants (`Schedule.instants`); a trigger that holds for good
once it holds is found by bisection (`skip_dormant`); other triggers and `upon` prerequisites
become cheap tests of their parts (`predicate`); bearers that cannot be told apart share one
evaluation (`alike_key`). Each gives exactly what the plain walk gives."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from engine.base.memo import per_object
from engine.core.solver import Solver
from engine.kernel import conditions as C
from engine.kernel.facts import BIG, Fact
from engine.language import ast as A


class Schedule:
    """Which instants an instance of the treaty must be looked at, and the cheap tests that pass
    over the others; asks the solver, never changes it."""

    def __init__(self, solver: Solver):
        self.solver = solver
        self.index = solver.index
        self.ctx = solver.ctx
        self.end = solver.end
        self._first_memo: dict[tuple[object, ...], int | None] = {}
        self._days_memo: dict[tuple[object, ...], set[int]] = {}
        self._groups_memo: dict[tuple[int, frozenset[str]], tuple[A.And, tuple[A.Cond, ...]]] = {}
        self._read_memo: dict[tuple[object, ...], tuple[Sequence[A.Atom], list[Fact], int]] = {}
        self._apart_memo: dict[tuple[str, str], bool] = {}  # by provision and bearer (`alike_key`)
        self._member_memo: dict[tuple[str, int | None], tuple[tuple[int, int], ...]] = {}

    def alike_key(self, p: A.Provision, bearer: str, benef: str, seed: dict[str, str],
                  since: int | None = None) -> tuple[object, ...] | None:
        """Bearers whose instances must live the same life: the conditions do not mention the
        bearer, the bearer has the same memberships (so sees the same facts), no suspension names
        it, and it has done nothing of the action's kind (so nothing can fulfil or break the duty
        for one and not the other). None when the bearer is not interchangeable.

        `since`: the first day of any fact the instance can read, where it stays dormant until
        then whatever memberships do (`first_read`): memberships count from that day on only,
        so that members that joined at different times before it share one evaluation."""
        then = p.then
        assert then is not None
        apart = self._apart_memo.get((p.id, bearer))
        if apart is None:
            apart = self._apart_memo[(p.id, bearer)] = (
                bool(self.index.get(then.action.kind, "by", bearer))
                or any(b == bearer for b, _, _, _ in self.ctx.suspensions)
                # its own reservation sets it apart
                or any(r.party.code == bearer and p.id in r.provisions for r in self.ctx.treaty.reservations))
        if apart:
            return None
        rest = tuple(sorted((k, v) for k, v in seed.items() if k != then.bearer.var))
        return (benef, rest, self._membership(bearer, since))

    def _membership(self, party: str, since: int | None) -> tuple[tuple[int, int], ...]:
        """A party's membership spans, from `since` on (all of them if None): a fact that starts
        on or after `since` overlaps a membership exactly when it overlaps the part of it from
        `since` on, and a condition that needs such a fact cannot hold before it."""
        got = self._member_memo.get((party, since))
        if got is None:
            spans = self.ctx.members.get(party, ())
            got = self._member_memo[(party, since)] = (
                tuple(spans) if since is None else tuple((max(s, since), e) for s, e in spans if e >= since))
        return got

    def first_read(self, atoms: Sequence[A.Atom], seed: dict[str, str]) -> int:
        """The first day on which a fact that can match one of `atoms` under `seed` starts (BIG + 1
        if there is none)."""
        return self._read(atoms, seed)[1]

    def _read(self, atoms: Sequence[A.Atom], seed: dict[str, str]) -> tuple[list[Fact], int]:
        """The facts that can match one of `atoms` under `seed` (the index's candidates, each
        once), and the first day one of them starts (BIG + 1 if none)."""
        names = _names(atoms)
        key = (id(atoms), tuple(sorted((k, v) for k, v in seed.items() if k in names)))
        got = self._read_memo.get(key)
        if got is None or got[0] is not atoms:  # (the atoms kept beside: the id stays theirs)
            facts = list({id(f): f for a in atoms for f in self.index.candidates(a, seed)}.values())
            got = self._read_memo[key] = (atoms, facts, min((f.start for f in facts), default=BIG + 1))
        return got[1], got[2]

    def instants(self, base: list[int], atoms: Sequence[A.Atom], action: A.Atom, seed: dict[str, str],
                  bearer: str) -> list[int]:
        """The instants at which an instance can change: the treaty's own (`base`) and the starts and
        ends of the facts that can match one of its atoms once its bearer and beneficiary are
        known, or be its action. Between two of these nothing it depends on changes."""
        # the atoms' part depends on the bearer only if they mention the bearer's variable: bearers
        # of `each other party` share it
        names = {a.value.name for atom in atoms for a in atom.args if isinstance(a.value, A.Var)}
        key = (tuple(map(id, atoms)), tuple(sorted((k, v) for k, v in seed.items() if k in names)))
        shared = self._days_memo.get(key)
        if shared is None:
            shared = self._days_memo[key] = self.ctx.days(f for a in atoms for f in self.index.candidates(a, seed))
        days = set(base)
        days.update(shared)
        days.update(self.ctx.days(self.index.get(action.kind, "by", bearer)))
        return sorted(days)

    def predicate(self, c: A.Cond, bound: frozenset[str], seed: dict[str, str], parties: tuple[str, ...],
                   instants: list[int]) -> Callable[[int], bool] | None:
        """Whether `c` has a solution extending `seed` at an instant of `instants`, as a cheap test,
        for a trigger that can stop holding (`not`): a combination by and / or / not of parts
        that, once they hold, hold for good (each found once by bisection), and of membership
        tests; `ongoing` and states are asked directly. None when the parts share a variable the
        seed does not bind (then they are not independent): the instance is then solved in full
        at every instant."""
        if C.monotone(c):
            first = self._first_instant(c, seed, parties, instants)
            return lambda t: t >= first
        if isinstance(c, A.Not):
            inner = self.predicate(c.item, bound, seed, parties, instants)
            return None if inner is None else (lambda t: not inner(t))
        if isinstance(c, A.InParties):
            who = seed.get(c.var)
            return None if who is None else (lambda t: self.ctx.member(who, t))
        if isinstance(c, (A.And, A.Or)):
            parts = []
            # an `or` holds when one of its parts does, whatever variables they share; an `and`
            # when each group of its parts linked by variables the seed does not bind does (one
            # group of several parts that cannot stop holding: it is not split, so not cheap)
            items = c.items if isinstance(c, A.Or) else self._groups(c, bound)
            if isinstance(items[0], A.And) and len(items) == 1:
                return None
            for item in items:
                part = self.predicate(item, bound, seed, parties, instants)
                if part is None:
                    return None
                parts.append(part)
            if isinstance(c, A.And):
                return lambda t: all(part(t) for part in parts)
            return lambda t: any(part(t) for part in parts)
        if isinstance(c, A.Ongoing):
            return self._under_way(c.atom, seed, parties)
        # states: asked directly at each instant (no cheaper, but the rest of the condition stays
        # cheap)
        return lambda t: next(self.solver.solve(c, seed, t, parties), None) is not None

    def _under_way(self, atom: A.Atom, seed: dict[str, str], parties: tuple[str, ...]) -> Callable[[int], bool]:
        """`ongoing atom` under `seed` as a test of the instant: bisection in the runs of days on
        which a fact that matches it is under way (`Solver.under_way`)."""
        starts, ends = self.solver.under_way(atom, seed, parties)

        def under_way(t: int) -> bool:
            i = bisect.bisect_right(starts, t) - 1
            return i >= 0 and t <= ends[i]
        return under_way

    def _groups(self, c: A.And, bound: frozenset[str]) -> tuple[A.Cond, ...]:
        """The parts of an `and` gathered into groups that share no variable outside `bound`
        (each group one part, or an `and` of its parts in their order): the `and` holds at an
        instant exactly when each group does, and a group such as `threat(on: Z) and Z in scope
        far_east` holds for good once it holds (found by bisection) even where the whole, with
        `X in parties`, does not. The groups made are kept here, so that the searches keyed by
        a condition's identity (`skip_dormant`) stay theirs."""
        key = (id(c), bound)
        got = self._groups_memo.get(key)
        if got is not None and got[0] is c:
            return got[1]
        groups: list[tuple[set[str], list[A.Cond]]] = []
        for item in c.items:
            free = set(A.variables(item) - bound)
            linked = [g for g in groups if g[0] & free]
            merged = (free.union(*(g[0] for g in linked)), [i for g in linked for i in g[1]] + [item])
            groups = [g for g in groups if not any(g is x for x in linked)] + [merged]
        order = {id(item): n for n, item in enumerate(c.items)}
        parts = []
        for _, items in sorted(groups, key=lambda g: min(order[id(i)] for i in g[1])):
            items.sort(key=lambda i: order[id(i)])
            parts.append(items[0] if len(items) == 1 else A.And(tuple(items), c.span))
        self._groups_memo[key] = (c, tuple(parts))
        return tuple(parts)

    def _first_instant(self, c: A.Cond, seed: dict[str, str], parties: tuple[str, ...], instants: list[int]) -> int:
        """The first of `instants` at which a condition that holds for good once it holds has a
        solution extending seed (BIG + 1 if none)."""
        rest = self.skip_dormant(c, seed, parties, instants)
        return rest[0] if rest else BIG + 1

    def skip_dormant(self, when: A.Cond, seed: dict[str, str], parties: tuple[str, ...],
                      instants: list[int]) -> list[int]:
        """For a trigger that, once it holds, holds for good (facts, `and`, `or`, areas, `not` only
        over tests that never change: no `ongoing`, no states, no membership tests), the instance
        is dormant until the first instant at which the trigger holds, whatever happens to
        memberships and suspensions before it: find that instant by bisection and start there.
        An empty list: it never holds."""
        # The answer depends on the parties only through which of the trigger's facts count for
        # them (`ctx.visible`: such a trigger reads no membership), on the variables it shares
        # with the seed, and on the first of `instants` (a list that starts later, past a
        # trigger's first instant when this is a prerequisite, cannot find an earlier one):
        # instances alike in these share one search, whenever their parties joined. (The instant
        # found is that first one, or a fact's start, in every such bearer's list.)
        seen = tuple(self.ctx.visible(f, parties) for f in self._read(_atoms(when), seed)[0])
        key = (id(when), tuple(sorted((k, v) for k, v in seed.items() if k in A.variables(when))), seen,
               instants[0] if instants else None)
        first = self._first_memo.get(key, 0)
        if first != 0:
            return [] if first is None else instants[bisect.bisect_left(instants, first):]

        def holds(t: int) -> bool:
            return next(self.solver.solve(when, seed, t, parties), None) is not None

        lo, hi = 0, len(instants)
        if not instants or not holds(min(instants[-1], self.end)):
            self._first_memo[key] = None
            return []
        while lo < hi:
            mid = (lo + hi) // 2
            if holds(instants[mid]):
                hi = mid
            else:
                lo = mid + 1
        self._first_memo[key] = instants[lo]
        return instants[lo:]


@per_object
def _atoms(c: A.Cond) -> tuple[A.Atom, ...]:
    """A condition's atoms, as one tuple for its whole life (a key of `Schedule._read`)."""
    return tuple(A.atoms(c))


@per_object
def _names(atoms: Sequence[A.Atom]) -> frozenset[str]:
    """The variables of `atoms` (a provision's tuple of them)."""
    return frozenset(a.value.name for atom in atoms for a in atom.args if isinstance(a.value, A.Var))
