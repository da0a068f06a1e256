"""The pytest plugin (engine/pytest_plugin.py): a researcher's folder of .casus files under plain
pytest. Each test runs pytest in a subprocess on a folder of its own, with the plugin enabled by
`-p engine.pytest_plugin` (and the installed entry point, if any, blocked with `-p no:casus`,
so that it is loaded once)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.base.paths import library_dir

ROOT = Path(__file__).resolve().parent.parent

TREATY = """\
treaty mine "My treaty" {
  parties RU, BY
  in force 2020-01-01
  provision p1 "Assistance" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X), within 3 days
  }
}
"""

PASSING = """\
scenario "passing" {
  2020-02-01  armed_attack(on: BY)
  2020-02-02  assist(by: RU, to: BY)
  expect mine.p1 RU -> BY fulfilled since 2020-02-02   # a comment is not part of the name
  expect no mine.p1 BY -> RU
  expect nothing from ru_kp_2024
}
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:casus", "-p", "engine.pytest_plugin", "-p", "no:cacheprovider",
         "-o", "addopts=", "-rA", *args],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300, check=False)


def summary(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_a_passing_folder(tmp_path: Path) -> None:
    write(tmp_path, {"treaties/mine.casus": TREATY, "scenarios/passing.casus": PASSING,
                     "notes/only_a_treaty.casus": TREATY.replace("mine", "other")})
    run = pytest_in(tmp_path, "-v")
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b3 passed\b", summary(run.stdout)), run.stdout
    # each expect line is an item named by its text; a file without expectations is not collected
    assert "scenarios/passing.casus::expect mine.p1 RU -> BY fulfilled since 2020-02-02 PASSED" in run.stdout
    assert "scenarios/passing.casus::expect nothing from ru_kp_2024 PASSED" in run.stdout
    assert "only_a_treaty" not in run.stdout


def test_a_failing_expectation_names_its_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, {"mine.casus": TREATY, "failing.casus": """\
        scenario "failing" {
          2020-02-01  armed_attack(on: BY)
          expect mine.p1 RU -> BY violated, activated 2020-02-01
          expect mine.p1 RU -> BY fulfilled
        }
        """})
    run = pytest_in(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"\b1 failed, 1 passed\b", summary(run.stdout)), run.stdout
    # the message of engine.check_expectations, at file:line
    assert ("failing.casus:4: mine.p1 RU -> BY fulfilled (interpretation default): "
            "RU -> BY is violated since 2020-02-05, not fulfilled") in run.stdout
    assert "FAILED failing.casus::expect mine.p1 RU -> BY fulfilled" in run.stdout
    assert "Traceback" not in run.stdout


def test_a_file_that_does_not_load_is_a_located_collection_error(tmp_path: Path) -> None:
    write(tmp_path, {"typo.casus": """\
        scenario "typo" {
          2020-02-01  armed_attack(on: UK)
          expect nothing from ru_kp_2024
        }
        """})
    run = pytest_in(tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "ERROR collecting typo.casus" in run.stdout
    assert "typo.casus:2:32: E-CODE: unknown party code 'UK'" in run.stdout
    assert "Traceback" not in run.stdout


def test_every_file_that_does_not_load_is_a_collection_error(tmp_path: Path) -> None:
    """Issue 16 item 11: a broken file without expect lines, and a file that is not UTF-8, are
    collection errors too (they used to pass unnoticed and be skipped silently)."""
    write(tmp_path, {"mine.casus": TREATY, "broken.casus": """\
        treaty broken "Broken" {
          parties RU, BY
          in force 2020-01-01
          provision p1 "P" article "1" {
            when armed_attack(on: X
          }
        }
        """})
    (tmp_path / "latin.casus").write_bytes('scenario "caf\u00e9" {\n  2020-02-01  armed_attack(on: BY)\n}\n'
                                           .encode("latin-1"))
    run = pytest_in(tmp_path)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "ERROR collecting broken.casus" in run.stdout, run.stdout
    assert "ERROR collecting latin.casus" in run.stdout, run.stdout
    assert "broken.casus:6:3: E-PARSE" in run.stdout, run.stdout
    assert "Traceback" not in run.stdout


def test_casus_library_replaces_the_bundled_library(tmp_path: Path) -> None:
    lib = tmp_path / "elsewhere"
    write(lib, {"vocabulary.casus": (library_dir() / "vocabulary.casus").read_text(encoding="utf-8"),
                "mine.casus": TREATY})
    work = tmp_path / "work"
    write(work, {"pytest.ini": "[pytest]\ncasus_library = ../elsewhere\n", "s.casus": """\
        scenario "s" {
          2020-02-01  armed_attack(on: BY)
          expect mine.p1 RU -> BY violated since 2020-02-05
          expect nothing from ru_kp_2024
        }
        """})
    run = pytest_in(work)
    # mine comes from casus_library; ru_kp_2024, bundled, is not in the library any more
    assert run.returncode == 2, run.stdout + run.stderr
    assert "unknown treaty 'ru_kp_2024'" in run.stdout
    (work / "s.casus").write_text((work / "s.casus").read_text().replace("  expect nothing from ru_kp_2024\n", ""))
    run = pytest_in(work)
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"\b1 passed\b", summary(run.stdout)), run.stdout


def test_the_bundled_library_and_scenarios_are_not_collected(tmp_path: Path) -> None:
    # (the checkout's folders: the subprocess imports engine from the checkout)
    run = pytest_in(tmp_path, "--collect-only", "-q", str(ROOT / "scenarios"), str(ROOT / "obligations"))
    assert "no tests collected" in run.stdout, run.stdout + run.stderr


def test_the_repository_does_not_run_the_plugin_on_itself() -> None:
    """The repository's own expectations are tests/analysis/test_scenarios.py's, and tests/golden holds
    files that do not load on purpose: its pytest configuration blocks the plugin."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^casus = "engine.pytest_plugin"$', text, re.MULTILINE)
    addopts = re.search(r"^addopts\s*=\s*\"([^\"]*)\"", text, re.MULTILINE)
    assert addopts and "-p no:casus" in addopts.group(1)


def _has_check_property() -> bool:
    try:
        from engine.analysis import fuzz
    except ImportError:
        return False
    return callable(getattr(fuzz, "check_property", None))


@pytest.mark.skipif(not _has_check_property(), reason="engine.analysis.fuzz.check_property is not there yet")
def test_properties_are_fuzzed(tmp_path: Path) -> None:
    write(tmp_path, {"mine.casus": TREATY, "props.casus": """\
        property needs_an_attack {
          never active mine.p1 for X unless armed_attack(on: X)
        }

        property needs_a_request {
          never active mine.p1 for X unless request(from: X, for: assist)
        }
        """})
    run = pytest_in(tmp_path, "--casus-examples", "30", "--casus-seed", "1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"\b1 failed, 1 passed\b", summary(run.stdout)), run.stdout
    assert "FAILED props.casus::property needs_a_request" in run.stdout
    assert "props.casus:6:" in run.stdout  # the failing rule's line
    assert "counter-example" in run.stdout and 'scenario "counter-example to needs_a_request"' in run.stdout
