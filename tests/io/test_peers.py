"""Agreement with the independent peer evaluators (`../shared/peers`, issue 6 item 2), on a small
sample generated at test time with the peers' own generator: bench/peers.py translates their
rules and scenarios into casus, and casus's activations (treaty, provision, bearer, beneficiary,
activation date) must equal those of the peers' naive oracle (reference.py) and of hand.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PEERS_MISSING, require_peers

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import peers as P

# Every test here but test_translation_reads_aloud needs the peers: without them, each skips on
# a developer's machine and fails in CI (`require_peers`).


def gen(tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    with open(out, "w") as f:
        subprocess.run([sys.executable, str(require_peers() / "gen.py"), *args], stdout=f, check=True)
    return out


def peer_rows(tmp: Path, evaluator: str, rules: Path, scen: Path) -> set[tuple[object, ...]]:
    out = tmp / f"{evaluator}.tsv"
    P.run_peer(require_peers(), evaluator, rules, scen, out)
    return set(P.read_tsv(out))


def casus_rows(tmp: Path, rules: Path, scen: Path) -> list[tuple[object, ...]]:
    """casus's activations, read from its result JSON; its CSV (`--format csv`, compiled code
    where the treaties allow it) must give the same ones."""
    tr = P.Translator(json.loads(rules.read_text()))
    lib = tr.write(tmp / "lib")
    with open(scen) as f:
        rows = list(P.casus_activations(tr, lib, f))
    with open(scen) as f:
        assert sorted(P.casus_activations(tr, lib, f, fmt="csv")) == sorted(rows)
    return rows


def test_generated_rules_and_scenarios_agree(tmp_path: Path) -> None:
    rules = gen(tmp_path, "rules.json", "rules", "--treaties", "12", "--seed", "1")
    scen = gen(tmp_path, "s.jsonl", "scenarios", "-n", "150", "--seed", "7")
    ours = casus_rows(tmp_path, rules, scen)
    want = peer_rows(tmp_path, "reference", rules, scen)
    assert len(ours) == len(set(ours)), "an activation reported twice"
    assert want == peer_rows(tmp_path, "hand", rules, scen)
    assert len(want) > 1_000  # the sample exercises the rules
    assert set(ours) == want, (sorted(want - set(ours))[:5], sorted(set(ours) - want)[:5])


def test_edge_rules_agree(tmp_path: Path) -> None:
    # pure negation, role-only provision, not(not), single-child all, literal party, not seq within 0
    rules = require_peers() / "edge_rules.json"
    scen = gen(tmp_path, "edge.jsonl", "scenarios", "-n", "8", "--min-events", "1", "--max-events", "25",
               "--seed", "11")
    ours = casus_rows(tmp_path, rules, scen)
    want = peer_rows(tmp_path, "reference", rules, scen)
    assert want and set(ours) == want, (sorted(want - set(ours))[:5], sorted(set(ours) - want)[:5])


def test_distinct_variables_beyond_bearer_and_beneficiary(tmp_path: Path) -> None:
    """A third variable must differ from the others: casus has no `!=`, so the translation uses
    the `peer_pairs` helper. casus keeps one instance per (bearer, beneficiary): where several
    values of the third variable activate it, it reports the earliest, so the peers' rows are
    compared reduced to their earliest day per pair."""
    rules = {"parties": [f"P{i:02d}" for i in range(20)], "treaties": [
        {"id": "D1", "members": ["P00", "P01", "P02", "P03"], "roles": {"G": "P09"}, "provisions": [
            {"id": "third", "vars": ["X", "Y", "Z"], "bearer": "Y", "beneficiary": "X", "action": "help",
             "when": {"all": [{"event": "armed_attack", "actor": "Z", "target": "X"},
                              {"not": {"event": "ceasefire", "actor": "Z", "target": "Y"}}]}},
            {"id": "guard", "vars": ["X", "Z"], "bearer": "G", "beneficiary": "X", "action": "help",
             "when": {"any": [{"event": "sanctions", "actor": "Z", "target": "_"},
                              {"event": "border_incident", "actor": "X", "target": "Z"}]}}]}]}
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules))
    tr = P.Translator(rules)
    text = tr.treaties_text()
    assert "peer_pairs activated for Z by Y" in text and "peer_pairs activated for Z by X" in text
    scen = gen(tmp_path, "s.jsonl", "scenarios", "-n", "25", "--min-events", "5", "--max-events", "30", "--seed", "3")
    ours = casus_rows(tmp_path, path, scen)
    earliest: dict[tuple[object, ...], int] = {}
    for *key, day in peer_rows(tmp_path, "reference", path, scen):
        k = tuple(key)
        earliest[k] = min(day, earliest.get(k, day))  # type: ignore[call-overload]
    want = {(*k, d) for k, d in earliest.items()}
    assert want and set(ours) == want, (sorted(want - set(ours))[:5], sorted(set(ours) - want)[:5])


def test_translation_reads_aloud() -> None:
    """The mapping in a few lines: seq -> `B within N days after A`, `_` roles left out, bearer
    variable -> `each other party`, constant beneficiary, codes for parties, no-event guard."""
    rules = {"parties": [f"P{i:02d}" for i in range(20)], "treaties": [
        {"id": "T1", "members": ["P00", "P01"], "roles": {"G": "P02"}, "provisions": [
            {"id": "art1", "vars": ["X"], "bearer": "G", "beneficiary": "X", "action": "defend",
             "when": {"seq": [{"event": "armed_attack", "actor": "_", "target": "X"},
                              {"event": "request_assistance", "actor": "X", "target": "G"}], "within": 10}},
            {"id": "art2", "vars": ["X", "Y"], "bearer": "Y", "beneficiary": "X", "action": "consult",
             "when": {"not": {"event": "ceasefire", "actor": "X", "target": "Y"}}}]}]}
    tr = P.Translator(rules)
    text = tr.treaties_text()
    assert "parties FR, DE, IT" in text and "scope peer_members { FR, DE }" in text
    assert ("when (request_assistance(actor: X, target: IT) within 10 days after armed_attack(target: X)) "
            "and X in scope peer_members") in text
    assert "then IT must defend(to: X)" in text
    assert "then each other party Y must consult(to: X)" in text and "peer_event()" in text
    assert tr.scenario({"id": "s1", "events": [[3, "armed_attack", "P01", "P00"]]}) == {
        "name": "s1", "events": [{"kind": "armed_attack", "date": "2025-01-04", "actor": "DE", "target": "FR"}]}


@pytest.mark.parametrize("rules_args", [("--treaties", "12", "--seed", "1"), ("--treaties", "48", "--seed", "2"),
                                        ("edge",)])
def test_simple_provisions_worked_out_directly_give_the_walks_result(
        tmp_path: Path, rules_args: tuple[str, ...]) -> None:
    """The peers' rules are what `DirectPath.run` takes without walking instants: its
    result JSON (dates, `because`, everything) must be the walk's, byte for byte, and it must
    take most of the provisions (else this compares nothing); the compiled code's too."""
    from engine.api import load_library
    from engine.core.options import EvalOptions
    from engine.io.batch import run_batch

    peers = require_peers()
    rules = peers / "edge_rules.json" if rules_args == ("edge",) else gen(tmp_path, "rules.json", "rules", *rules_args)
    scen = gen(tmp_path, "s.jsonl", "scenarios", "-n", "60", "--min-events", "1", "--max-events", "60", "--seed", "5")
    tr = P.Translator(json.loads(rules.read_text()))
    lib = load_library(str(tr.write(tmp_path / "lib")))
    lines = list(tr.scenario_lines(scen.read_text().splitlines()))
    options = EvalOptions(compiled=False).counting()
    direct = list(run_batch(lib, lines, options=options))
    taken = options.counts
    assert taken is not None
    # the edge rules: 180 of 420 (the rest read helper provisions)
    assert taken.direct > 0.4 * (taken.direct + taken.walked)
    walked = list(run_batch(lib, lines, options=EvalOptions(direct_simple=False, compiled=False)))
    assert list(run_batch(lib, lines)) == direct  # and the compiled code's, as a batch runs by default
    assert sum(len(json.loads(x)["results"][0]["instances"]) for x in direct) > 50
    for a, b in zip(direct, walked, strict=True):
        assert a == b


