"""Work worked out once per object of the library (a treaty, provision, condition or atom), not
once per scenario; the cycle collector paused while many long-lived objects are made
(`collector_paused`: loading and reading large files), and spared the objects a batch keeps
for its whole run (`long_lived`)."""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

_PER_OBJECT_LIMIT = 20_000
_T = TypeVar("_T")
_R = TypeVar("_R")


def per_object(fn: Callable[[_T], _R]) -> Callable[[_T], _R]:
    """Work out fn(x) once per object x (a treaty, provision, condition or atom of the library),
    not once per scenario. Keyed by identity, with x kept alive beside its entry so that its id
    is not reused; emptied past a bound, so that a long run over generated treaties (fuzzing)
    does not grow it without end."""
    cache: dict[int, tuple[_T, _R]] = {}

    @functools.wraps(fn)
    def once(x: _T) -> _R:
        entry = cache.get(id(x))
        if entry is not None and entry[0] is x:
            return entry[1]
        if len(cache) >= _PER_OBJECT_LIMIT:
            cache.clear()
        value = fn(x)
        cache[id(x)] = (x, value)
        return value

    return once


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while, then as it was. Reading a large file makes a
    million small objects that live on and hold no cycles; the collector would walk all of
    them at every full collection (past 100,000 facts most of the time of a `check`)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[Callable[[], None]]:
    """A run (a batch of scenarios) whose first steps make objects that live as long as it does
    (the library, its compiled program): `keep()` leaves every object made so far out of the
    cycle collector's walks (`gc.freeze`) until the run ends (`gc.unfreeze`), when they are its
    to collect again. A full collection walks every object it tracks: over 10,000 realistic
    scenarios of the bundled library the collector took 0.11 s, 0.05 s with those left out.
    Meanwhile a full collection comes after 100 of the second generation's, not 10 (`_RARELY`):
    with nothing old left to walk, the first came a second into such a run, and walked the
    memos of distinct events and dates (17 ms of its 0.04 s). Where objects are frozen already
    (by the program around, or a batch beside: Dask's threads), it does neither: `gc.unfreeze`
    gives back every frozen object, theirs too."""
    before: tuple[int, int, int] | None = None  # the collector's thresholds, where this froze objects
    done = False

    def keep() -> None:
        nonlocal before, done
        if not done:
            done = True
            if gc.get_freeze_count() == 0:
                gc.freeze()
                before = gc.get_threshold()
                gc.set_threshold(before[0], before[1], max(before[2], _RARELY))

    try:
        yield keep
    finally:
        if before is not None:
            gc.unfreeze()
            gc.set_threshold(*before)


_RARELY = 100  # (`long_lived`)
