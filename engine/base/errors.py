"""One family of errors. A `CasusError` is the user's to fix (exit 2) and carries diagnostics
with stable codes; anything else escaping the engine is a bug in casus itself (`InternalError`)."""

from __future__ import annotations

import difflib
import functools
import signal
from collections.abc import Iterable
from dataclasses import field

from engine.base.record import record
from engine.base.source import Span, caret, split_lines

COMMAND_LINE = "<command line>"  # the path of a Span that points at the command line, not at a file


@record
class Diagnostic:
    """One problem in the user's input: where, a stable code, what, and how to fix it."""

    span: Span
    code: str
    message: str
    hint: str | None = None
    suggestions: tuple[str, ...] = ()
    line_text: str | None = field(default=None, compare=False)

    def render(self) -> str:
        # a problem with the command line itself has no file, line or column to point at
        where = "casus" if self.span.path == COMMAND_LINE else self.span.where
        out = f"{where}: {self.code}: {self.message}"
        if self.line_text is not None:
            out += "\n" + caret(self.line_text, self.span)
        if self.hint:
            out += f"\n  hint: {self.hint}"
        return out

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.path, self.span.line, self.span.column, self.code, self.message)


class CasusError(Exception):
    """Bad input: one or more diagnostics, sorted by location."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(sorted(set(diagnostics), key=Diagnostic.sort_key))
        super().__init__("\n".join(d.render() for d in self.diagnostics))

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class InternalError(Exception):
    """A bug in casus, not in the user's input."""


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> tuple[str, ...]:
    """Close matches for an unknown name, best first (case-insensitive)."""
    return _suggest(word, tuple(sorted(set(candidates))), n)


@functools.lru_cache(maxsize=4096)
def _suggest(word: str, pool: tuple[str, ...], n: int) -> tuple[str, ...]:
    # cached: a long file repeats the same unknown name many times, and difflib is slow
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    return tuple(lowered[h] for h in hits)


def did_you_mean(suggestions: tuple[str, ...]) -> str | None:
    if not suggestions:
        return None
    if len(suggestions) == 1:
        return f"did you mean '{suggestions[0]}'?"
    return "did you mean " + ", ".join(f"'{s}'" for s in suggestions[:-1]) + f" or '{suggestions[-1]}'?"


class Diagnostics:
    """Collects diagnostics so that one run reports every problem it can find."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []
        self.lines: dict[str, str] = {}
        self._split: dict[str, list[str]] = {}  # path -> its lines, split once (errors can be many)

    def add_source(self, path: str, text: str) -> None:
        self.lines[path] = text
        self._split.pop(path, None)

    def error(self, span: Span, code: str, message: str, hint: str | None = None,
              suggestions: tuple[str, ...] = ()) -> None:
        if hint is None and suggestions:
            hint = did_you_mean(suggestions)
        text = self.lines.get(span.path)
        line_text = None
        if text is not None:
            lines = self._split.get(span.path)
            if lines is None:
                lines = self._split[span.path] = split_lines(text)
            line_text = lines[span.line - 1] if 1 <= span.line <= len(lines) else ""
        self.items.append(Diagnostic(span, code, message, hint, suggestions, line_text))

    def unknown(self, span: Span, what: str, name: str, candidates: Iterable[str], code: str = "E-UNKNOWN",
                owner: str | None = None) -> None:
        where = f" in '{owner}'" if owner else ""
        self.error(span, code, f"unknown {what} '{name}'{where}", suggestions=suggest(name, candidates))

    def raise_if_any(self) -> None:
        if self.items:
            raise CasusError(self.items)


_SIGNALS = {int(s): s.name for s in signal.Signals}


class WorkerDied(Exception):
    """A worker process ended while a pool (engine/base/pool.py) was in use (killed by a signal, or exited): the
    results after the last one given are lost. `exitcode` is the process's (minus the signal's
    number when a signal killed it; None if unknown); `after` says, for a message, how far the
    output got (set by the caller that knows what a task is)."""

    def __init__(self, exitcode: int | None, after: str | None = None) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode
        self.after = after

    @property
    def how(self) -> str:
        """`signal 9, SIGKILL`, `exit status 1`, or `cause unknown`."""
        code = self.exitcode
        if code is None:
            return "cause unknown"
        if code < 0:
            name = _SIGNALS.get(-code)
            return f"signal {-code}, {name}" if name else f"signal {-code}"
        return f"exit status {code}"

    def __str__(self) -> str:
        return f"a worker process died ({self.how}){'; ' + self.after if self.after else ''}"
