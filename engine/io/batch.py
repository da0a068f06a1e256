"""Batch evaluation: JSON Lines in, JSON Lines (or CSV) out, in constant memory.

`casus run --batch FILE.jsonl [--shard I/N]` and `run_batch()` read one JSON scenario a line (SPEC
"Scenario files"), evaluate each as it is read and yield one compact result JSON a line (the same
content as `casus run --format json`); with `--format csv` (`fmt="csv"`), a header and then each
scenario's CSV lines (`records.result_csv`). In both, the treaties that can be compiled
(engine/core/compiled/) are evaluated by generated code, not walked by the engine: CSV whole
(`csv_lines`), the result JSON with the solver saying why at one instant per instance
(`json_line`, engine/core/explained.py). Nothing is collected: a generator pipeline from the
file to the output, so memory does not grow with the number of scenarios.

- Blank lines are skipped; every other line is one scenario, numbered 0, 1, 2, … in file order.
- `shard=(I, N)` (`--shard I/N`, 0 <= I < N) evaluates the scenarios whose number is I modulo N:
  N array jobs given 0/N … N-1/N split a sweep exactly, with no coordination. A shard parses
  only its own lines, so a bad line is reported by the shard that owns it.
- The first bad line stops the run with a located error (`FILE:LINE:COL: E-JSON: …`, or the
  checker's error for an unknown kind, role, code or interpretation); the results of the lines
  before it have already been streamed. Exit code 2 at the command line.
- Each result's `scenario.source` and every `because[].source` are `FILE:LINE`; a scenario
  without a `name` is named `FILE:LINE` too.

Lines are parsed with the standard `json` module (fast); only a line that fails is read again
with the positional JSON grammar, to point at the exact column of the problem."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, Any, Literal, cast

from engine.base.errors import CasusError, Diagnostic, Diagnostics
from engine.base.source import Source, Span
from engine.core import compiled, explained
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import Counts, EvalOptions, current
from engine.core.records import CSV_COLUMNS, CSV_HEADER, csv_field, outcomes_json, result_csv, result_json
from engine.io.jsonscenario import RESERVED, bad_char, parse_json_scenario
from engine.kernel.facts import BIG, Fact, Scenario
from engine.language import ast as A
from engine.language.build import date_ordinal
from engine.language.library import Checker, Library, check_scenario

if TYPE_CHECKING:
    import os

    from engine.base.cluster import Cluster
    from engine.core.compiled import Program

    LibraryArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None  # as `load_library` takes it

# the most entries each memo of the readers keeps (dates, distinct events): past it, it starts
# again empty, so memory stays bounded however many scenarios a batch has
MEMO_ENTRIES = 100_000
_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_SCENARIO_KEYS = frozenset({"name", "interpretation", "events", "note", "description"})
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class BatchItem:
    """One scenario of a batch: its number among the file's scenarios and its line."""

    index: int
    line: int
    scenario: Scenario


def parse_shard(text: str) -> tuple[int, int]:
    """`"I/N"` -> (I, N), with 0 <= I < N; a CasusError (E-USAGE) otherwise."""
    m = _SHARD.match(text)
    if m is None or int(m.group(2)) < 1 or int(m.group(1)) >= int(m.group(2)):
        raise CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE",
                                     f"--shard '{text}' should be I/N with 0 <= I < N",
                                     "for example --shard 0/4 … --shard 3/4 for four jobs")])
    return int(m.group(1)), int(m.group(2))


def _check_shard(shard: tuple[int, int] | None) -> tuple[int, int]:
    if shard is None:
        return 0, 1
    i, n = shard
    if not (isinstance(i, int) and isinstance(n, int) and 0 <= i < n):
        raise ValueError(f"shard must be (I, N) with 0 <= I < N, not {shard!r}")
    return i, n


def read_scenarios(lib: Library, lines: Iterable[str], path: str = "<batch>",
                   shard: tuple[int, int] | None = None) -> Iterator[BatchItem]:
    """The scenarios of a JSON Lines stream (this shard's only), checked against the library."""
    for index, lineno, line in _own_lines(lines, shard):
        yield BatchItem(index, lineno, _scenario(lib, line, path, lineno))


def _own_lines(lines: Iterable[str], shard: tuple[int, int] | None) -> Iterator[tuple[int, int, str]]:
    """(scenario number, line number, line) of this shard's scenario lines; blank lines are skipped
    and not numbered."""
    i, n = _check_shard(shard)
    index = -1
    for lineno, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        index += 1
        if index % n == i:
            yield index, lineno, line


