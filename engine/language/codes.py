"""ISO 3166 party and territory codes, through pycountry.

The code tables are read from the on-disk cache (engine/base/cache.py) when pycountry's data files
are unchanged, so that most runs never import pycountry (loading it and its tables costs tens
of milliseconds at start-up). Without a cache they come from the codes shipped beside the
grammar (grammar/iso3166.json, written by `write_codes`), used only when their stamp names the
very data files of the pycountry installed (their SHA-256); else from pycountry itself. Importing
pycountry and reading its 5,000 subdivisions was a fifth of a run without a cache."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.base.errors import suggest

_DATA_FILES = ("iso3166-1.json", "iso3166-2.json")  # pycountry's, in its `databases` folder


def _pycountry() -> Any:
    import pycountry

    return pycountry


@lru_cache(maxsize=1)
def data_stamp() -> str | None:
    """What pycountry's code tables are made from, without importing it: where it is installed
    and the size and modification time of its ISO 3166 data files. None when it cannot be told
    (then the tables come from pycountry itself, uncached)."""
    try:
        found = _data_files()
        if found is None:
            return None
        origin, files = found
        parts = [origin]
        for f in files:
            st = os.stat(f)
            parts.append(f"{os.path.basename(f)}:{st.st_size}:{st.st_mtime_ns}")
    except OSError:
        return None
    return "\n".join(parts)


def _data_files() -> tuple[str, list[str]] | None:
    """pycountry's `__init__.py` and its ISO 3166 data files, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pycountry")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    data = os.path.join(os.path.dirname(spec.origin), "databases")
    return spec.origin, [os.path.join(data, name) for name in _DATA_FILES]


def codes_path() -> Path:
    from engine.base.paths import grammar_path

    return grammar_path().with_name("iso3166.json")


def _codes_stamp() -> dict[str, str] | None:
    """What shipped codes are good for: the content of pycountry's ISO 3166 data files (None if
    they cannot be read)."""
    import hashlib

    found = _data_files()
    if found is None:
        return None
    h = hashlib.sha256()
    try:
        for f in found[1]:
            with open(f, "rb") as data:
                blob = data.read()
            h.update(len(blob).to_bytes(8, "little"))
            h.update(blob)
    except OSError:
        return None
    return {"pycountry_iso3166_sha256": h.hexdigest()}


def _from_pycountry(what: str) -> frozenset[str]:
    """`countries` (ISO 3166-1 alpha-2) or `subdivisions` (ISO 3166-2), as pycountry has them."""
    if what == "countries":
        return frozenset(c.alpha_2 for c in _pycountry().countries)
    return frozenset(s.code for s in _pycountry().subdivisions)


def write_codes(path: Path | None = None) -> Path:
    """Write the ISO 3166 codes casus needs, from the pycountry installed, beside the grammar (or
    to `path`), stamped with what they were read from. Run after upgrading pycountry (`pytest
    --regen`, or tests/regen.py): until then a run without a cache imports pycountry (and
    tests/language/test_codes.py skips, saying so)."""
    from engine.base.output import write_file

    out = path or codes_path()
    codes = {what: sorted(_from_pycountry(what)) for what in ("countries", "subdivisions")}
    write_file(out, json.dumps({"stamp": _codes_stamp(), **codes}, sort_keys=True, indent=0) + "\n")
    return out


@lru_cache(maxsize=2)
def shipped_codes(path: Path | None = None) -> dict[str, frozenset[str]] | None:
    """The codes shipped beside the grammar (`write_codes`), if they were read from the data files
    of the pycountry installed (else None: ask pycountry)."""
    try:
        saved = json.loads((path or codes_path()).read_bytes())
        stamp = _codes_stamp()
        if stamp is None or saved.get("stamp") != stamp:
            return None
        return {what: frozenset(saved[what]) for what in ("countries", "subdivisions")}
    except Exception:  # noqa: BLE001 - missing or unreadable: pycountry instead
        return None


def _computed(what: str) -> frozenset[str]:
    """A code table without the cache: shipped when it may be, else from pycountry."""
    shipped = shipped_codes()
    if shipped is not None:
        return shipped[what]
    return _from_pycountry(what)


def _table(what: str, compute: Callable[[], frozenset[str]]) -> frozenset[str]:
    """A code table, from the cache when pycountry's data files are unchanged."""
    from engine.base import cache

    stamp = data_stamp()
    if stamp is None:
        return compute()
    name = f"{what}-{cache.key(stamp)}"
    got = cache.load(name)
    if isinstance(got, frozenset) and got:
        return got
    codes = compute()
    cache.save(name, codes)
    return codes


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """All ISO 3166-1 alpha-2 codes."""
    return _table("countries", lambda: _computed("countries"))


@lru_cache(maxsize=1)
def subdivisions() -> frozenset[str]:
    """All ISO 3166-2 codes."""
    return _table("subdivisions", lambda: _computed("subdivisions"))


def country_name(code: str) -> str:
    c = _pycountry().countries.get(alpha_2=code)
    return c.name if c else code


def territory_name(code: str) -> str:
    if "-" in code:
        s = _pycountry().subdivisions.get(code=code)
        return s.name if s else code
    return country_name(code)


def is_country(code: str) -> bool:
    return code in countries()


def is_territory(code: str) -> bool:
    return code in countries() or code in subdivisions()


def country_of(territory: str) -> str:
    return territory.split("-", 1)[0]


def suggest_country(code: str) -> tuple[str, ...]:
    """Codes close to `code`, plus the code whose English name starts with what was typed."""
    out = list(suggest(code, countries(), n=3))
    common = {"UK": "GB", "EL": "GR", "KS": "XK"}
    if code in common:
        out.insert(0, common[code])
    return tuple(dict.fromkeys(out))[:3]


def suggest_territory(code: str) -> tuple[str, ...]:
    country = country_of(code)
    if country in countries():
        pool = [s for s in subdivisions() if s.startswith(country + "-")]
        return suggest(code, pool, n=3)
    return suggest(code, countries() | subdivisions(), n=3)
