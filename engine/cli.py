"""The `casus` command. Thin: it parses arguments, calls the Python API and prints.

Each command imports what only it needs when it runs, so that a start-up (`casus run`, say)
does not pay for the others' modules."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine import __version__, api
from engine.base.errors import CasusError, Diagnostic, WorkerDied
from engine.base.source import Span
from engine.cli_complete import (
    complete_casus_file,
    complete_provision,
    complete_scenario,
    complete_space,
    complete_treaty,
    install_shells,
)

if TYPE_CHECKING:
    from engine.io.load import LibraryArg
    from engine.kernel.facts import Scenario
    from engine.language.library import Library

FORMATS = click.Choice(["table", "json", "markdown", "csv"])
DASK_EXTRA = "pip install 'casus-foederis[dask]'"  # as engine/base/cluster.py says it (not imported at start-up)


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """User errors: located diagnostics, exit 2. A worker process that died on its own: one line,
    exit 3 (casus could not finish). Anything else: a bug in casus, exit 3, with its traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            _no_nul(kwargs)
            return fn(*args, **kwargs)
        except CasusError as e:
            click.echo(e.render(), err=True)
            n = len(e.diagnostics)
            click.echo(f"casus: {n} error{'s' if n != 1 else ''}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:  # `casus … | head`: the reader has what it wanted
            _closed_pipe()
        except KeyboardInterrupt:  # pragma: no cover
            sys.exit(130)
        except Exception as e:
            if isinstance(e, WorkerDied):  # killed on its own (the out-of-memory killer): casus could not finish
                click.echo(f"casus: {e}", err=True)
                sys.exit(3)
            import traceback  # a bug, by definition

            click.echo("casus: internal error — this is a bug in casus, not in your input. Please report it with:",
                       err=True)
            click.echo(traceback.format_exc(), err=True)
            sys.exit(3)

    return wrapper


def _no_nul(kwargs: dict[str, Any]) -> None:
    """A NUL character can be in no file name and no name casus knows; the operating system
    refuses it with a ValueError deep inside (found by tests/test_fuzz_inputs.py): E-USAGE here."""
    for name, value in sorted(kwargs.items()):
        values = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE",
                                         f"an argument ({name.upper()}) holds a NUL character",
                                         "no file name or name can hold one")])