def run_batch(lib: Library, lines: Iterable[str], treaties: Sequence[str] | None = None,
              interpretation: str | None = None, shard: tuple[int, int] | None = None,
              path: str = "<batch>", workers: int = 1, library: object = None,
              fmt: str = "json", options: EvalOptions | None = None,
              on_error: Callable[[CasusError], None] | None = None,
              progress: Callable[[int], None] | None = None, dask: str | None = None) -> Iterator[str]:
    """One compact result JSON (SPEC "Result JSON", no trailing newline) per scenario line; with
    `fmt="csv"`, the CSV header (`records.CSV_HEADER`), then each scenario's CSV lines as one
    string (none for a scenario with no listed instance): see `csv_lines`.

    `lines` is any iterable of strings (an open file, a list); `path` names it in sources and
    errors. Raises CasusError at the first bad line, after the results before it.

    `workers` > 1 evaluates in that many processes, with the same output in the same order (a
    few chunks of lines in flight at a time, so memory stays constant); where processes cannot
    be forked, each loads `library` (as `load_library` takes it; the bundled library when None).
    A worker process that dies (killed on its own) raises `engine.base.pool.WorkerDied` in place
    of the first output lost, its `after` saying how far the output got; the output before it is
    that of a complete run.

    `dask` (`--dask ADDRESS`): evaluate on the Dask cluster whose scheduler is at that address
    (engine/base/cluster.py), in blocks of `cluster.BLOCK` lines, with the same output in the
    same order; `workers` is then not used. `lib` is sent to the workers (they read no library
    file); they need the same casus. A task Dask gives up on, or a lost scheduler, raises
    `cluster.ClusterLost` (a `WorkerDied`) as a dead worker does.

    `options` (engine/core/options.py) chooses the engine's shortcuts and whether CSV uses the
    compiled code: all of them by default (or those of an enclosing `options.using` block).

    `on_error` (`run --batch --keep-going`): a bad line, instead of stopping the run, gives an
    error record in its place (`error_record`) and its error to `on_error`. `progress` is told
    how many scenario lines are done, as they are."""
    if fmt not in ("json", "csv"):
        raise ValueError(f"fmt must be 'json' or 'csv', not {fmt!r}")
    if options is None:
        options = current()  # here, so that worker processes take the same
    if dask is not None:
        from engine.base.cluster import Cluster
        from engine.io.load import check_names

        check_names(lib, treaties, interpretation)
        with Cluster(dask, lib) as cluster:  # connected and checked before anything is written
            if fmt == "csv":
                yield CSV_HEADER
            yield from _parallel(lib, lines, treaties, interpretation, shard, path, 0, library, fmt, options,
                                 on_error, progress, cluster)
        return
    if fmt == "csv":
        from engine.io.load import check_names

        check_names(lib, treaties, interpretation)  # before the header: a bad name writes nothing
        yield CSV_HEADER
    if workers > 1:
        yield from _parallel(lib, lines, treaties, interpretation, shard, path, workers, library, fmt, options,
                             on_error, progress)
        return
    if on_error is None and progress is None:
        yield from _sequential(lib, lines, treaties, interpretation, shard, path, fmt, options)
        return
    done = 0
    for block in _sequential(lib, lines, treaties, interpretation, shard, path, fmt, options, True):
        if isinstance(block, CasusError):
            if on_error is None:
                raise block
            on_error(block)
            block = error_record(block, fmt)
        done += 1
        if progress is not None:
            progress(done)
        if block:
            yield block


def _sequential(lib: Library, lines: Iterable[str], treaties: Sequence[str] | None, interpretation: str | None,
                shard: tuple[int, int] | None, path: str, fmt: str, options: EvalOptions,
                each: bool = False) -> Iterator[Any]:
    """`run_batch` in this process: its output, or with `each`, one item per scenario line (its
    output, possibly empty in CSV, or the CasusError of a bad line)."""
    if fmt == "json":
        from engine.io.load import check_names

        check_names(lib, treaties, interpretation)  # (CSV's are checked before its header)
    one = csv_lines if fmt == "csv" else json_line
    wanted = tuple(sorted(treaties)) if treaties else tuple(sorted(lib.treaties))
    programs: dict[str | None, Program | None] = {}  # the scenario's interpretation -> its program
    for _, lineno, line in _own_lines(lines, shard):
        try:
            block = one(lib, line, wanted, interpretation, path, lineno, programs, options)
        except CasusError as e:
            if not each:
                raise
            yield e
            continue
        if block or each:
            yield block


