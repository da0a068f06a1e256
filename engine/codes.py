"""ISO 3166 party and territory codes, through pycountry."""

from __future__ import annotations

from functools import lru_cache

import pycountry

from .errors import suggest


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def subdivisions() -> frozenset[str]:
    """All ISO 3166-2 codes (read from the cache when possible: pycountry's table is large)."""
    from . import cache

    name = f"subdivisions-{cache.key(getattr(pycountry, '__version__', '') or str(pycountry.__file__))}"
    got = cache.load(name)
    if isinstance(got, frozenset):
        return got
    codes = frozenset(s.code for s in pycountry.subdivisions)
    cache.save(name, codes)
    return codes


def country_name(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code)
    return c.name if c else code


def territory_name(code: str) -> str:
    if "-" in code:
        s = pycountry.subdivisions.get(code=code)
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