def _closed_pipe() -> None:
    """The end of output: stdout's reader went away. Exit 0 without a word, and point stdout at
    the null device so that the interpreter's last flush does not complain either."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - stdout without a file descriptor
        pass
    sys.exit(0)


def _load(paths: Sequence[str], library: LibraryArg) -> tuple[Library, list[Scenario]]:
    return api.load_scenarios(paths, library)


WORKERS_PER_CPU = 4


def _cap_workers(workers: int) -> int:
    """At most WORKERS_PER_CPU processes per CPU (more only fight for the same CPUs, and a typo
    such as `--workers 100000` would fork thousands): a larger N is lowered, with one line on
    stderr."""
    import os

    cpus = os.cpu_count() or 1
    cap = WORKERS_PER_CPU * cpus
    if workers > cap:
        click.echo(f"casus: --workers {workers} is more than {WORKERS_PER_CPU} per CPU ({cpus} CPU"
                   f"{'s' if cpus != 1 else ''}); using {cap}", err=True)
        return cap
    return workers


def library_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`--library DIR` and `--with PATH` (repeatable), given to the verb as one `library`
    argument (engine/io/load.py `library_files` decides what they mean)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, library: LibraryArg = None, extra: tuple[str, ...] = (), **kwargs: Any) -> Any:
        from engine.io.load import forget_notes

        forget_notes()  # a note is said once per command
        return fn(*args, library=api.sources(library, extra) if extra else library, **kwargs)

    wrapper = click.option("--with", "extra", multiple=True, metavar="PATH", shell_complete=complete_casus_file,
                           help="Also read these language files or folders (repeatable); a declaration "
                                "whose id the library has replaces the library's for this run.")(wrapper)
    return click.option("--library", "library", metavar="DIR",
                        help="Use the treaties in DIR instead of the bundled library (keeping the standard "
                             "vocabulary, regions and interpretations unless DIR declares its own).")(wrapper)


install_shells()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="casus")
def main() -> None:
    """casus — which treaty obligations a scenario brings alive, when, for whom, and why."""


@main.command()
@click.argument("scenarios", nargs=-1, shell_complete=complete_scenario)
@click.option("--treaty", "treaties", multiple=True, metavar="ID", shell_complete=complete_treaty,
              help="Only these treaties (repeatable).")
@click.option("--interpretation", metavar="NAME", help="Read the facts under this interpretation.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True,
              help="csv: one line per listed instance (scenario, treaty, provision, bearer, beneficiary, "
                   "status, dates), the fastest output for a sweep.")
@click.option("--batch", "batch", metavar="FILE.jsonl",
              help="Read one JSON scenario a line ('-': standard input); write one compact result JSON a "
                   "line (or, with --format csv, CSV lines), in constant memory. Stops at the first bad "
                   "line (exit 2) unless --keep-going. Progress on stderr when it is a terminal.")
@click.option("--keep-going", is_flag=True,
              help="With --batch: write an error record for a bad line (docs/formats.md) and carry on; "
                   "exit 1 at the end if there was any.")
@click.option("-o", "--output", "output", default=None, metavar="FILE",
              help="Write to FILE (atomically) instead of stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--shard", "shard", metavar="I/N",
              help="With --batch: only the scenarios numbered I, I+N, I+2N, … (from 0, blank lines not "
                   "counted), so N jobs given 0/N … N-1/N split a file exactly.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --batch: evaluate in this many processes; the output is the same, in the same order.")
@click.option("--dask", "dask", metavar="ADDRESS",
              help="With --batch: evaluate on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786), "
                   f"in blocks of lines; the output is the same, in the same order. Needs {DASK_EXTRA}, and the "
                   "same casus on the workers.")
@library_option
@_guard
def run(scenarios: tuple[str, ...], treaties: tuple[str, ...], interpretation: str | None, fmt: str,
        batch: str | None, keep_going: bool, output: str | None, quiet: bool, shard: str | None, workers: int,
        dask: str | None, library: LibraryArg) -> None:
    """Play SCENARIO files (.casus or .json) through the treaties, in the order given, or a JSON
    Lines file with --batch.

    \b
    Example:
      casus run kursk_2024 crimea_2014 --treaty nato_1949 --with my_nato.casus"""
    if batch is not None or shard is not None or workers != 1 or keep_going or dask is not None:
        _run_batch(scenarios, treaties, interpretation, fmt, batch, shard, library, workers, keep_going, output,
                   quiet, dask)
        return
    if not scenarios:
        raise click.UsageError("give SCENARIO files, or --batch FILE.jsonl")
    if output is not None:
        _check_output(output, scenarios, library)
    lib, scs = _load(scenarios, library)
    if fmt == "csv":
        from engine.core.records import CSV_HEADER, result_csv

        api.check_names(lib, treaties, interpretation)
        lines = [CSV_HEADER]
        for s in scs:
            lines += result_csv(api.evaluate(lib, s, list(treaties) or None, interpretation))
        text = "\n".join(lines) + "\n"
    elif fmt == "json":
        # the text the pydantic models give, without their start-up (api.run_json)
        docs = [json.loads(api.run_json(lib, s, list(treaties) or None, interpretation)) for s in scs]
        text = json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False) + "\n"
    else:
        from engine.present.report import render_markdown, render_table

        # tables and Markdown only read the result: plain records, without pydantic's start-up
        records = [api.run_records(lib, s, list(treaties) or None, interpretation) for s in scs]
        render = render_markdown if fmt == "markdown" else render_table
        text = "\n".join(render(r) for r in records)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_output(output, text, scenarios, library)
        click.echo(f"wrote {output}: {len(scs)} scenario{'s' if len(scs) != 1 else ''}", err=True)


def _run_batch(scenarios: tuple[str, ...], treaties: tuple[str, ...], interpretation: str | None, fmt: str,
               batch: str | None, shard: str | None, library: LibraryArg, workers: int = 1,
               keep_going: bool = False, output: str | None = None, quiet: bool = False,
               dask: str | None = None) -> None:
    """`run --batch`: JSON Lines in, JSON Lines out (engine/io/batch.py), streamed: to stdout, or
    with -o to a file moved into place at the end. Progress on stderr when it is a terminal."""
    from click.core import ParameterSource

    from engine.io import batch as batches

    if batch is None:
        given = ("--shard" if shard is not None else "--workers" if workers != 1 else
                 "--dask" if dask is not None else "--keep-going")
        raise click.UsageError(f"{given} needs --batch FILE.jsonl")
    _dask_alone(dask, workers)
    if scenarios:
        raise click.UsageError("give SCENARIO files or --batch FILE.jsonl, not both")
    ctx = click.get_current_context()
    if ctx.get_parameter_source("fmt") == ParameterSource.COMMANDLINE and fmt not in ("json", "csv"):
        raise click.UsageError("--batch writes JSON Lines or CSV; --format table and markdown are for SCENARIO files")
    if ctx.get_parameter_source("fmt") != ParameterSource.COMMANDLINE:
        fmt = "json"
    where = batches.parse_shard(shard) if shard is not None else None
    workers = _cap_workers(workers)
    if output is not None:
        _check_output(output, [batch] if batch != "-" else [], library)
    lib = api.load_library(library)
    errors: list[CasusError] = []

    def bad_line(e: CasusError) -> None:  # --keep-going: said on stderr, recorded in the output
        errors.append(e)
        if bar is not None:
            bar.out.write("\n")  # below the progress line
        click.echo(e.render(), err=True)

    bar = _batch_progress(batch, where) if sys.stderr.isatty() and not quiet else None
    pieces = batches.run_batch_file(lib, batch, list(treaties) or None, interpretation, where, workers, library, fmt,
                                    on_error=bad_line if keep_going else None, progress=bar, dask=dask)
    def lines() -> Iterator[str]:
        for piece in pieces:
            yield piece + "\n"

    shown = "<stdin>" if batch == "-" else batch
    previous = _terminate_as_interrupt()
    try:
        if output is not None:
            try:
                _write_output(output, lines(), [batch] if batch != "-" else [], library)
            except WorkerDied as e:  # nothing partial: a previous FILE is left as it was
                e.after = f"{output} was not written"
                raise
        else:
            out = sys.stdout
            try:
                for line in lines():
                    out.write(line)
                out.flush()
            except BrokenPipeError:  # pragma: no cover - e.g. `| head`: the reader has what it wanted
                import os

                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(0)
            except CasusError as e:  # a bad line: the output so far is marked as incomplete
                if any(d.span.path == shown and d.code != "E-FILE" for d in e.diagnostics):
                    _mark_stopped(out, batches.stopped_record(fmt, e))
                raise
            except KeyboardInterrupt:  # Ctrl-C or SIGTERM: marked too, then exit 130
                _mark_stopped(out, batches.stopped_record(fmt, reason="interrupted"))
                raise
            except WorkerDied:  # killed on its own: marked too, then said on stderr and exit 3 (`_guard`)
                _mark_stopped(out, batches.stopped_record(fmt, reason="worker"))
                raise
    finally:
        _restore_terminate(previous)
        if bar is not None:
            bar.close()
    if output is not None:
        click.echo(f"wrote {output}", err=True)
    if errors:
        click.echo(f"casus: {len(errors)} bad line{'s' if len(errors) != 1 else ''} recorded and skipped", err=True)
        sys.exit(1)


def _dask_alone(dask: str | None, workers: int) -> None:
    """`--dask` takes the cluster's workers: `--workers N` with it is a usage error (`--shard I/N`
    composes: each array job may send its share to a cluster)."""
    if dask is not None and workers != 1:
        raise click.UsageError("give --dask ADDRESS or --workers N, not both: the cluster's workers evaluate")
    if dask is not None and not dask.strip():
        raise click.UsageError("--dask needs the scheduler's address, e.g. tcp://scheduler:8786")


def _mark_stopped(out: Any, record: str) -> None:
    """The last line of a batch's output when it stops early (docs/formats.md, "Incomplete
    output"), after whatever was written: on a line of its own."""
    try:
        out.write(record + "\n")
        out.flush()
    except (BrokenPipeError, OSError):  # pragma: no cover - no reader left to tell
        pass


