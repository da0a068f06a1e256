"""Where the bundled grammar, library and scenarios live: inside the wheel (`engine/_data/…`)
or, in a source checkout, at the top of the repository."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # engine/


def data_dir(name: str) -> Path:
    """`grammar`, `obligations` or `scenarios`."""
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / name


def grammar_path() -> Path:
    return data_dir("grammar") / "casus.lark"


def library_dir() -> Path:
    return data_dir("obligations")


def scenarios_dir() -> Path:
    return data_dir("scenarios")


def display_path(path: str) -> str:
    """How a file is named in output: bundled files as `obligations/…` or `scenarios/…`
    wherever casus is installed, so that output does not depend on the machine."""
    try:
        real = Path(path).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return path
    for name, root in _resolved_roots():
        if real == root or root in real.parents:
            return str(Path(name) / real.relative_to(root)).replace("\\", "/")
    return path


@functools.lru_cache(maxsize=1)
def _resolved_roots() -> tuple[tuple[str, Path], ...]:
    """The bundled folders, resolved once per process: `display_path` names every file of a
    run (38 calls on `casus run` of a bundled scenario), and resolving the three folders each
    time was most of what it cost."""
    return tuple((name, data_dir(name).resolve()) for name in ("obligations", "scenarios", "grammar"))
