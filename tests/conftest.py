"""Shared fixtures: the bundled library (loaded once), a writer for temporary .casus files,
helpers to evaluate hand-written treaties, and the `--regen` flag for golden files."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

try:
    import engine
except ImportError:  # run from elsewhere without casus installed: use this checkout
    sys.path.insert(0, str(ROOT))
    import engine

from engine.cli import main

GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen", action="store_true", default=False,
                     help="rewrite golden files (tests/golden) and docs/result.schema.json instead of comparing")


@pytest.fixture(scope="session")
def regen(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen"))


@pytest.fixture(scope="session")
def lib() -> engine.Library:
    """The bundled library, checked once per session. Treat as read-only."""
    return engine.load_library()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """write("name.casus", text) -> path; the text is dedented so tests can indent it."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner: CliRunner) -> Callable[..., Any]:
    """cli("run", path, "--format", "json") -> click Result (stdout and stderr kept apart)."""

    def _cli(*args: object) -> Any:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return _cli


@pytest.fixture
def evaluate_files(write: Callable[[str, str], Path]) -> Callable[..., engine.Result]:
    """evaluate_files(treaty_text, scenario_text, treaty="t", interpretation=None) -> Result.

    The treaty text is written to its own file and passed with the scenario, so that it joins
    the bundled library for this run (SPEC: a user .casus file may declare treaties)."""

    def _eval(treaty_text: str | None, scenario_text: str, treaty: str | None = None,
              interpretation: str | None = None) -> engine.Result:
        paths = []
        if treaty_text is not None:
            paths.append(write("treaty.casus", treaty_text))
        paths.append(write("scenario.casus", scenario_text))
        library, scenarios = engine.load(scenario_paths=paths)
        assert len(scenarios) == 1
        return engine.run(library, scenarios[0], [treaty] if treaty else None, interpretation)

    return _eval