def _terminate_as_interrupt() -> Any:
    """While a batch runs, SIGTERM stops it as Ctrl-C does (its output marked, workers ended);
    the previous handler, for `_restore_terminate`."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # pragma: no cover - e.g. a test runner
        return None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, stop)


def _restore_terminate(previous: Any) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _batch_progress(batch: str, shard: tuple[int, int] | None) -> Any:
    """The progress line of `run --batch` (engine/base/progress.py, as `sweep`'s): of how many
    scenarios when the input is a file (its non-blank lines, this shard's share), else a count."""
    from engine.base.progress import Progress

    total = None
    if batch != "-":
        try:
            with open(batch, "rb") as f:
                n = sum(1 for line in f if line.strip())
            i, k = shard or (0, 1)
            total = len(range(i, n, k))
        except OSError:  # reading it says why
            total = None
    return Progress("batch", total=total)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, shell_complete=complete_scenario)
@click.option("--treaty", "treaties", multiple=True, metavar="ID", shell_complete=complete_treaty,
              help="Only these treaties (repeatable).")
@click.option("--interpretations", default=None, metavar="A,B",
              help="Comma-separated interpretations to set side by side, or 'all'.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "csv"]), default="table",
              show_default=True)
@library_option
@_guard
def compare(scenarios: tuple[str, ...], treaties: tuple[str, ...], interpretations: str | None, fmt: str,
            library: LibraryArg) -> None:
    """Treaties side by side for each SCENARIO, across interpretations.

    json: one casus.compare/1 object per scenario (a list when several), with a row per instance
    and a cell per interpretation; csv: one line per scenario, instance and interpretation
    (docs/formats.md).

    \b
    Example:
      casus compare seed_threat_no_request seed_armed_attack --interpretations all"""
    from engine.present.report.text import compare_csv, compare_document, compare_table

    lib, scs = _load(scenarios, library)
    per_scenario = api.compare(lib, scs, list(treaties) or None, interpretations)
    if fmt == "json":
        docs = [compare_document(results) for results in per_scenario]
        click.echo(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(compare_csv(per_scenario), nl=False)
    else:
        click.echo("\n".join(compare_table(results, fmt) for results in per_scenario), nl=False)


@main.command()
@click.argument("scenario", shell_complete=complete_scenario)
@click.argument("target", metavar="TREATY.PROVISION", shell_complete=complete_provision)
@click.option("--interpretation", metavar="NAME")
@click.option("--max-facts", type=click.IntRange(0, 6), default=3, show_default=True,
              help="Search sets of up to N facts to add or remove that change the status (0: no search).")
@library_option
@_guard
def explain(scenario: str, target: str, interpretation: str | None, max_facts: int, library: LibraryArg) -> None:
    """Why a provision is in its status for SCENARIO — or why it never came alive — and the
    minimal sets of facts to add (or remove) that would change it.

    \b
    Examples:
      casus explain kursk_2024 ru_kp_2024.art4
      casus explain crimea_2014 nato_1949.art5 --max-facts 2"""
    treaty, provision = api.parse_target(target)
    from engine.analysis.explain import explain as explain_provision

    lib, scs = _load([scenario], library)
    if interpretation is not None:
        api.check_names(lib, None, interpretation)
    for s in scs:
        click.echo(explain_provision(lib, s, treaty, provision, interpretation, max_facts).render(), nl=False)


@main.command()
@click.argument("files", nargs=-1, shell_complete=complete_casus_file)
@library_option
@_guard
def check(files: tuple[str, ...], library: LibraryArg) -> None:
    """Parse and check language files (the bundled library when none are given).

    \b
    Examples:
      casus check my_treaty.casus my_scenario.casus
      casus check obligations/nato_1949.casus  # an edited copy replaces the bundled one"""
    lib, scenarios = api.check_files(list(files), library)  # a big file never held whole
    provisions = sum(len(t.provisions) for t in lib.treaties.values())
    click.echo(f"ok: {len(lib.files)} files, {len(lib.treaties)} treaties, {provisions} provisions, "
               f"{len(lib.interpretations)} interpretations, {scenarios} scenarios")


@main.command()
@click.argument("paths", nargs=-1, shell_complete=complete_casus_file)
@library_option
@click.option("-q", "--quiet", is_flag=True, help="Print failures and the summary only.")
@_guard
def test(paths: tuple[str, ...], library: LibraryArg, quiet: bool) -> None:
    """Check the `expect` lines of scenario files (the bundled scenarios when none are given).

    \b
    Examples:
      casus test
      casus test my_scenarios/ --with my_treaty.casus -q"""
    result = api.check_scenarios(list(paths), library)
    for o in result.outcomes:
        if o.ok:
            if not quiet:
                click.echo(f"PASS {result.describe(o)}")
        else:
            click.echo(f"FAIL {result.describe(o)}\n     {o.message}")
    click.echo(f"{result.passed} passed, {result.failed} failed")
    if result.failed:
        sys.exit(1)


@main.command()
@library_option
@_guard
def treaties(library: LibraryArg) -> None:
    """The library, one line each.

    \b
    Example:
      casus treaties --with my_treaty.casus"""
    from engine.language.build import iso

    lib = api.load_library(library)
    rows = []
    for tid in sorted(lib.treaties):
        t = lib.treaties[tid]
        # current members: those whose membership has not ended (the UK left the EU, Georgia,
        # Azerbaijan and Uzbekistan the CSTO); the ever-members in brackets when they differ
        ever = {m.party.code for m in t.members}
        parties = sorted({m.party.code for m in t.members if m.end is None})
        shown = ", ".join(parties) if len(parties) <= 4 else f"{len(parties)} members"
        if len(ever) > len(parties):
            shown += f" ({len(ever)} ever)"
        count = f"{len(t.provisions)} provision{'s' if len(t.provisions) != 1 else ''}"
        rows.append((tid, f"in force {iso(t.in_force)}", shown, count, t.title))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4])


