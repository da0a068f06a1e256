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
        os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C: to the whole process group
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # pragma: no cover
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "ForkPoolWorker" not in text, text
    last = json.loads(out.decode().splitlines()[-1])
    assert last == {"schema": STOPPED_SCHEMA, "reason": "interrupted"}
    for pid in workers_seen:
        _wait_until(lambda pid=pid: not _alive(pid), f"worker {pid} still running")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_their_parent(tmp_path: Path) -> None:
    _endless(tmp_path / "b.jsonl")
    proc = _start(["run", "--batch", "b.jsonl", "--workers", "2"], tmp_path)
    workers: list[int] = []
    try:
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
