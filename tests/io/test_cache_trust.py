"""Nothing read from the on-disk cache runs unless casus wrote it (issue 17, docs/security.md).
Pickles that would run code are planted under every name the cache uses — without a MAC, with a
wrong one, with a right one but writable by group or others, owned by another user — and in a
folder or with a key that another user controls: the code never runs, and casus still gives the
right answer. The cache is bounded, keyed by content, and `casus cache clear` empties it."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import KURSK

from engine.base import cache

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("countries", "subdivisions", "library", "scenarios", "grammar")


def written_names() -> set[str]:
    """The entries a run writes: the compiled grammar only when the parse tables shipped beside it
    cannot be used (another Lark; engine/language/syntax.py) — its entry is tested in-process below."""
    from engine.base.paths import grammar_path
    from engine.language.syntax import shipped_parser

    shipped = shipped_parser(grammar_path().read_text(encoding="utf-8")) is not None
    return set(NAMES) - ({"grammar"} if shipped else set())
NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


class Planted:
    """Unpickling this creates the folder `marker`: proof that planted code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def casus(cache_dir: Path | str, *args: object) -> subprocess.CompletedProcess[str]:
    """casus in a fresh process (nothing in memory from an earlier run)."""
    env = {**os.environ, "CASUS_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "kursk.casus"
    path.write_text(KURSK, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def want(scenario: Path) -> str:
    """The answer without any cache."""
    r = casus("", "run", scenario, "--format", "json")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return r.stdout


@pytest.fixture
def warm(tmp_path: Path, scenario: Path, want: str) -> Path:
    """A cache folder filled by one run: an entry under every name."""
    d = tmp_path / "cache"
    r = casus(d, "run", scenario, "--format", "json")
    assert r.returncode == 0 and r.stdout == want
    assert {f.name.split("-")[0] for f in d.glob("*.pickle")} == written_names()
    return d


def mac(d: Path, name: str, payload: bytes) -> bytes:
    """What casus computes: HMAC-SHA256 under the folder's key of the magic, the name and the payload."""
    k = (d / "key").read_bytes()
    return hmac.new(k, cache._MAGIC + name.encode() + b"\0" + payload, hashlib.sha256).digest()


def plant(d: Path, marker: Path, how: str) -> dict[Path, bytes]:
    """Replace every entry with a pickle that would create `marker`; what each file now holds."""
    evil = pickle.dumps(Planted(marker))
    planted = {}
    for f in sorted(d.glob("*.pickle")):
        name = f.name[: -len(".pickle")]
        if how == "no MAC":
            data = evil
        elif how == "wrong MAC":
            data = cache._MAGIC + hmac.new(b"k" * 32, evil, hashlib.sha256).digest() + evil
        else:  # a right MAC: only the file's owner or mode gives it away
            data = cache._MAGIC + mac(d, name, evil) + evil
        f.write_bytes(data)
        if how == "group-writable":
            f.chmod(0o664)
        elif how == "world-writable":
            f.chmod(0o646)
        elif how == "another user's":
            os.chown(f, NOBODY, NOBODY)
        planted[f] = data
    return planted


@pytest.mark.parametrize("how", ["no MAC", "wrong MAC", "group-writable", "world-writable",
                                 pytest.param("another user's", marks=as_root)])
def test_a_planted_entry_never_runs(warm, scenario, want, tmp_path, how) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "PWNED"
    planted = plant(warm, marker, how)
    r = casus(warm, "run", scenario, "--format", "json")
    assert not marker.exists(), f"planted code ran ({how})"
    assert r.returncode == 0 and r.stdout == want, r.stderr
    if how in ("no MAC", "wrong MAC"):
        assert r.stderr == ""
    else:  # one line per entry ignored
        assert all(line.startswith("casus: warning: ignoring the cache entry ") for line in r.stderr.splitlines())
        assert len(r.stderr.splitlines()) == len(planted)
    for f, data in planted.items():  # each was read, refused, and written afresh by casus
        assert f.read_bytes() != data and f.read_bytes().startswith(cache._MAGIC), f.name
        st = f.stat()
        assert st.st_uid == os.geteuid() and st.st_mode & 0o077 == 0
    r = casus(warm, "run", scenario, "--format", "json")  # and the next run is warm again
    assert r.stdout == want and r.stderr == "" and not marker.exists()


@pytest.mark.parametrize("how", ["world-writable folder", "group-writable folder",
                                 pytest.param("another user's folder", marks=as_root),
                                 pytest.param("another user's key", marks=as_root), "key readable by others"])
def test_a_folder_or_key_that_others_control_is_ignored(warm, scenario, want, tmp_path, how) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "PWNED"
    planted = plant(warm, marker, "right MAC")
    if how == "world-writable folder":
        warm.chmod(0o777)
    elif how == "group-writable folder":
        warm.chmod(0o770)
    elif how == "another user's folder":
        os.chown(warm, NOBODY, NOBODY)
    elif how == "another user's key":
        os.chown(warm / "key", NOBODY, NOBODY)
    else:
        (warm / "key").chmod(0o644)
    for _ in range(2):
        r = casus(warm, "run", scenario, "--format", "json")
        assert not marker.exists(), f"planted code ran ({how})"
        assert r.returncode == 0 and r.stdout == want
        [line] = r.stderr.splitlines()  # one line, once per run
        prefix = f"casus: warning: ignoring the cache folder {warm}: "
        assert line.startswith(prefix), line
        assert line[len(prefix):].startswith("its key") == ("key" in how), line
    assert {f: f.read_bytes() for f in planted} == planted  # left alone: not ours to change


def test_a_symbolic_link_in_place_of_an_entry_is_not_followed(warm, scenario, want, tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "PWNED"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    evil = pickle.dumps(Planted(marker))
    for f in warm.glob("*.pickle"):
        target = elsewhere / f.name
        target.write_bytes(cache._MAGIC + mac(warm, f.name[: -len(".pickle")], evil) + evil)
        f.unlink()
        f.symlink_to(target)
    r = casus(warm, "run", scenario, "--format", "json")
    assert not marker.exists() and r.returncode == 0 and r.stdout == want


def test_a_new_cache_folder_and_its_key_are_private(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "a" / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    cache.save("test-entry", {"x": 1})
    assert d.stat().st_mode & 0o777 == 0o700
    assert (d / "key").stat().st_mode & 0o777 == 0o600 and len((d / "key").read_bytes()) == 32
    assert (d / "test-entry.pickle").stat().st_mode & 0o777 == 0o600
    assert cache.load("test-entry") == {"x": 1}
    # an entry is bound to its name: renamed, it is a miss
    os.rename(d / "test-entry.pickle", d / "test-other.pickle")
    assert cache.load("test-other") is None
    # a folder of ours that others could read is made private
    d.chmod(0o755)
    assert cache.cache_dir() == d and d.stat().st_mode & 0o777 == 0o700


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    monkeypatch.setenv("CASUS_CACHE_MAX_MB", str(3000 / 2**20))  # 3000 bytes
    for i, name in enumerate(["a", "b", "c"]):
        cache.save_bytes(f"t-{name}", bytes(900))
        os.utime(d / f"t-{name}.pickle", (1000 + i, 1000 + i))  # a is the oldest
    assert cache.load_bytes("t-a") == bytes(900)  # a is used: now the most recent
    cache.save_bytes("t-d", bytes(900))  # over the bound: b, the least recently used, goes
    assert sorted(f.name for f in d.glob("*.pickle")) == ["t-a.pickle", "t-c.pickle", "t-d.pickle"]
    assert sum(f.stat().st_size for f in d.glob("*.pickle")) <= 3000
    cache.save_bytes("t-huge", bytes(5000))  # bigger than the bound: not stored at all
    assert cache.load_bytes("t-huge") is None and (d / "t-c.pickle").exists()


def test_the_same_file_at_two_paths_is_one_entry(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    a, b = tmp_path / "a.casus", tmp_path / "sub" / "b.casus"
    b.parent.mkdir()
    for p in (a, b):
        p.write_text(KURSK, encoding="utf-8")
    ra = cli("run", a, "--format", "json")
    rb = cli("run", b, "--format", "json")
    assert len(list(d.glob("scenarios-*.pickle"))) == 1
    assert str(b) in rb.stdout and str(a) not in rb.stdout  # the entry takes the path it is read for
    assert rb.stdout == ra.stdout.replace(str(a), str(b))
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    assert cli("run", b, "--format", "json").stdout == rb.stdout


def test_cache_clear_empties_the_folder(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    assert cli("run", "kursk_2024").exit_code == 0
    (d / "notes.txt").write_text("not casus's", encoding="utf-8")
    n = len(list(d.glob("*.pickle"))) + 1  # and the key
    r = cli("cache", "clear")
    assert r.exit_code == 0 and r.stdout == f"removed {n} files from {d}\n"
    assert sorted(f.name for f in d.iterdir()) == ["notes.txt"]
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    r = cli("cache", "clear")
    assert r.exit_code == 0 and "caching is off" in r.stdout


@pytest.mark.parametrize("how", ["no MAC", "wrong MAC", "world-writable"])
def test_a_planted_grammar_entry_never_runs(tmp_path, monkeypatch, how) -> None:  # type: ignore[no-untyped-def]
    """The compiled grammar in the cache (used when the shipped tables are not: another Lark) is
    authenticated like every entry: a planted one never runs, and is replaced."""
    from engine.language import syntax

    d = tmp_path / "cache"
    monkeypatch.setenv("CASUS_CACHE_DIR", str(d))
    monkeypatch.setattr(syntax, "shipped_parser", lambda *a, **k: None)
    syntax.parser.cache_clear()
    try:
        syntax.parser()  # compiled and cached
        [entry] = d.glob("grammar-*.pickle")
        marker = tmp_path / "PWNED"
        planted = plant(d, marker, "wrong MAC" if how == "wrong MAC" else "no MAC" if how == "no MAC" else "right MAC")
        if how == "world-writable":
            entry.chmod(0o646)
        syntax.parser.cache_clear()
        tree = syntax.parser().parse('scenario "s" {\n  2020-01-01  threat(on: PL)\n}\n')
        assert not marker.exists(), f"planted code ran ({how})"
        assert tree.data == "start"
        assert entry.read_bytes() != planted[entry] and entry.read_bytes().startswith(cache._MAGIC)
    finally:
        syntax.parser.cache_clear()
