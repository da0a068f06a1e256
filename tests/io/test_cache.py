"""The on-disk cache (engine/base/cache.py): the checked library, parsed-and-checked scenario files
and the ISO code tables. It must never change an answer: a warm run prints what a cold one
prints, a changed file (scenario or library) is read afresh, an unwritable cache folder or a
corrupted entry costs time, not a traceback."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from helpers import KURSK

import engine
from engine.base import cache
from engine.base.paths import library_dir
from engine.io import load as api
from engine.language import library

ROOT = Path(__file__).resolve().parents[2]


KURSK_JSON = """\
{"name": "Kursk (JSON)",
 "events": [{"kind": "armed_attack", "by": "UA", "at": "RU-KRS", "date": "2024-08-06", "until": "2025-03-12"},
            {"kind": "state_of_war", "party": "RU", "date": "2024-08-06", "until": "2025-03-12"},
            {"kind": "assist", "by": "KP", "to": "RU", "date": "2024-12-10"}]}
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    return d


def entries(d: Path, prefix: str) -> list[Path]:
    return sorted(d.glob(f"{prefix}-*.pickle"))


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, parsing or checking a scenario, or parsing any file, is an error."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed or checked although the cache holds the answer")

    monkeypatch.setattr(library, "parse", forbidden)
    monkeypatch.setattr(api, "check_scenario", forbidden)
    monkeypatch.setattr("engine.io.jsonscenario.parse_json_scenario", forbidden)


def run_cli(cli, *args: object) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    r = cli(*args)
    return r.exit_code, r.stdout + r.stderr


# ------------------------------------------------------------------ the same answers, warm or cold


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_a_warm_run_prints_what_a_cold_one_and_an_uncached_one_print(cli, write, cache_dir, monkeypatch,
                                                                       fmt) -> None:  # type: ignore[no-untyped-def]
    paths = [write("kursk.casus", KURSK), write("kursk.json", KURSK_JSON), "kursk_2024"]
    cold = run_cli(cli, "run", *paths, "--format", fmt)
    assert cold[0] == 0, cold[1]
    assert len(entries(cache_dir, "scenarios")) == 3 and len(entries(cache_dir, "library")) == 1
    no_parsing(monkeypatch)
    assert run_cli(cli, "run", *paths, "--format", fmt) == cold
    monkeypatch.undo()
    monkeypatch.setenv("CASUS_CACHE_DIR", "")  # caching off
    assert run_cli(cli, "run", *paths, "--format", fmt) == cold


