"""Issue 16, the researcher's items 1-3: editing a bundled treaty (`--with`, a file that replaces
the bundled declaration of its id, `--library` keeping the standard vocabulary), scenarios in
the order given, and long batches (`--keep-going`, `-o`, progress on a terminal)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_pytest_plugin import pytest_in

from engine.base.paths import library_dir

ROOT = Path(__file__).resolve().parent.parent
NATO = (library_dir() / "nato_1949.casus").read_text(encoding="utf-8")
EDITED = NATO.replace('treaty nato_1949 "North Atlantic Treaty"', 'treaty nato_1949 "North Atlantic Treaty, edited"')
LATE = NATO.replace("in force 1949-08-24", "in force 2090-01-01")  # the edit a scenario can tell
ATTACK = """\
scenario "attack" {
  2024-03-01 armed_attack(by: RU, at: PL)
  expect nothing from nato_1949
}
"""
NOTE = "replaces the bundled treaty 'nato_1949' for this run"

# every verb that reads the library (issue 16 item 1; SPEC "CLI (firm verbs)")
VERBS = ["run", "compare", "explain", "check", "test", "report", "graph", "classify", "sweep", "diff", "lint",
         "fuzz", "treaties"]


def _title(stdout: str) -> str:
    (tr,) = json.loads(stdout)["results"]
    return str(tr["title"])


# ------------------------------------------------------------------ item 1: editing a bundled treaty


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_that_reads_the_library_takes_with(cli: Callable[..., Any], verb: str) -> None:
    out = cli(verb, "--help").stdout
    assert "--with PATH" in out and "--library DIR" in out


def _bundled_files() -> int:
    return len(list(library_dir().glob("*.casus")))


def test_checking_the_bundled_files_in_a_checkout_is_not_a_duplicate(cli: Callable[..., Any]) -> None:
    for given in ([str(library_dir() / "nato_1949.casus")], [str(library_dir())],
                  ["--with", str(library_dir() / "nato_1949.casus")]):
        r = cli("check", *given)
        assert r.exit_code == 0, r.output
        assert r.stdout.startswith(f"ok: {_bundled_files()} files, 11 treaties")
        assert r.stderr == ""  # the same file is not an edit: no note


def test_an_edited_copy_replaces_the_bundled_treaty_with_a_note(cli: Callable[..., Any], write: Any) -> None:
    copy = write("my/nato_1949.casus", EDITED)
    s = write("s.casus", ATTACK)
    for args in ([copy, s], [s, "--with", copy], [s, "--with", copy.parent]):
        r = cli("run", *args, "--treaty", "nato_1949", "--format", "json")
        assert r.exit_code == 0, r.output
        assert _title(r.stdout) == "North Atlantic Treaty, edited"
        assert r.stderr == f"casus: note: {copy} {NOTE}\n"  # one line, naming the file
    checked = cli("check", copy)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"ok: {_bundled_files() + 1} files, 11 treaties")
    assert NOTE in checked.stderr and checked.stderr.count("\n") == 1
    assert _title(cli("run", s, "--treaty", "nato_1949", "--format", "json").stdout) == "North Atlantic Treaty"


def test_two_files_of_ones_own_with_one_id_are_still_a_duplicate(cli: Callable[..., Any], write: Any) -> None:
    a, b = write("a/nato.casus", EDITED), write("b/nato.casus", LATE)
    r = cli("check", a, "--with", b)
    assert r.exit_code == 2
    assert "E-DUPLICATE: treaty 'nato_1949' is declared twice" in r.stderr


def test_with_reaches_the_analyses(cli: Callable[..., Any], write: Any) -> None:
    late = write("late.casus", LATE)
    s = write("s.casus", ATTACK)
    assert cli("test", s).exit_code == 1
    passed = cli("test", s, "--with", late)
    assert passed.exit_code == 0 and passed.stdout.endswith("1 passed, 0 failed\n"), passed.output
    assert "in force 2090-01-01" in cli("treaties", "--with", late).stdout
    assert cli("graph", "nato_1949", "--with", late).exit_code == 0
    edited = cli("classify", "--treaty", "nato_1949", "--with", late)
    assert edited.exit_code == 0
    explained = cli("explain", s, "nato_1949.art5", "--with", late, "--max-facts", "0")
    assert explained.exit_code == 0 and "2090-01-01" in explained.stdout, explained.output
    compared = cli("compare", s, "--treaty", "nato_1949", "--with", late, "--format", "json")
    assert compared.exit_code == 0
    assert "active" not in json.dumps(json.loads(compared.stdout))
    # diff: the edited treaty against the bundled one, by file and by id (the file is a side of its own)
    d = cli("diff", late, "nato_1949", "--max-facts", "1", "--format", "json")
    assert d.exit_code == 0, d.output
    linted = cli("lint", "--with", late, late)
    assert linted.exit_code in (0, 1) and "E-" not in linted.stderr, linted.output


def test_library_dir_with_only_the_edited_treaty_keeps_the_vocabulary(cli: Callable[..., Any], tmp_path: Path,
                                                                       write: Any) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "nato_1949.casus").write_text(EDITED, encoding="utf-8")
    s = write("s.casus", ATTACK)
    r = cli("run", s, "--library", lib, "--format", "json")
    assert r.exit_code == 0, r.output  # no E-UNKNOWN for armed_attack, assist or the regions
    doc = json.loads(r.stdout)
    assert [t["treaty"] for t in doc["results"]] == ["nato_1949"]
    assert r.stderr == ""  # a library of one's own is not an edit of the bundled one
    # the treaty, and the standard vocabulary, regions, areas, administration and interpretations
    standard = sum(1 for f in library_dir().glob("*.casus") if not re.search(r"^\s*(treaty|property)\b",
                                                                              f.read_text(encoding="utf-8"), re.M))
    assert cli("check", "--library", lib).stdout.startswith(f"ok: {standard + 1} files, 1 treaties")


def test_casus_test_and_the_pytest_plugin_agree_on_the_library(cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "nato_edit.casus").write_text(LATE, encoding="utf-8")
    (tmp_path / "s.casus").write_text(ATTACK, encoding="utf-8")
    by_cli = cli("test", tmp_path / "s.casus", "--with", tmp_path / "nato_edit.casus")
    assert by_cli.exit_code == 0, by_cli.output
    by_plugin = pytest_in(tmp_path)
    assert by_plugin.returncode == 0, by_plugin.stdout + by_plugin.stderr
    assert "1 passed" in by_plugin.stdout


# ------------------------------------------------------------------ item 2: the order given


def test_compare_and_report_keep_the_order_given(cli: Callable[..., Any], write: Any, tmp_path: Path) -> None:
    b = write("b.casus", 'scenario "Bee" {\n  2024-03-01 armed_attack(by: RU, at: PL)\n}\n')
    a = write("a.casus", 'scenario "Ay" {\n  2024-03-01 armed_attack(by: RU, at: EE)\n}\n')
    for first, second, names in ((b, a, ["Bee", "Ay"]), (a, b, ["Ay", "Bee"])):
        docs = json.loads(cli("compare", first, second, "--treaty", "nato_1949", "--format", "json").stdout)
        assert [d["scenario"] for d in docs] == names
        page = cli("report", first, second, "--treaty", "nato_1949", "-o", "-").stdout
        assert page.index(names[0]) < page.index(names[1])
    once = cli("run", b, a, "--treaty", "nato_1949").stdout
    assert once == cli("run", b, a, "--treaty", "nato_1949").stdout
    assert once.index("Bee") < once.index("Ay")


# ------------------------------------------------------------------ item 3: long batches

GOOD = '{"name": "g%d", "events": [{"kind": "armed_attack", "date": "2024-03-01", "by": "RU", "at": "PL"}]}'


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join([GOOD % 1, "not json", "", GOOD % 2, '{"name": "x"}']) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("workers", ["1", "2"])
def test_keep_going_records_a_bad_line_and_exits_1(cli: Callable[..., Any], batch: Path, workers: str) -> None:
    r = cli("run", "--batch", batch, "--keep-going", "--treaty", "nato_1949", "--workers", workers)
    assert r.exit_code == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x.get("schema") for x in lines] == ["casus.result/1", "casus.batch-error/1", "casus.result/1",
                                                  "casus.batch-error/1"]
    assert lines[1] == {"schema": "casus.batch-error/1", "source": str(batch), "line": 2, "code": "E-JSON",
                        "message": "not valid JSON: Expecting value"}
    assert (lines[3]["line"], lines[3]["code"]) == (5, "E-JSON")
    assert f"{batch}:2:1: E-JSON" in r.stderr and r.stderr.endswith("casus: 2 bad lines recorded and skipped\n")
    stops = cli("run", "--batch", batch, "--treaty", "nato_1949", "--workers", workers)
    # without --keep-going the batch stops at the bad line, its output marked as stopped
    assert stops.exit_code == 2 and len(stops.stdout.splitlines()) == 2
    assert json.loads(stops.stdout.splitlines()[1])["schema"] == "casus.batch-stopped/1"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_keep_going_in_csv_writes_an_error_row(cli: Callable[..., Any], batch: Path, workers: str) -> None:
    r = cli("run", "--batch", batch, "--keep-going", "--format", "csv", "--treaty", "nato_1949", "--workers", workers)
    assert r.exit_code == 1
    rows = r.stdout.splitlines()
    assert f"{batch}:2,,E-JSON: not valid JSON: Expecting value,,,,error,," in rows
    assert sum(row.startswith(f"{batch}:") for row in rows) == 2
    alone = batch.parent / "good.jsonl"
    alone.write_text(GOOD % 1 + "\n", encoding="utf-8")
    good = cli("run", "--batch", alone, "--format", "csv", "--treaty", "nato_1949").stdout.splitlines()
    assert len(good) > 1 and [row for row in rows if row.startswith("g1,")] == good[1:]


def test_run_writes_its_output_atomically_with_o(cli: Callable[..., Any], batch: Path, write: Any,
                                                 tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    r = cli("run", "--batch", batch, "--keep-going", "--treaty", "nato_1949", "-o", out)
    assert r.exit_code == 1 and r.stdout == ""
    assert [json.loads(x)["schema"] for x in out.read_text(encoding="utf-8").splitlines()][:2] == [
        "casus.result/1", "casus.batch-error/1"]
    out.write_text("old\n", encoding="utf-8")
    stopped = cli("run", "--batch", batch, "--treaty", "nato_1949", "-o", out)
    assert stopped.exit_code == 2 and out.read_text(encoding="utf-8") == "old\n"  # whole or not at all
    s = write("s.casus", ATTACK)
    table = tmp_path / "t.txt"
    assert cli("run", s, "--treaty", "nato_1949", "-o", table).exit_code == 0
    assert table.read_text(encoding="utf-8") == cli("run", s, "--treaty", "nato_1949").stdout
    refused = cli("run", s, "-o", s)
    assert refused.exit_code == 2 and "E-OUTPUT" in refused.stderr


def _on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run casus with stderr on a pseudo-terminal (stdout a pipe): exit code, stdout, what the
    terminal showed."""
    import pty  # noqa: F401 - a POSIX system: os.openpty below
    import tempfile

    master, slave = os.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # stdout to a file, not a pipe: a pipe nobody reads while the terminal is read would fill up
    # and stop the process (the output of three NATO scenarios is larger than a pipe's buffer)
    sink = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", *args], stdout=sink,
                            stderr=slave, env=env, cwd=ROOT)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=120)
    os.close(master)
    sink.seek(0)
    out = sink.read()
    sink.close()
    return proc.returncode, out.decode(), shown.decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_batch_shows_progress_only_on_a_terminal(cli: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join(GOOD % i for i in range(3)) + "\n", encoding="utf-8")
    code, out, shown = _on_a_terminal("run", "--batch", str(path), "--treaty", "nato_1949")
    assert code == 0 and len(out.splitlines()) == 3
    assert "\rbatch [" in shown and "] 3/3" in shown and "/s" in shown  # count, of how many, rate
    code, out, shown = _on_a_terminal("run", "--batch", str(path), "--treaty", "nato_1949", "--quiet")
    assert code == 0 and shown == ""
    piped = cli("run", "--batch", path, "--treaty", "nato_1949")  # stderr not a terminal
    assert piped.exit_code == 0 and piped.stderr == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_sweep_shows_progress_on_a_terminal_unless_quiet() -> None:
    code, out, shown = _on_a_terminal("sweep", "seed_sweep", "--format", "csv")
    assert code == 0 and out and "/s" in shown
    code, quiet_out, shown = _on_a_terminal("sweep", "seed_sweep", "--format", "csv", "--quiet")
    assert code == 0 and quiet_out == out and shown == ""
