"""Evaluation on a Dask cluster (`run --batch --dask ADDRESS`, `sweep --dask ADDRESS`): the same
`ordered` as the local pool (engine/base/pool.py), on an existing engine instead of processes of
our own. Dask's scheduler places the tasks; casus only submits blocks of lines (or of points) and
takes the results back in input order. `dask.distributed` is an optional extra
(`pip install 'casus-foederis[dask]'`), imported only when a cluster is asked for.

- **What the workers get.** The caller's checked library is pickled here once and sent to every
  worker once (`Client.scatter(..., broadcast=True)`), with its SHA-256; a worker unpickles it at
  its first task and keeps it for the tasks after that carry the same hash. So the workers read
  no library file: `--library` and `--with` work as they do locally, with no shared folder and
  no cache on the workers. They need casus itself, the same code as here: at connection each
  worker's `fingerprint` (casus's version, its code and grammar, and the versions of Python,
  Lark and pycountry, everything the output depends on) is compared with this one, and a worker
  that differs is refused before anything is written (E-USAGE).
- **Order and memory.** A block is submitted as the input is read, at most `ahead` blocks out or
  done and not yet given (2 per worker thread by default); results are given in block order, so
  memory does not grow with the input and the output does not depend on the cluster.
- **One task at a time per worker process.** casus's evaluation is Python code that holds the
  GIL and keeps caches in module globals, so the tasks of one worker process run one after the
  other (a lock): start workers with `--nthreads 1` and as many processes as cores.
- **Failures.** An exception raised by a task is raised here in its place. A worker that dies
  has its task run again elsewhere by Dask (the output is the same); when Dask gives up on a
  task (`KilledWorker`: its workers kept dying) or the scheduler is lost, `ClusterLost` (a
  `WorkerDied`) is raised in place of the first result not given: the command line ends the
  batch with its stopped record and exit 3, as for a local worker."""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import hashlib
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from engine.base.errors import CasusError, Diagnostic, WorkerDied
from engine.base.source import Span

BLOCK = 256  # lines (or sweep points) a task takes: a task costs the scheduler about a millisecond
INSTALL = "pip install 'casus-foederis[dask]'"
WAIT_FOR_WORKERS = 60  # seconds a scheduler with no worker yet is given to get one


class ClusterLost(WorkerDied):
    """The Dask cluster could not give a result: a task whose workers kept dying (`KilledWorker`),
    a scheduler that went away, a worker running other code. `after` as for `WorkerDied`."""

    def __init__(self, address: str, cause: BaseException | str, after: str | None = None) -> None:
        super().__init__(None, after)
        self.address = address
        text = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}".rstrip(": ")
        self.cause = " ".join(text.split())  # one line

    @property
    def how(self) -> str:
        return self.cause

    def __str__(self) -> str:
        return f"the Dask cluster at {self.address} failed ({self.cause}){'; ' + self.after if self.after else ''}"


class OtherCode(Exception):
    """Raised by a worker whose casus is not the one that submitted the task."""


def _usage(message: str, hint: str | None = None) -> CasusError:
    return CasusError([Diagnostic(Span("<command line>", 1, 1, 1, 1), "E-USAGE", message, hint)])


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """What the output depends on besides the input and the library: casus's version, the content
    of its code and grammar, and the versions of Python, Lark and pycountry. Equal on the workers
    and here, the workers give byte for byte what this process would."""
    import os
    import sys
    from importlib import metadata

    from engine.base import __version__
    from engine.base.paths import grammar_path

    h = hashlib.sha256()

    def part(b: bytes) -> None:
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)

    versions = [__version__, f"python {sys.version_info[0]}.{sys.version_info[1]}"]
    for dist in ("lark", "pycountry"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:  # pragma: no cover - casus depends on both
            versions.append(f"{dist} ?")
    part(" ".join(versions).encode())
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the engine package
    for folder, dirs, files in os.walk(here):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))  # not _data, __pycache__
        for f in sorted(files):
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                part(os.path.relpath(path, here).replace(os.sep, "/").encode())
                with open(path, "rb") as fh:
                    part(fh.read())
    part(grammar_path().read_bytes())
    return f"casus {__version__}, code {h.hexdigest()[:16]}"


def _their_fingerprint() -> str:  # pragma: no cover - runs on the workers
    """`fingerprint` on a worker (sent by name, so that the worker's own casus answers)."""
    return fingerprint()


_LOCK = threading.Lock()
_SHARED: list[tuple[str, Any]] = []  # (hash, object): what the last task's payload unpickled to