def error_record(error: CasusError, fmt: str = "json") -> str:
    """What `run --batch --keep-going` writes in place of a bad line (docs/formats.md): in JSON,
    `{"schema": "casus.batch-error/1", "source": FILE, "line": N, "code": …, "message": …}`; in
    CSV, a row whose scenario is FILE:LINE, whose status is `error` and whose provision cell holds
    `CODE: message`."""
    d = error.diagnostics[0]
    if fmt == "csv":
        cells = dict.fromkeys(CSV_COLUMNS, "")
        cells.update(scenario=f"{d.span.path}:{d.span.line}", provision=f"{d.code}: {d.message}", status="error")
        return ",".join(csv_field(cells[c]) for c in CSV_COLUMNS)
    return json.dumps({"schema": "casus.batch-error/1", "source": d.span.path, "line": d.span.line,
                       "code": d.code, "message": d.message}, ensure_ascii=False, separators=(",", ":"))


STOPPED_SCHEMA = "casus.batch-stopped/1"


def stopped_record(fmt: str = "json", error: CasusError | None = None, reason: str | None = None) -> str:
    """The last line of a batch that stopped early (docs/formats.md, "Incomplete output"): at a
    bad line (`error`), or for `reason` (`interrupted`: Ctrl-C or SIGTERM; `worker`: a worker
    process died). In JSON, `{"schema": "casus.batch-stopped/1", "reason": …, "source": FILE,
    "line": N, "code": …, "message": …}` (the last four for a bad line only); in CSV, a row
    whose status is `stopped`, whose scenario is FILE:LINE (empty if no line is to blame) and
    whose provision cell holds `CODE: message` or the reason."""
    d = error.diagnostics[0] if error is not None and error.diagnostics else None
    why = reason or ("error" if d is not None else "interrupted")
    if fmt == "csv":
        cells = dict.fromkeys(CSV_COLUMNS, "")
        cells.update(status="stopped", provision=why)
        if d is not None:
            cells.update(scenario=f"{d.span.path}:{d.span.line}", provision=f"{d.code}: {d.message}")
        return ",".join(csv_field(cells[c]) for c in CSV_COLUMNS)
    record: dict[str, object] = {"schema": STOPPED_SCHEMA, "reason": why}
    if d is not None:
        record.update(source=d.span.path, line=d.span.line, code=d.code, message=d.message)
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def run_batch_file(lib: Library, file: str, treaties: Sequence[str] | None = None,
                   interpretation: str | None = None, shard: tuple[int, int] | None = None,
                   workers: int = 1, library: object = None, fmt: str = "json",
                   options: EvalOptions | None = None, on_error: Callable[[CasusError], None] | None = None,
                   progress: Callable[[int], None] | None = None, dask: str | None = None) -> Iterator[str]:
    """`run_batch` over a file (`-` for standard input), read a line at a time."""
    import sys

    if file == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        lines = sys.stdin if stdin is None else decoded_lines(stdin, "<stdin>")
        yield from run_batch(lib, lines, treaties, interpretation, shard, "<stdin>", workers, library, fmt, options,
                             on_error, progress, dask)
        return
    try:
        f = open(file, "rb")  # noqa: SIM115 - closed below; decoded a line at a time (decoded_lines)
    except OSError as e:
        raise CasusError([Diagnostic(Span(file, 1, 1, 1, 1), "E-FILE",
                                     f"cannot read the file: {e.strerror}")]) from None
    with f:
        yield from run_batch(lib, decoded_lines(f, file), treaties, interpretation, shard, file, workers, library, fmt,
                             options, on_error, progress, dask)


