"""Shared pieces of the benchmarks: the machine, timing a child process (wall time and peak
memory), medians and table formatting."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """CPU model, cores, memory, OS and Python, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # pragma: no cover - not Linux
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB"
                break
    except OSError:  # pragma: no cover
        pass
    return (f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()} ({sys.executable})")


@dataclass
class Timing:
    wall: float  # seconds
    maxrss_mib: float
    returncode: int
    timed_out: bool = False
    cpu: float = 0.0  # seconds of CPU, user and system (what a busy machine does not inflate)


def run_timed(cmd: Sequence[str], stdout: str | Path | None = os.devnull, stdin: str | Path | None = None,
              timeout: float | None = None, cwd: str | Path | None = ROOT, env: dict[str, str] | None = None,
              ok: Sequence[int] = (0,)) -> Timing:
    """Run a child process: its wall time and peak resident memory (/proc VmHWM, else getrusage);
    an exit code not in `ok` raises RuntimeError.

    The child may write Python's bytecode (`PYTHONDONTWRITEBYTECODE` is dropped from its
    environment): an installed casus has it (pip compiles at install), as its dependencies do, so
    after a first run casus is not timed compiling its own source (~60 ms a run) where the import
    baseline and the peers are not."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(stdout, "wb")) if stdout is not None else subprocess.DEVNULL
        inp = stack.enter_context(open(stdin, "rb")) if stdin is not None else subprocess.DEVNULL
        errf = stack.enter_context(tempfile.TemporaryFile())  # not a pipe: a chatty child cannot block
        t0 = time.perf_counter()
        p = subprocess.Popen(list(cmd), stdout=out, stderr=errf, stdin=inp, cwd=cwd, env=env)
        timed_out = False
        deadline = None if timeout is None else t0 + timeout
        hwm = 0.0
        while True:
            hwm = max(hwm, _vm_hwm_mib(p.pid))
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                timed_out = True
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        if p.returncode not in ok and not timed_out:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({p.returncode}):\n{err[-2000:]}")
        # ru_maxrss of a child counts the parent's memory copied at fork (Linux keeps it across
        # exec): /proc's high-water mark of the exec'd image is the child's own peak
        return Timing(wall, hwm or ru.ru_maxrss / 1024, p.returncode, timed_out, ru.ru_utime + ru.ru_stime)


def _vm_hwm_mib(pid: int) -> float:
    """Peak resident memory so far of a running process (Linux `/proc/PID/status`, VmHWM)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


class Rounds(Protocol):
    """A measure whose runs were made in rounds beside another's (bench/peers.py, bench/realistic.py)."""

    scenarios: int
    walls: tuple[float, ...]  # each run's seconds, in the order of the rounds

    @property
    def rate(self) -> float: ...


def paired(a: Rounds, b: Rounds) -> float:
    """a's rate ÷ b's: the median of the ratios of the rounds in which both ran (their runs side
    by side: the machine's speed drifts between minutes), or the ratio of their medians where
    they share none."""
    ratios = [(a.scenarios / wa) / (b.scenarios / wb) for wa, wb in zip(a.walls, b.walls, strict=False)]
    return median(ratios) if ratios else a.rate / b.rate


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def casus_cmd(*args: str) -> list[str]:
    """`casus …` from this checkout, whatever is installed."""
    return [sys.executable, "-m", "engine.cli", *args]


def fmt_s(x: float) -> str:
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_n(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
