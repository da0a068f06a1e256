"""Writing the files casus makes (`report -o`, `sweep -o`, `fmt`): atomically, never over an input
of the same run, and with a located error (exit 2) instead of a traceback or half a file.

The new content goes to a file beside the target that has no name while it is written (Linux's
O_TMPFILE; elsewhere a hidden `.NAME.*.tmp`, removed on any error or SIGTERM/SIGHUP), is
fsync'ed, and is then renamed over the target: a reader, a full disk or a kill sees the old file
whole or the new one whole. An existing file keeps its mode, owner and group. A target that
is not a regular file (`/dev/stdout`, a pipe) is written in place."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType

from engine.base.errors import CasusError, Diagnostic
from engine.base.source import Span


def _error(path: str, message: str, hint: str | None = None) -> CasusError:
    return CasusError([Diagnostic(Span(path, 1, 1, 1, 1), "E-OUTPUT", message, hint)])


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse, before any work is done, an output that is one of the run's inputs or a folder,
    or whose folder does not exist (E-OUTPUT)."""
    shown = str(path)
    try:
        st: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _error(shown, f"cannot write here: {e.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise _error(shown, "is a folder", "give a file name inside it")
    if st is not None:
        for i in inputs:
            try:
                if _same_file(st, os.stat(i)):
                    raise _error(shown, f"refusing to overwrite '{i}', an input of this command",
                                 "write the output to another file")
            except OSError:
                continue
    parent = Path(os.path.realpath(path)).parent
    if not parent.is_dir():
        raise _error(shown, f"no such folder: {Path(shown).parent}", "create the folder first")


def write_file(path: str | os.PathLike[str], data: bytes | str | Iterable[str],
               inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Write `data` (str: as UTF-8; an iterable of str: each piece as it comes, so that a long
    output is never whole in memory) to `path` atomically (see the module's text). Raises
    CasusError (E-OUTPUT, at the path) when it cannot, leaving any previous file whole; an
    exception raised while the pieces are made leaves it whole too, and goes on."""
    shown = str(path)
    check_output(path, inputs)
    blob: bytes | Iterator[bytes]
    if isinstance(data, str):
        blob = data.encode("utf-8")
    elif isinstance(data, bytes):
        blob = data
    else:
        blob = (piece.encode("utf-8") for piece in data)
    target = os.path.realpath(path)  # through a symbolic link: the link stays
    try:
        st: os.stat_result | None = os.stat(target)
    except OSError:
        st = None
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_in_place(target, blob)
        else:
            _replace(target, blob, st)
    except OSError as e:
        raise _error(shown, f"cannot write the file: {e.strerror or e}",
                     "nothing was changed; check the free space and permissions") from None


def _write_in_place(target: str, blob: bytes | Iterator[bytes]) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_TRUNC)
    try:
        _write_all(fd, blob)
    finally:
        os.close(fd)


_CHUNK = 1 << 16  # the least a write of gathered pieces holds (`_write_all`)


def _write_all(fd: int, blob: bytes | Iterator[bytes]) -> None:
    """Write `blob`, or its pieces as they come, gathered into writes of at least `_CHUNK`
    bytes (a batch's pieces are a scenario each, ~1 KB: a system call for each was ~2% of a
    run of 10,000 lines)."""
    if isinstance(blob, bytes):
        _write_bytes(fd, blob)
        return
    pending: list[bytes] = []
    size = 0
    for piece in blob:
        pending.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            _write_bytes(fd, b"".join(pending))
            pending, size = [], 0
    if pending:
        _write_bytes(fd, b"".join(pending))


def _write_bytes(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _replace(target: str, blob: bytes | Iterator[bytes], st: os.stat_result | None) -> None:
    folder, name = os.path.split(target)
    folder = folder or "."
    with _cleanup_on_signal() as temporaries:
        try:
            if not isinstance(blob, bytes):  # pieces cannot be written twice: a named file from the start
                raise _NoLink
            _write_temporary(folder, name, target, blob, st, temporaries, unnamed=True)
        except _NoLink:  # unnamed files cannot be given a name here: a named one from the start
            _write_temporary(folder, name, target, blob, st, temporaries, unnamed=False)
    with contextlib.suppress(OSError):  # the rename itself on disk
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


class _NoLink(Exception):
    """An unnamed file could be made but not linked into the folder."""


def _write_temporary(folder: str, name: str, target: str, blob: bytes | Iterator[bytes], st: os.stat_result | None,
                     temporaries: list[str], unnamed: bool) -> None:
    fd, tmp = _open_temporary(folder, name, unnamed)
    if tmp is not None:
        temporaries.append(tmp)
    try:
        _write_all(fd, blob)
        if st is not None:
            _copy_metadata(fd, st)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)  # as a plain open() would have made it
        os.fsync(fd)
        if tmp is None:  # an unnamed file: a name only at the last moment
            tmp = _name_for(fd, folder, name)
            temporaries.append(tmp)
        os.replace(tmp, target)
        temporaries.remove(tmp)
    finally:
        os.close(fd)
        for t in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(t)
        temporaries.clear()


def _open_temporary(folder: str, name: str, unnamed: bool) -> tuple[int, str | None]:
    """A file in `folder` to write the content to: unnamed where the system allows it."""
    flag = getattr(os, "O_TMPFILE", 0)
    if unnamed and flag and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flag | os.O_WRONLY, 0o600), None
        except OSError:  # a file system without it
            pass
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    return fd, tmp


def _name_for(fd: int, folder: str, name: str) -> str:
    """Give the unnamed file a hidden name beside the target (to rename it over the target)."""
    for _ in range(100):
        tmp = os.path.join(folder, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            _link(fd, tmp)
            return tmp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
    raise FileExistsError(tmp)  # pragma: no cover


def _link(fd: int, path: str) -> None:
    """linkat(2) of an open unnamed file: through /proc (see open(2)), else with AT_EMPTY_PATH
    (which needs CAP_DAC_READ_SEARCH); _NoLink when neither works."""
    try:
        os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)
        return
    except FileExistsError:
        raise
    except OSError:  # e.g. EXDEV where /proc is another mount
        pass
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        linkat = libc.linkat
    except (OSError, AttributeError) as e:  # pragma: no cover - not a glibc/musl system
        raise _NoLink(str(e)) from e
    at_fdcwd, at_empty_path = -100, 0x1000
    if linkat(fd, b"", at_fdcwd, os.fsencode(path), at_empty_path) != 0:
        err = ctypes.get_errno()
        if err == errno.EEXIST:  # pragma: no cover
            raise FileExistsError(err, os.strerror(err), path)
        raise _NoLink(os.strerror(err))


def _copy_metadata(fd: int, st: os.stat_result) -> None:
    """The replaced file's owner, group and mode (the owner only where the system allows it)."""
    for uid, gid in ((st.st_uid, st.st_gid), (-1, st.st_gid)):
        try:
            os.fchown(fd, uid, gid)
            break
        except OSError:
            continue
    os.fchmod(fd, stat.S_IMODE(st.st_mode))


@contextlib.contextmanager
def _cleanup_on_signal() -> Iterator[list[str]]:
    """While a temporary file has a name, SIGTERM and SIGHUP remove it before the process ends
    (SIGINT does, as KeyboardInterrupt). Only in the main thread, where handlers can be set."""
    temporaries: list[str] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        for t in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(t)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    saved = {}
    try:
        for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if sig is not None:
                saved[sig] = signal.signal(sig, handler)
    except ValueError:  # not the main thread
        pass
    try:
        yield temporaries
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


__all__ = ["check_output", "write_file"]
