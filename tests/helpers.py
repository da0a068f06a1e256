"""Small helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import engine


def instances(result: engine.Result, treaty: str | None = None, provision: str | None = None) -> list[Any]:
    """Instances of a Result, optionally of one treaty / provision."""
    out = []
    for tr in result.results:
        if treaty is not None and tr.treaty != treaty:
            continue
        for i in tr.instances:
            if provision is None or i.provision == provision:
                out.append(i)
    return out


def by_pair(result: engine.Result, treaty: str, provision: str) -> dict[tuple[str, str], Any]:
    """{(bearer, beneficiary): instance} for one provision."""
    return {(i.bearer, i.beneficiary): i for i in instances(result, treaty, provision)}


def timeline(inst: Any) -> list[tuple[str, str]]:
    return [(t.date, t.status) for t in inst.timeline]


def result_dict(result: engine.Result) -> Any:
    return json.loads(result.to_json())
