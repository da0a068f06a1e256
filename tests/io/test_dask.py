"""`run --batch --dask ADDRESS` and `sweep --dask ADDRESS` on a Dask cluster (issue 18, item 5):
byte for byte the output of a local run, in the same order, whatever the blocks; a bad line, a
lost cluster, a missing extra behave as the command line promises (docs/formats.md).

The cluster is a `distributed.LocalCluster` of two worker processes of one thread each, started
once for the module. Without dask installed the cluster tests are skipped on a developer's
machine and fail in CI (tests/helpers.py `require_dask`; .ci/run installs the `dask` extra). The
tests that need no cluster (a missing extra, the start-up) run everywhere. Nothing is timed."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.base import cluster as cl
from engine.base.errors import CasusError
from engine.io.batch import STOPPED_SCHEMA, run_batch
from engine.io.load import load_library
from tests.helpers import require_dask
from tests.io.test_batch import generated

ROOT = Path(__file__).resolve().parents[2]
# no dashboard, and the scheduler's HTTP server on a free port (not 8787, which may be taken)
QUIET = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}
BAD = '{"name": "y", "events": [{"kind": "armed_attack", "date": "2025-01-01", "on": "UK"}]}'


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    distributed = require_dask()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, **QUIET) as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Blocks of 7 lines: a small file is many tasks, which the cluster may finish in any order."""
    monkeypatch.setattr(cl, "BLOCK", 7)
    return 7


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    lines = list(generated(60, seed=31, events=(1, 10)))
    lines[20:20] = ["", "  "]  # blank lines keep their place in the numbering
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    good = list(generated(40, seed=9))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(good[:23] + [BAD] + good[23:30] + ["{not json"] + good[30:]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_batch_on_the_cluster_is_byte_for_byte_a_local_run(scheduler: str, small_blocks: int, batch: Path,
                                                            cli: Any, fmt: str) -> None:
    local = cli("run", "--batch", batch, "--format", fmt)
    assert local.exit_code == 0, local.stderr
    there = cli("run", "--batch", batch, "--format", fmt, "--dask", scheduler)
    assert (there.exit_code, there.stderr) == (0, "")
    assert there.stdout == local.stdout  # in the same order, 9 blocks of 7 lines
    # --shard composes: each array job may send its share to a cluster
    shard = cli("run", "--batch", batch, "--format", fmt, "--shard", "1/3", "--dask", scheduler)
    assert shard.exit_code == 0 and shard.stdout == cli("run", "--batch", batch, "--format", fmt,
                                                        "--shard", "1/3").stdout


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_bad_lines_on_the_cluster_as_locally(scheduler: str, small_blocks: int, bad_batch: Path, cli: Any,
                                             fmt: str) -> None:
    # --keep-going: an error record in each bad line's place, exit 1
    local = cli("run", "--batch", bad_batch, "--format", fmt, "--keep-going")
    there = cli("run", "--batch", bad_batch, "--format", fmt, "--keep-going", "--dask", scheduler)
    assert local.exit_code == there.exit_code == 1
    assert there.stdout == local.stdout and there.stderr == local.stderr
    assert f"{bad_batch}:24:" in there.stderr and f"{bad_batch}:32:" in there.stderr
    # without it: the results before the first bad line, then the stopped record, exit 2
    local = cli("run", "--batch", bad_batch, "--format", fmt)
    there = cli("run", "--batch", bad_batch, "--format", fmt, "--dask", scheduler)
    assert local.exit_code == there.exit_code == 2
    assert there.stdout == local.stdout and there.stderr == local.stderr
    last = there.stdout.splitlines()[-1]
    assert (json.loads(last)["line"] == 24) if fmt == "json" else (",stopped," in last and "bad.jsonl:24" in last)


def test_a_sweep_on_the_cluster_is_byte_for_byte_a_local_run(scheduler: str, small_blocks: int, cli: Any) -> None:
    for fmt in ("csv", "json"):
        local = cli("sweep", "seed_sweep", "--format", fmt)
        there = cli("sweep", "seed_sweep", "--format", fmt, "--dask", scheduler)
        assert local.exit_code == there.exit_code == 0
        assert there.stdout == local.stdout
    res = cli("sweep", "seed_sweep", "--dask", scheduler, "--workers", "2")
    assert res.exit_code == 2 and "not both" in res.stderr


def test_blocks_in_flight_are_bounded(scheduler: str, small_blocks: int) -> None:
    """Memory does not grow with the input: lines are read as results are taken, at most 2 blocks
    per worker thread ahead (here 2 workers of 1 thread: 4 blocks of 7 lines); an endless stream
    gives its first results."""
    read = []

    def endless() -> Iterator[str]:
        for i in itertools.count():
            read.append(i)
            yield json.dumps({"name": f"e{i}", "events": []})

    out = run_batch(load_library(), endless(), treaties=["ru_kp_2024"], dask=scheduler)
    first = list(itertools.islice(out, 10))
    assert [json.loads(x)["scenario"]["name"] for x in first] == [f"e{i}" for i in range(10)]
    # the 10th result is in the 2nd block; when it was taken, the 2nd to 5th blocks were out
    assert len(read) <= 5 * 7 + 1, len(read)
    out.close()


def test_the_workers_need_no_library_file(scheduler: str, tmp_path: Path, batch: Path) -> None:
    """The checked library goes to the workers, not its paths: a library whose files are gone by
    the time the cluster evaluates gives what it gives locally."""
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(ROOT / "obligations" / "ru_kp_2024.casus", mine)
    lib = load_library(str(mine))
    shutil.rmtree(mine)
    lines = batch.read_text(encoding="utf-8").splitlines(keepends=True)
    local = list(run_batch(lib, lines, fmt="csv", path="d.jsonl"))
    there = list(run_batch(lib, lines, fmt="csv", path="d.jsonl", library=str(mine), dask=scheduler))
    assert there == local and len(local) > 1 and all(",ru_kp_2024," in b for b in local[1:])


def test_a_worker_with_other_code_is_refused_before_any_output(scheduler: str, batch: Path, cli: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cl, "fingerprint", lambda: "casus 0.0.9, code 0123456789abcdef")  # here, not there
    res = cli("run", "--batch", batch, "--format", "csv", "--dask", scheduler)
    assert (res.exit_code, res.stdout) == (2, "")
    assert "E-USAGE" in res.stderr and "not casus 0.0.9, code 0123456789abcdef as here" in res.stderr


def test_a_lost_cluster_ends_the_batch_with_the_stopped_record(scheduler: str, small_blocks: int, batch: Path,
                                                              cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a dead local worker does (docs/formats.md, "Incomplete output"): the results before the
    lost block, byte for byte, then the stopped record, exit 3, one line on stderr."""
    real = cl.Cluster._result
    given = []

    def lose_the_third(self: cl.Cluster, future: Any) -> Any:
        if len(given) == 2:
            future.cancel()
            raise cl.ClusterLost(self.address, "KilledWorker: attempted to run task on 3 different workers")
        given.append(real(self, future))
        return given[-1]

    monkeypatch.setattr(cl.Cluster, "_result", lose_the_third)
    local = cli("run", "--batch", batch).stdout.splitlines(keepends=True)
    res = cli("run", "--batch", batch, "--dask", scheduler)
    assert res.exit_code == 3
    *results, stopped = res.stdout.splitlines(keepends=True)
    assert results == local[:14]  # two blocks of 7 lines
    assert json.loads(stopped) == {"schema": STOPPED_SCHEMA, "reason": "worker"}
    assert res.stderr == (f"casus: the Dask cluster at {scheduler} failed (KilledWorker: attempted to run task on "
                          f"3 different workers); the output stops after line 14 of {batch}\n")
    assert str(cl.ClusterLost("tcp://h:1", "scheduler-connection-lost.\nClient lost")) == (
        "the Dask cluster at tcp://h:1 failed (scheduler-connection-lost. Client lost)")


def test_a_task_whose_workers_die_is_a_lost_cluster(tmp_path: Path) -> None:
    """Dask runs the task of a dead worker again elsewhere; when it gives up (`KilledWorker`,
    here at once: allowed-failures 0), `ordered` raises ClusterLost, a WorkerDied, in place of
    the first result not given, after the results before it."""
    distributed = require_dask()
    import dask

    def die_at_3(shared: str, i: int) -> str:  # sent by value (defined here)
        if i == 3:
            os._exit(1)
        return f"{shared} {i}"

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, **QUIET) as one:
        with cl.Cluster(one.scheduler_address, "shared") as c:
            got = []
            with pytest.raises(cl.ClusterLost) as e:
                for r in c.ordered(die_at_3, ((i,) for i in range(6)), ahead=1):
                    got.append(r)
    assert got == ["shared 0", "shared 1", "shared 2"]
    assert isinstance(e.value, cl.WorkerDied) and "KilledWorker" in str(e.value)


def test_no_scheduler_there_is_a_usage_error(cli: Any, batch: Path) -> None:
    require_dask()
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = cli("run", "--batch", batch, "--format", "csv", "--dask", "tcp://127.0.0.1:9")
    assert (res.exit_code, res.stdout) == (2, "")
    assert "E-USAGE: --dask: cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'" in res.stderr


def test_a_scheduler_without_workers_is_a_usage_error(cli: Any, batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = require_dask()
    monkeypatch.setattr(cl, "WAIT_FOR_WORKERS", 0.5)
    with distributed.LocalCluster(n_workers=0, processes=False, **QUIET) as empty:
        res = cli("sweep", "seed_sweep", "--dask", empty.scheduler_address)
    assert (res.exit_code, res.stdout) == (2, "")
    assert "has no worker (none came in 0.5 s)" in res.stderr


def test_without_the_extra_dask_is_a_usage_error(cli: Any, batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs without dask too: `import distributed` fails as if it were not installed."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    for args in (("run", "--batch", batch, "--format", "csv"), ("sweep", "seed_sweep")):
        res = cli(*args, "--dask", "tcp://127.0.0.1:8786")
        assert (res.exit_code, res.stdout) == (2, "")
        assert "E-USAGE: --dask needs dask.distributed, which is not installed here" in res.stderr
        assert "pip install 'casus-foederis[dask]'" in res.stderr
    with pytest.raises(CasusError):
        list(run_batch(load_library(), ["{}"], dask="tcp://127.0.0.1:8786"))
    res = cli("run", "--batch", batch, "--dask", "tcp://127.0.0.1:8786", "--workers", "2")
    assert res.exit_code == 2 and "give --dask ADDRESS or --workers N, not both" in res.stderr
    res = cli("run", "kursk_2024", "--dask", "tcp://127.0.0.1:8786")
    assert res.exit_code == 2 and "--dask needs --batch" in res.stderr


def test_start_up_does_not_import_dask(batch: Path) -> None:
    """Only --dask imports it: a batch without it, and `--help`, load no dask module."""
    code = ("import sys\nfrom click.testing import CliRunner\nfrom engine.cli import main\n"
            f"r = CliRunner().invoke(main, ['run', '--batch', {str(batch)!r}, '--format', 'csv'])\n"
            "assert r.exit_code == 0, r.output\n"
            "r = CliRunner().invoke(main, ['run', '--help'])\nassert '--dask ADDRESS' in r.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout == "[]\n"
