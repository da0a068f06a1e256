"""The public Python API: everything the command line does, for a notebook or a script.

The stages below it, one folder each, data flowing one way (tests/test_layout.py holds it):
base (files, spans, errors, cache) → language (syntax, AST, checker, formatter) → kernel (facts,
what a treaty sees, conditions, the lifecycle) → core (the engine and its backends, its result
records) → io (loading, JSON scenarios, batches) → analysis (explain,
diff, lint, fuzz, …) → present (tables, graphs, the HTML report) → this module and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from engine.core import records
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import EvalOptions
from engine.io.load import check_names, load, load_library
from engine.kernel.facts import Scenario
from engine.language.library import Library

if TYPE_CHECKING:  # pydantic, imported by engine.core.model, only when a JSON model is built
    from engine.core.model import Result


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


def __getattr__(name: str) -> object:
    if name == "Result":  # the pydantic model, on first use (as engine.Result)
        from engine.core.model import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["load", "load_library", "run", "run_records", "evaluate", "Evaluation", "EvalOptions", "Library", "Scenario",
           "Result", "check_names"]
