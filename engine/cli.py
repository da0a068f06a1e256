"""The `casus` command. Thin: it parses arguments, calls the Python API and prints."""

from __future__ import annotations

import functools
import json
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from . import __version__, api
from .build import iso
from .errors import CasusError, Diagnostic
from .expect import _describe, check_expectations
from .explain import explain as explain_provision
from .library import Library
from .paths import scenarios_dir
from .report import compare_table, render_markdown, render_table
from .scenario import Scenario
from .source import Span

FORMATS = click.Choice(["table", "json", "markdown"])


def _guard(fn: Callable[..., Any]) -> Callable[..., Any]:
    """User errors: located diagnostics, exit 2. Anything else: a bug in casus, exit 3."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CasusError as e:
            click.echo(e.render(), err=True)
            n = len(e.diagnostics)
            click.echo(f"casus: {n} error{'s' if n != 1 else ''}", err=True)
            sys.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:  # pragma: no cover
            sys.exit(130)
        except Exception:  # pragma: no cover - a bug, by definition
            click.echo("casus: internal error — this is a bug in casus, not in your input. Please report it with:",
                       err=True)
            click.echo(traceback.format_exc(), err=True)
            sys.exit(3)

    return wrapper


def _resolve(paths: Sequence[str]) -> list[str]:
    """Paths as given; a bare name such as `kursk_2024` finds a bundled scenario."""
    out = []
    for p in paths:
        if Path(p).exists():
            out.append(p)
            continue
        for candidate in (scenarios_dir() / p, scenarios_dir() / f"{p}.casus", scenarios_dir() / f"{p}.json"):
            if candidate.exists():
                out.append(str(candidate))
                break
        else:
            from .errors import suggest

            names = [f.stem for f in scenarios_dir().glob("*.casus")] if scenarios_dir().is_dir() else []
            sugg = suggest(Path(p).stem, names)
            raise CasusError([Diagnostic(Span(p, 1, 1, 1, 1), "E-FILE", "no such file or bundled scenario",
                                         f"did you mean '{sugg[0]}'?" if sugg else
                                         "'casus test' lists the bundled scenarios", sugg)])
    return out


def _load(paths: Sequence[str], library: str | None) -> tuple[Library, list[Scenario]]:
    lib, scenarios = api.load(_resolve(paths), library)
    if paths and not scenarios:
        raise CasusError([Diagnostic(Span(paths[0], 1, 1, 1, 1), "E-SCENARIO", "no scenario in the given files",
                                     'a scenario file holds: scenario "name" { … }')])
    return lib, scenarios


library_option = click.option("--library", "library", metavar="DIR",
                              help="Use the treaties in DIR instead of the bundled library.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="casus")
def main() -> None:
    """casus — which treaty obligations a scenario brings alive, when, for whom, and why."""


@main.command()
@click.argument("scenarios", nargs=-1, required=True)
@click.option("--treaty", "treaties", multiple=True, metavar="ID", help="Only these treaties (repeatable).")
@click.option("--interpretation", metavar="NAME", help="Read the facts under this interpretation.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@library_option
@_guard
def run(scenarios: tuple[str, ...], treaties: tuple[str, ...], interpretation: str | None, fmt: str,
        library: str | None) -> None:
    """Play SCENARIO files (.casus or .json) through the treaties."""
    lib, scs = _load(scenarios, library)
    results = [api.run(lib, s, list(treaties) or None, interpretation) for s in scs]
    if fmt == "json":
        if len(results) == 1:
            click.echo(results[0].to_json(), nl=False)
        else:
            docs = [json.loads(r.to_json()) for r in results]
            click.echo(json.dumps(docs, indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo("\n".join(render_markdown(r) for r in results), nl=False)
    else:
        click.echo("\n".join(render_table(r) for r in results), nl=False)


@main.command()
@click.argument("scenario")
@click.option("--treaty", "treaties", multiple=True, metavar="ID", help="Only these treaties (repeatable).")
@click.option("--interpretations", default=None, metavar="A,B",
              help="Comma-separated interpretations to set side by side, or 'all'.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True)
@library_option
@_guard
def compare(scenario: str, treaties: tuple[str, ...], interpretations: str | None, fmt: str,
            library: str | None) -> None:
    """Treaties side by side for one SCENARIO, across interpretations."""
    lib, scs = _load([scenario], library)
    s = scs[0]
    if interpretations is None:
        names = [s.interpretation or "default"]
    elif interpretations == "all":
        names = sorted(lib.interpretations)
    else:
        names = [n.strip() for n in interpretations.split(",") if n.strip()]
    for n in names:
        api.check_names(lib, list(treaties) or None, n)
    results = [api.run(lib, s, list(treaties) or None, n) for n in names]
    if fmt == "json":
        click.echo(json.dumps({"schema": "casus.compare/1", "scenario": s.name,
                               "interpretations": names,
                               "results": [json.loads(r.to_json()) for r in results]}, indent=2, ensure_ascii=False))
    else:
        click.echo(compare_table(results, fmt), nl=False)


@main.command()
@click.argument("scenario")
@click.argument("target", metavar="TREATY.PROVISION")
@click.option("--interpretation", metavar="NAME")
@library_option
@_guard
def explain(scenario: str, target: str, interpretation: str | None, library: str | None) -> None:
    """Why a provision is in its status for SCENARIO — or why it never came alive."""
    if "." not in target:
        raise CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE",
                                     f"'{target}' should be TREATY.PROVISION", "for example: ru_kp_2024.art4")])
    treaty, provision = target.split(".", 1)
    lib, scs = _load([scenario], library)
    if interpretation is not None:
        api.check_names(lib, None, interpretation)
    for s in scs:
        click.echo(explain_provision(lib, s, treaty, provision, interpretation).render(), nl=False)


@main.command()
@click.argument("files", nargs=-1)
@library_option
@_guard
def check(files: tuple[str, ...], library: str | None) -> None:
    """Parse and check language files (the bundled library when none are given)."""
    lib, scs = api.load(list(files), library)
    provisions = sum(len(t.provisions) for t in lib.treaties.values())
    click.echo(f"ok: {len(lib.files)} files, {len(lib.treaties)} treaties, {provisions} provisions, "
               f"{len(lib.interpretations)} interpretations, {len(scs)} scenarios")


@main.command()
@click.argument("paths", nargs=-1)
@library_option
@click.option("-q", "--quiet", is_flag=True, help="Print failures and the summary only.")
@_guard
def test(paths: tuple[str, ...], library: str | None, quiet: bool) -> None:
    """Check the `expect` lines of scenario files (the bundled scenarios when none are given)."""
    targets = list(paths) or [str(scenarios_dir())]
    lib, scs = _load(_resolve(targets), library)
    passed = failed = 0
    for s in scs:
        for o in check_expectations(lib, s):
            tag = f" under {o.interpretation}" if o.expect.interpretation else ""
            if o.ok:
                passed += 1
                if not quiet:
                    click.echo(f"PASS {o.where}: {_describe(o.expect)}{tag}")
            else:
                failed += 1
                click.echo(f"FAIL {o.where}: {_describe(o.expect)}{tag}\n     {o.message}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


@main.command()
@library_option
@_guard
def treaties(library: str | None) -> None:
    """The library, one line each."""
    lib = api.load_library(library)
    rows = []
    for tid in sorted(lib.treaties):
        t = lib.treaties[tid]
        parties = sorted({m.party.code for m in t.members})
        shown = ", ".join(parties) if len(parties) <= 4 else f"{len(parties)} parties"
        rows.append((tid, f"in force {iso(t.in_force)}", shown, f"{len(t.provisions)} provision{'s' if len(t.provisions) != 1 else ''}", t.title))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r[:4], widths)) + "  " + r[4])


if __name__ == "__main__":  # pragma: no cover
    main()