@main.command()
@click.argument("files", nargs=-1, shell_complete=complete_casus_file)
@click.option("--examples", default=200, show_default=True, help="Scenarios to try per property and per treaty.")
@click.option("--seed", type=int, default=None, help="Make the search reproducible.")
@click.option("--treaty", "treaties", multiple=True, metavar="ID", shell_complete=complete_treaty,
              help="Check the invariants of these treaties.")
@click.option("--invariants/--no-invariants", default=True, show_default=True,
              help="Also check the built-in invariants (date shift, party swap, order, latching).")
@click.option("--cache", default=None, metavar="DIR", help="Where Hypothesis keeps found failures [.casus-cache].")
@library_option
@_guard
def fuzz(files: tuple[str, ...], examples: int, seed: int | None, treaties: tuple[str, ...], invariants: bool,
         cache: str | None, library: LibraryArg) -> None:
    """Search for scenarios that break the properties in FILES (the library's own when none are
    given) and the built-in invariants; print the smallest counter-example found.

    \b
    Examples:
      casus fuzz --seed 1 --examples 50
      casus fuzz --treaty nato_1949 --no-invariants my_properties.casus"""
    from engine.analysis import fuzz as fz

    plan = api.fuzz_plan(list(files), list(treaties), invariants, library)
    lib, props, targets, reordered = plan.lib, plan.properties, plan.treaties, plan.reordered
    failures = 0
    for prop in props:
        for rule in prop.rules:
            f = fz.fuzz_rule(lib, prop, rule, examples, seed, cache)
            label = f"property {prop.name}: {fz.rule_text(rule)}"
            if f is None:
                click.echo(f"PASS {label}")
                continue
            failures += 1
            _report_failure(lib, f, label, cache)
    for tid in targets if invariants else []:
        f = fz.fuzz_invariants(lib, tid, examples, seed, cache, reordered)
        if f is None:
            click.echo(f"PASS invariants of {tid}")
            continue
        failures += 1
        _report_failure(lib, f, f"invariant '{f.name}' of {tid}: {f.rule}", cache)
    checked = sum(len(p.rules) for p in props) + (len(targets) if invariants else 0)
    click.echo(f"{checked - failures} passed, {failures} failed")
    if failures:
        sys.exit(1)


