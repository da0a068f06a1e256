"""ISO 3166 party and territory codes, through pycountry.

The code tables are read from the on-disk cache (engine/base/cache.py) when pycountry's data files
are unchanged, so that most runs never import pycountry (loading it and its tables costs tens
of milliseconds at start-up)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from engine.base.errors import suggest


def _pycountry() -> Any:
    import pycountry

    return pycountry


@lru_cache(maxsize=1)
def data_stamp() -> str | None:
    """What pycountry's code tables are made from, without importing it: where it is installed
    and the size and modification time of its ISO 3166 data files. None when it cannot be told
    (then the tables come from pycountry itself, uncached)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("pycountry")
        if spec is None or not spec.origin:
            return None
        data = os.path.join(os.path.dirname(spec.origin), "databases")
        parts = [spec.origin]
        for name in ("iso3166-1.json", "iso3166-2.json"):
            st = os.stat(os.path.join(data, name))
            parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    except (ImportError, ValueError, OSError):
        return None
    return "\n".join(parts)


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
    return _table("countries", lambda: frozenset(c.alpha_2 for c in _pycountry().countries))


@lru_cache(maxsize=1)
def subdivisions() -> frozenset[str]:
    """All ISO 3166-2 codes."""
    return _table("subdivisions", lambda: frozenset(s.code for s in _pycountry().subdivisions))


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
