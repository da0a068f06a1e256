"""The facts of one list of the index (`FactIndex`, engine/core/solver.py), by start and by end:
those that start within a window of days and reach a given day, in the list's order, found by
bisection and a tree of the latest ends rather than by a scan from the list's first fact.

Why: the walk asks at every instant of an instance which facts are under way (`ongoing`, an
action that fulfils a duty) or started while the treaty was in force; with a scan from the start
of the list, each such question costs every earlier fact, and a scenario of n facts costs n
instants times n facts. Here a question costs the facts it returns, times the logarithm of the
list's length. Only the facts a scan would have looked at and kept are returned, in the same
order: callers keep their own tests, so the answers are the scan's."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from engine.kernel.facts import Fact

_SCAN = 8  # a window this short is scanned: cheaper than the tree


class Spans:
    """One list of facts sorted by start: `starts` for bisection, and a segment tree over their
    ends (`_most[k]`: the latest end under node k) to pass over runs of facts that end too soon."""

    __slots__ = ("_leaves", "_most", "facts", "starts")

    def __init__(self, facts: list[Fact]):
        self.facts = facts
        self.starts = [f.start for f in facts]
        size = 1
        while size < len(facts):
            size *= 2
        self._leaves = size
        most = [-1] * (2 * size)
        for i, f in enumerate(facts):
            most[size + i] = f.end
        for k in range(size - 1, 0, -1):
            a, b = most[2 * k], most[2 * k + 1]
            most[k] = a if a > b else b
        self._most = most

    def window(self, first: int, last: int) -> tuple[int, int]:
        """The positions [i, j) of the facts that start on days first..last."""
        return bisect.bisect_left(self.starts, first), bisect.bisect_right(self.starts, last)

    def reaching(self, first: int, last: int, reach: int) -> Iterable[Fact]:
        """The facts that start on days first..last and end on `reach` or later, in order."""
        i, j = self.window(first, last)
        if j - i <= _SCAN:  # a short window: a list at once (callers often take only the first)
            return [f for f in map(self.facts.__getitem__, range(i, j)) if f.end >= reach]
        return self._descend(i, j, reach)

    def _descend(self, i: int, j: int, reach: int) -> Iterator[Fact]:
        """The facts at positions [i, j) that end on `reach` or later, in order, by the tree."""
        facts, most, size = self.facts, self._most, self._leaves
        # depth first, left to right, over the nodes that cover part of [i, j) and reach `reach`
        stack = [(1, 0, size)]
        while stack:
            k, lo, hi = stack.pop()
            if hi <= i or lo >= j or most[k] < reach:
                continue
            if k >= size:
                yield facts[lo]
                continue
            mid = (lo + hi) // 2
            stack.append((2 * k + 1, mid, hi))
            stack.append((2 * k, lo, mid))