def decoded_lines(raw: Iterable[bytes], path: str) -> Iterator[str]:
    """The lines of a UTF-8 file (a byte-order mark is not line 1; CRLF ends a line as LF does);
    a line that is not UTF-8, or a UTF-16 file, is a located error (E-ENCODING). A line longer
    than CASUS_MAX_INPUT_MB (engine/base/limits.py) is E-SIZE, read no further than that: a
    file with no line end (`/dev/zero`) is refused, not read into memory."""
    from engine.base.limits import max_input_bytes, too_large

    limit = max_input_bytes()
    readline = getattr(raw, "readline", None)
    if readline is not None:
        raw = iter(lambda: readline(limit + 1), b"")
    for lineno, line in enumerate(raw, 1):
        if len(line) > limit and not (len(line) == limit + 1 and line.endswith(b"\n")):
            raise too_large(path, limit, lineno, "the line")
        if lineno == 1:
            if line.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise CasusError([Diagnostic(Span(path, 1, 1, 1, 3), "E-ENCODING", "the file is UTF-16, not UTF-8",
                                             "save it as UTF-8")])
            line = line.removeprefix(b"\xef\xbb\xbf")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            col = len(line[:e.start].decode("utf-8", "replace")) + 1
            raise CasusError([Diagnostic(Span(path, lineno, col, lineno, col + 1), "E-ENCODING",
                                         f"the line is not UTF-8 text (byte 0x{line[e.start]:02x})",
                                         "save the file as UTF-8", (),
                                         line.decode("utf-8", "replace").rstrip("\r\n"))]) from None
        yield text[:-2] + "\n" if text.endswith("\r\n") else text


# ---------------------------------------------------------------------------- in parallel

CHUNK = 32  # lines a local worker takes at a time (a Dask task takes `Cluster.block`)
_LIB: Library | None = None  # the library in a worker process


def _parallel(lib: Library, lines: Iterable[str], treaties: Sequence[str] | None, interpretation: str | None,
              shard: tuple[int, int] | None, path: str, workers: int, library: object,
              fmt: str = "json", options: EvalOptions | None = None,
              on_error: Callable[[CasusError], None] | None = None,
              progress: Callable[[int], None] | None = None, cluster: Cluster | None = None) -> Iterator[str]:
    """`run_batch` in `workers` local processes (engine/base/pool.py), or on `cluster` (Dask,
    engine/base/cluster.py) when given: chunks of lines out, their outputs back in order."""
    import collections

    from engine.base.pool import WorkerDied, Workers
    from engine.io.load import check_names

    global _LIB
    check_names(lib, treaties, interpretation)
    wanted = tuple(treaties) if treaties else None
    own = _own_lines(lines, shard)
    options = options if options is not None else current()
    counts = options.counts
    # each chunk counts on its own (a worker's counts do not come back by themselves) and the
    # counts are added up here
    sent = dataclasses.replace(options, counts=Counts() if counts is not None else None)
    keep_going = on_error is not None

    out_lines: collections.deque[list[int]] = collections.deque()  # the line numbers of each chunk out

    size = CHUNK if cluster is None else cluster.block

    def tasks() -> Iterator[tuple[Any, ...]]:
        while chunk := [(lineno, line) for _, lineno, line in itertools.islice(own, size)]:
            out_lines.append([lineno for lineno, _ in chunk])
            yield chunk, wanted, interpretation, path, fmt, sent, keep_going

    previous, _LIB = _LIB, lib  # a forked worker inherits it
    done = 0
    last: int | None = None  # the line of the last scenario whose output is given
    try:
        with contextlib.nullcontext(cluster) if cluster is not None else Workers(workers, _init_worker,
                                                                                 (library,)) as pool:
            # a few chunks in flight at a time: memory does not grow with the file
            fn = _evaluate_lines if cluster is not None else _evaluate_chunk  # the cluster gives the library
            for outs, diagnostics, taken in pool.ordered(fn, tasks()):
                if counts is not None and taken is not None:
                    counts.add(taken)
                    counts.parallel += 1
                for item, lineno in zip(outs, out_lines.popleft(), strict=False):  # up to a bad line
                    if isinstance(item, tuple):  # a bad line, kept going past (`_evaluate_chunk`)
                        assert on_error is not None
                        on_error(CasusError(list(item)))
                        item = error_record(CasusError(list(item)), fmt)
                    done += 1
                    if progress is not None:
                        progress(done)
                    last = lineno
                    if item:
                        yield item
                if diagnostics is not None:
                    raise CasusError(list(diagnostics))
    except WorkerDied as e:
        e.after = f"the output stops after line {last} of {path}" if last is not None else "the output holds no result"
        raise
    finally:
        _LIB = previous


def _init_worker(library: LibraryArg) -> None:  # pragma: no cover - runs in the worker processes
    global _LIB
    if _LIB is None:
        from engine.io.load import load_library

        _LIB = load_library(library)