def _report_failure(lib: Library, f: Any, label: str, cache: str | None) -> None:
    from engine.analysis import fuzz as fz

    path = fz.save_counterexample(f, cache)
    click.echo(f"FAIL {label}  [{f.where}]")
    click.echo(f"  {f.message}")
    click.echo(f"  smallest counter-example{f' (saved to {path})' if path else ''}:")
    click.echo("".join(f"    {line}\n" for line in f.casus.splitlines()), nl=False)
    why = fz.explain_failure(lib, f, path)
    if why:
        click.echo("  why:")
        click.echo("".join(f"    {line}\n" for line in why.splitlines()), nl=False)


@main.command()
@click.argument("treaty", shell_complete=complete_treaty)
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid", show_default=True)
@click.option("--scenario", metavar="S", shell_complete=complete_scenario,
              help="Colour each provision by the status it reaches in this scenario.")
@click.option("--interpretation", metavar="NAME", help="Read the scenario under this interpretation.")
@library_option
@_guard
def graph(treaty: str, fmt: str, scenario: str | None, interpretation: str | None, library: LibraryArg) -> None:
    """The trigger chain of TREATY as a Mermaid, Graphviz dot or SVG diagram.

    \b
    Examples:
      casus graph nato_1949 --format dot | dot -Tsvg > nato.svg
      casus graph ru_kp_2024 --scenario kursk_2024"""
    from engine.core.evaluate import evaluate
    from engine.present import graph as graphs

    if scenario is not None:
        lib, scs = _load([scenario], library)
        if len(scs) != 1:
            raise CasusError([Diagnostic(Span(scenario, 1, 1, 1, 1), "E-USAGE",
                                         f"the file holds {len(scs)} scenarios; graph colours by one",
                                         "put the scenario in a file of its own")])
        api.check_names(lib, [treaty], interpretation)
        click.echo(graphs.graph(lib, treaty, fmt, evaluate(lib, scs[0], [treaty], interpretation)), nl=False)
    else:
        if interpretation is not None:
            raise CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE",
                                         "--interpretation needs --scenario", "colouring reads a scenario")])
        lib = api.load_library(library)
        api.check_names(lib, [treaty], None)
        click.echo(graphs.graph(lib, treaty, fmt), nl=False)


