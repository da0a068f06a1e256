"""Small helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import engine

# the seed's Kursk scenario, with its expectations, as a user would write it
KURSK = """\
scenario "Kursk" {
  2024-08-06..2025-03-12  armed_attack(by: UA, at: RU-KRS)
  2024-08-06..2025-03-12  state_of_war(party: RU)
  2024-12-10              assist(by: KP, to: RU)
  expect ru_kp_2024.art4 KP -> RU fulfilled since 2024-12-10, activated 2024-12-04
  expect nothing from ru_by_2024
}
"""


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
