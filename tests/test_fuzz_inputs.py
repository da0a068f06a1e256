"""The fuzz harness of issue 17 (item 4): no input makes casus crash.

Mutations of the bundled files (bytes flipped, inserted, deleted, repeated, and hostile pieces
spliced in), JSON scenario files and batch lines built from the bundled JSON scenarios the same
way and by replacing parts of them with arbitrary JSON, and command lines drawn from the verbs
and options of the CLI, are given to the command line (in process, through click). Every run
must end in exit 0, 1 or 2 with no traceback and no "internal error" (exit 3); every error must
be located (`FILE:LINE:COL: CODE: message`, at a line and column of the input). Grammar-generated
text, random text and random bytes are in tests/core/test_properties.py.

The budget is fixed (`max_examples`) and the search derandomised, so CI runs the same inputs in
the same time every time; `CASUS_FUZZ_EXAMPLES=N` runs N of each for a longer hunt by hand.
`REGRESSIONS` keeps, as explicit examples, every input that ever crashed casus (issue 17's audit:
numbers past Python's 4,300-digit limit, dates past 9999, lone surrogates, control characters,
duplicate keys, deep nesting, UTF-16, non-UTF-8 bytes) and anything this harness finds: add it
there, with the command, when it fails."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("CASUS_FUZZ_EXAMPLES", "0") or 0)
SETTINGS: dict[str, Any] = {"deadline": None, "derandomize": True, "database": None,
                            "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                      HealthCheck.data_too_large]}

CASUS = sorted((ROOT / "scenarios").glob("*.casus"))[:6] + sorted((ROOT / "obligations").glob("*.casus"))[:3]
JSONS = sorted((ROOT / "scenarios").glob("*.json"))

# pieces that broke parsers somewhere, spliced into otherwise good input
HOSTILE: list[bytes] = [
    b"9" * 4400, b"-" + b"9" * 4400, b"1e99999", b"-1e99999", b"NaN", b"Infinity", b"\x00", b"\x1b", b"\x7f",
    b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xc3", b"\r", b"\r\n", b"\n", b"\t", b"\xe2\x80\xa8",
    b'"', b"\\", b"\\u0000", b"\\ud800", b"\\udfff", b"{", b"}", b"(", b")", b"[", b"]", b",", b":", b"#", b"..",
    b"[" * 2000, b"{" * 2000, b"(" * 2000, b"not " * 300, b"9999-12-31", b"0000-00-00", b"10000-01-01",
    b"2024-02-30", b"within 3000000 days", b"within 9999999999999999999999999999999 days", b"ongoing", b"expect",
    b"scenario", b"treaty", b"provision", b"interpretation", b"region", b"area", b"until", b"after", b"before",
    b"each other party", b"XX-ZZZ", b"US", b"\xf0\x9f\x98\x80", b"\xcc\x81" * 50, b"=cmd|' /C calc'!A0",
]

REGRESSIONS: list[tuple[str, bytes]] = [
    ("casus", b'scenario "x" {\n  2024-01-01 armed_attack(on: UA) within ' + b"9" * 5000 + b" days\n}\n"),
    ("casus", b'scenario "x" {\n  9999-12-31 armed_attack(on: UA)\n}\n'),
    ("casus", b'scenario "\xed\xa0\x80" {\n}\n'),
    ("casus", b"\xff\xfes\x00c\x00"),
    ("casus", b'scenario "x" {\n  2024-01-01 armed_attack(on: UA)' + b"(" * 100000 + b"\n}\n"),
    ("json", b'{"name": "x", "name": "y", "events": []}'),
    ("json", b'{"name": 5, "events": []}'),
    ("json", b'{"name": "x", "events": [{"date": "2024-01-01", "kind": "armed_attack", "on": "UA", "n": 1e99999}]}'),
    ("json", b'{"name": "a\x01b", "events": []}'),
    ("json", b'{"name": "\\ud800", "events": []}'),
    ("json", b'{"name": "x", "events": [{"date": "2024-01-01", "kind": "kind", "kind": "armed_attack"}]}'),
    ("json", b'{"name": "x", "events": []}'.replace(b"[]", b"[" * 100000)),
    ("json", b'{"name": "x", "events": [], "n": ' + b"9" * 5000 + b"}"),
    # found by this harness
    ("json", b'{"name": "x", "events": [{"date": {"y": 2024}, "kind": "armed_attack", "on": "UA"}]}'),
    ("json", b'{"name": "x", "events": [{"date": [2024, 1, 1], "kind": "armed_attack", "on": "UA"}]}'),
    ("line", '{"name": "x", "events": []}\n'.encode("utf-16")),
    ("line", b'{"name": "caf\xe9", "events": []}\n'),
    ("line", b"[" * 100000 + b"\n"),
    ("line", b'{"name": "x", "events": [{"date": "9999-12-31", "kind": "armed_attack", "on": "UA"}]}\n'),
]


def _budget(n: int) -> int:
    return EXAMPLES or n


@st.composite
def mutated(draw: Any, corpus: list[bytes]) -> bytes:
    """A file of `corpus` with one to eight edits."""
    data = bytearray(draw(st.sampled_from(corpus)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "hostile", "hostile"]))
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 40))] * draw(st.integers(2, 50))
        else:
            data[at:at] = draw(st.sampled_from(HOSTILE))
    return bytes(data)


JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | \
    st.sampled_from(["2024-01-01", "9999-12-31", "armed_attack", "UA", "RU-KRS", "default", "x" * 300])
ANY_JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.sampled_from(["name", "events", "date", "kind", "on", "by", "at", "until",
                                                           "note", "interpretation", "x"]) | st.text(max_size=8),
                                          inner, max_size=5), max_leaves=20)


@st.composite
def json_documents(draw: Any) -> bytes:
    """A bundled JSON scenario with parts replaced by arbitrary JSON, or mutated as bytes."""
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in JSONS]
    if draw(st.booleans()):
        return draw(mutated([json.dumps(d).encode("utf-8") for d in docs]))
    doc = draw(st.sampled_from(docs))
    for _ in range(draw(st.integers(1, 4))):
        node: Any = doc
        for _depth in range(draw(st.integers(0, 3))):  # walk down, then replace what is there
            keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict) and node:
            node[draw(st.sampled_from(sorted(node)))] = draw(ANY_JSON)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(ANY_JSON)
    return json.dumps(doc, allow_nan=True, ensure_ascii=draw(st.booleans())).encode("utf-8",
                                                                                                 "surrogatepass")


LOCATED = re.compile(r"^(?P<path>[^\n]*?):(?P<line>\d+):(?P<col>\d+): (?P<code>E-[A-Z-]+): ", re.M)
COMMAND_LINE = re.compile(r"^casus: E-[A-Z-]+: ", re.M)


def _no_crash(result: Any, what: str) -> None:
    err = result.stderr
    assert result.exit_code in (0, 1, 2), f"{what}: exit {result.exit_code}\n{err}"
    assert "Traceback" not in err and "internal error" not in err, f"{what}:\n{err}"


def _located(result: Any, path: Path, data: bytes) -> None:
    """Every diagnostic about the input points into it: a line it has, a column on that line."""
    if result.exit_code != 2:
        return
    found = list(LOCATED.finditer(result.stderr))
    assert found or "Usage:" in result.stderr, result.stderr
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    lines = text.split("\n")
    for m in found:
        if m["path"] != str(path):
            continue
        line, col = int(m["line"]), int(m["col"])
        assert 1 <= line <= max(1, len(lines)), (m.group(0), len(lines))
        assert 1 <= col <= len(lines[line - 1].rstrip("\r")) + 2, (m.group(0), lines[line - 1][:80])


@pytest.fixture
def run_cli(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("CASUS_MAX_INPUT_MB", "2")  # a hostile repeat stays small
    runner = CliRunner()

    def run(*args: object) -> Any:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


def _file(tmp: pytest.TempPathFactory, name: str, data: bytes) -> Path:
    path = tmp.mktemp("fuzz") / name
    path.write_bytes(data)
    return path


@settings(max_examples=_budget(20), **SETTINGS)
@given(mutated([p.read_bytes() for p in CASUS]))
def test_mutated_casus_files_never_crash(run_cli, tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = _file(tmp_path_factory, "m.casus", data)
    for verb in (["check"], ["run", "--format", "json"], ["fmt", "--check"]):
        r = run_cli(*verb, path)
        _no_crash(r, f"{verb} on {data[:200]!r}")
        _located(r, path, data)


@settings(max_examples=_budget(25), **SETTINGS)
@given(json_documents())
def test_mutated_json_scenarios_never_crash(run_cli, tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = _file(tmp_path_factory, "m.json", data)
    r = run_cli("run", path, "--format", "json")
    _no_crash(r, f"run on {data[:200]!r}")
    _located(r, path, data)


@settings(max_examples=_budget(12), **SETTINGS)
@given(st.lists(json_documents(), min_size=1, max_size=4), st.sampled_from(["json", "csv"]),
       st.sampled_from(["1", "1", "1", "2"]), st.booleans(), st.sampled_from([b"\n", b"\r\n"]))
def test_mutated_batch_lines_never_crash(run_cli, tmp_path_factory, docs: list[bytes], fmt: str, workers: str,
                                         keep_going: bool, end: bytes) -> None:  # type: ignore[no-untyped-def]
    data = end.join(d.replace(b"\n", b" ").replace(b"\r", b" ") for d in docs) + end
    path = _file(tmp_path_factory, "m.jsonl", data)
    args = ["run", "--batch", path, "--format", fmt, "--workers", workers] + (["--keep-going"] if keep_going else [])
    r = run_cli(*args)
    _no_crash(r, f"{args} on {data[:200]!r}")
    _located(r, path, data)
    if r.exit_code == 2 and LOCATED.search(r.stderr) and str(path) in r.stderr and " E-FILE: " not in r.stderr:
        assert "stopped" in r.stdout.splitlines()[-1]  # incomplete output is marked (docs/formats.md)


VERBS = ["check", "run", "test", "fmt --check", "lint", "treaties", "explain", "graph", "compare", "classify",
         "diff", "report", "cache", "nonsense", "--help", ""]
ARGS = ["--format", "json", "csv", "table", "markdown", "dot", "mermaid", "svg", "wide", "--treaty", "nato_1949",
        "ru_kp_2024", "no_such", "--interpretation", "default", "ru_claims", "nope", "--batch", "-", "--workers",
        "0", "-1", "100000", "2", "abc", "--shard", "0/1", "3/2", "x", "--keep-going", "--quiet", "-q", "-o",
        "--library", "--with", "--at", "2024-01-01", "9999-12-31", "2024-02-30", "--provision", "art5",
        "9" * 5000, "\x00", "\ud800", "é", "--", "-", "SCENARIO", "SCENARIO_JSON", "BATCH", "MISSING", "FOLDER",
        "OUT", "nato_1949.art5", "US", "DE", "--no-such-option", "clear", "--version"]


@settings(max_examples=_budget(40), **SETTINGS)
@given(st.sampled_from(VERBS), st.lists(st.sampled_from(ARGS), max_size=6))
def test_mutated_command_lines_never_crash(run_cli, tmp_path, monkeypatch, verb: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Files named on the command line are copies in a folder of its own (and the cache is one of
    its own): `fmt`, `-o` and `cache clear` change nothing else."""
    monkeypatch.setenv("CASUS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    Path("s.casus").write_bytes((ROOT / "scenarios" / "kursk_2024.casus").read_bytes())
    Path("s.json").write_bytes((ROOT / "scenarios" / "kursk_2024.json").read_bytes())
    Path("b.jsonl").write_text(json.dumps(json.loads(Path("s.json").read_text(encoding="utf-8"))) + "\n",
                               encoding="utf-8")
    Path("folder").mkdir(exist_ok=True)
    files = {"SCENARIO": "s.casus", "SCENARIO_JSON": "s.json", "BATCH": "b.jsonl", "MISSING": "missing.casus",
             "FOLDER": "folder", "OUT": "out.txt"}
    argv = verb.split() + [files.get(a, a) for a in args]
    if argv[:1] in (["report"], ["diff"]) and "s.casus" not in argv:
        argv.append("s.casus")  # so that they get past their usage checks now and then
    r = CliRunner().invoke(main, argv, catch_exceptions=False, input="")
    _no_crash(r, f"casus {argv!r}")


@pytest.mark.parametrize(("kind", "data"), REGRESSIONS, ids=[f"{k}{i}" for i, (k, _) in enumerate(REGRESSIONS)])
def test_inputs_that_once_crashed_casus(run_cli, tmp_path_factory, kind: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    if kind == "line":
        path = _file(tmp_path_factory, "r.jsonl", data)
        for fmt in ("json", "csv"):
            r = run_cli("run", "--batch", path, "--format", fmt)
            _no_crash(r, f"batch {data[:100]!r}")
            _located(r, path, data)
        return
    path = _file(tmp_path_factory, f"r.{kind}", data)
    verbs = [["check"], ["run"], ["fmt", "--check"]] if kind == "casus" else [["run"]]
    for verb in verbs:
        r = run_cli(*verb, path)
        _no_crash(r, f"{verb} on {data[:100]!r}")
        _located(r, path, data)


# command lines that once crashed casus (found by this harness)
COMMAND_REGRESSIONS = [["check", "9" * 5000], ["run", "9" * 5000], ["fmt", "--check", "9" * 5000],
                       ["test", "x" * 5000], ["check", "\x00"], ["run", "a\x00b"]]


@pytest.mark.parametrize("argv", COMMAND_REGRESSIONS, ids=[f"{a[0]}{i}" for i, a in enumerate(COMMAND_REGRESSIONS)])
def test_command_lines_that_once_crashed_casus(run_cli, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    r = run_cli(*argv)
    _no_crash(r, f"casus {argv[0]} …")
    # a file's error is located (file:line:column); one in the command line itself reads
    # `casus: E-CODE: …` (no file to point into)
    assert r.exit_code == 2 and (LOCATED.search(r.stderr) or COMMAND_LINE.search(r.stderr)), r.stderr[:300]
