"""The compiled code's helpers that say which facts two parties both see (engine/core/compiled/
runtime.py `seen`, `seen_pieces`, `first_seen`) give what the definition gives: a fact counts when
its days overlap a membership span of each party (`TreatyContext.visible`), whatever the spans —
one each (most parties of most treaties), several, or none."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engine.core.compiled import runtime

days = st.integers(0, 60)
span = st.tuples(days, days).map(sorted).map(tuple)
spans = st.lists(span, max_size=3).map(tuple)
fact = st.tuples(days, st.integers(0, 20)).map(lambda f: (f[0], f[0] + f[1]))


def _sees(s: int, e: int, sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> bool:
    return any(s <= b and e >= a for a, b in sx) and any(s <= b and e >= a for a, b in sy)


one_span = span.map(lambda sp: (sp,))


@given(st.lists(fact, max_size=6), one_span, one_span)
def test_the_facts_two_parties_of_one_span_each_see(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...],
                                                    sy: tuple[tuple[int, int], ...]) -> None:
    _check(facts, sx, sy)


@given(st.lists(fact, max_size=6), spans, spans)
def test_the_facts_both_parties_see(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...],
                                    sy: tuple[tuple[int, int], ...]) -> None:
    _check(facts, sx, sy)


def _check(facts: list[tuple[int, int]], sx: tuple[tuple[int, int], ...], sy: tuple[tuple[int, int], ...]) -> None:
    wanted = [(s, e) for s, e in facts if _sees(s, e, sx, sy)]
    assert runtime.seen(facts, sx, sy) == wanted
    assert runtime.first_seen(facts, sx, sy) == min([s for s, _ in wanted], default=runtime.NEVER)
    pieces = [(s + 1, e, s, e) for s, e in facts]  # (a run of days, its fact's days)
    assert runtime.seen_pieces(pieces, sx, sy) == [(s + 1, e) for s, e in wanted]


def test_one_span_each_that_do_not_meet() -> None:
    """Two single spans with no day in common: a fact that overlaps each (on different days)
    counts, one that overlaps only one does not."""
    sx, sy = ((0, 10),), ((20, 30),)
    assert runtime.seen([(5, 25), (5, 15), (15, 25), (12, 18)], sx, sy) == [(5, 25)]
    assert runtime.first_seen([(15, 25), (5, 25)], sx, sy) == 5
