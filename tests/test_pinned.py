"""What users see, pinned byte for byte: the result JSON and the CSV of every bundled scenario
under every bundled interpretation, and the bundled sweeps through `run --batch` in both formats.

These files are the contract of a restructuring (issue 14): moving code must not change a byte of
them. A change of behaviour that is meant rewrites them with `pytest --regen`, and the diff of
`tests/golden/bundled/` shows a reviewer exactly which answers changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from regen import inside

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
PINNED = Path(__file__).resolve().parent / "golden" / "bundled"
SCENARIOS = sorted(p for p in (ROOT / "scenarios").iterdir() if p.suffix in (".casus", ".json"))
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.jsonl"))
INTERPRETATIONS = ("default", "ru_claims", "strict_deadlines", "war_by_attack")


def _cli(args: list[str]) -> str:
    with inside(ROOT):  # paths in the output are relative to the checkout, as the README runs them
        res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, f"casus {' '.join(args)} exited {res.exit_code}:\n{res.output}"
    return res.stdout


def scenario_outputs(path: Path) -> dict[str, str]:
    """{suffix: text}: every interpretation's result JSON (`.json`) and CSV (`.csv`), one after another."""
    rel = str(path.relative_to(ROOT))
    out = {}
    for fmt in ("json", "csv"):
        parts = []
        for interp in INTERPRETATIONS:
            parts.append(f"## interpretation {interp}\n")
            parts.append(_cli(["run", rel, "--interpretation", interp, "--format", fmt]))
        out[f".{fmt}"] = "".join(parts)
    return out


def sweep_outputs(path: Path) -> dict[str, str]:
    rel = str(path.relative_to(ROOT))
    return {f".{fmt}": _cli(["run", "--batch", rel, "--format", fmt]) for fmt in ("json", "csv")}


def _check(name: str, outputs: dict[str, str], regen: bool) -> None:
    for suffix, text in outputs.items():
        stored = PINNED / (name + suffix)
        if regen:
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(text, encoding="utf-8")
            continue
        assert stored.exists(), f"{stored.relative_to(ROOT)} is missing: run pytest --regen"
        assert text == stored.read_text(encoding="utf-8"), (
            f"{stored.relative_to(ROOT)} differs from what casus prints now; if the change is intended, "
            "run pytest --regen and review the diff")
    if regen:
        pytest.skip("pinned outputs rewritten")


def test_every_bundled_scenario_and_sweep_is_pinned() -> None:
    assert len(SCENARIOS) >= 28 and SWEEPS
    names = {p.name for p in PINNED.iterdir()}
    for p in SCENARIOS + SWEEPS:
        assert {p.name + ".json", p.name + ".csv"} <= names, p.name


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_output_is_unchanged(path: Path, regen: bool) -> None:
    _check(path.name, scenario_outputs(path), regen)


@pytest.mark.parametrize("path", SWEEPS, ids=[p.name for p in SWEEPS])
def test_sweep_output_is_unchanged(path: Path, regen: bool) -> None:
    _check(path.name, sweep_outputs(path), regen)