@main.command("fmt")
@click.argument("files", nargs=-1, required=True, shell_complete=complete_casus_file)
@click.option("--check", is_flag=True, help="Write nothing; list the files that would change (exit 1 if any).")
@click.option("--diff", is_flag=True, help="Write nothing; print a unified diff of the changes.")
@_guard
def fmt_command(files: tuple[str, ...], check: bool, diff: bool) -> None:
    """Rewrite .casus FILES (or every .casus file under a folder) in the canonical layout, comments kept.

    \b
    Examples:
      casus fmt --check obligations/
      casus fmt --diff my_treaty.casus"""
    from engine.language import fmt as formatter

    done, problems = formatter.format_files(files, check=check, diff=diff)
    for f in done:
        if f.changed and diff:
            click.echo(f.diff, nl=False)
        elif f.changed:
            click.echo(f"{'would reformat' if check else 'reformatted'} {f.path}")
    if problems is not None:
        raise problems
    if check and any(f.changed for f in done):
        sys.exit(1)


@main.command()
@click.argument("scenarios", nargs=-1, required=True, shell_complete=complete_scenario)
@click.option("-o", "--output", "output", required=True, metavar="FILE",
              help="The HTML file to write ('-' for standard output).")
@click.option("--treaty", "treaties", multiple=True, metavar="ID", shell_complete=complete_treaty,
              help="Only these treaties (repeatable).")
@click.option("--interpretations", default=None, metavar="A,B",
              help="Comma-separated interpretations to set side by side, or 'all' (default: each scenario's own).")
