"""The ordered worker pool (engine/base/pool.py): results in task order, a bounded number of
tasks read ahead, a worker's exception raised in its place, and a worker that dies — here a
task of this test that kills its own process, as the out-of-memory killer would — raising
WorkerDied at once instead of leaving the parent waiting (issue 17, item 7).

Nothing is timed: a broken pool would hang, and pytest's own run would be stopped from outside;
the subprocess tests of tests/io/test_interrupted.py carry deadlines."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.base.pool import RemoteTraceback, WorkerDied, Workers


def _square(n: int) -> int:
    return n * n


def _pid(_: int) -> int:
    return os.getpid()


def _fail_at(n: int, bad: int) -> int:
    if n == bad:
        raise ValueError(f"task {n} fails")
    return n


def _die_at(n: int, bad: int, how: str) -> int:  # pragma: no cover - runs in a worker
    if n == bad:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(5)
    return n


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_results_come_in_task_order_and_tasks_are_read_lazily() -> None:
    read: list[int] = []

    def tasks() -> Iterator[tuple[int]]:
        for n in range(200):
            read.append(n)
            yield (n,)

    with Workers(3) as pool:
        got = []
        for value in pool.ordered(_square, tasks(), ahead=5):
            got.append(value)
            assert len(read) <= len(got) + 5  # bounded: never more than `ahead` tasks beyond the given
        assert got == [n * n for n in range(200)]
        assert list(pool.ordered(_square, iter([]))) == []
        assert len(set(pool.ordered(_pid, ((n,) for n in range(50))))) <= 3


def test_an_exception_in_a_task_is_raised_in_its_place() -> None:
    got: list[int] = []
    with Workers(2) as pool, pytest.raises(ValueError, match="task 7 fails") as caught:
        got.extend(pool.ordered(_fail_at, ((n, 7) for n in range(40))))
    assert got == list(range(7))  # the results before it, in order
    assert isinstance(caught.value.__cause__, RemoteTraceback)
    assert "_fail_at" in str(caught.value.__cause__)  # the worker's traceback


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
@pytest.mark.parametrize(("how", "exitcode", "said"), [("kill", -signal.SIGKILL, "signal 9, SIGKILL"),
                                                        ("exit", 5, "exit status 5")])
def test_a_worker_that_dies_stops_the_pool_instead_of_hanging(how: str, exitcode: int, said: str) -> None:
    got: list[int] = []
    with Workers(2) as pool:
        pids = {p.pid for p in pool._procs}
        with pytest.raises(WorkerDied) as caught:
            got.extend(pool.ordered(_die_at, ((n, 30, how) for n in range(100))))
    # a prefix of the results, in order, and none from the lost task on (results still being
    # worked out by the other worker when the death is seen are not waited for)
    assert got == list(range(len(got))) and len(got) <= 30
    assert caught.value.exitcode == exitcode
    assert str(caught.value) == f"a worker process died ({said})"
    caught.value.after = "the output stops after line 30 of b.jsonl"
    assert str(caught.value) == f"a worker process died ({said}); the output stops after line 30 of b.jsonl"
    assert not any(_alive(pid) for pid in pids)  # the others are ended with the pool


def test_what_a_worker_death_is_called() -> None:
    assert WorkerDied(-15).how == "signal 15, SIGTERM"
    assert WorkerDied(1).how == "exit status 1"
    assert WorkerDied(None).how == "cause unknown"


CTRL_C_WHILE_FORKING = """
import os, signal, sys
sys.path.insert(0, {root!r})
from engine.base.pool import Workers

# a Ctrl-C that lands while a worker is being forked: the fork's clean-up in the parent is where
# Python runs at-fork hooks, and ignores their exceptions
os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))
try:
    with Workers(2) as pool:
        print("not interrupted", list(pool.ordered(abs, [(-1,), (-2,)])))
except KeyboardInterrupt:
    print("interrupted")
"""


def test_a_ctrl_c_while_a_worker_is_forked_is_not_lost() -> None:
    """Seen in CI under load: a sweep interrupted in the moment of a fork ran to its end and exited
    0. The pool holds Ctrl-C while it forks, so it is raised just after."""
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_FORKING.format(root=root)], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout == "interrupted\n", done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
