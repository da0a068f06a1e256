"""How much casus reads from one input (issue 17, "bounded resources").

A `.casus` file, a JSON scenario file, a sweep space or one line of a batch file over
`max_input_bytes()` is refused with a located error (E-SIZE, exit 2) before it is parsed: the
parsers hold a file whole (and Lark's tree is many times its size), so a 50 MB file could drive a
run to gigabytes, and `check /dev/zero` would read until memory ran out. The bound is 20 MB
(20 × 2^20 bytes) unless `CASUS_MAX_INPUT_MB` says otherwise (a positive number of megabytes,
fractions allowed). A batch file as a whole has no bound: it is read a line at a time.

Files are read with `read_limited`, which never reads more than the bound and one byte: a
device or a pipe that never ends is refused as soon as it has given that much."""

from __future__ import annotations

import os

from engine.base.errors import CasusError, Diagnostic
from engine.base.source import Span

DEFAULT_MAX_INPUT_MB = 20
ENV = "CASUS_MAX_INPUT_MB"


def max_input_bytes() -> int:
    """The bound, in bytes: `CASUS_MAX_INPUT_MB` megabytes (a bad value is a usage error)."""
    given = os.environ.get(ENV, "").strip()
    if not given:
        return DEFAULT_MAX_INPUT_MB << 20
    try:
        mb = float(given)
    except ValueError:
        mb = float("nan")
    if not (mb > 0 and mb < 1 << 30):  # also NaN and inf
        raise CasusError([Diagnostic(Span("<environment>", 1, 1, 1, 1), "E-USAGE",
                                     f"{ENV}={given!r} is not a positive number of megabytes",
                                     f"for example {ENV}=50, or unset it for {DEFAULT_MAX_INPUT_MB}")])
    return max(1, int(mb * (1 << 20)))


def too_large(path: str, limit: int, line: int = 1, what: str = "the file") -> CasusError:
    """E-SIZE at `path` (and `line`): `what` is over `limit` bytes."""
    return CasusError([Diagnostic(Span(path, line, 1, line, 2), "E-SIZE",
                                  f"{what} is larger than {_size(limit)}; casus reads at most that much from one input",
                                  f"split it, or raise the bound with {ENV}=N (megabytes)")])


def _size(n: int) -> str:
    mb = n / (1 << 20)
    return f"{mb:g} MB" if mb >= 1 else f"{n} bytes"


def read_limited(path: str, shown: str | None = None) -> bytes:
    """The bytes of `path`, at most `max_input_bytes()` of them; E-SIZE (at `shown`, else `path`)
    if there are more. OSError goes on to the caller (which says why a file cannot be read)."""
    limit = max_input_bytes()
    with open(path, "rb") as f:
        try:
            size = os.fstat(f.fileno()).st_size
        except OSError:  # pragma: no cover - fstat of an open file
            size = 0
        if size > limit:  # a regular file says its size: refused without reading it
            raise too_large(shown or path, limit)
        # a buffer of the size asked for is allocated first: a regular file's size, then (should
        # it have grown) up to one byte past the bound; a device or pipe says 0: that bound
        data = f.read(size + 1 if size else limit + 1)
        if size and len(data) > size:
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise too_large(shown or path, limit)
    return data
