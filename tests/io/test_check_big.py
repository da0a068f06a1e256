"""`casus check` of a big file of scenarios only (issue 17, item 5): it is read, checked and let go a
fact at a time (engine/io/load.py, `check_files`), never whole, and says exactly what loading the
whole file says: the same problems, in the same order and words, the same count of scenarios.

The oracle is `load`, which still holds every document and fact of a run (the commands that run
scenarios need them all): the two must agree on every file here, clean or not."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from bench.big_input import giant_scenario, many_scenarios
from engine.base.errors import CasusError
from engine.base.paths import library_dir
from engine.io.load import CACHE_MAX_FILE, check_files, load
from engine.language.library import Library

ERRORS = ["  2010-02-30  armed_attack(by: RU, on: UA)",  # E-DATE
          "  2011-05-01..2011-04-01  threat(by: RU, on: UA)",  # E-INTERVAL
          "  2012-01-01  armd_attack(by: RU, on: UA)",  # an unknown kind
          "  2012-01-01  armed_attack(by: RU, on: XX)",  # an unknown code
          "  expect nothing from natoo_1949",
          "  expect no nato_1949.art9 RU -> UA",
          "  interpretation ru_claim"]


def _with_errors(text: str, *where: float) -> str:
    """`text` with ERRORS put into the scenario around each fraction of its lines (before a fact)."""
    lines = text.split("\n")
    for at in sorted(where, reverse=True):
        i = int(len(lines) * at)
        while not lines[i].startswith("  2"):
            i += 1
        lines[i:i] = ERRORS
    return "\n".join(lines)


def _loaded(path: Path) -> tuple[str, int]:
    """What `load` says of a file: its problems as printed, or how many scenarios it holds."""
    try:
        return "", len(load([path])[1])
    except CasusError as e:
        return e.render(), -1


def _checked(path: Path) -> tuple[str, int]:
    """The same, from `check_files`."""
    try:
        return "", check_files([path])[1]
    except CasusError as e:
        return e.render(), -1


# a treaty (the bundled ANZUS under another id), for files that declare more than scenarios
TREATY = "\n" + (library_dir() / "anzus_1951.casus").read_text(encoding="utf-8").replace("anzus_1951", "anzus_copy")

FILES = {
    "clean, many": many_scenarios(1_100_000, seed=3),
    "clean, giant": giant_scenario(1_100_000, seed=4),
    "errors in the middle and at the end, many": _with_errors(many_scenarios(1_100_000, seed=3), 0.5, 0.98),
    "errors in the middle and at the end, giant": _with_errors(giant_scenario(1_100_000, seed=4), 0.5, 0.98),
    # the quick reader declines at the very end: Lark reads the file, whole
    "a wildcard at the end": _with_errors(many_scenarios(1_100_000, seed=5), 0.5)
    + 'scenario "w" {\n  2020-01-01  armed_attack(by: _, on: UA)\n}\n',
    "a syntax error at the end": many_scenarios(1_100_000, seed=6)
    + 'scenario "s" {\n  2020-01-01  armed_attack(by: RU on: UA)\n}\n',
    # more than scenarios: everything as `load` does it
    "a treaty at the end": _with_errors(many_scenarios(1_100_000, seed=7), 0.5) + TREATY,
    "a clean treaty at the end": many_scenarios(1_100_000, seed=7) + TREATY,
}


@pytest.mark.parametrize("name", list(FILES))
def test_check_files_says_what_load_says(name: str, tmp_path: Path) -> None:
    path = tmp_path / "big.casus"
    path.write_text(FILES[name], encoding="utf-8")
    assert path.stat().st_size > CACHE_MAX_FILE  # never cached: the file is read afresh
    expected = _loaded(path)
    assert _checked(path) == expected
    problems, scenarios = expected
    assert (scenarios > 0) == ("clean" in name)
    if "errors" in name:
        assert problems.count("E-DATE") == 2 and problems.count("E-INTERVAL") == 2
        assert problems.count("unknown kind 'armd_attack'") == 2


def test_check_files_with_other_files(tmp_path: Path) -> None:
    """A big file among small ones (cached or not) and a file of treaties: the same problems."""
    big = tmp_path / "big.casus"
    big.write_text(FILES["errors in the middle and at the end, many"], encoding="utf-8")
    small = tmp_path / "small.casus"
    small.write_text(_with_errors(many_scenarios(20_000, seed=8), 0.5), encoding="utf-8")
    treaty = tmp_path / "treaty.casus"
    treaty.write_text(TREATY, encoding="utf-8")
    for paths in ([small, big], [big, small], [small, treaty, big]):
        with pytest.raises(CasusError) as got:
            check_files(paths)
        with pytest.raises(CasusError) as expected:
            load(paths)
        assert got.value.render() == expected.value.render()
    clean = tmp_path / "clean.casus"
    clean.write_text(FILES["clean, many"], encoding="utf-8")
    assert check_files([clean, treaty])[1] == len(load([clean, treaty])[1])


def _peak(paths: list[Path]) -> tuple[int, int]:
    """The scenarios `check_files` counts in `paths`, and the peak of what Python allocates
    (tracemalloc) from the moment the library is loaded (its loading has a peak of its own,
    larger than a few MB of scenarios cost) to the end."""
    import engine.io.load as loading

    library = loading._checked_library

    def loaded(*args: object) -> Library:
        lib = library(*args)  # type: ignore[arg-type]
        tracemalloc.reset_peak()
        return lib

    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(loading, "_checked_library", loaded)
            count = check_files(paths)[1]
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", ["many", "giant"])
def test_a_big_file_is_checked_in_a_small_multiple_of_its_size(shape: str, tmp_path: Path) -> None:
    """2 MB of scenarios: the peak of what Python allocates to check it (tracemalloc, not a clock),
    net of checking a one-fact file, stays within 5 times the file: its bytes and its text, and
    one fact or scenario at a time (2-3x). Holding its documents and facts, as `load` does, takes ~25x."""
    text = (many_scenarios if shape == "many" else giant_scenario)(2_000_000, seed=9)
    big = tmp_path / "big.casus"
    big.write_text(text, encoding="utf-8")
    tiny = tmp_path / "tiny.casus"
    tiny.write_text('scenario "t" {\n  2024-01-01  threat(by: RU, on: UA)\n}\n', encoding="utf-8")
    _, baseline = _peak([tiny])
    count, peak = _peak([big])
    assert count == text.count('\nscenario "') + text.startswith('scenario "')
    assert peak - baseline < 5 * len(text)