def _evaluate_chunk(chunk: list[tuple[int, str]], treaties: tuple[str, ...] | None, interpretation: str | None,
                    path: str, fmt: str = "json", options: EvalOptions | None = None, keep_going: bool = False,
                    ) -> tuple[list[Any], tuple[Diagnostic, ...] | None, Counts | None]:
    """`_evaluate_lines` in a local worker process, against the library it loaded or inherited."""
    assert _LIB is not None
    return _evaluate_lines(_LIB, chunk, treaties, interpretation, path, fmt, options, keep_going)


def _evaluate_lines(lib: Library, chunk: list[tuple[int, str]], treaties: tuple[str, ...] | None,
                    interpretation: str | None, path: str, fmt: str = "json", options: EvalOptions | None = None,
                    keep_going: bool = False) -> tuple[list[Any], tuple[Diagnostic, ...] | None, Counts | None]:
    """The results of a chunk of lines, one per line (possibly empty in CSV), up to its first bad
    line, that line's diagnostics, and what the chunk counted (`options.counts`, a fresh one per
    chunk). With `keep_going`, a bad line's diagnostics (a tuple) stand in its place and the
    chunk goes on."""
    if options is not None and options.counts is not None:  # this chunk's own (a cluster in this process
        options = dataclasses.replace(options, counts=Counts())  # shares the objects it is given)
    taken = options.counts if options is not None else None
    outs: list[Any] = []
    wanted = tuple(sorted(treaties)) if treaties else tuple(sorted(lib.treaties))
    programs: dict[str | None, Program | None] = {}
    one = csv_lines if fmt == "csv" else json_line
    for lineno, line in chunk:
        try:
            outs.append(one(lib, line, wanted, interpretation, path, lineno, programs, options))
        except CasusError as e:  # an exception does not cross processes intact: its diagnostics do
            if keep_going:
                outs.append(tuple(e.diagnostics))
                continue
            return outs, tuple(e.diagnostics), taken
    return outs, None, taken


# ---------------------------------------------------------------------------- one line


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
_KIND_OF = operator.itemgetter("kind")


def _scenario(lib: Library, line: str, path: str, lineno: int) -> Scenario:
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
    fast = _fast_scenario(lib, obj, path, lineno) if obj is not None and _strict(text, obj) else None
    if fast is not None:
        return fast
    decl = _slow_decl(lib, text, path, lineno)
    if not isinstance(obj, dict) or "name" not in obj:  # the positional reader names a nameless scenario after its file
        decl = A.ScenarioDecl(f"{path}:{lineno}", decl.interpretation, decl.facts, (), None, decl.span,
                              decl.interpretation_span)
    return _to_scenario(decl, path, lineno)


def _fast_scenario(lib: Library, obj: object, path: str, lineno: int) -> Scenario | None:
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
        start = _DATES.get(date)
        if start is None:
            start = date_ordinal(date)
            if start is None:
                return None
            if len(_DATES) > MEMO_ENTRIES:
                _DATES.clear()
            _DATES[date] = start
        end = start
        if "until" in ev:
            until = _until(ev["until"])
            if until is None or until < start:
                return None
            end = until
        event = _event_key(kind, ev)
        if event is None:
            return None
        hit = _checked(lib, event)
        if hit is False:
            return None
        note = ev.get("note")
        facts.append(Fact(kind, dict(hit.roles), start, end, hit.text, where, note if isinstance(note, str) else None))
    return Scenario(name, where, interp, tuple(facts), (), None)


def _light_scenario(lib: Library, obj: dict, keys: list[tuple[object, ...]],
                    hits: list[tuple[int, dict[str, str], int | None]], starts: list[int], name: str, path: str,
                    lineno: int, only: int | None = None) -> Scenario:
    """The scenario of a line the compiled code has read (`_light_facts`: `obj` without its
    events' dates, each event's key, its reading and its first day), as `_fast_scenario` reads
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


def _until(u: object) -> int | None:
    """An event's `until` as an ordinal: BIG for null (open-ended); None if it is not a date."""
    if u is None:
        return BIG
    return date_ordinal(u) if isinstance(u, str) else None


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
    but its date) -> its kind, roles as written and text, for this library (`_light_scenario`)."""
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
    language writes it, written the first time it is asked for (for a `Fact` the engine reads:
    the compiled code's reader needs only the roles)."""

    __slots__ = ("_atom", "_text", "roles")

    def __init__(self, roles: dict[str, str], atom: A.Atom):
        self.roles, self._atom, self._text = roles, atom, ""

    @property
    def text(self) -> str:
        if not self._text:
            self._text = self._atom.render()
        return self._text


