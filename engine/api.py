"""The public Python API: everything the command line does, for a notebook or a script.

The stages below it, one folder each, data flowing one way (tests/test_layout.py holds it):
base (files, spans, errors, cache) → language (syntax, AST, checker, formatter) → kernel (facts,
what a treaty sees, conditions, the lifecycle) → core (the engine and its backends, its result
records) → io (loading, JSON scenarios, batches) → analysis (explain,
diff, lint, fuzz, …) → present (tables, graphs, the HTML report) → this module and the CLI."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.core import records
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import EvalOptions
from engine.io.load import LibraryArg, Sources, check_files, check_names, library_files, load, load_library, sources
from engine.kernel.facts import Scenario
from engine.language.library import Library

if TYPE_CHECKING:  # pydantic, imported by engine.core.model, only when a JSON model is built
    from engine.analysis.expect import ExpectOutcome
    from engine.core.model import Result
    from engine.language import ast as A


def run(lib: Library, scenario: Scenario, treaties: Sequence[str] | None = None,
        interpretation: str | None = None, options: EvalOptions | None = None) -> Result:
    """Evaluate and return the result JSON model (`.to_json()` gives SPEC's format). `options`
    (`EvalOptions`) chooses the engine's shortcuts: every choice gives the same result."""
    from engine.core.model import result_model

    check_names(lib, treaties, interpretation)
    return result_model(lib, evaluate(lib, scenario, list(treaties) if treaties else None, interpretation, options))


def run_records(lib: Library, scenario: Scenario, treaties: Sequence[str] | None = None,
                interpretation: str | None = None, options: EvalOptions | None = None) -> Any:
    """As `run`, the same fields as plain records (engine/core/records.py), without pydantic: for
    output that only reads them (tables, Markdown)."""
    check_names(lib, treaties, interpretation)
    return records.result(lib, evaluate(lib, scenario, list(treaties) if treaties else None, interpretation, options))


def run_json(lib: Library, scenario: Scenario, treaties: Sequence[str] | None = None,
             interpretation: str | None = None, options: EvalOptions | None = None) -> str:
    """As `run`, the result JSON as compact text (one line, no newline): the text of
    `run(...).model_dump_json(by_alias=True)`, written without pydantic (engine/core/records.py)."""
    check_names(lib, treaties, interpretation)
    ev = evaluate(lib, scenario, list(treaties) if treaties else None, interpretation, options)
    return records.result_json(lib, ev)


def resolve_scenarios(paths: Sequence[str]) -> list[str]:
    """Paths as given; a bare name such as `kursk_2024` finds a bundled scenario (`NAME`,
    `NAME.casus` or `NAME.json` in the bundled scenarios folder). Raises E-FILE, with a
    suggestion, for a name that is neither."""
    from engine.base.errors import CasusError, Diagnostic, suggest
    from engine.base.paths import scenarios_dir
    from engine.base.source import Span

    out = []
    for p in paths:
        if os.path.exists(p):  # not Path.exists, which raises on a name too long (tests/test_fuzz_inputs.py)
            out.append(p)
            continue
        for candidate in (scenarios_dir() / p, scenarios_dir() / f"{p}.casus", scenarios_dir() / f"{p}.json"):
            if os.path.exists(candidate):
                out.append(str(candidate))
                break
        else:
            names = [f.stem for f in scenarios_dir().glob("*.casus")] if scenarios_dir().is_dir() else []
            sugg = suggest(Path(p).stem, names)
            raise CasusError([Diagnostic(Span(p, 1, 1, 1, 1), "E-FILE", "no such file or bundled scenario",
                                         f"did you mean '{sugg[0]}'?" if sugg else
                                         "'casus test' lists the bundled scenarios", sugg)])
    return out


def resolve_space(space: str) -> Path:
    """A sweep's space: the file as given, or a bundled space's name (`seed_sweep`, with or
    without `.json`). A name that is neither is returned as given (reading it reports it)."""
    from engine.base.paths import scenarios_dir

    path = Path(space)
    if not path.exists():
        bundled = scenarios_dir() / "spaces" / (space if space.endswith(".json") else f"{space}.json")
        path = bundled if bundled.exists() else path
    return path


def load_scenarios(paths: Sequence[str], library: LibraryArg = None) -> tuple[Library, list[Scenario]]:
    """The library and the scenarios of `paths` (files, folders or bundled names, as
    `resolve_scenarios` reads them); E-SCENARIO when paths are given but hold no scenario."""
    from engine.base.errors import CasusError, Diagnostic
    from engine.base.source import Span

    lib, scenarios = load(resolve_scenarios(paths), library)
    if paths and not scenarios:
        raise CasusError([Diagnostic(Span(paths[0], 1, 1, 1, 1), "E-SCENARIO", "no scenario in the given files",
                                     'a scenario file holds: scenario "name" { … }')])
    return lib, scenarios


def parse_interpretations(lib: Library, spec: str | None) -> list[str] | None:
    """`--interpretations`: None (each scenario's own), `all` (every interpretation of the
    library, sorted) or `a,b` (these, in this order; blanks dropped). The names are not checked
    here: `check_names` does that."""
    if spec is None:
        return None
    if spec == "all":
        return sorted(lib.interpretations)
    return [n.strip() for n in spec.split(",") if n.strip()]


def compare(lib: Library, scenarios: Sequence[Scenario], treaties: Sequence[str] | None = None,
            interpretations: str | None = None) -> list[list[Result]]:
    """`casus compare`: for each scenario, its result under each interpretation of the spec
    (as `parse_interpretations` reads it; None: the scenario's own), names checked first."""
    names_given = parse_interpretations(lib, interpretations)
    out = []
    for s in scenarios:
        names = names_given if names_given is not None else [s.interpretation or "default"]
        for n in names:
            check_names(lib, list(treaties) if treaties else None, n)
        out.append([run(lib, s, list(treaties) if treaties else None, n) for n in names])
    return out


def parse_target(text: str) -> tuple[str, str]:
    """`TREATY.PROVISION` (as `casus explain` takes it) as (treaty, provision); E-USAGE when there
    is no dot. The names are not checked here."""
    if "." not in text:
        from engine.base.errors import CasusError, Diagnostic
        from engine.base.source import Span

        raise CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE",
                                     f"'{text}' should be TREATY.PROVISION", "for example: ru_kp_2024.art4")])
    treaty, provision = text.split(".", 1)
    return treaty, provision


