"""Bounded input (issue 17, item 5): a file or batch line over CASUS_MAX_INPUT_MB is a located
E-SIZE error, read no further than the bound (engine/base/limits.py)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.base import limits
from engine.base.errors import CasusError
from engine.io.batch import decoded_lines

ROOT = Path(__file__).resolve().parents[2]

LIBRARY_MAX = max(p.stat().st_size for p in (ROOT / "obligations").glob("*.casus"))

SCENARIO = """\
scenario "s" {
  2030-03-01  armed_attack(by: KP, on: KR)
}
"""


def test_the_bound_is_20_mb_unless_overridden(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(limits.ENV, raising=False)
    assert limits.max_input_bytes() == 20 << 20
    monkeypatch.setenv(limits.ENV, "0.5")
    assert limits.max_input_bytes() == 1 << 19
    for bad in ("0", "-3", "nan", "inf", "lots"):
        monkeypatch.setenv(limits.ENV, bad)
        with pytest.raises(CasusError) as e:
            limits.max_input_bytes()
        assert e.value.diagnostics[0].code == "E-USAGE"


@pytest.mark.parametrize("command", [["check"], ["run"], ["fmt", "--check"], ["fmt"]])
def test_a_file_over_the_bound_is_refused(cli, tmp_path, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    bound = LIBRARY_MAX + 1000  # the bundled library is read under the same bound
    text = SCENARIO + "# padding\n" * (bound // 10)
    Path("s.casus").write_text(text, encoding="utf-8")
    monkeypatch.setenv(limits.ENV, str(bound / (1 << 20)))
    r = cli(*command, "s.casus")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"s.casus:1:1: E-SIZE: the file is larger than {bound} bytes"), r.stderr
    assert "Traceback" not in r.stderr
    assert Path("s.casus").read_text(encoding="utf-8") == text  # fmt did not touch it
    monkeypatch.setenv(limits.ENV, "1")  # under the bound: read as before
    assert cli("check", "s.casus").exit_code == 0


def test_a_json_scenario_and_a_space_over_the_bound_are_refused(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    events = [{"date": "2030-03-01", "kind": "armed_attack", "on": "KR", "note": "x" * 50}] * 40
    Path("s.json").write_text(json.dumps({"name": "s", "events": events}), encoding="utf-8")
    Path("space.json").write_text(json.dumps({"dimensions": {"d": ["KR"] * 400}, "template": {}}), encoding="utf-8")
    monkeypatch.setenv(limits.ENV, str((LIBRARY_MAX + 10) / (1 << 20)))
    events = events * (LIBRARY_MAX // 2000 + 1)
    Path("s.json").write_text(json.dumps({"name": "s", "events": events}), encoding="utf-8")
    Path("space.json").write_text(json.dumps({"dimensions": {"d": ["KR"] * (LIBRARY_MAX // 5)}, "template": {}}),
                                  encoding="utf-8")
    r = cli("run", "s.json")
    assert r.exit_code == 2 and r.stderr.startswith("s.json:1:1: E-SIZE: "), r.stderr
    r = cli("sweep", "space.json")
    assert r.exit_code == 2 and "space.json:1:1: E-SIZE: " in r.stderr, r.stderr


def test_a_large_regular_file_is_refused_without_being_read(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.casus"
    with open(big, "wb") as f:  # sparse: 21 MB of size, no data
        f.truncate(21 << 20)
    monkeypatch.delenv(limits.ENV, raising=False)
    reads: list[int] = []
    real_open = open

    class Counting(io.FileIO):
        def read(self, size: int = -1) -> bytes:  # type: ignore[override]
            reads.append(size)
            return super().read(size)

    monkeypatch.setattr("builtins.open", lambda p, mode="r", *a, **k: Counting(p, "rb") if p == str(big)
                        else real_open(p, mode, *a, **k))
    with pytest.raises(CasusError) as e:
        limits.read_limited(str(big))
    assert e.value.diagnostics[0].code == "E-SIZE" and reads == []


@pytest.mark.parametrize("command", [["check"], ["fmt", "--check"], ["run", "--batch"]])
def test_dev_zero_is_refused_after_reading_no_more_than_the_bound(tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    """Without a bound this reads until memory runs out; the generous timeout only guards the test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CASUS_CACHE_DIR": "", limits.ENV: "2"}
    r = subprocess.run([sys.executable, "-m", "engine.cli", *command, "/dev/zero"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("/dev/zero:1:1: E-SIZE: "), r.stderr
    assert "Traceback" not in r.stderr


def test_a_batch_line_over_the_bound_is_located_and_the_lines_before_it_run(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    good = json.dumps({"name": "ok", "events": [{"date": "2030-03-01", "kind": "armed_attack", "on": "KR"}]})
    bound = LIBRARY_MAX + 10
    long = json.dumps({"name": "long", "note": "x" * bound, "events": []})
    Path("b.jsonl").write_text(f"{good}\n{good}\n{long}\n{good}\n", encoding="utf-8")
    monkeypatch.setenv(limits.ENV, str(bound / (1 << 20)))
    r = cli("run", "--batch", "b.jsonl")
    assert r.exit_code == 2
    assert r.stderr.startswith(f"b.jsonl:3:1: E-SIZE: the line is larger than {bound} bytes"), r.stderr
    assert [json.loads(line)["scenario"]["name"] for line in r.stdout.splitlines()[:2]] == ["ok", "ok"]


def test_a_line_of_exactly_the_bound_is_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(limits.ENV, str(10 / (1 << 20)))  # 10 bytes
    ok = b"0123456789\n" + b"abc\r\n" + b"0123456789"
    assert list(decoded_lines(io.BytesIO(ok), "f")) == ["0123456789\n", "abc\n", "0123456789"]
    with pytest.raises(CasusError) as e:
        list(decoded_lines(io.BytesIO(b"short\n0123456789A\n"), "f"))
    assert e.value.diagnostics[0].span.line == 2