def test_a_warm_run_loads_the_same_scenarios(write, cache_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    paths = [write("kursk.casus", KURSK), write("kursk.json", KURSK_JSON)]
    lib, cold = engine.load(paths)
    no_parsing(monkeypatch)
    lib2, warm = engine.load(paths)
    assert [repr(s.decl) for s in warm] == [repr(s.decl) for s in cold]  # spans too
    assert sorted(lib2.treaties) == sorted(lib.treaties)
    assert [engine.run(lib2, s).to_json() for s in warm] == [engine.run(lib, s).to_json() for s in cold]


def imported_twice(cache_dir: Path, args: list[str], modules: tuple[str, ...]) -> list[str]:
    """What two runs of `casus ARGS` in fresh processes print (the first fills the cache),
    then which of `modules` each imported."""
    code = ("import sys\n"
            "from engine.cli import main\n"
            f"main({args!r}, standalone_mode=False)\n"
            f"print('IMPORTED', sorted(m for m in {modules!r} if m in sys.modules))\n")
    env = {**os.environ, "CASUS_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    return [subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "csv"])
def test_a_warm_run_imports_neither_the_parser_nor_pydantic_nor_pycountry(cache_dir, fmt) -> None:  # type: ignore[no-untyped-def]
    """In every output format (issue 18, item 4: start-up whatever the format): the result JSON
    is written without pydantic's models."""
    outs = imported_twice(cache_dir, ["run", "kursk_2024", "--format", fmt],
                          ("lark", "pydantic", "pycountry", "engine.language.quick"))
    assert outs[0].split("IMPORTED")[0] == outs[1].split("IMPORTED")[0]
    assert "IMPORTED []" in outs[1], outs[1]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_warm_batch_of_json_lines_imports_neither_the_parser_nor_pydantic(cache_dir, tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    """`casus run --batch FILE.jsonl` reads its lines with the json module: importing Lark (for
    JSON scenario files, engine/io/jsonscenario.py) was a quarter of its start-up."""
    lines = tmp_path / "batch.jsonl"
    lines.write_text(json.dumps(json.loads(KURSK_JSON)) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    outs = imported_twice(cache_dir, ["run", "--batch", str(lines), "--format", fmt, "-o", str(out)],
                          ("lark", "pydantic", "pycountry"))
    assert "IMPORTED []" in outs[1], outs[1]
    assert out.read_text(encoding="utf-8").count("ru_kp_2024") >= 1


# ------------------------------------------------------------------ invalidation


def test_a_changed_scenario_file_is_read_afresh(cli, write, cache_dir) -> None:  # type: ignore[no-untyped-def]
    path = write("kursk.casus", KURSK)
    code, out = run_cli(cli, "run", path, "--treaty", "ru_kp_2024")
    assert code == 0 and "fulfilled  2024-12-10" in out
    path.write_text(KURSK.replace("2024-12-10              assist", "2024-12-11              assist"), encoding="utf-8")
    code, out = run_cli(cli, "run", path, "--treaty", "ru_kp_2024")
    assert code == 0 and "fulfilled  2024-12-11" in out
    path.write_text(KURSK.replace("state_of_war(party: RU)", "state_of_war(party RU)"), encoding="utf-8")
    code, out = run_cli(cli, "run", path)
    assert code == 2 and "E-PARSE" in out


def test_the_same_text_at_another_path_keeps_its_own_source(cli, write, cache_dir) -> None:  # type: ignore[no-untyped-def]
    a, b = write("a.casus", KURSK), write("b.casus", KURSK)
    assert str(a) in run_cli(cli, "run", a)[1]
    out = run_cli(cli, "run", b)[1]
    assert str(b) in out and str(a) not in out


def test_a_changed_library_rechecks_a_cached_scenario(cli, write, tmp_path, cache_dir) -> None:  # type: ignore[no-untyped-def]
    lib = tmp_path / "lib"
    shutil.copytree(library_dir(), lib)
    path = write("kursk.casus", KURSK)
    code, out = run_cli(cli, "run", path, "--library", lib, "--treaty", "ru_kp_2024")
    assert code == 0 and "activated" in out and "2024-12-04" in out
    # the library changes under the cached scenario: the provision its expect line names is renamed
    for name, old, new in (("ru_kp_2024.casus", "provision art4 ", "provision art4x "),
                           ("properties.casus", "ru_kp_2024.art4 ", "ru_kp_2024.art4x ")):
        f = lib / name
        text = f.read_text(encoding="utf-8")
        assert old in text
        f.write_text(text.replace(old, new), encoding="utf-8")
    code, out = run_cli(cli, "run", path, "--library", lib)
    assert code == 2 and "unknown provision 'art4' in 'ru_kp_2024'" in out, out
    # and a library change that the scenario survives shows in the answer
    f = lib / "ru_kp_2024.casus"
    f.write_text(f.read_text(encoding="utf-8").replace("provision art4x ", "provision art4 ")
                 .replace("in force 2024-12-04", "in force 2024-12-05"), encoding="utf-8")
    (lib / "properties.casus").write_text((library_dir() / "properties.casus").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    code, out = run_cli(cli, "run", path, "--library", lib, "--treaty", "ru_kp_2024")
    assert code == 0 and "2024-12-05" in out and "2024-12-04" not in out, out


def test_a_scenario_with_errors_is_not_cached(cli, write, cache_dir) -> None:  # type: ignore[no-untyped-def]
    path = write("bad.casus", KURSK.replace("ru_kp_2024.art4", "ru_kp_2024.art44"))
    for _ in range(2):
        code, out = run_cli(cli, "run", path)
        assert code == 2 and "unknown provision 'art44'" in out
    assert entries(cache_dir, "scenarios") == []


def test_a_file_that_declares_a_treaty_is_not_cached_as_scenarios(cli, write, cache_dir) -> None:  # type: ignore[no-untyped-def]
    path = write("mine.casus", KURSK + '\ntreaty mine "Mine" {\n  parties RU, KP\n  in force 2024-01-01\n}\n')
    for _ in range(2):
        code, out = run_cli(cli, "run", path, "--treaty", "mine")
        assert code == 0, out
    assert entries(cache_dir, "scenarios") == []


def test_a_cached_scenario_file_next_to_a_treaty_file_is_checked_with_it(cli, write, cache_dir,
                                                                         monkeypatch) -> None:  # type: ignore[no-untyped-def]
    scenario = write("kursk.casus", KURSK)
    treaty = write("mine.casus", 'treaty mine "Mine" {\n  parties RU, KP\n  in force 2024-01-01\n}\n')
    assert run_cli(cli, "run", scenario)[0] == 0  # cached, checked against the bundled library
    both = run_cli(cli, "run", scenario, treaty, "--treaty", "mine", "--treaty", "ru_kp_2024")
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    assert both == run_cli(cli, "run", scenario, treaty, "--treaty", "mine", "--treaty", "ru_kp_2024")
    assert both[0] == 0 and "Nothing comes alive under: mine" in both[1]
    # a scenario naming the user's treaty is checked against library and treaty together
    named = write("named.casus",
                  KURSK.replace("  expect ru_kp_2024", "  expect nothing from mine\n  expect ru_kp_2024"))
    monkeypatch.setenv("CASUS_CACHE_DIR", str(cache_dir))
    code, out = run_cli(cli, "run", named)
    assert code == 2 and "unknown treaty 'mine'" in out
    assert run_cli(cli, "run", named, treaty)[0] == 0


# ------------------------------------------------------------------ a cache that cannot help


def test_an_unwritable_cache_folder_still_works(cli, write, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    path = write("kursk.casus", KURSK)
    want = run_cli(cli, "run", path)
    assert want[0] == 0
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("CASUS_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert cache.cache_dir() is None
    for _ in range(2):
        assert run_cli(cli, "run", path) == want
    assert not (blocker.parent / "cache").exists()


def test_an_unwritable_cache_folder_still_works_for_root_too(cli, write, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A folder that exists but where no file can be created (os.access may say yes to root)."""
    path = write("kursk.casus", KURSK)
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    want = run_cli(cli, "run", path, "--format", "json")
    d = tmp_path / "cache"
    d.mkdir()
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))

    def no_room(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", no_room)  # imported by the cache where it writes
    for _ in range(2):
        assert run_cli(cli, "run", path, "--format", "json") == want
    assert list(d.glob("*.pickle")) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong type", "empty"])
def test_a_corrupted_cache_entry_is_a_miss(cli, write, cache_dir, monkeypatch, damage) -> None:  # type: ignore[no-untyped-def]
    paths = [write("kursk.casus", KURSK), write("kursk.json", KURSK_JSON)]
    want = run_cli(cli, "run", *paths)
    assert want[0] == 0
    files = sorted(cache_dir.glob("*.pickle"))
    assert {f.name.split("-")[0] for f in files} >= {"library", "scenarios"}
    for f in files:
        data = f.read_bytes()
        f.write_bytes({"garbage": b"\x80\x05not a pickle at all", "truncated": data[: len(data) // 2],
                       "wrong type": pickle.dumps(("not", "an", "entry")), "empty": b""}[damage])
    assert run_cli(cli, "run", *paths) == want
    # rewritten whole: the next run reads everything back
    no_parsing(monkeypatch)
    assert run_cli(cli, "run", *paths) == want


def test_the_code_tables_come_from_the_cache(cache_dir) -> None:  # type: ignore[no-untyped-def]
    from engine.language import codes

    stamp = codes.data_stamp()
    assert stamp is not None
    fresh = codes._table("test-codes", lambda: frozenset({"RU", "KP"}))
    assert fresh == {"RU", "KP"}
    assert codes._table("test-codes", lambda: frozenset({"XX"})) == fresh  # read back
    [entry] = entries(cache_dir, "test-codes")
    entry.write_bytes(b"garbage")
    assert codes._table("test-codes", lambda: frozenset({"XX"})) == {"XX"}
    assert "RU" in codes.countries() and "RU-KRS" in codes.subdivisions()


def test_the_cache_key_covers_casus_s_own_code() -> None:
    stamp = cache.code_stamp()
    for module in ("language/ast.py", "language/build.py", "language/library.py", "api.py", "present/report/text.py"):
        assert any(line.startswith(f"{module}:") for line in stamp.splitlines()), module
