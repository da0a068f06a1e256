"""casus — treaty obligations as rules: which duties come alive, when, for whom, and why.

    >>> import engine
    >>> lib, [scenario] = engine.load(["scenarios/kursk_2024.casus"])
    >>> print(engine.run(lib, scenario).to_json())
"""

from engine.api import check_names, load, load_library, run
from engine.base import __version__
from engine.base.errors import CasusError, Diagnostic, InternalError
from engine.core.evaluate import Evaluation, evaluate
from engine.core.options import EvalOptions
from engine.kernel.facts import Scenario
from engine.language.library import Library

_LAZY = {  # name -> module: imported on first use, so that `casus run` does not pay for them
    "explain": "engine.analysis.explain",
    "check_expectations": "engine.analysis.expect",
}


def __getattr__(name: str) -> object:
    """`engine.Result` (the pydantic model of the result JSON) on first use: importing pydantic
    is most of what a start-up of `casus run` would cost, and only JSON output needs it. The
    analyses (`explain`, `check_expectations`) likewise."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name == "Result":
        from engine.core.model import Result

        globals()["Result"] = Result
        return Result
    if name == "run_batch":  # JSON Lines in, result JSON lines out (engine/io/batch.py)
        from engine.io.batch import run_batch

        globals()["run_batch"] = run_batch
        return run_batch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Result", "run_batch"} | set(_LAZY))


__all__ = ["load", "load_library", "run", "run_batch", "evaluate", "explain", "check_expectations", "check_names",
           "CasusError", "Diagnostic", "InternalError", "EvalOptions", "Evaluation", "Library", "Result", "Scenario",
           "__version__"]