@click.option("--title", default=None, help="The page title.")
@library_option
@_guard
def report(scenarios: tuple[str, ...], output: str, treaties: tuple[str, ...], interpretations: str | None,
           title: str | None, library: LibraryArg) -> None:
    """One self-contained HTML page for SCENARIO files: comparison, timelines, diagrams, provisions.

    \b
    Example:
      casus report seed_threat_no_request seed_armed_attack kursk_2024 -o seed.html"""
    from engine.present.report.html import render_report

    if output != "-":
        _check_output(output, scenarios, library)
    lib, scs = _load(scenarios, library)
    names = api.parse_interpretations(lib, interpretations)
    for n in names or (None,):
        api.check_names(lib, list(treaties) or None, n)
    page = render_report(lib, scs, names, list(treaties) or None, title)
    if output == "-":
        click.echo(page, nl=False)
    else:
        _write_output(output, page, scenarios, library)
        click.echo(f"wrote {output}: {len(scs)} scenario{'s' if len(scs) != 1 else ''}, "
                   f"{len(treaties) or len(lib.treaties)} treaties", err=True)


def _inputs(paths: Sequence[str], library: LibraryArg) -> list[str]:
    """The files a command reads: its own (folders opened) and the library given with --library."""
    from engine.language.library import iter_casus_files

    try:
        found = api.resolve_scenarios(list(paths))  # a bundled scenario's bare name too
    except CasusError:  # loading says which is missing
        found = [p for p in paths if Path(p).exists()]
    src = api.sources(library)
    named = found + list(src.library or ()) + list(src.extra)
    try:
        return [*named, *iter_casus_files([p for p in named if Path(p).is_dir()])]
    except OSError:  # pragma: no cover - loading says what is wrong with them
        return named


def _check_output(output: str, paths: Sequence[str], library: LibraryArg) -> None:
    """Before any work: an output that is an input, a folder, or in no folder is refused (exit 2)."""
    from engine.base.output import check_output

    check_output(output, _inputs(paths, library))


def _write_output(output: str, text: str | Iterable[str], paths: Sequence[str], library: LibraryArg) -> None:
    """`-o FILE`: written atomically, never over an input (engine/base/output.py)."""
    from engine.base.output import write_file

    write_file(output, text, _inputs(paths, library))


@main.command()
@click.argument("space", shell_complete=complete_space)
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Evaluate in N processes (the results do not depend on N).")
@click.option("--dask", "dask", metavar="ADDRESS",
              help="Evaluate on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:8786), in blocks of "
                   f"points; the results are the same. Needs {DASK_EXTRA}, and the same casus on the workers.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--summary", is_flag=True, help="With csv or json: one record per provision, not per scenario.")
