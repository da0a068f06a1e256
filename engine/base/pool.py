"""Worker processes that give their results in order and never leave their parent waiting.

`run --batch --workers N` (engine/io/batch.py) and `sweep --workers N` (engine/analysis/sweep.py)
evaluate in N processes through `Workers.ordered`: tasks go out as the input is read, a bounded
number at a time, and results come back in task order, so memory does not grow with the input
and the output does not depend on N.

`multiprocessing.Pool` waits forever for the result of a task whose worker was killed on its own
(the out-of-memory killer, `kill -9`): it starts a new worker and forgets the task. Here the
parent waits on each worker's pipe *and* on its process sentinel (`multiprocessing.connection.wait`),
so a worker that dies while the pool is in use raises `WorkerDied` at once, before any result
that comes after the lost one is given; the results given before it are those of a complete run.

Workers (`as_a_worker`) leave Ctrl-C to their parent, take SIGTERM as the way to end them, and on
Linux die with their parent even when it is killed with SIGKILL. Each worker has one task at a
time: a task is sent only to a worker waiting to read it, so no pipe can fill up both ways."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from engine.base.errors import WorkerDied

# held while a worker is forked: a Ctrl-C in that moment would be raised in the fork's own
# clean-up, where Python ignores exceptions (the run went on to its end, exit 0), or in the new
# worker before it ignores Ctrl-C (a worker traceback); held, it is delivered just after
_HELD = {signal.SIGINT, signal.SIGTERM}


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (the `__cause__` of the exception that
    the parent raises again in its place)."""

    def __str__(self) -> str:
        return str(self.args[0])


def as_a_worker() -> None:  # pragma: no cover - runs in the worker processes
    """A worker leaves Ctrl-C to its parent (which stops the pool and marks the output, instead
    of each worker printing a traceback), takes SIGTERM as the pool's way to end it (the
    parent's handler is not inherited), and on Linux dies with its parent: killed (SIGKILL
    included), the parent leaves no worker running on (PR_SET_PDEATHSIG)."""
    import os

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # held by the parent while it forked this worker
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1  # <linux/prctl.h>
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: a worker ends when its pipe closes
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _serve(conn: Connection, initializer: Callable[..., None] | None,
           initargs: tuple[Any, ...]) -> None:  # pragma: no cover - runs in the worker processes
    """A worker's life: `(fn, args)` in, `(True, fn(*args))` or `(False, (exception, traceback))`
    out, one at a time, until the pipe closes or None comes."""
    import traceback

    as_a_worker()
    failed: tuple[BaseException, str] | None = None
    try:
        if initializer is not None:
            initializer(*initargs)
    except Exception as e:  # told with the first task's answer
        failed = e, traceback.format_exc()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        if failed is not None:
            answer: tuple[bool, Any] = (False, failed)
        else:
            fn, args = task
            try:
                answer = (True, fn(*args))
            except Exception as e:
                answer = (False, (e, traceback.format_exc()))
        try:
            conn.send(answer)
        except (BrokenPipeError, EOFError):
            return
        except Exception as e:  # the answer could not be pickled: say so instead
            conn.send((False, (RuntimeError(f"a worker's answer could not be sent: {e!r}"), traceback.format_exc())))


def _start(proc: Any) -> None:
    """Start a worker with Ctrl-C and SIGTERM held (`_HELD`): one that comes meanwhile is
    delivered, in this process, once the worker exists."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        proc.start()
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        proc.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Workers:
    """`workers` processes, each running `initializer(*initargs)` first: forked where the
    platform can, so that they inherit what the parent has loaded, else spawned. A context
    manager: leaving it, however (at the end, on an exception, on Ctrl-C), ends every worker
    (SIGTERM, then SIGKILL for one that lingers)."""

    def __init__(self, workers: int, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = ()) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        try:
            for _ in range(workers):
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(theirs, initializer, initargs), daemon=True)
                _start(proc)
                theirs.close()  # the worker's end lives in the worker only: its death closes the pipe
                self._conns.append(mine)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for proc in self._procs:
            if proc.exitcode is None:
                proc.terminate()
        for proc in self._procs:
            proc.join(30)
            if proc.exitcode is None:  # pragma: no cover - a worker that ignores SIGTERM
                proc.kill()
                proc.join()
        for conn in self._conns:
            conn.close()
        self._procs, self._conns = [], []

    def ordered(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], ahead: int | None = None
                ) -> Iterator[Any]:
        """`fn(*args)` for each args of `tasks`, evaluated in the workers, in the order of
        `tasks`. At most `ahead` tasks (2 per worker by default) are out or done and not yet
        given, so memory does not grow with the number of tasks; `tasks` is read only as far as
        that. An exception raised by `fn` is raised here, in its place (its traceback in the
        worker as its `__cause__`); a worker that dies raises `WorkerDied` in the place of the
        first result not given."""
        ahead = max(ahead or 2 * len(self._procs), 1)
        source = iter(tasks)
        idle = list(range(len(self._procs)))[::-1]  # worker 0 first
        busy: dict[int, int] = {}  # worker -> the number of its task
        done: dict[int, tuple[bool, Any]] = {}  # task number -> answer, until given
        sent = given = 0
        more = True
        sentinels = {proc.sentinel: w for w, proc in enumerate(self._procs)}
        owner = {id(conn): w for w, conn in enumerate(self._conns)}
        while True:
            while more and idle and sent - given < ahead:
                args = next(source, None)
                if args is None:
                    more = False
                    break
                w = idle.pop()
                try:
                    self._conns[w].send((fn, args))
                except (BrokenPipeError, ConnectionResetError):
                    raise self._died(w) from None
                busy[w] = sent
                sent += 1
            if given in done:
                ok, value = done.pop(given)
                given += 1
                if not ok:
                    exc, text = value
                    raise exc from RemoteTraceback(text)
                yield value
                continue
            if not busy:  # nothing out, nothing done: every task is given
                return
            ready = wait([self._conns[w] for w in busy] + list(sentinels))
            for r in ready:
                if isinstance(r, int) and r in sentinels:  # checked first: a dead worker stops all
                    raise self._died(sentinels[r])
            for r in ready:
                w = owner[id(r)]
                try:
                    answer = self._conns[w].recv()
                except (EOFError, OSError):
                    raise self._died(w) from None
                done[busy.pop(w)] = answer
                idle.append(w)

    def _died(self, w: int) -> WorkerDied:
        proc = self._procs[w]
        proc.join(10)  # its pipe closed as it died: it is ending
        return WorkerDied(proc.exitcode)
