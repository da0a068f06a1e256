"""An on-disk cache for work that does not change between runs: the compiled grammar, the
checked library and parsed-and-checked scenario files (keyed by the content of their files and
casus's code), and the ISO code tables. Everything here is an optimisation: when the folder
cannot be written, casus works the same, only slower; an entry that cannot be read back is a
miss.

Nothing read from the cache runs unless casus wrote it (docs/security.md): every entry carries an
HMAC-SHA256 of its name and content under a key that only the user can read (`key`, mode 0600,
in a folder of mode 0700 that the user owns), and the MAC is checked before a byte of the entry
is unpickled. A folder, key or entry owned by someone else or writable by group or others is
ignored, with a one-line warning on stderr. The folder holds at most `$CASUS_CACHE_MAX_MB`
megabytes (200 by default): writing an entry evicts the least recently used ones beyond that."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import io
import os
import pickle
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from engine.base.source import Span

_VERSION = "3"  # bump when cached objects change shape (3: records pickle as a call of their class)
_MAGIC = b"casus-c2"  # the first bytes of every entry, before its MAC
_KEY_FILE = "key"
_SUFFIX = ".pickle"
_DEFAULT_MAX_MB = 200
_warned: set[str] = set()


def _warn(message: str) -> None:
    """One line on stderr, once per process and message."""
    if message not in _warned:
        _warned.add(message)
        sys.stderr.write(f"casus: warning: {message}\n")


def _untrusted(st: os.stat_result) -> str | None:
    """Why a file or folder with this status must not be trusted (None: it may)."""
    if st.st_uid != os.geteuid():
        return f"owned by uid {st.st_uid}, not by you (uid {os.geteuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "writable by group or others"
    return None


def _root() -> Path | None:
    env = os.environ.get("CASUS_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casus"


def cache_dir() -> Path | None:
    """`$CASUS_CACHE_DIR`, else `$XDG_CACHE_HOME/casus`, else `~/.cache/casus`; None if unusable
    (or when CASUS_CACHE_DIR is set to an empty string, which turns caching off), or not to be
    trusted: owned by someone else or writable by group or others (with a warning)."""
    root = _root()
    if root is None:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(root)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        return None
    why = _untrusted(st)
    if why is not None:
        _warn(f"ignoring the cache folder {root}: {why}")
        return None
    if st.st_mode & 0o077:  # ours, but others may read or enter it: make it private
        try:
            os.chmod(root, 0o700)
        except OSError:  # pragma: no cover - we own it
            return None
    return root if os.access(root, os.W_OK) else None


def _read_key(path: Path) -> bytes | None:
    """The key, if the file is the user's own and private (a warning if it is not)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        _warn(f"ignoring the cache folder {path.parent}: its key {path} cannot be read")
        return b""
    try:
        st = os.fstat(fd)
        why = _untrusted(st)
        if why is None and st.st_mode & 0o077:
            why = "readable by group or others"
        if why is None and not stat.S_ISREG(st.st_mode):
            why = "not a regular file"
        if why is not None:
            _warn(f"ignoring the cache folder {path.parent}: its key {path} is {why}")
            return b""
        data = os.read(fd, 65)
    finally:
        os.close(fd)
    return data if len(data) == 32 else None


@contextlib.contextmanager
def _temporary(root: Path, prefix: str) -> Iterator[tuple[BinaryIO, str]]:
    """A new file in `root` that only the user can read (mkstemp's mode 0600), to be moved into
    place inside the block; whatever is left of it is removed on the way out. (tempfile, and
    secrets for a new key, are imported only to write: a warm run only reads, and importing them
    cost it ~3 ms.)"""
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=root, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _key(root: Path) -> bytes | None:
    """The folder's key, made (32 random bytes, mode 0600) on first use. None: no caching."""
    path = root / _KEY_FILE
    got = _read_key(path)
    if got == b"":
        return None
    if got is not None:
        return got
    import secrets

    try:
        with _temporary(root, ".key.") as (f, tmp):
            f.write(secrets.token_bytes(32))
            f.flush()
            os.fsync(f.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)  # atomic, and never over another process's key
    except OSError:
        return None
    got = _read_key(path)
    return got or None


