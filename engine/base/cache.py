"""An on-disk cache for work that does not change between runs: the compiled grammar, the
checked library and parsed-and-checked scenario files (keyed by the content of their files and
casus's code), and the ISO code tables. Everything here is an optimisation: when the folder
cannot be written, casus works the same, only slower; an entry that cannot be read back is a
miss."""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

_VERSION = "1"  # bump when cached objects change shape


def cache_dir() -> Path | None:
    """`$CASUS_CACHE_DIR`, else `$XDG_CACHE_HOME/casus`, else `~/.cache/casus`; None if unusable
    (or when CASUS_CACHE_DIR is set to an empty string, which turns caching off)."""
    env = os.environ.get("CASUS_CACHE_DIR")
    if env is not None:
        if not env:
            return None
        root = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = Path(base) / "casus"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return root if os.access(root, os.W_OK) else None


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


def load(name: str) -> Any | None:
    root = cache_dir()
    if root is None:
        return None
    try:
        with open(root / f"{name}.pickle", "rb") as f:
            return pickle.load(f)
    except Exception:  # a missing, stale or corrupt entry is just a miss
        return None


def save(name: str, obj: Any) -> None:
    root = cache_dir()
    if root is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, root / f"{name}.pickle")
    except Exception:
        try:
            os.unlink(tmp)
        except Exception:
            pass