def _check_event(lib: Library, event: tuple[str, ...]) -> Checked | Literal[False]:
    """An event (kind, role, value, role, value, …) the checker accepts as a fact; False
    otherwise."""
    roles = dict(zip(event[1::2], event[2::2], strict=True))  # (a value's text is itself: a code, a name)
    args = list(map(_arg, roles.items()))
    # (None: not a code or a name; a role twice: the checker's error; both the positional reader's to say)
    if not all(args) or not _NAME.match(event[0]) or 2 * len(roles) + 1 < len(event):
        return False
    atom = A.Atom(event[0], tuple(cast("list[A.Arg]", args)), _SPAN)
    checker = _checker(lib)
    checker.atom(atom, in_fact=True)
    if checker.d.items:  # (its problems are the positional reader's to report)
        checker.d.items.clear()
        return False
    return Checked(roles, atom)


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


_CHECKERS: list[tuple[Library, Checker]] = []


def _checker(lib: Library) -> Checker:
    """One checker per library for `_check_event` (building one costs more than a check)."""
    if not _CHECKERS or _CHECKERS[0][0] is not lib:
        checker = Checker(Diagnostics())
        checker.lib = lib
        _CHECKERS[:] = [(lib, checker)]
    return _CHECKERS[0][1]


# ---------------------------------------------------------------------------- CSV, compiled


def csv_lines(lib: Library, line: str, treaties: tuple[str, ...], interpretation: str | None, path: str,
              lineno: int, programs: dict[str | None, Program | None] | None = None,
              options: EvalOptions | None = None) -> str:
    """The CSV lines (`records.result_csv`, joined by newlines) of one scenario line.

    Where the selection has compiled treaties (engine/core/compiled/) and the scenario is of the
    common shape, its facts go straight from the line to the compiled code, as (start, end, roles)
    under their kinds, without `Fact` objects, preparation or an index — read as text where the
    line is canonical (`_canonical_input`), else by the json module (`_compiled_input`); the
    engine evaluates the treaties that are not compiled. Any other line goes to the engine whole
    (and a bad line to the readers that report it). `programs`: a cache for a run of lines with
    the same `treaties` and `interpretation`. `options`: the engine's shortcuts, and whether the
    compiled code may be used at all (`compiled`)."""
    options = options if options is not None else current()
    counts = options.counts
    obj: object = None  # the line as JSON, read where it is needed (`light`)
    got = _canonical_input(lib, line, treaties, interpretation, path, lineno, programs, options)
    if got is None:
        obj = _strict_object(line) if options.compiled else None
        got = _compiled_input(lib, obj, treaties, interpretation, path, lineno, programs, options)
    if got is not None:
        prog, (hits, starts, keys), name = got
        lead = csv_field(name)
        try:
            # the treaties a withdrawal of the scenario names, with its memberships, where they
            # compile so; the engine's lines for the others and those that do not (the engine's
            # facts from the same reading, as `json_line` gives them)
            def light(only: int | None = None) -> Scenario:
                nonlocal obj
                if obj is None:  # (a canonical line: `_canonical_input` read its text alone)
                    obj = _strict_object(line)
                return _light_scenario(lib, cast("dict", obj), keys, hits, starts, name, path, lineno, only)

            withdrawn = prog.withdrawn(hits)
            scenario = light() if prog.others else None
            # (the memberships are read from the withdrawals and denunciations alone: their scenario)
            leavers = scenario if scenario is not None or not withdrawn else light(only=prog.withdrawal)
            others = _leaving(prog, withdrawn, hits, starts, leavers, lead)
            leaving = len(others)
            engine_ids = prog.others + [tid for tid in withdrawn if tid not in others]
            if engine_ids:
                ev = evaluate(lib, scenario or light(), engine_ids, interpretation, options)
                for o, lines in zip(ev.outcomes, _split_csv(ev), strict=True):
                    others[o.treaty.id] = lines
            out = "\n".join(prog.run(hits, starts, lead, others))
        except compiled.Invalid:
            pass
        else:
            if counts is not None:
                counts.compiled += 1
                counts.leaving += leaving
            return out
    ev = evaluate(lib, _scenario(lib, line, path, lineno), list(treaties), interpretation, options)
    if counts is not None:
        counts.csv_engine += 1
    return "\n".join(result_csv(ev))


