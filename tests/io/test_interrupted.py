"""Incomplete batch output is marked (issue 17, item 8 / "what must hold" 7): a batch that stops
at a bad line, on Ctrl-C or SIGTERM ends its output with a stopped record (docs/formats.md,
"Incomplete output"); with workers, Ctrl-C prints no `Process ForkPoolWorker-N:` traceback, and
workers die with their parent, even a SIGKILLed one.

The subprocess tests wait for events (output seen, a process gone) with generous deadlines that
only keep a broken build from hanging the suite; nothing is timed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.base.errors import CasusError, Diagnostic
from engine.base.source import Span
from engine.core.records import CSV_COLUMNS
from engine.io.batch import STOPPED_SCHEMA, stopped_record
from tests.io.test_batch import generated

ROOT = Path(__file__).resolve().parents[2]
BAD = '{"name": "y", "events": [{"kind": "armed_attack", "date": "2025-01-01", "on": "UK"}]}'


def test_the_stopped_record() -> None:
    e = CasusError([Diagnostic(Span("b.jsonl", 7, 3, 7, 4), "E-JSON", "not valid JSON")])
    assert json.loads(stopped_record("json", e)) == {"schema": STOPPED_SCHEMA, "reason": "error", "source": "b.jsonl",
                                                    "line": 7, "code": "E-JSON", "message": "not valid JSON"}
    assert json.loads(stopped_record("json", reason="interrupted")) == {"schema": STOPPED_SCHEMA,
                                                                         "reason": "interrupted"}
    row = dict(zip(CSV_COLUMNS, stopped_record("csv", e).split(","), strict=True))
    assert (row["scenario"], row["status"], row["provision"]) == ("b.jsonl:7", "stopped", "E-JSON: not valid JSON")
    row = dict(zip(CSV_COLUMNS, stopped_record("csv", reason="interrupted").split(","), strict=True))
    assert (row["scenario"], row["status"], row["provision"]) == ("", "stopped", "interrupted")


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_bad_line_ends_the_output_with_a_stopped_record(tmp_path: Path, cli: Any, fmt: str, workers: str) -> None:
    batch = tmp_path / "bad.jsonl"
    batch.write_text("\n".join([*generated(40, seed=8), BAD, *generated(5, seed=9)]) + "\n", encoding="utf-8")
    r = cli("run", "--batch", batch, "--format", fmt, "--workers", workers)
    assert r.exit_code == 2 and f"{batch}:41:" in r.stderr
    last = r.stdout.splitlines()[-1]
    if fmt == "json":
        record = json.loads(last)
        assert (record["schema"], record["reason"], record["line"], record["code"]) == \
            (STOPPED_SCHEMA, "error", 41, "E-CODE")
        assert sum(1 for line in r.stdout.splitlines() if STOPPED_SCHEMA in line) == 1
    else:
        row = dict(zip(CSV_COLUMNS, last.split(",", len(CSV_COLUMNS) - 1), strict=True))
        assert row["status"] == "stopped" and row["scenario"] == f"{batch}:41"
    # a batch that runs to its end has no such record
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(generated(10, seed=8)) + "\n", encoding="utf-8")
    done = cli("run", "--batch", good, "--format", fmt, "--workers", workers)
    assert done.exit_code == 0 and "stopped" not in done.stdout


def test_an_error_before_any_line_writes_no_record(tmp_path: Path, cli: Any) -> None:
    r = cli("run", "--batch", tmp_path / "missing.jsonl")
    assert r.exit_code == 2 and r.stdout == "" and "E-FILE" in r.stderr
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(generated(3)) + "\n", encoding="utf-8")
    r = cli("run", "--batch", good, "--treaty", "no_such_treaty")
    assert r.exit_code == 2 and r.stdout == ""


def _endless(path: Path) -> None:
    """A batch long enough that it is still running when it is interrupted."""
    path.write_text("\n".join(generated(20000, seed=3)) + "\n", encoding="utf-8")


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CASUS_CACHE_DIR": ""}
    return subprocess.Popen([sys.executable, "-m", "engine.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)  # its own process group, as a shell's job


def _interrupt(proc: subprocess.Popen[bytes], sig: int) -> tuple[bytes, bytes]:
    """Send `sig` as a terminal's Ctrl-C does (to the whole process group); stdout and stderr
    once it has ended (120 s: a bound against a hang, not a measure of speed)."""
    os.killpg(proc.pid, sig)
    return proc.communicate(timeout=120)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """A process a failed test left running: killed with its group, waited for."""
    if proc.poll() is None:  # pragma: no cover
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _first_line(proc: subprocess.Popen[bytes]) -> bytes:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the batch has produced something
    assert line, proc.stderr.read() if proc.stderr else b""
    return line


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def _wait_until(test: Any, what: str, deadline: float = 120) -> None:
    end = time.monotonic() + deadline
    while not test():
        assert time.monotonic() < end, what
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_interrupted_batch_says_so_and_prints_no_worker_traceback(tmp_path: Path, sig: int, workers: str) -> None:
    _endless(tmp_path / "b.jsonl")
    proc = _start(["run", "--batch", "b.jsonl", "--workers", workers], tmp_path)
    try:
        _first_line(proc)
        workers_seen = _children(proc.pid)
        out, err = _interrupt(proc, sig)
    finally:
        _reap(proc)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "ForkPoolWorker" not in text, text
    last = json.loads(out.decode().splitlines()[-1])
    assert last == {"schema": STOPPED_SCHEMA, "reason": "interrupted"}
    for pid in workers_seen:
        _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} still running")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("verb", ["batch", "sweep"])
def test_workers_die_with_their_parent(tmp_path: Path, verb: str) -> None:
    if verb == "batch":
        _endless(tmp_path / "b.jsonl")
        proc = _start(["run", "--batch", "b.jsonl", "--workers", "2"], tmp_path)
    else:
        _big_space(tmp_path / "space.json")
        proc = _start(["sweep", "space.json", "--workers", "2", "--format", "csv"], tmp_path)
    workers: list[int] = []
    try:
        if verb == "batch":
            _first_line(proc)
        _wait_until(lambda: len(_children(proc.pid)) >= 2, "no workers")
        workers = _children(proc.pid)
        proc.kill()  # SIGKILL: the parent gets no chance to end them
        proc.wait(timeout=120)
        for pid in workers:
            _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} outlived its parent")
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
            proc.wait()


def _report_pdeathsig() -> None:  # pragma: no cover - runs in a child process
    import ctypes

    from engine.base.pool import as_a_worker

    as_a_worker()
    libc = ctypes.CDLL(None, use_errno=True)
    got = ctypes.c_int(0)
    pr_get_pdeathsig = 2  # <linux/prctl.h>
    libc.prctl(pr_get_pdeathsig, ctypes.byref(got), 0, 0, 0)
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    os._exit(got.value + (100 if ignored else 0))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_asks_the_kernel_to_end_it_with_its_parent() -> None:
    """What `test_workers_die_with_their_parent` cannot tell apart from an idle worker ending on
    a closed queue: a worker busy with a long line would run on without PR_SET_PDEATHSIG."""
    import multiprocessing

    child = multiprocessing.get_context("fork").Process(target=_report_pdeathsig)
    child.start()
    child.join(120)
    assert child.exitcode == 100 + signal.SIGTERM  # SIGTERM when the parent dies; Ctrl-C left to the parent


# ---------------------------------------------------------------------------- a worker killed on its own


def _workers_of(pid: int) -> list[int]:
    """The worker processes of a casus process: its children running the same command line
    (forked), not any other helper."""
    own = Path(f"/proc/{pid}/cmdline").read_bytes()
    out = []
    for child in _children(pid):
        try:
            if Path(f"/proc/{child}/cmdline").read_bytes() == own:
                out.append(child)
        except FileNotFoundError:  # pragma: no cover - gone already
            pass
    return out


def _run_and_kill_a_worker(args: list[str], cwd: Path, begun: Any) -> tuple[int, bytes, str, list[int]]:
    """Start casus with `args`, wait until `begun(stdout so far)` and two workers run, SIGKILL one
    of them (as the out-of-memory killer would) and wait for casus to end: (exit code, stdout,
    stderr, the workers seen). Output goes to files, so that nothing read is lost and no pipe
    holds casus back."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "CASUS_CACHE_DIR": ""}
        proc = subprocess.Popen([sys.executable, "-m", "engine.cli", *args], cwd=cwd, env=env, stdout=out,
                                stderr=err, start_new_session=True)
    workers: list[int] = []
    try:
        _wait_until(lambda: proc.poll() is not None or (begun(out_path.read_bytes())
                                                        and len(_workers_of(proc.pid)) >= 2), "no output, no workers")
        assert proc.poll() is None, err_path.read_text()  # still running: the input is long enough
        workers = _workers_of(proc.pid)
        os.kill(workers[-1], signal.SIGKILL)
        # the deadline only keeps a hanging casus (what this test is about) from hanging the suite
        proc.wait(timeout=120)
    finally:
        _reap(proc)
    return proc.returncode, out_path.read_bytes(), err_path.read_text(), workers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_killed_worker_stops_the_batch_and_says_so(tmp_path: Path, cli: Any, monkeypatch: Any, fmt: str) -> None:
    """Issue 17 item 7: `multiprocessing.Pool` waited forever for the lost chunk. Now the batch
    ends, its output marked like a Ctrl-C's, exit 3, one line on stderr, no worker traceback; and
    the output before the mark is the complete run's, byte for byte."""
    import re

    run = tmp_path / "run"
    run.mkdir()
    _endless(run / "b.jsonl")
    code, out, err, workers = _run_and_kill_a_worker(["run", "--batch", "b.jsonl", "--format", fmt, "--workers", "2"],
                                                     run, lambda text: text.count(b"\n") >= 2)  # a result
    assert code == 3, err
    m = re.fullmatch(r"casus: a worker process died \(signal 9, SIGKILL\); the output stops after line (\d+) "
                     r"of b\.jsonl\n", err)
    assert m is not None, err  # one line, no traceback from any process
    text = out.decode()
    assert text.endswith("\n")
    *results, last = text.splitlines(keepends=True)
    if fmt == "json":
        assert json.loads(last) == {"schema": STOPPED_SCHEMA, "reason": "worker"}
    else:
        row = dict(zip(CSV_COLUMNS, last.rstrip("\n").split(","), strict=True))
        assert (row["scenario"], row["status"], row["provision"]) == ("", "stopped", "worker")
    assert sum(STOPPED_SCHEMA in line or ",stopped," in line for line in text.splitlines()) == 1
    # what came before the mark is what a complete run gives for the lines up to the one named
    upto = int(m.group(1))
    assert 0 < upto < 20000
    ref = tmp_path / "ref"
    ref.mkdir()
    lines = (run / "b.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (ref / "b.jsonl").write_text("".join(lines[:upto]), encoding="utf-8")
    monkeypatch.chdir(ref)
    whole = cli("run", "--batch", "b.jsonl", "--format", fmt)
    assert whole.exit_code == 0
    assert "".join(results) == whole.stdout
    for pid in workers:  # the other worker is ended with the batch
        _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} still running")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_killed_worker_with_an_output_file_leaves_it_as_it_was(tmp_path: Path) -> None:
    _endless(tmp_path / "b.jsonl")
    (tmp_path / "out.jsonl").write_text("before\n", encoding="utf-8")
    # -o writes nothing on stdout until the end: wait for the workers alone
    code, out, err, _ = _run_and_kill_a_worker(["run", "--batch", "b.jsonl", "-o", "out.jsonl", "--workers", "2"],
                                               tmp_path, lambda text: True)
    assert (code, out) == (3, b""), err
    assert err == "casus: a worker process died (signal 9, SIGKILL); out.jsonl was not written\n"
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.jsonl", "out.jsonl", "stderr.txt", "stdout.txt"]