@dataclass
class ExpectReport:
    """`casus test`: the outcome of every `expect` line of the scenarios, in file order."""

    outcomes: list[ExpectOutcome] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(o.ok for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    @staticmethod
    def describe(o: ExpectOutcome) -> str:
        """`where: what is expected[ under INTERPRETATION]`, as `casus test` prints it."""
        from engine.analysis.expect import _describe

        tag = f" under {o.interpretation}" if o.expect.interpretation else ""
        return f"{o.where}: {_describe(o.expect)}{tag}"


def check_scenarios(paths: Sequence[str] = (), library: LibraryArg = None) -> ExpectReport:
    """Check the `expect` lines of scenario files, folders or bundled names (the bundled scenarios
    when none are given)."""
    from engine.analysis.expect import check_expectations
    from engine.base.paths import scenarios_dir

    lib, scs = load_scenarios(list(paths) or [str(scenarios_dir())], library)
    return ExpectReport([o for s in scs for o in check_expectations(lib, s)])


@dataclass
class FuzzPlan:
    """What `casus fuzz` checks: the properties of the given files (the library's own when none
    are given), the treaties whose invariants are checked, and the library loaded with its files
    in reverse order (for the order invariant; None with a library of one's own)."""

    lib: Library
    properties: list[A.PropertyDecl]
    treaties: list[str]
    reordered: Library | None


def fuzz_plan(files: Sequence[str] = (), treaties: Sequence[str] = (), invariants: bool = True,
              library: LibraryArg = None) -> FuzzPlan:
    """Choose the fuzz targets as `casus fuzz` does: `treaties` when given, else the treaties
    declared in `files`, else every treaty of the library."""
    from engine.base.paths import display_path
    from engine.language.library import iter_casus_files

    lib, _ = load(list(files), library)
    check_names(lib, list(treaties) or None, None)
    mine = {display_path(f) for f in iter_casus_files(files)} if files else None
    props = [p for _, p in sorted(lib.properties.items()) if mine is None or p.span.path in mine]
    if treaties:
        targets = list(treaties)
    elif mine is not None:
        targets = sorted(t for t, d in lib.treaties.items() if d.span.path in mine)
    else:
        targets = sorted(lib.treaties)
    reordered = None
    if invariants and targets and sources(library).library is None:
        # every file of the run (library_files decides which), each group read in reverse
        got = library_files(library)
        own = list(iter_casus_files(files)) if files else []
        reordered = load(own[::-1], list(got.base[::-1]), got.extra[::-1])[0]
    return FuzzPlan(lib, props, targets, reordered)


def __getattr__(name: str) -> object:
    if name == "Result":  # the pydantic model, on first use (as engine.Result)
        from engine.core.model import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["load", "check_files", "load_library", "sources", "Sources", "library_files", "LibraryArg",
           "run", "run_records", "run_json", "evaluate", "Evaluation", "EvalOptions", "Library", "Scenario",
           "Result", "check_names", "resolve_scenarios", "resolve_space", "load_scenarios", "parse_interpretations",
           "compare", "parse_target", "ExpectReport", "check_scenarios", "FuzzPlan", "fuzz_plan"]