def _mac(k: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(k, _MAGIC + name.encode("utf-8") + b"\0" + payload, hashlib.sha256).digest()


def max_bytes() -> int:
    """The folder's bound: `$CASUS_CACHE_MAX_MB` megabytes, 200 by default."""
    try:
        mb = float(os.environ.get("CASUS_CACHE_MAX_MB", _DEFAULT_MAX_MB))
    except ValueError:
        mb = _DEFAULT_MAX_MB
    return max(0, int(mb * 1024 * 1024))


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """casus's own code as it is on disk (each module's name, size and modification time): part
    of the key of whatever casus computed from files, so that changing the code (say, in a
    checkout between two runs) never reads back what older code made."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the whole engine package
    parts = []
    for folder, dirs, files in os.walk(here):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))  # not _data, __pycache__
        for f in sorted(files):
            if f.endswith(".py"):
                try:
                    st = os.stat(os.path.join(folder, f))
                except OSError:  # pragma: no cover - a file gone since the listing
                    continue
                parts.append(f"{os.path.relpath(os.path.join(folder, f), here)}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def key(*parts: bytes | str) -> str:
    h = hashlib.sha256(_VERSION.encode())
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:32]


def load_bytes(name: str) -> bytes | None:
    """An entry's content, if casus wrote it under this name with the user's key (else a miss)."""
    root = cache_dir()
    if root is None:
        return None
    path = root / f"{name}{_SUFFIX}"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # missing, or a symbolic link
        return None
    try:
        st = os.fstat(fd)
        why = _untrusted(st)
        if why is not None:
            _warn(f"ignoring the cache entry {path}: {why}")
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes():
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read()
    except OSError:
        return None
    finally:
        os.close(fd)
    k = _key(root)
    head = len(_MAGIC) + 32
    if k is None or len(data) < head or data[:len(_MAGIC)] != _MAGIC:
        return None
    if not hmac.compare_digest(data[len(_MAGIC):head], _mac(k, name, data[head:])):
        return None
    try:
        os.utime(path)  # recently used: evicted last
    except OSError:  # pragma: no cover
        pass
    return data[head:]


def save_bytes(name: str, payload: bytes) -> None:
    """Store an entry (atomically; nothing when the folder cannot be used), then evict the least
    recently used entries beyond the bound."""
    root = cache_dir()
    if root is None:
        return
    k = _key(root)
    if k is None:
        return
    data = _MAGIC + _mac(k, name, payload) + payload
    limit = max_bytes()
    if len(data) > limit:
        return
    try:
        with _temporary(root, f".{name}.") as (f, tmp):
            f.write(data)
            f.flush()
            os.replace(tmp, root / f"{name}{_SUFFIX}")
    except OSError:
        return
    _evict(root, limit)


def _evict(root: Path, limit: int) -> None:
    """Remove the least recently used entries until the folder holds at most `limit` bytes (and
    temporary files that a killed run left behind an hour ago)."""
    entries = []
    total = 0
    now = time.time()
    try:
        with os.scandir(root) as it:
            for e in it:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if e.name.endswith(_SUFFIX) and stat.S_ISREG(st.st_mode):
                    entries.append((st.st_mtime, e.name, st.st_size))
                    total += st.st_size
                elif e.name.startswith(".") and e.name.endswith(".tmp") and now - st.st_mtime > 3600:
                    _unlink(root / e.name)
    except OSError:
        return
    entries.sort()
    for _, n, size in entries:
        if total <= limit:
            break
        if _unlink(root / n):
            total -= size


def _unlink(path: Path) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


class _Pickler(pickle.Pickler):
    """Spans in the file at `path` pickled without the path, which comes back as the one the
    entry is loaded for: an entry is keyed by its file's content, not its name."""

    def __init__(self, f: io.BytesIO, path: str) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self._path = path

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is Span and obj.path == self._path:
            return (obj.line, obj.column, obj.end_line, obj.end_column)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, f: io.BytesIO, path: str | None) -> None:
        super().__init__(f)
        self._path = path

    def persistent_load(self, pid: Any) -> Any:
        if self._path is None or not isinstance(pid, tuple) or len(pid) != 4:
            raise pickle.UnpicklingError("a span without its file")
        return Span(self._path, *pid)


def load(name: str, path: str | None = None) -> Any | None:
    """An object stored by `save` (None on a miss). `path`: the file whose spans it holds."""
    data = load_bytes(name)
    if data is None:
        return None
    try:
        return _Unpickler(io.BytesIO(data), path).load()  # authenticated above: casus wrote it
    except Exception:  # noqa: BLE001 - a stale entry is just a miss
        return None


def save(name: str, obj: Any, path: str | None = None) -> None:
    """Store `obj`; with `path`, its spans in that file are stored without the path (`load`)."""
    if cache_dir() is None:  # caching is off: not even pickled
        return
    try:
        if path is None:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        else:
            buf = io.BytesIO()
            _Pickler(buf, path).dump(obj)
            data = buf.getvalue()
    except Exception:  # noqa: BLE001  # pragma: no cover - what cannot be pickled is not cached
        return
    save_bytes(name, data)


def clear() -> tuple[Path | None, int]:
    """Remove every file casus keeps in the cache folder (its entries, temporary files, the
    key, and Lark grammar caches of older versions): the folder and how many files went."""
    root = cache_dir()
    if root is None:
        return None, 0
    n = 0
    try:
        names = sorted(os.listdir(root))
    except OSError:  # pragma: no cover
        return root, 0
    for f in names:
        if (f.endswith((_SUFFIX, ".lark-cache")) or f == _KEY_FILE
                or (f.startswith(".") and f.endswith(".tmp"))) and _unlink(root / f):
            n += 1
    return root, n
