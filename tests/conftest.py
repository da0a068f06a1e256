"""Shared fixtures: the bundled library (loaded once), a writer for temporary .casus files,
helpers to evaluate hand-written treaties, a command run once per session for the tests that
read the same output, and the `--regen` flag for golden files."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: cli_once runs a command once per process instead of once per session
    fcntl = None  # type: ignore[assignment]

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


@dataclass(frozen=True)
class Ran:
    """What a `casus` command printed (click's `Result.output`) and its exit code."""

    exit_code: int
    output: str


@pytest.fixture(scope="session")
def cli_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Ran]:
    """cli_once("lint") -> Ran: `casus ARGS`, run in the repository's root once per test session,
    for tests that read the output of the same expensive command: the README's `casus lint` and
    tests/analysis/test_lint.py (a search of the whole library, about a minute of CPU), the
    README's `casus diff` and tests/analysis/test_diff.py. Only for commands that read the
    repository and change nothing, whose output no test changes.

    Under xdist the first worker to ask runs it while it holds a lock, and leaves the exit code
    and output as JSON in this session's temporary directory (pytest's, the user's own, new for
    each session: the workers' directories are in it); a worker that asks meanwhile waits for it,
    rather than run it again beside it. Without xdist (or without fcntl) it is run once in the
    process."""
    memo: dict[tuple[str, ...], Ran] = {}
    shared: Path | None = None
    if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None:
        shared = tmp_path_factory.getbasetemp().parent / "cli_once"
        shared.mkdir(mode=0o700, exist_ok=True)

    def run(args: tuple[str, ...]) -> Ran:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(ROOT)
            res = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return Ran(res.exit_code, res.output)

    def shared_run(folder: Path, args: tuple[str, ...]) -> Ran:
        name = hashlib.sha256(json.dumps(args).encode()).hexdigest()[:32]
        done = folder / f"{name}.json"
        with open(folder / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            if done.exists():
                data = json.loads(done.read_text(encoding="utf-8"))
                assert data["args"] == list(args)
                return Ran(data["exit_code"], data["output"])
            ran = run(args)
            part = done.with_suffix(".part")
            part.write_text(json.dumps({"args": list(args), "exit_code": ran.exit_code, "output": ran.output}),
                            encoding="utf-8")
            os.replace(part, done)
            return ran

    def _once(*args: object) -> Ran:
        key = tuple(str(a) for a in args)
        if key not in memo:
            memo[key] = run(key) if shared is None else shared_run(shared, key)
        return memo[key]

    return _once


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