def _call(fn: Callable[..., Any], mark: str, key: str, payload: bytes, args: tuple[Any, ...]) -> Any:
    """A task on a worker: `fn(shared, *args)`, where `shared` is the object the payload holds,
    unpickled once per worker process; one task at a time (module caches are not thread-safe)."""
    with _LOCK:
        if mark != fingerprint():
            raise OtherCode(f"a worker runs {fingerprint()}, not {mark}")
        if not _SHARED or _SHARED[0][0] != key:
            if hashlib.sha256(payload).hexdigest() != key:
                raise OtherCode("the library reached a worker damaged (its SHA-256 differs)")
            _SHARED[:] = [(key, pickle.loads(payload))]  # noqa: S301 - sent by the parent, checked above
        return fn(_SHARED[0][1], *args)


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise _usage("--dask needs dask.distributed, which is not installed here",
                     f"install it with casus: {INSTALL}") from None
    return distributed


class Cluster:
    """A client of the Dask scheduler at `address`, with `shared` (the library) sent to its workers;
    a context manager: leaving it cancels what is still out and closes the connection (the
    cluster itself runs on). Raises CasusError (E-USAGE) when dask is not installed, the scheduler
    cannot be reached, it has no worker, or a worker runs another casus."""

    def __init__(self, address: str, shared: object) -> None:
        distributed = _import_distributed()
        self.address = address
        self.block = BLOCK  # what a task takes, for the caller
        # a task Dask gave up on, the scheduler lost (futures cancelled, a connection closed)
        self._lost: tuple[type[BaseException], ...] = (distributed.KilledWorker, concurrent.futures.CancelledError,
                                                       OtherCode, OSError, TimeoutError)
        try:
            self.client = distributed.Client(address, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            raise _usage(f"--dask: cannot reach a Dask scheduler at '{address}' ({type(e).__name__}: {e})",
                         "give the scheduler's address, e.g. tcp://scheduler:8786") from None
        try:
            self._check_workers()
            payload = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
            self._key = hashlib.sha256(payload).hexdigest()
            [self._payload] = self.client.scatter([payload], broadcast=True, hash=False)
        except BaseException:
            self.close()
            raise

    def _check_workers(self) -> None:
        threads = self.client.nthreads()
        if not threads:
            try:
                self.client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
            except TimeoutError:
                raise _usage(f"--dask: the scheduler at '{self.address}' has no worker "
                             f"(none came in {WAIT_FOR_WORKERS} s)",
                             "start some: dask worker ADDRESS --nworkers N --nthreads 1") from None
            threads = self.client.nthreads()
        self.threads = sum(threads.values())
        mine = fingerprint()
        try:
            theirs = self.client.run(_their_fingerprint)
        except Exception as e:  # casus is not installed there: the function cannot be unpickled
            raise _usage(f"--dask: the workers at '{self.address}' cannot run casus ({type(e).__name__}: {e})",
                         f"install the same casus on every worker ({INSTALL})") from None
        other = sorted({(w, fp) for w, fp in theirs.items() if fp != mine})
        if other:
            w, fp = other[0]
            raise _usage(f"--dask: worker {w} runs {fp}, not {mine} as here "
                         f"({len(other)} of {len(theirs)} workers differ)",
                         "install the same casus (and Python, Lark, pycountry) on every worker: the output "
                         "would not be the same")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            import logging

            self.client = None
            # what the client logs as it closes (a reconnection given up, after a lost scheduler)
            # is no news: the command line says in one line what happened
            loggers = [logging.getLogger(n) for n in ("distributed", "distributed.client")]
            levels = [log.level for log in loggers]
            for log in loggers:
                log.setLevel(logging.CRITICAL)
            try:
                client.close()
            finally:
                for log, level in zip(loggers, levels, strict=True):
                    log.setLevel(level)

    def ordered(self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], ahead: int | None = None
                ) -> Iterator[Any]:
        """`fn(shared, *args)` for each args of `tasks`, evaluated on the cluster, in the order of
        `tasks`; at most `ahead` tasks (2 per worker thread by default) are out or done and not
        yet given, and `tasks` is read only as far as that. An exception raised by `fn` is raised
        here in its place; a lost task or scheduler raises `ClusterLost`."""
        ahead = max(ahead or 2 * self.threads, 1)
        out: collections.deque[Any] = collections.deque()
        mark = fingerprint()
        try:
            for args in tasks:
                out.append(self.client.submit(_call, fn, mark, self._key, self._payload, args, pure=False))
                while len(out) >= ahead:
                    yield self._result(out.popleft())
            while out:
                yield self._result(out.popleft())
        finally:
            if out and self.client is not None:
                self.client.cancel(list(out))

    def _result(self, future: Any) -> Any:
        try:
            return future.result()
        except self._lost as e:
            raise ClusterLost(self.address, e) from e
