"""Strict JSON (issue 17, item 6): in a JSON scenario file and in a batch line, a duplicate key, a
name that is not a string, a number that is not finite (or too long for Python), a control
character or a lone surrogate in a string are located errors — FILE:LINE:COL, E-JSON, the line
with a caret, a hint, exit 2 — never taken silently, never a traceback."""

from __future__ import annotations

import json

import pytest

import engine
from engine.base.errors import CasusError
from engine.io.batch import run_batch

EVENT = '{"kind": "armed_attack", "by": "UA", "at": "RU-KRS", "date": "2024-08-06"}'
GOOD = '{"name": "ok", "events": [' + EVENT + ']}'
BIG = "1" * 5000

# (line, the text the error points at, a piece of its message)
CASES = {
    "duplicate kind": (('{"name": "x", "events": [{"kind": "armed_attack", "kind": "assist", "by": "UA", '
                        '"at": "RU-KRS", "date": "2024-08-06"}]}'), '"kind": "assist"', "duplicate key 'kind'"),
    "duplicate date": (('{"name": "x", "events": [{"kind": "armed_attack", "by": "UA", "at": "RU-KRS", '
                        '"date": "2024-08-06", "date": "2030-01-01"}]}'), '"date": "2030', "duplicate key 'date'"),
    "duplicate name": ('{"name": "x", "name": "y", "events": []}', '"name": "y"', "duplicate key 'name'"),
    "duplicate in a string too": ('{"name": "a\\":b", "name": "y", "events": []}', '"name": "y"',
                                  "duplicate key 'name'"),
    "numeric name": ('{"name": 5, "events": []}', "5, ", "'name' must be a string"),
    "list name": ('{"name": ["x"], "events": []}', '["x"]', "'name' must be a string"),
    "huge float": ('{"name": "x", "note": 1e99999, "events": []}', "1e99999", "not a finite number"),
    "huge negative": ('{"name": "x", "events": [], "description": -1e99999}', "-1e99999", "not a finite number"),
    "long integer": ('{"name": "x", "note": ' + BIG + ', "events": []}', BIG[:20], "too long"),
    "NaN": ('{"name": "x", "note": NaN, "events": []}', "NaN", "not valid JSON"),
    "Infinity": ('{"name": "x", "note": Infinity, "events": []}', "Infinity", "not valid JSON"),
    "control in name": ('{"name": "x\\u0001y", "events": []}', '"x\\u0001y"', "a control character (U+0001)"),
    "line break in name": ('{"name": "x\\ndigraph", "events": []}', '"x\\ndigraph"', "(U+000A)"),
    "control in a note": (('{"name": "x", "events": [{"kind": "armed_attack", "by": "UA", "at": "RU-KRS", '
                           '"date": "2024-08-06", "note": "a\\u001bb"}]}'), '"a\\u001bb"', "(U+001B)"),
    "control in a key": (('{"name": "x", "events": [{"kind": "armed_attack", "b\\u0000y": "UA", "at": "RU-KRS", '
                          '"date": "2024-08-06"}]}'), '"b\\u0000y"', "(U+0000)"),
    "lone surrogate": ('{"name": "x\\ud800", "events": []}', '"x\\ud800"', "a lone surrogate (U+D800)"),
    "DEL": ('{"name": "x\\u007f", "events": []}', '"x\\u007f"', "(U+007F)"),
    # written as it is: the only control character the json module takes unescaped, in an ASCII
    # line without a backslash (which batch.py's `_strict` otherwise takes without a look at its texts)
    "raw DEL": ('{"name": "x\x7fy", "events": []}', '"x\x7fy"', "(U+007F)"),
}


