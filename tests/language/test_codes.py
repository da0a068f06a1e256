"""The ISO 3166 codes shipped beside the grammar (grammar/iso3166.json, engine/language/codes.py):
the codes pycountry has, used only while their stamp names the data files of the pycountry
installed; a run without a cache then never imports pycountry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.language import codes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_tables() -> Iterator[None]:
    """The code tables worked out again in each test (they are kept once per process)."""
    def clear() -> None:
        for f in (codes.countries, codes.subdivisions, codes.shipped_codes):
            f.cache_clear()

    clear()
    yield
    clear()


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """The shipped codes when the pycountry installed is the one they were read from, else codes
    written now from this pycountry (so that the tests below test the mechanism whatever
    pycountry is installed)."""
    if codes.shipped_codes() is not None:
        return codes.codes_path()
    return codes.write_codes(tmp_path / "iso3166.json")


def test_the_shipped_codes_are_this_pycountrys(regen: bool) -> None:
    """After upgrading pycountry, `pytest --regen` rewrites grammar/iso3166.json. (Codes read from
    another pycountry are never used, so another pycountry installed is no error here: casus asks
    it instead, slower to start without a cache.)"""
    import importlib.metadata

    if regen and codes.shipped_codes() is None:
        codes.write_codes()
        codes.shipped_codes.cache_clear()
    saved = json.loads(codes.codes_path().read_text(encoding="utf-8"))
    if saved["stamp"] != codes._codes_stamp():
        pytest.skip(f"grammar/iso3166.json is from another pycountry than {importlib.metadata.version('pycountry')}")
    assert codes.shipped_codes() is not None


def test_the_shipped_codes_are_pycountrys_codes(shipped: Path) -> None:
    got = codes.shipped_codes(shipped)
    assert got is not None
    assert got["countries"] == codes._from_pycountry("countries")
    assert got["subdivisions"] == codes._from_pycountry("subdivisions")
    assert {"RU", "UA", "KP"} <= got["countries"] and "RU-KRS" in got["subdivisions"]


def test_codes_from_another_pycountry_are_not_used(shipped: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    saved = json.loads(shipped.read_text(encoding="utf-8"))
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**saved, "stamp": {"pycountry_iso3166_sha256": "0" * 64},
                                 "countries": ["ZZ"], "subdivisions": ["ZZ-AA"]}), encoding="utf-8")
    assert codes.shipped_codes(stale) is None
    for damaged in ("", "{", "[]", json.dumps({"stamp": saved["stamp"]})):  # unreadable or incomplete: not used
        stale.write_text(damaged, encoding="utf-8")
        codes.shipped_codes.cache_clear()
        assert codes.shipped_codes(stale) is None, damaged
    # a run without a cache then takes the tables from pycountry
    monkeypatch.setenv("CASUS_CACHE_DIR", "")
    monkeypatch.setattr(codes, "codes_path", lambda: stale)
    assert codes.is_country("RU") and not codes.is_country("ZZ") and codes.is_territory("RU-KRS")
    assert codes.subdivisions() == codes._from_pycountry("subdivisions")


def test_without_pycountry_data_files_nothing_is_shipped(monkeypatch: pytest.MonkeyPatch, shipped: Path) -> None:
    monkeypatch.setattr(codes, "_data_files", lambda: None)
    assert codes._codes_stamp() is None and codes.shipped_codes(shipped) is None


def test_a_run_without_a_cache_does_not_import_pycountry(shipped: Path) -> None:
    if shipped != codes.codes_path():
        pytest.skip("the shipped codes are from another pycountry")
    code = ("import sys\n"
            "from engine.cli import main\n"
            "main(['run', 'kursk_2024'], standalone_mode=False)\n"
            "print('IMPORTED', 'pycountry' in sys.modules)\n")
    env = {**os.environ, "CASUS_CACHE_DIR": "", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert "IMPORTED False" in out and "ru_kp_2024" in out