def json_line(lib: Library, line: str, treaties: tuple[str, ...], interpretation: str | None, path: str,
              lineno: int, programs: dict[str | None, Program | None] | None = None,
              options: EvalOptions | None = None) -> str:
    """The result JSON (`records.result_json`) of one scenario line. Where `csv_lines` runs the
    compiled code, this does too (`Program.rows`: each listed instance with its status, dates and
    timeline), and the solver says why, at one instant per instance (engine/core/explained.py);
    the engine walks the treaties that are not compiled. Any other line goes to the engine whole."""
    options = options if options is not None else current()
    counts = options.counts
    obj = _strict_object(line)
    got = _compiled_input(lib, obj, treaties, interpretation, path, lineno, programs, options)
    if got is not None:
        prog, (hits, starts, keys), name = got
        withdrawn = prog.withdrawn(hits)
        try:
            rows = prog.rows(hits, starts, withdrawn)
            # the facts' texts and sources say why: the engine's facts from the same reading
            scenario = _light_scenario(lib, cast("dict", obj), keys, hits, starts, name, path, lineno)
            leaving = _leaving(prog, withdrawn, hits, starts, scenario, None)
            rows += [row for tid in sorted(leaving) for row in leaving[tid]]
            walked = frozenset(tid for tid in withdrawn if tid not in leaving)
        except compiled.Invalid:
            pass
        else:
            if counts is not None:
                counts.compiled += 1
                counts.leaving += len(leaving)
            reading, outcomes = explained.outcomes(lib, prog, scenario, rows, walked, interpretation, options)
            return outcomes_json(lib, scenario, reading, outcomes)
    # the line read again: the compiled code's reader takes its events apart (their dates)
    fast = _fast_scenario(lib, _strict_object(line), path, lineno) if obj is not None else None
    scenario = fast or _scenario(lib, line, path, lineno)  # (a bad line raises its located error)
    if counts is not None:
        counts.json_engine += 1
    return result_json(lib, evaluate(lib, scenario, list(treaties), interpretation, options))


def _leaving(prog: Program, withdrawn: list[str], hits: list[tuple[int, dict[str, str], int | None]],
             starts: list[int], scenario: Scenario | None, lead: str | None) -> dict[str, list[Any]]:
    """For the compiled treaties a withdrawal or denunciation of the scenario names: the CSV
    lines (`lead`: the scenario's name as a field) or, without `lead`, the rows
    (`Program.rows`) of each that compiles with the scenario's memberships (`Program.leaving`)."""
    out: dict[str, list[Any]] = {}
    runs = {tid: run for tid in withdrawn if (run := prog.leaving(tid, rows=lead is None)) is not None}
    if not runs:
        return out
    assert scenario is not None
    memberships = prog.memberships(list(runs), scenario)
    for tid, run in runs.items():
        members = memberships[tid]
        out[tid] = run(hits, starts, {}, members) if lead is None else run(hits, starts, lead, {}, members)
    return out