def _big_space(path: Path) -> None:
    """seed_sweep over 300 days: 14,400 points, still running when a worker is killed."""
    import datetime as dt

    space = json.loads((ROOT / "scenarios" / "spaces" / "seed_sweep.json").read_text(encoding="utf-8"))
    space["dimensions"]["date"] = [(dt.date(2025, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(300)]
    path.write_text(json.dumps(space), encoding="utf-8")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_a_killed_worker_stops_a_sweep_and_says_so(tmp_path: Path) -> None:
    import re

    _big_space(tmp_path / "space.json")
    code, out, err, workers = _run_and_kill_a_worker(["sweep", "space.json", "--workers", "2", "--format", "csv"],
                                                     tmp_path, lambda text: True)
    assert (code, out) == (3, b""), err  # a sweep writes at its end: nothing partial to mark
    assert re.fullmatch(r"casus: a worker process died \(signal 9, SIGKILL\); the sweep stopped after \d+ of 14400 "
                        r"points; nothing was written\n", err), err
    for pid in workers:
        _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} still running")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_an_interrupted_sweep_prints_no_worker_traceback(tmp_path: Path) -> None:
    """Sweep workers leave Ctrl-C to their parent too (engine/base/pool.py `as_a_worker`)."""
    _big_space(tmp_path / "space.json")
    proc = _start(["sweep", "space.json", "--workers", "2", "--format", "csv"], tmp_path)
    try:
        _wait_until(lambda: proc.poll() is not None or len(_workers_of(proc.pid)) >= 2, "no workers")
        workers = _workers_of(proc.pid)
        out, err = _interrupt(proc, signal.SIGINT)
    finally:
        _reap(proc)
    text = err.decode()
    assert (proc.returncode, out) == (130, b""), text
    assert "Traceback" not in text and "ForkPoolWorker" not in text, text
    for pid in workers:
        _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} still running")
