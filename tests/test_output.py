"""Files casus writes (issue 17, item 3; engine/base/output.py): `report -o`, `sweep -o` and `fmt`
write atomically, never over an input of the same run, and on failure leave the previous file
whole and exit 2 with a located message. `fmt` keeps owner, group, mode, line ends and BOM, and
leaves nothing behind when killed."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import KURSK

from engine.base import output

ROOT = Path(__file__).resolve().parents[1]
SPACE = {"name": "tiny", "treaties": ["ru_kp_2024"], "dimensions": {"request": [False, True]},
         "template": [{"kind": "imminent_threat", "date": "2025-06-02", "until": "2025-06-12", "on": "KP"},
                      {"kind": "request", "date": "2025-06-03", "from": "KP", "for": "consult", "if": "request"}]}
MESSY = 'region   r "R"   {AB,CD}   \n\n\n'
TIDY = 'region r "R" { AB, CD }\n'
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refused(r, code: str = "E-OUTPUT") -> str:  # type: ignore[no-untyped-def]
    """A located user error: exit 2, the code, no traceback."""
    assert r.exit_code == 2, r.output
    assert code in r.stderr and "Traceback" not in r.stderr and "internal error" not in r.stderr
    return str(r.stderr)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "mine.casus"
    p.write_text(KURSK, encoding="utf-8")
    return p


@pytest.fixture
def space(tmp_path: Path) -> Path:
    p = tmp_path / "space.json"
    p.write_text(json.dumps(SPACE), encoding="utf-8")
    return p


def no_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a write gets half its bytes on disk, then the disk is full."""
    real = output._write_all

    def half(fd: int, blob: bytes) -> None:
        real(fd, blob[: len(blob) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(output, "_write_all", half)


# ------------------------------------------------------------------ report -o and sweep -o


def test_report_and_sweep_write_their_file(cli, scenario, space, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, table = tmp_path / "out" / "r.html", tmp_path / "out" / "s.csv"
    page.parent.mkdir()
    assert cli("report", scenario, "-o", page).exit_code == 0
    assert cli("sweep", space, "--format", "csv", "-o", table).exit_code == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert table.read_text(encoding="utf-8") == cli("sweep", space, "--format", "csv").stdout
    assert listing(page.parent) == ["r.html", "s.csv"]  # nothing else left beside them
    os.chmod(page, 0o640)  # a file written again keeps its mode
    assert cli("report", scenario, "-o", page).exit_code == 0 and page.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("command", ["report", "sweep"])
def test_an_input_is_never_overwritten(cli, scenario, space, tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    source = scenario if command == "report" else space
    before = source.read_bytes()
    link = tmp_path / "link"
    link.symlink_to(source)
    hard = tmp_path / "hard"
    os.link(source, hard)
    for out in (source, link, hard):
        args = ["report", scenario, "-o", out] if command == "report" else ["sweep", space, "-o", out]
        err = refused(cli(*args))
        assert f"{out}:1:1: E-OUTPUT: refusing to overwrite '{source}', an input of this command" in err
        assert source.read_bytes() == before


def test_report_never_overwrites_a_bundled_scenario_named_bare(cli) -> None:  # type: ignore[no-untyped-def]
    from engine.base.paths import scenarios_dir

    target = scenarios_dir() / "kursk_2024.casus"
    before = target.read_bytes()
    err = refused(cli("report", "kursk_2024", "-o", target))
    assert "refusing to overwrite" in err and target.read_bytes() == before


def test_report_never_overwrites_a_library_file(cli, scenario, tmp_path) -> None:  # type: ignore[no-untyped-def]
    lib = tmp_path / "lib"
    lib.mkdir()
    treaty = lib / "t.casus"
    treaty.write_text('treaty t "T" {\n  parties RU, KP\n  in force 2024-01-01\n}\n', encoding="utf-8")
    before = treaty.read_bytes()
    refused(cli("report", scenario, "--library", lib, "--treaty", "t", "-o", treaty))
    assert treaty.read_bytes() == before


@pytest.mark.parametrize("command", ["report", "sweep"])
@pytest.mark.parametrize("where", ["missing folder", "folder", "/dev/full"])
def test_an_output_that_cannot_be_written_is_a_located_error(cli, scenario, space, tmp_path, command,
                                                             where) -> None:  # type: ignore[no-untyped-def]
    if where == "/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    out = {"missing folder": tmp_path / "nowhere" / "out", "folder": tmp_path, "/dev/full": Path("/dev/full")}[where]
    args = ["report", scenario, "-o", out] if command == "report" else ["sweep", space, "-o", out]
    err = refused(cli(*args))
    assert err.startswith(f"{out}:1:1: E-OUTPUT: ")
    assert {"missing folder": "no such folder", "folder": "is a folder", "/dev/full": "No space left"}[where] in err
    if where == "missing folder":
        assert not out.parent.exists()


@pytest.mark.parametrize("command", ["report", "sweep"])
def test_a_full_disk_leaves_the_previous_file_whole(cli, scenario, space, tmp_path, monkeypatch,
                                                    command) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "previous"
    out.write_text("the good report of yesterday\n", encoding="utf-8")
    no_room(monkeypatch)
    args = ["report", scenario, "-o", out] if command == "report" else ["sweep", space, "-o", out]
    err = refused(cli(*args))
    assert "No space left on device" in err
    assert out.read_text(encoding="utf-8") == "the good report of yesterday\n"
    assert listing(folder) == ["previous"]  # no half file beside it


# ------------------------------------------------------------------ fmt


def test_fmt_keeps_line_ends_and_the_byte_order_mark(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cases = {"crlf.casus": (MESSY.replace("\n", "\r\n"), TIDY.replace("\n", "\r\n")),
             "bom.casus": ("\ufeff" + MESSY, "\ufeff" + TIDY),
             "both.casus": ("\ufeff" + MESSY.replace("\n", "\r\n"), "\ufeff" + TIDY.replace("\n", "\r\n")),
             "lf.casus": (MESSY, TIDY)}
    for name, (before, _) in cases.items():
        (tmp_path / name).write_bytes(before.encode("utf-8"))
    r = cli("fmt", tmp_path)
    assert r.exit_code == 0, r.output
    for name, (_, after) in cases.items():
        assert (tmp_path / name).read_bytes() == after.encode("utf-8"), name
    again = cli("fmt", "--check", tmp_path)  # in the layout now, conventions and all
    assert (again.exit_code, again.stdout) == (0, "")


@as_root
def test_fmt_keeps_owner_group_and_mode(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "theirs.casus"
    path.write_text(MESSY, encoding="utf-8")
    os.chown(path, 65534, 65534)
    os.chmod(path, 0o604)
    assert cli("fmt", path).exit_code == 0
    st = path.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (65534, 65534, 0o604)
    assert path.read_text(encoding="utf-8") == TIDY


def test_fmt_on_a_full_disk_leaves_the_file_whole(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "a.casus"
    path.write_text(MESSY, encoding="utf-8")
    no_room(monkeypatch)
    err = refused(cli("fmt", path))
    assert f"{path}:1:1: E-OUTPUT: cannot write the file: No space left on device" in err
    assert path.read_text(encoding="utf-8") == MESSY and listing(tmp_path) == ["a.casus"]


KILLED = """
import os, sys, time
from engine.base import output
real = output._write_all
def slow(fd, blob):  # half the file on disk, then wait to be killed
    real(fd, blob[: len(blob) // 2])
    open(sys.argv[2], "w").close()
    time.sleep(60)
    real(fd, blob[len(blob) // 2:])
output._write_all = slow
from engine.cli import main
main(["fmt", sys.argv[1]])
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_fmt_leaves_nothing_behind_when_killed(tmp_path, sig) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "files"
    folder.mkdir()
    path = folder / "a.casus"
    path.write_text(MESSY * 200, encoding="utf-8")
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path), str(ready)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert listing(folder) == ["a.casus"]  # no temporary file
    assert path.read_text(encoding="utf-8") == MESSY * 200  # and the file as it was


def test_write_file_refuses_and_writes_through_links(tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    output.write_file(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    output.write_file(tmp_path / "fresh.txt", b"bytes")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "fresh.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    assert listing(tmp_path) == ["fresh.txt", "link.txt", "real.txt"]


def test_pieces_are_written_as_they_come_in_few_writes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A batch's output comes as a piece per scenario: gathered into large writes (a system call
    each was ~2% of a run), yet written as they come, never whole in memory."""
    sizes: list[int] = []
    real_write = os.write

    def counting(fd: int, data: bytes) -> int:
        sizes.append(len(data))
        return real_write(fd, data)

    monkeypatch.setattr(output.os, "write", counting)

    def pieces():  # type: ignore[no-untyped-def]
        for i in range(20_000):
            if i == 19_000:
                assert sum(sizes) > 100_000  # the first pieces are on disk before the last are made
            yield f"line {i}\n"

    output.write_file(tmp_path / "out.txt", pieces())
    text = "".join(f"line {i}\n" for i in range(20_000))
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == text
    assert sum(sizes) == len(text) and len(sizes) <= len(text) // 65_536 + 1
