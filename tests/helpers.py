"""Small helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

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


PEERS_MISSING = ("the peers' folder (../shared/peers beside the repository, or $CASUS_PEERS) is missing: "
                 "nothing to compare with")


def in_ci() -> bool:
    """Whether the tests run in CI: CI=true, as CI services (and .ci/run) set it."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")  # as test_report_html reads it


def require_peers() -> Path:
    """The peers' folder (bench/peers.py `peers_dir`), for a test that compares casus with the
    peer evaluators. Missing, it skips the test on a developer's machine, and fails it in CI: a
    comparison must not go quietly missing from a build."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:  # bench/ is beside engine/ in the checkout
        sys.path.insert(0, root)
    from bench import peers as P

    found = P.peers_dir()
    if found is None:
        if in_ci():
            pytest.fail(f"{PEERS_MISSING}; in CI (CI=true) that is a failure, not a skip: put the peers "
                        "beside the repository or point $CASUS_PEERS at them", pytrace=False)
        pytest.skip(PEERS_MISSING)
    return found


DASK_MISSING = "dask.distributed is not installed (pip install 'casus-foederis[dask]'): no cluster to run on"


def require_dask() -> Any:
    """The `distributed` module, for a test that runs casus on a Dask cluster. Missing, it skips
    the test on a developer's machine, and fails it in CI (.ci/run installs the `dask` extra): the
    cluster tests must not go quietly missing from a build."""
    try:
        import distributed
    except ImportError:
        if in_ci():
            pytest.fail(f"{DASK_MISSING}; in CI (CI=true) that is a failure, not a skip", pytrace=False)
        pytest.skip(DASK_MISSING)
    return distributed
