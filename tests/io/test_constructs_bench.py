"""The bench of constructs left to the engine (bench/constructs.py, issue 18 item 1) measures what
it says: the base treaty compiles, each variant is refused for its one construct (the reason
`casus lint --explain-speed` gives), its scenarios bring both provisions alive, and every variant
gives the engine's CSV."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from bench import constructs
from engine.core import compiled
from engine.core.options import EvalOptions
from engine.io.batch import run_batch

LINES = constructs.lines(60)


def load(tmp_path: Path, change: dict[str, str]) -> engine.Library:
    path = tmp_path / "t.casus"
    path.write_text(constructs.BASE % {**constructs.PLAIN, **change}, encoding="utf-8")
    return engine.load_library(str(path))


def test_the_base_compiles_and_its_scenarios_bring_it_alive(tmp_path: Path) -> None:
    lib = load(tmp_path, {})
    assert compiled.reasons(lib, ("tt",), "default") == {}
    rows = [line.split(",") for block in run_batch(lib, LINES, ["tt"], fmt="csv") for line in block.splitlines()][1:]
    assert {r[2] for r in rows if r[6] in ("active", "fulfilled")} == {"p", "q"}


@pytest.mark.parametrize(("construct", "change"), constructs.VARIANTS, ids=[c for c, _ in constructs.VARIANTS])
def test_each_variant_is_left_to_the_engine_for_its_construct(tmp_path: Path, construct: str,
                                                               change: dict[str, str]) -> None:
    lib = load(tmp_path, change)
    every = compiled.every_reason(lib, ("tt",), "default")["tt"]
    assert len({c for c, _ in every}) == 1, every  # one construct, the variant's
    assert compiled.reasons(lib, ("tt",), "default")["tt"]
    got = list(run_batch(lib, LINES, ["tt"], fmt="csv"))
    assert got == list(run_batch(lib, LINES, ["tt"], fmt="csv", options=EvalOptions(compiled=False)))


@pytest.mark.parametrize(("construct", "change"), constructs.COMPILED, ids=[c for c, _ in constructs.COMPILED])
def test_each_construct_marked_compiled_is(tmp_path: Path, construct: str, change: dict[str, str]) -> None:
    lib = load(tmp_path, change)
    assert compiled.reasons(lib, ("tt",), "default") == {}
    got = list(run_batch(lib, LINES, ["tt"], fmt="csv"))
    assert got == list(run_batch(lib, LINES, ["tt"], fmt="csv", options=EvalOptions(compiled=False)))
    assert any(",q," in block for block in got)  # its scenarios bring it alive
