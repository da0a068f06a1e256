"""One progress line on a terminal, for the long verbs (`sweep`, `run --batch`): how many are
done (of how many, when that is known), the rate, and the time left when it can be told. The
CLI draws it only when stderr is a terminal; nothing else ever writes it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

WIDTH = 30  # characters of the bar


def _duration(seconds: float) -> str:
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """`progress(done, total=None)` redraws the line (at most every `every` seconds, but always
    when done reaches a known total, which ends the line); `close(done)` draws the last count
    and ends the line when the total was not known. `clock` is for tests."""

    def __init__(self, label: str, stream: Any = None, total: int | None = None,
                 clock: Callable[[], float] = time.monotonic, every: float = 0.1) -> None:
        self.label, self.out, self.total, self.clock, self.every = label, stream or sys.stderr, total, clock, every
        self.start = clock()
        self.last: float | None = None
        self.width = 0
        self.ended = False

    def __call__(self, done: int, total: int | None = None) -> None:
        total = self.total if total is None else total
        now = self.clock()
        final = total is not None and done >= total
        if not final and self.last is not None and now - self.last < self.every:
            return
        self.draw(done, total, now)
        if final:
            self.out.write("\n")
            self.ended = True
        self.out.flush()

    def draw(self, done: int, total: int | None, now: float) -> None:
        self.last = now
        parts = [self.label]
        if total is not None:
            filled = int(WIDTH * done / total) if total else WIDTH
            parts.append(f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}")
        else:
            parts.append(f"{done} done")
        elapsed = now - self.start
        if elapsed > 0 and done:
            rate = done / elapsed
            parts.append(f"{rate:,.1f}/s")
            if total is not None and done < total:
                parts.append(f"{_duration((total - done) / rate)} left")
        line = f"{parts[0]} {parts[1]}" + "".join(f"  {p}" for p in parts[2:])
        self.out.write("\r" + line + " " * max(0, self.width - len(line)))  # over a longer line before
        self.width = len(line)

    def close(self, done: int | None = None) -> None:
        if self.ended:
            return
        if done is not None:
            self.draw(done, self.total, self.clock())
        if self.width:
            self.out.write("\n")
            self.out.flush()
        self.ended = True


__all__ = ["Progress"]
