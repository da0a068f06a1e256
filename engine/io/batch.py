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

Each line is read by engine/io/batchline.py: for the compiled code, as text where it is canonical
(compact, each event's kind then date), else by the standard `json` module; only a line that fails
is read again with the positional JSON grammar, to point at the exact column of the problem."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from engine.base.errors import CasusError, Diagnostic
from engine.base.memo import long_lived
from engine.base.source import Span
from engine.core import compiled, explained
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import Counts, EvalOptions, current
from engine.core.records import CSV_COLUMNS, CSV_HEADER, csv_field, outcomes_json, result_csv, result_json
from engine.io import batchline
from engine.kernel.facts import Scenario
from engine.language.library import Library

if TYPE_CHECKING:
    import os

    from engine.base.cluster import Cluster
    from engine.core.compiled import Program

    LibraryArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None  # as `load_library` takes it

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
        yield BatchItem(index, lineno, batchline.line_scenario(lib, line, path, lineno))


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
    with long_lived() as keep:
        for _, lineno, line in _own_lines(lines, shard):
            try:
                block = one(lib, line, wanted, interpretation, path, lineno, programs, options)
            except CasusError as e:
                if not each:
                    raise
                yield e
                continue
            keep()  # (after the first line: the program it compiled lives as long as the batch)
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


# ---------------------------------------------------------------------------- CSV, compiled


def csv_lines(lib: Library, line: str, treaties: tuple[str, ...], interpretation: str | None, path: str,
              lineno: int, programs: dict[str | None, Program | None] | None = None,
              options: EvalOptions | None = None) -> str:
    """The CSV lines (`records.result_csv`, joined by newlines) of one scenario line.

    Where the selection has compiled treaties (engine/core/compiled/) and the scenario is of the
    common shape, its facts go straight from the line to the compiled code, as (start, end, roles)
    under their kinds, without `Fact` objects, preparation or an index — read as text where the
    line is canonical (`batchline.canonical_input`), else by the json module (`batchline.compiled_input`); the
    engine evaluates the treaties that are not compiled. Any other line goes to the engine whole
    (and a bad line to the readers that report it). `programs`: a cache for a run of lines with
    the same `treaties` and `interpretation`. `options`: the engine's shortcuts, and whether the
    compiled code may be used at all (`compiled`)."""
    options = options if options is not None else current()
    counts = options.counts
    obj: object = None  # the line as JSON, read where it is needed (`light`)
    got = batchline.canonical_input(lib, line, treaties, interpretation, path, lineno, programs, options)
    if got is None:
        obj = batchline.strict_object(line) if options.compiled else None
        got = batchline.compiled_input(lib, obj, treaties, interpretation, path, lineno, programs, options)
    if got is not None:
        prog, (hits, starts, keys), name = got
        lead = csv_field(name)
        try:
            # the treaties a withdrawal of the scenario names, with its memberships, where they
            # compile so; the engine's lines for the others and those that do not (the engine's
            # facts from the same reading, as `json_line` gives them)
            def light(only: int | None = None) -> Scenario:
                nonlocal obj
                if obj is None:  # (a canonical line: `batchline.canonical_input` read its text alone)
                    obj = batchline.strict_object(line)
                return batchline.light_scenario(lib, cast("dict", obj), keys, hits, starts, name, path, lineno, only)

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
    ev = evaluate(lib, batchline.line_scenario(lib, line, path, lineno), list(treaties), interpretation, options)
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
    obj = batchline.strict_object(line)
    got = batchline.compiled_input(lib, obj, treaties, interpretation, path, lineno, programs, options)
    if got is not None:
        prog, (hits, starts, keys), name = got
        withdrawn = prog.withdrawn(hits)
        try:
            rows = prog.rows(hits, starts, withdrawn)
            # the facts' texts and sources say why: the engine's facts from the same reading
            scenario = batchline.light_scenario(lib, cast("dict", obj), keys, hits, starts, name, path, lineno)
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
    fast = batchline.fast_scenario(lib, batchline.strict_object(line), path, lineno) if obj is not None else None
    scenario = fast or batchline.line_scenario(lib, line, path, lineno)  # (a bad line raises its located error)
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


def _split_csv(ev: Evaluation) -> list[list[str]]:
    """`result_csv`'s lines, per treaty of the evaluation."""
    lines = result_csv(ev)
    out, i = [], 0
    for o in ev.outcomes:
        out.append(lines[i:i + len(o.instances)])
        i += len(o.instances)
    return out