def _compiled_input(lib: Library, obj: object, treaties: tuple[str, ...], interpretation: str | None, path: str,
                    lineno: int, programs: dict[str | None, Program | None] | None, options: EvalOptions
                    ) -> tuple[Program, tuple[list[tuple[int, dict[str, str], int | None]], list[int],
                                              list[tuple[object, ...]]], str] | None:
    """For a scenario line (`obj`: as `_strict_object` read it, which this takes apart) that the
    compiled code can read: the program of the selection under its interpretation, its facts as
    the code reads them (`_light_facts`) and its name. None for any other line (not strict JSON,
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
    light = _light_facts(lib, prog, obj)
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
# the text after it): `_canonical_input` reads a line without the json module, and each distinct
# text around a date is read as JSON once (`_canonical_event`).
_CANONICAL_HEAD, _CANONICAL_EVENTS, _NAMELESS_HEAD = '{"name":"', '","events":[', '{"events":['
_EVENT_START, _DATE_START = '{"kind":', '"date":"'
_BEFORE_DATE, _FROM_DATE = operator.itemgetter(0), operator.itemgetter(2)
_DAY_TEXT, _AFTER_DAY = operator.itemgetter(slice(0, 10)), operator.itemgetter(slice(10, None))


def _canonical_input(lib: Library, line: str, treaties: tuple[str, ...], interpretation: str | None, path: str,
                     lineno: int, programs: dict[str | None, Program | None] | None, options: EvalOptions
                     ) -> tuple[Program, tuple[list[tuple[int, dict[str, str], int | None]], list[int],
                                               list[tuple[object, ...]]], str] | None:
    """`_compiled_input` for a canonical line (above), read as text: the same program, facts and
    name as the json module's reading gives, or None for any line that is not canonical, or has
    an event the compiled code does not read (`_compiled_input` then reads it as JSON). Each
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
    if prog is None or prog.attack_kinds is not None:  # (self-defence reads the kinds: `_light_facts`)
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
    """The event (without its date) of a canonical line's text around its date (`_canonical_input`),
    such as `"threat",` and `","by":"FR","on":"RO"},`; None unless, with a date put back between
    them, that text is one event of strict JSON (`_strict_object`) whose kind comes first and its
    date, of 10 characters, second. (Its text is then read alike in the line: a JSON value reads
    the same wherever it is, and the text `{"kind":` is in no JSON string, where a quote is escaped.)"""
    ev = _strict_object(_EVENT_START + before + _DATE_START + _SOME_DAY + after[:-1])
    if not isinstance(ev, dict) or list(ev)[:2] != ["kind", "date"] or ev["date"] != _SOME_DAY:
        return None
    del ev["date"]
    return ev


_SOME_DAY = "2000-01-01"  # (its place in an event's text: the line's own date, there, is read on its own)


def _strict_object(line: str) -> object:
    """A line read as strict JSON (`_strict`), or None."""
    try:
        obj, end = _SCAN(line, 0)  # the json module's own scanner, without `loads`'s wrapping
        if end != len(line) and not line[end:].isspace() or not _strict(line, obj):
            return None
    except (ValueError, StopIteration, RecursionError):
        return None
    return obj


def _split_csv(ev: Evaluation) -> list[list[str]]:
    """`result_csv`'s lines, per treaty of the evaluation."""
    lines = result_csv(ev)
    out, i = [], 0
    for o in ev.outcomes:
        out.append(lines[i:i + len(o.instances)])
        i += len(o.instances)
    return out


_SCAN = json.scanner.make_scanner(_STRICT)  # type: ignore[attr-defined]  # (obj, end) at an index


def _light_facts(lib: Library, prog: Program, obj: dict
                 ) -> tuple[list[tuple[int, dict[str, str], int | None]], list[int], list[tuple[object, ...]]] | None:
    """A scenario's facts for compiled code (`compiled.Program.run`): (hits, starts), and each
    event's key in the memos of distinct events (all but its date: `_light_scenario`). None when
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


def _room_for_shapes(prog: Program) -> None:
    """The memo of distinct events (`Program.shapes`, keyed by their text or their reading) and
    what the interpretation derives from them, emptied once they hold `MEMO_ENTRIES`."""
    if len(prog.shapes) > MEMO_ENTRIES:
        prog.shapes.clear()
        if prog.derived is not None:
            prog.derived.clear()


def _days(days: list[Any]) -> list[int] | None:
    """The ordinals of the events' dates (remembered: `_DATES`); None if one is not a date."""
    dates = _DATES
    try:
        starts = list(map(dates.get, days))
    except TypeError:  # (a date written as a list or an object: the positional reader says where)
        return None
    if not all(starts):  # dates not seen before (ordinals are never 0)
        if len(dates) > MEMO_ENTRIES:
            dates.clear()
        for i, start in enumerate(starts):
            if start is None:
                day = days[i]
                if not isinstance(day, str) or (start := date_ordinal(day)) is None:
                    return None
                starts[i] = dates[day] = start
    return cast("list[int]", starts)


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
    end = None
    if "until" in ev:
        end = _until(ev["until"])
        if end is None:
            return False
    event = _event_key(kind, ev)
    if event is None:
        return False
    checked = _checked(lib, event)
    if checked is False:
        return False
    roles = prog.complete(kind, checked.roles)
    if roles is None:
        return False
    if prog.derived is not None:
        derived = prog.derive(kind, roles, end)
        if derived is None:
            return False
        prog.derived[key] = derived
    return prog.code_of(kind), roles, end


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
