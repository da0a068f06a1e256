"""The layout shows the pipeline: engine/ is one folder per stage, and imports run one way.

    base → language → kernel → core → io → analysis → present → api, cli (and the public facades)

A module may import from its own stage and from the stages before it, never from a later one,
whether at the top of the file or inside a function. This test reads every module's imports with
`ast`, so it holds lazy imports too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "engine"
STAGES = ("base", "language", "kernel", "core", "io", "analysis", "present")
TOP = len(STAGES)  # engine/__init__.py, api.py, cli.py, strategies.py, pytest_plugin.py


def rank(module: str) -> int | None:
    """The stage of a dotted module name inside engine (None outside engine)."""
    parts = module.split(".")
    if parts[0] != "engine":
        return None
    if len(parts) > 1 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    return TOP


def module_name(path: Path) -> str:
    rel = path.relative_to(ENGINE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> list[tuple[int, str]]:
    return imports_of(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def imports_of(text: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import in the text, resolving relative ones."""
    tree = ast.parse(text)
    package = module.split(".")
    if not is_package:
        package = package[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            if node.module is None or mod in ("engine",):  # `from engine import x`: x may be a stage
                out.extend((node.lineno, f"{mod}.{a.name}") for a in node.names)
            else:
                out.append((node.lineno, mod))
    return out


MODULES = sorted(ENGINE.rglob("*.py"))


def test_every_module_lives_in_a_stage_or_is_a_public_entry_point() -> None:
    top_level = {p.name for p in ENGINE.glob("*.py")}
    # cli_complete.py: the command line's shell completion, beside it
    assert top_level == {"__init__.py", "api.py", "cli.py", "cli_complete.py", "strategies.py", "pytest_plugin.py"}
    assert {p.name for p in ENGINE.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))} == set(STAGES)


def reaching_up(module: str, imports: list[tuple[int, str]]) -> list[tuple[int, str]]:
    own = rank(module)
    assert own is not None
    return [(line, mod) for line, mod in imports if (r := rank(mod)) is not None and r > own]


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_imports_run_one_way(path: Path) -> None:
    wrong = reaching_up(module_name(path), imported(path))
    assert not wrong, f"{path.relative_to(ENGINE.parent)} ({module_name(path)}) reaches up the pipeline: " + ", ".join(
        f"line {line} imports {mod}" for line, mod in wrong)


def test_the_check_sees_a_wrong_way_import() -> None:
    """Lazy, relative and package-level imports up the pipeline are all caught; imports down are not."""
    text = """
from . import ast as A
from ..base.errors import CasusError
import json

def later():
    from ..core.evaluate import evaluate
    from engine import cli
    from engine.present import graph
"""
    wrong = reaching_up("engine.language.fmt", imports_of(text, "engine.language.fmt"))
    assert [m for _, m in wrong] == ["engine.core.evaluate", "engine.cli", "engine.present"]
