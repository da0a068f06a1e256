"""Every bundled scenario's `expect` lines pass — one test per expectation, named by its file and
line — and there are enough scenarios to teach with."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import engine
from engine.analysis.expect import ExpectOutcome, _describe
from engine.base.errors import CasusError
from engine.base.paths import scenarios_dir

FILES = sorted(p for p in scenarios_dir().iterdir() if p.suffix in (".casus", ".json"))


@cache
def outcomes(path: Path) -> tuple[ExpectOutcome, ...]:
    lib, scenarios = engine.load([path])
    out: list[ExpectOutcome] = []
    for s in scenarios:
        out.extend(engine.check_expectations(lib, s))
    return tuple(out)


def _expect_lines(path: Path) -> list[int]:
    """Line numbers of the expectations of a file, found by loading it (unloadable files: none)."""
    try:
        _, scenarios = engine.load([path])
    except CasusError:
        return []
    return sorted(e.span.line for s in scenarios for e in s.expects)


CASES = [(f, line) for f in FILES for line in _expect_lines(f)]


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_bundled_scenario_loads(path: Path) -> None:
    try:
        _, scenarios = engine.load([path])
    except CasusError as e:  # pragma: no cover - shown when a scenario is broken
        pytest.fail(f"{path.name} does not load:\n{e.render()}")
    assert scenarios, f"{path.name} holds no scenario"


@pytest.mark.parametrize("path, line", CASES, ids=[f"{f.name}:{line}" for f, line in CASES])
def test_bundled_expectation(path: Path, line: int) -> None:
    found = [o for o in outcomes(path) if o.expect.span.line == line]
    assert found, f"no expectation at {path.name}:{line}"
    for o in found:
        assert o.ok, f"{o.where}: {_describe(o.expect)} (interpretation {o.interpretation}): {o.message}"


def test_every_bundled_scenario_has_expectations() -> None:
    without = [f.name for f in FILES if f.suffix == ".casus" and not _expect_lines(f)]
    assert without == []


def test_at_least_ten_casus_scenarios() -> None:
    casus = [f for f in FILES if f.suffix == ".casus"]
    assert len(casus) >= 10, f"only {len(casus)} .casus scenarios: {[f.name for f in casus]}"


def test_casus_test_on_the_bundled_scenarios_exits_0(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("test", "-q")
    assert result.exit_code == 0, result.output[-3000:]
    assert result.stdout.splitlines()[-1].endswith(" passed, 0 failed")
