"""Golden files: each `tests/golden/*.casus` against the output stored beside it (`.err` for
bad input; `.table` and `.json` for a scenario). `pytest --regen` rewrites them."""

from __future__ import annotations

from pathlib import Path

import pytest
from regen import GOLDEN, golden_cases, golden_outputs

CASES = golden_cases()


def test_there_are_golden_cases_of_both_kinds() -> None:
    errs = [c for c in CASES if c.with_name(c.name + ".err").exists()]
    runs = [c for c in CASES if c.with_name(c.name + ".table").exists()]
    assert len(errs) >= 4
    assert len(runs) >= 1
    assert all(c.with_name(c.name + ".json").exists() for c in runs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path, regen: bool) -> None:
    outputs = golden_outputs(case)
    if regen:
        for suffix in (".err", ".table", ".json"):
            stale = case.with_name(case.name + suffix)
            if suffix not in outputs and stale.exists():
                stale.unlink()
        for suffix, text in outputs.items():
            case.with_name(case.name + suffix).write_text(text, encoding="utf-8")
        pytest.skip("golden files rewritten")
    for suffix, text in outputs.items():
        stored = case.with_name(case.name + suffix)
        assert stored.exists(), f"{stored.relative_to(GOLDEN.parent.parent)} is missing: run pytest --regen"
        assert text == stored.read_text(encoding="utf-8"), (
            f"{stored.name} differs from what casus prints now; if the change is intended, run pytest --regen")
    if ".err" in outputs:
        assert "Traceback" not in outputs[".err"]
        first = outputs[".err"].splitlines()[0]
        assert first.startswith(case.name + ":")
