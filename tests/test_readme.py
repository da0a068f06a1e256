"""The README's tour shows real output: each ```console block's command is run and compared.
`pytest --regen tests/test_readme.py` rewrites the blocks from what casus prints now.

The commands are run by `cli_once` (tests/conftest.py), in the repository's root: a command that
another test also runs (`casus lint`, the whole library's search; `casus diff`) is run once in the
session, and both read its output."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<cmd>casus [^\n]*)\n(?P<out>.*?)```", re.S)


def blocks() -> list[re.Match[str]]:
    return list(BLOCK.finditer(README.read_text(encoding="utf-8")))


def test_readme_has_a_tour() -> None:
    cmds = [m.group("cmd") for m in blocks()]
    assert any(c.startswith("casus run") for c in cmds)
    assert any(c.startswith("casus explain") for c in cmds)
    assert any(c.startswith("casus compare") for c in cmds)


@pytest.mark.parametrize("index", range(len(blocks())))
def test_readme_block(index: int, regen: bool, cli_once: Callable[..., Any]) -> None:
    m = blocks()[index]
    got = cli_once(*shlex.split(m.group("cmd"))[1:]).output
    if regen:
        text = README.read_text(encoding="utf-8")
        text = text.replace(m.group(0), f"```console\n$ {m.group('cmd')}\n{got}```", 1)
        README.write_text(text, encoding="utf-8")
        return
    assert got == m.group("out"), f"README block {index} ({m.group('cmd')}) is out of date: run pytest --regen"


def test_first_screen_gives_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first = text[: text.index("## A tour")]
    # the set-up puts `casus` on PATH before the first `casus` command (issue 16, item 14)
    setup = first.index("python3 -m venv .venv && .venv/bin/pip install .\n")
    activate = first.index("source .venv/bin/activate", setup)
    assert first.index("\ncasus run scenarios/kursk_2024.casus\n", activate)
    assert "pip install '.[test]' && .venv/bin/python -m pytest -q" in first


def test_ci_runs_the_readme_test_command() -> None:
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet '.[test]'" in ci
    assert ".venv/bin/python -m pytest -q" in ci


def test_ci_installs_the_dask_extra() -> None:
    """tests/io/test_dask.py fails in CI without dask (tests/helpers.py `require_dask`): .ci/run
    installs the extra that pyproject.toml declares, before the tests."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("pip install --quiet '.[dask]'") < ci.index(".venv/bin/python -m pytest -q")
    pyproject = (README.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dask = \["dask\[distributed\]>=[0-9.]+"\]$', pyproject, re.M)


def test_ci_passes_the_gates_before_the_tests() -> None:
    """ruff and mypy, as configured in pyproject.toml, run before the README's test command, which
    comes last; and CI=true, so that the peer comparisons fail rather than skip without the peers."""
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == ".venv/bin/python -m pytest -q"
    assert commands.index(".venv/bin/ruff check .") < len(commands) - 1
    assert commands.index(".venv/bin/mypy engine") < len(commands) - 1
    assert commands.index("export CI=\"${CI:-true}\"") < len(commands) - 1
    assert "pip install --quiet '.[lint]'" in ci
    pyproject = (README.parent / "pyproject.toml").read_text(encoding="utf-8")
    lint = re.search(r"^lint = \[(.*)\]$", pyproject, re.M)
    assert lint is not None
    pins = re.findall(r'"([^"]+)"', lint.group(1))
    assert {p.split("==")[0] for p in pins} == {"ruff", "mypy"} and all("==" in p for p in pins)


def test_the_strategies_example_is_the_tested_one() -> None:
    text = README.read_text(encoding="utf-8")
    example = (README.parent / "tests" / "analysis" / "test_strategies_example.py").read_text(encoding="utf-8")
    body = example[example.index("from hypothesis import"):]
    assert body.strip() in text, "README's strategies example differs from tests/analysis/test_strategies_example.py"
