"""casus — treaty obligations as rules: which duties come alive, when, for whom, and why.

    >>> import engine
    >>> lib, [scenario] = engine.load(["scenarios/kursk_2024.casus"])
    >>> print(engine.run(lib, scenario).to_json())
"""

from .api import check_names, load, load_library, run
from .errors import CasusError, Diagnostic, InternalError
from .evaluate import Evaluation, evaluate
from .expect import check_expectations
from .explain import explain
from .library import Library
from .scenario import Scenario

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """`engine.Result` (the pydantic model of the result JSON) on first use: importing pydantic
    is most of what a start-up of `casus run` would cost, and only JSON output needs it."""
    if name == "Result":
        from .model import Result

        globals()["Result"] = Result
        return Result
    if name == "run_batch":  # JSON Lines in, result JSON lines out (engine/batch.py)
        from .batch import run_batch

        globals()["run_batch"] = run_batch
        return run_batch
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"Result", "run_batch"})


__all__ = ["load", "load_library", "run", "run_batch", "evaluate", "explain", "check_expectations", "check_names",
           "CasusError", "Diagnostic", "InternalError", "Evaluation", "Library", "Result", "Scenario",
           "__version__"]