def check(err: str, path: str, line: int, text: str, at: str, message: str) -> None:
    """The first line names the file, line and column of `at` in `text`; then the line, a caret, a hint."""
    col = text.index(at) + 1
    first, source, caret, *rest = err.splitlines()
    assert first.startswith(f"{path}:{line}:{col}: E-JSON: "), (first, col)
    assert message in first, first
    assert source[caret.index("^"):].startswith(at[:10]), (source, caret)  # (a long line is shown in part)
    assert any(r.strip().startswith("hint:") for r in rest)
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_json_scenario_file_is_strict(cli, write, case) -> None:  # type: ignore[no-untyped-def]
    text, at, message = CASES[case]
    path = write("s.json", text + "\n")
    r = cli("run", path)
    assert r.exit_code == 2 and r.stdout == "", r.output
    check(r.stderr, str(path), 1, text, at, message)


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_batch_line_is_strict(cli, write, case, fmt) -> None:  # type: ignore[no-untyped-def]
    text, at, message = CASES[case]
    path = write("b.jsonl", GOOD + "\n\n" + text + "\n" + GOOD + "\n")
    r = cli("run", "--batch", path, "--format", fmt, "--treaty", "ru_kp_2024")
    assert r.exit_code == 2, r.output
    check(r.stderr, str(path), 3, text, at, message)
    *out, last = r.stdout.splitlines()  # the line before it was answered, the one after it was not
    if fmt == "json":
        assert [json.loads(o)["scenario"]["name"] for o in out] == ["ok"]
        assert json.loads(last)["reason"] == "error"  # and the output says it stopped (docs/formats.md)
    else:
        assert out[0].startswith("scenario,") and {o.split(",")[0] for o in out[1:]} <= {"ok"}
        assert last.startswith(f"{path}:3,") and ",stopped," in last


def test_with_workers_too(cli, write) -> None:  # type: ignore[no-untyped-def]
    text, at, message = CASES["duplicate kind"]
    path = write("b.jsonl", GOOD + "\n" + text + "\n")
    r = cli("run", "--batch", path, "--workers", "2", "--treaty", "ru_kp_2024")
    assert r.exit_code == 2
    check(r.stderr, str(path), 2, text, at, message)


def test_strict_lines_that_look_odd_are_still_fast_and_right(lib: engine.Library) -> None:
    """A string holding `":`, an escaped quote, non-ASCII written as \\u escapes, a tab-free note:
    accepted, with the same result as from the positional reader."""
    lines = ['{"name": "a\\": \\"b\\" \\u00e9\\u2019", "events": [' + EVENT[:-1] + ', "note": "x\\":y"}]}',
             '{"name": "plain", "note": 3, "events": [' + EVENT + ']}']
    outs = list(run_batch(lib, lines, treaties=["ru_kp_2024"], path="o.jsonl"))
    assert [json.loads(o)["scenario"]["name"] for o in outs] == ['a": "b" é’', "plain"]


def test_a_duplicate_key_is_an_error_in_the_api_too(lib: engine.Library) -> None:
    with pytest.raises(CasusError) as e:
        list(run_batch(lib, [CASES["duplicate date"][0]], path="d.jsonl"))
    [d] = e.value.diagnostics
    assert (d.code, d.span.line, d.message) == ("E-JSON", 1, "duplicate key 'date'")
    assert d.hint is not None and "line 1, column" in d.hint


@pytest.mark.parametrize("stdin", [False, True])
def test_a_batch_line_that_is_not_utf8_is_a_located_error(runner, tmp_path, stdin) -> None:  # type: ignore[no-untyped-def]
    from engine.cli import main

    data = ("\ufeff" + GOOD + "\r\n").encode("utf-8") + b'{"name": "caf\xe9", "events": []}\n'
    path = tmp_path / "b.jsonl"
    path.write_bytes(data)
    args = ["run", "--batch", "-" if stdin else str(path), "--treaty", "ru_kp_2024"]
    r = runner.invoke(main, args, input=data if stdin else None)
    shown = "<stdin>" if stdin else str(path)
    assert r.exit_code == 2 and r.stderr.startswith(f"{shown}:2:14: E-ENCODING: the line is not UTF-8 text (byte 0xe9)")
    assert "Traceback" not in r.stderr
    *out, last = r.stdout.splitlines()
    assert [json.loads(o)["scenario"]["name"] for o in out] == ["ok"]  # BOM and CRLF: fine
    assert json.loads(last)["code"] == "E-ENCODING"  # the stopped record (docs/formats.md)
    path.write_bytes((GOOD + "\n").encode("utf-16"))
    r = runner.invoke(main, ["run", "--batch", str(path)])
    assert r.exit_code == 2 and r.stderr.startswith(f"{path}:1:1: E-ENCODING: the file is UTF-16, not UTF-8")