@click.option("-o", "--output", "output", default=None, metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@library_option
@_guard
def sweep(space: str, workers: int, dask: str | None, fmt: str, summary: bool, output: str | None, quiet: bool,
          library: LibraryArg) -> None:
    """Evaluate every scenario of a declared SPACE (a JSON file, or a bundled space's name such as
    seed_sweep) and tabulate how often and where each obligation activates (docs/formats.md).

    \b
    Examples:
      casus sweep seed_sweep
      casus sweep my_space.json --format csv --workers 4 -o sweep.csv"""
    from engine.analysis import sweep as sweeps

    _dask_alone(dask, workers)
    path = api.resolve_space(space)
    if output is not None:
        _check_output(output, [str(path)], library)
    sp = sweeps.load_space(path)
    lib = api.load_library(library)
    progress = sweeps.progress_bar() if sys.stderr.isatty() and not quiet else None
    result = sweeps.run_space(lib, sp, _cap_workers(workers), library, progress, dask)
    if fmt == "table":
        text = sweeps.to_table(result)
    elif summary:
        rows = result.summary()
        text = sweeps.to_csv(rows, result.summary_columns()) if fmt == "csv" else sweeps.to_json(rows)
    else:
        text = sweeps.to_csv(result.records, result.columns) if fmt == "csv" else sweeps.to_json(result.records)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_output(output, text, [str(path)], library)
        click.echo(f"wrote {output}: {sp.size} scenarios", err=True)


@main.command()
@click.option("--treaty", "treaties", multiple=True, metavar="ID", shell_complete=complete_treaty,
              help="Only these treaties (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "wide"]), default="table", show_default=True,
              help="csv: one line per treaty and flag, with its provisions; wide: one line per treaty.")
@library_option
@_guard
def classify(treaties: tuple[str, ...], fmt: str, library: LibraryArg) -> None:
    """Each treaty's ATOP-style coding (obligations and conditions), derived from its rules.

    \b
    Examples:
      casus classify --treaty nato_1949 --treaty csto_1992
      casus classify --format csv > atop.csv"""
    from engine.analysis import classify as classifier

    lib = api.load_library(library)
    api.check_names(lib, list(treaties) or None, None)
    codings = classifier.classify(lib, list(treaties) or None)
    out = {"table": classifier.to_table, "csv": classifier.to_csv, "wide": classifier.to_wide_csv}[fmt](codings)
    click.echo(out, nl=False)


@main.command("diff")
@click.argument("a", metavar="A", shell_complete=complete_treaty)
@click.argument("b", metavar="B", shell_complete=complete_treaty)
@click.option("--action", metavar="KIND", help="Only differences in duties of this action (assist, consult, …).")
@click.option("--map", "mapping", multiple=True, metavar="X=Y",
              help="Party X of A plays the part of party Y of B (repeatable); parties in both map to themselves.")
@click.option("--max-facts", type=click.IntRange(0, 6), default=3, show_default=True,
              help="The bound: scenarios of at most this many facts.")
@click.option("--max-dates", type=click.IntRange(1, 4), default=None,
              help="Distinct days per scenario (default 1, or 2 where the treaties make order count).")
@click.option("--interpretation", metavar="NAME", help="Read the facts under this interpretation.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@library_option
@_guard
def diff_command(a: str, b: str, action: str | None, mapping: tuple[str, ...], max_facts: int, max_dates: int | None,
                 interpretation: str | None, fmt: str, library: LibraryArg) -> None:
    """The minimal scenarios on which treaties A and B (ids or .casus files) give different obligations.

    \b
    Example:
      casus diff us_jp_1960 us_kr_1953 --map JP=KR --action assist"""
    from engine.analysis import diff as differ

    result = differ.diff(a, b, mapping, action, max_facts, max_dates, interpretation, library)
    click.echo(result.to_json() if fmt == "json" else differ.render_table(result), nl=False)


@main.command("lint")
@click.argument("files", nargs=-1, shell_complete=complete_casus_file)
@click.option("--max-facts", type=click.IntRange(1, 5), default=3, show_default=True,
              help="The bound of the search for provisions that never activate, conflict or are subsumed.")
@click.option("--explain-speed", is_flag=True,
              help="Also say, per treaty, whether `run --batch --format csv` compiles it to Python, and if not why.")
@library_option
@_guard
def lint_command(files: tuple[str, ...], max_facts: int, explain_speed: bool, library: LibraryArg) -> None:
    """Findings in language files (the bundled library by default); exit 1 when there is any.

    \b
    Examples:
      casus lint
      casus lint my_treaty.casus --max-facts 2
      casus lint --explain-speed"""
    from engine.analysis import lint as linter

    result = linter.lint_paths(list(files), library, max_facts, explain_speed)
    click.echo(result.render(), nl=False)
    if result.findings:
        sys.exit(1)


@main.group("cache")
def cache_group() -> None:
    """The on-disk cache of compiled and checked files (docs/security.md)."""


@cache_group.command("clear")
@_guard
def cache_clear() -> None:
    """Remove every file casus keeps in its cache folder.

    \b
    Example:
      casus cache clear"""
    from engine.base import cache

    folder, n = cache.clear()
    if folder is None:
        click.echo("no cache folder to clear (caching is off, or the folder is not to be trusted)")
    else:
        click.echo(f"removed {n} file{'s' if n != 1 else ''} from {folder}")


if __name__ == "__main__":  # pragma: no cover
    main()
