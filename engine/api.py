"""The public Python API: everything the command line does, for a notebook or a script."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from . import ast as A
from . import records
from .errors import CasusError, Diagnostic, Diagnostics
from .evaluate import Evaluation, evaluate
from .jsonscenario import parse_json_scenario
from .library import Library, check_documents, check_scenario, iter_casus_files, parse_files
from .paths import display_path, library_dir
from .scenario import Scenario, from_decl
from .source import Span
from .syntax import read_source

if TYPE_CHECKING:  # pydantic, imported by engine.model, only when a JSON model is built
    from .model import Result


def _library_files(library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None) -> list[str]:
    if library is None:
        roots: list[str | os.PathLike[str]] = [library_dir()]
    elif isinstance(library, (str, os.PathLike)):
        roots = [library]
    else:
        roots = list(library)
    for r in roots:
        if not Path(r).exists():
            raise CasusError([Diagnostic(Span(str(r), 1, 1, 1, 1), "E-FILE", "no such library folder or file")])
    return list(iter_casus_files(roots))


def load(scenario_paths: Iterable[str | os.PathLike[str]] = (),
         library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
         ) -> tuple[Library, list[Scenario]]:
    """Load the library (bundled by default) and scenario files (`.casus` or `.json`).

    A `.casus` file given as a scenario may also declare treaties, regions or interpretations:
    they join the library for this run. Raises CasusError listing every problem found."""
    diags = Diagnostics()
    lib_files = _library_files(library)
    user_files: list[str] = []
    seen: set[Path] = set()
    for p in iter_casus_files(scenario_paths) if scenario_paths else ():
        key = Path(p).resolve()
        if key not in seen:  # a file named twice is read once
            seen.add(key)
            user_files.append(str(p))
    user_docs: list[A.Document] = []
    json_decls: list[A.ScenarioDecl] = []
    for path in user_files:
        if path.endswith(".json"):
            try:
                src = read_source(path)
                diags.add_source(src.path, src.text)
                decl = parse_json_scenario(src, diags)
                if decl is not None:
                    json_decls.append(decl)
            except CasusError as e:
                diags.items.extend(e.diagnostics)
        elif path not in lib_files:  # a file of the user's own (it may add treaties too)
            user_docs.extend(parse_files([path], diags))
    if json_decls:
        user_docs.append(A.Document("<json>", tuple(json_decls)))
    only_scenarios = all(isinstance(i, A.ScenarioDecl) for d in user_docs for i in d.items)
    shown = {display_path(f) for f in lib_files}
    if only_scenarios:
        # the common case: the (cached) library, and scenarios checked against it
        lib = _checked_library(lib_files, diags)
        decls = [i for d in user_docs for i in d.items if isinstance(i, A.ScenarioDecl)]
        for decl in decls:
            check_scenario(lib, decl, diags)
    else:
        docs = parse_files(lib_files, diags) + user_docs
        lib, decls = check_documents(docs, diags, shown)
    diags.raise_if_any()
    user = {display_path(p) for p in user_files}
    scenarios = [from_decl(d) for d in decls if d.span.path in user]
    scenarios.sort(key=lambda s: (s.source, s.decl.span.line if s.decl else 0))
    return lib, scenarios


def _checked_library(lib_files: list[str], diags: Diagnostics) -> Library:
    """The checked library, from the cache when its files are unchanged. Errors in the library
    itself go to `diags` (and nothing is cached)."""
    from . import __version__, cache
    from .paths import grammar_path

    try:
        parts: list[bytes | str] = [__version__, grammar_path().read_bytes()]
        for f in lib_files:
            parts += [display_path(f), Path(f).read_bytes()]
        name = f"library-{cache.key(*parts)}"
    except OSError:
        name = None
    if name is not None:
        got = cache.load(name)
        if isinstance(got, Library):
            return got
    before = len(diags.items)
    docs = parse_files(lib_files, diags)
    lib, _ = check_documents(docs, diags, {display_path(f) for f in lib_files})
    if name is not None and len(diags.items) == before:
        cache.save(name, lib)
    return lib


def load_library(library: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None) -> Library:
    """The checked library (the bundled one by default)."""
    return load((), library)[0]


def run(lib: Library, scenario: Scenario, treaties: Sequence[str] | None = None,
        interpretation: str | None = None) -> Result:
    """Evaluate and return the result JSON model (`.to_json()` gives SPEC's format)."""
    from .model import result_model

    check_names(lib, treaties, interpretation)
    return result_model(lib, evaluate(lib, scenario, list(treaties) if treaties else None, interpretation))


def run_records(lib: Library, scenario: Scenario, treaties: Sequence[str] | None = None,
                interpretation: str | None = None) -> Any:
    """As `run`, the same fields as plain records (engine/records.py), without pydantic: for
    output that only reads them (tables, Markdown)."""
    check_names(lib, treaties, interpretation)
    return records.result(lib, evaluate(lib, scenario, list(treaties) if treaties else None, interpretation))


def __getattr__(name: str) -> object:
    if name == "Result":  # the pydantic model, on first use (as engine.Result)
        from .model import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_names(lib: Library, treaties: Sequence[str] | None, interpretation: str | None) -> None:
    """Unknown treaty ids and interpretation names from the command line, with suggestions."""
    diags = Diagnostics()
    span = Span("<command line>", 1, 1, 1, 1)
    for t in treaties or ():
        if t not in lib.treaties:
            diags.unknown(span, "treaty", t, lib.treaties)
    if interpretation is not None and interpretation not in lib.interpretations:
        diags.unknown(span, "interpretation", interpretation, lib.interpretations)
    diags.raise_if_any()


__all__ = ["load", "load_library", "run", "evaluate", "Evaluation", "Library", "Scenario", "Result", "check_names"]