# ---------------------------------------------------------------------------- without the peers


def test_missing_peers_skip_on_a_machine_and_fail_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(P, "peers_dir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="peers' folder .* is missing"):
        require_peers()
    for ci in ("true", "TRUE", "1", "yes"):
        monkeypatch.setenv("CI", ci)
        with pytest.raises(pytest.fail.Exception, match="in CI .* a failure, not a skip"):
            require_peers()
    monkeypatch.setattr(P, "peers_dir", lambda: tmp_path)
    assert require_peers() == tmp_path  # present: found, in CI or not


def test_missing_peers_are_reported_failed_by_pytest_in_ci(tmp_path: Path) -> None:
    """As pytest reports it, in a subprocess: a peer comparison without the peers is `failed`
    under CI=true (exit code 1), `skipped` without CI (exit code 0)."""
    test = tmp_path / "test_needs_peers.py"
    test.write_text("from bench import peers as P\n"
                    "from helpers import require_peers\n\n\n"
                    "def test_compares(monkeypatch):\n"
                    "    monkeypatch.setattr(P, 'peers_dir', lambda: None)\n"
                    "    require_peers()\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), str(ROOT)])

    def run(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:casus",
                               str(test)], cwd=tmp_path, env={**env, **extra}, capture_output=True, text=True,
                              timeout=300)

    here = run({})
    assert here.returncode == 0, here.stdout + here.stderr
    assert "1 skipped" in here.stdout and PEERS_MISSING in here.stdout
    ci = run({"CI": "true"})
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "1 failed" in ci.stdout and "skipped" not in ci.stdout
    assert "not a skip" in ci.stdout
