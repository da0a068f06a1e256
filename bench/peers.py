"""casus against the peer evaluators (`../shared/peers`): translation, agreement, throughput.

The peers evaluate one simple obligation semantics (their README, "Semantics") over a neutral
rule format (rules.json) and scenario format (JSON Lines of `[day, kind, actor, target]`). This
module translates both into casus — `.casus` treaties plus a generated vocabulary, and SPEC JSON
scenarios — runs casus through its batch API, and checks that casus's activations (treaty,
provision, bearer, beneficiary, activation date) equal the peers' exactly.

    python3 -m bench.peers agree  [--data DIR] [--cases check2k,check_big,edge] [--peer hand|reference]
    python3 -m bench.peers translate RULES.json SCENARIOS.jsonl OUTDIR
    python3 -m bench.peers speed  [--data DIR] [--full]          (also part of `python3 -m bench`)

The mapping (see `Translator`):

* parties P00..P19 -> 20 real ISO 3166-1 codes (casus checks codes); day d -> BASE + d days;
  every event is a one-day fact `kind(actor: A, target: T)` of a generated vocabulary in which
  every peer kind `is peer_event`;
* a treaty's casus parties are its peer members plus any party that a role or a literal makes a
  bearer or a beneficiary (casus creates instances only for members); where these differ from the
  peer members, each variable is confined to the peer members by a treaty scope
  (`X in scope peer_members`), minus the party on the other side when that side is a constant;
* bearer variable -> `each other party Y` (members other than the beneficiary: bearer !=
  beneficiary, as the peers require); constant bearer -> the code;
* event atom -> the atom, `_` roles left out; `all`/`any`/`not` -> `and`/`or`/`not`;
  `seq [A, B] within N` -> `B within N days after A` (0..N days, inclusive, both by the instant);
  `seq [A, B]` -> `B after A` (on or after);
* the peers evaluate only at event days; casus also at the treaty's entry into force. A
  condition that holds with no event at all (`not …`) therefore gets `and peer_event()`: some
  event has happened, so it can first hold on an event day, as in the peers;
* a variable the condition does not bind on every branch (under `not` only, or in one branch of
  an `or`) is bound to every member by a helper provision (`peer_members activated for C by X`:
  `peer_members` is active for every member from entry into force); a condition in which the
  bearer variable appears only under `not` is split into `when` (the parts that bind the
  beneficiary) and `upon` (the rest), because casus's checker does not count the bearer of
  `each other party Y` as bound in `when` (it does in `upon`); activation then needs both, which
  is the conjunction;
* two variables other than the bearer/beneficiary pair must differ: a second helper,
  `peer_pairs` (`each other party Z must … (to: X)`, one active instance per ordered pair of
  distinct members), gives `peer_pairs activated for X by Z`. The peers' data never needs it; it
  is tested on a rule set of our own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python3 bench/peers.py` from anywhere
    sys.path.insert(0, str(ROOT))

BASE = dt.date(2025, 1, 1)
BASE_ORD = BASE.toordinal()
# P00..P19 -> real ISO 3166-1 alpha-2 codes (casus validates party codes against pycountry)
CODES = ("FR", "DE", "IT", "ES", "PL", "NL", "BE", "SE", "NO", "FI",
         "DK", "PT", "GR", "TR", "RO", "HU", "CZ", "AT", "IE", "CH")
PEER_KINDS = ("armed_attack", "state_of_war", "imminent_threat", "request_assistance", "heads_agree",
              "border_incident", "ceasefire", "mobilization", "cyber_attack", "sanctions")
HELPERS = frozenset({"peer_members", "peer_pairs"})
CASES = {  # name -> (rules file in the data folder or the peers folder, scenario file)
    "check2k": ("rules.json", "check2k.jsonl"),
    "check_big": ("rules48.json", "check_big.jsonl"),
    "edge": ("edge_rules.json", "edge.jsonl"),
}


def peers_dir() -> Path | None:
    """The peers' folder: $CASUS_PEERS, or `shared/peers` beside the repository."""
    env = os.environ.get("CASUS_PEERS")
    for p in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "peers"]:
        if (p / "gen.py").is_file():
            return p
    return None


# ---------------------------------------------------------------------------- translation

# A small condition IR: ("atom", kind, roles) with roles {"actor"/"target": ("var", X) |
# ("code", C)}, ("seq", first, then, within), ("and", [..]), ("or", [..]), ("not", c),
# ("true",), ("false",), ("scope", var, name), ("state", provision, beneficiary, bearer)
Cond = tuple


@dataclass
class ProvisionPlan:
    pid: str
    bearer: str  # casus text: "each other party Y" or a code
    action: str
    beneficiary: str  # casus text: a variable or a code
    when: Cond
    upon: Cond | None
    encodings: list[str] = field(default_factory=list)


@dataclass
class TreatyPlan:
    peer_id: str
    cid: str
    title: str
    parties: list[str]
    peer_members: list[str]
    scopes: dict[str, list[str]]
    provisions: list[ProvisionPlan]
    helpers: set[str]


class TranslationError(ValueError):
    pass


class Translator:
    """A peer rule set as casus files (`files()`), and peer scenarios as JSON scenarios."""

    def __init__(self, rules: dict[str, Any]):
        self.rules = rules
        parties = rules.get("parties") or [f"P{i:02d}" for i in range(20)]
        if len(parties) > len(CODES):
            raise TranslationError(f"{len(parties)} parties; the translation maps at most {len(CODES)}")
        self.code = {p: CODES[i] for i, p in enumerate(parties)}
        self.party = {c: p for p, c in self.code.items()}
        kinds: set[str] = set(PEER_KINDS)
        actions: set[str] = set()
        for t in rules["treaties"]:
            for p in t["provisions"]:
                kinds |= _kinds(p["when"])
                actions.add(p["action"])
        self.kinds = sorted(kinds)
        self.action_name = {a: (f"do_{a}" if a in kinds or a in ("peer_event", "peer_never") else a)
                            for a in sorted(actions)}
        self.treaty_ids: dict[str, str] = {}
        self.plans = [self._treaty(t) for t in rules["treaties"]]
        self.peer_treaty = {p.cid: p.peer_id for p in self.plans}

    # ------------------------------------------------------------ files
    def vocabulary(self) -> str:
        lines = ["# generated by bench/peers.py from a peer rule set: the peers' event kinds and actions",
                 "vocabulary peers {",
                 '  kind peer_event(actor?: party, target?: party) "any event of a peer scenario"',
                 '  kind peer_never() "never happens: not peer_never() holds from entry into force"']
        lines += [f"  kind {k}(actor?: party, target?: party) is peer_event" for k in self.kinds]
        lines += [f"  action {a}(by?: party, to?: party)" for a in sorted(set(self.action_name.values()))]
        lines += ["  action peer_member(by?: party, to?: party)", "  action peer_pair(by?: party, to?: party)", "}"]
        return "\n".join(lines) + "\n"

    def treaties_text(self) -> str:
        out = ["# generated by bench/peers.py from a peer rule set"]
        for t in self.plans:
            out.append(f'treaty {t.cid} "{t.title}" {{')
            out.append(f"  parties {', '.join(t.parties)}")
            out.append(f"  in force {BASE.isoformat()}")
            for name, codes in sorted(t.scopes.items()):
                out.append(f'  scope {name} {{ {", ".join(codes)} }}')
            anchor = t.parties[0]
            if t.helpers:
                out.append('  provision peer_members "every party, active from entry into force" article "-" {')
                out.append("    when not peer_never()")
                out.append(f"    then each party must peer_member(to: {anchor})")
                out.append("  }")
            if "peer_pairs" in t.helpers:
                out.append('  provision peer_pairs "every ordered pair of distinct parties" article "-" {')
                out.append(f"    when peer_members activated for {anchor} by X")
                out.append("    then each other party Z must peer_pair(to: X)")
                out.append("  }")
            for p in t.provisions:
                for e in p.encodings:
                    out.append(f"  # {e}")
                out.append(f'  provision {p.pid} "{p.pid}" article "{p.pid}" {{')
                out.append(f"    when {render(p.when, top=True)}")
                if p.upon is not None:
                    out.append(f"    upon {render(p.upon, top=True)}")
                out.append(f"    then {p.bearer} must {p.action}(to: {p.beneficiary})")
                out.append("  }")
            out.append("}")
        return "\n".join(out) + "\n"

    def write(self, folder: str | Path) -> Path:
        """Write the library (vocabulary + treaties) into `folder`; return it."""
        d = Path(folder)
        d.mkdir(parents=True, exist_ok=True)
        (d / "peer_vocabulary.casus").write_text(self.vocabulary(), encoding="utf-8")
        (d / "peer_treaties.casus").write_text(self.treaties_text(), encoding="utf-8")
        return d

    # ------------------------------------------------------------ scenarios
    def scenario(self, peer: dict[str, Any]) -> dict[str, Any]:
        events = []
        for day, kind, actor, target in peer["events"]:
            if kind not in self.kinds:
                raise TranslationError(f"scenario {peer['id']}: kind '{kind}' is not in the vocabulary")
            events.append({"kind": kind, "date": dt.date.fromordinal(BASE_ORD + int(day)).isoformat(),
                           "actor": self.code[actor], "target": self.code[target]})
        return {"name": peer["id"], "events": events}

    def scenario_lines(self, lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            if line.strip():
                yield json.dumps(self.scenario(json.loads(line)), separators=(",", ":"))

    def activations(self, result: dict[str, Any]) -> Iterator[tuple[str, str, str, str, str, int]]:
        """The peers' output rows from one casus result JSON."""
        sid = result["scenario"]["name"]
        for tr in result["results"]:
            tid = self.peer_treaty.get(tr["treaty"])
            if tid is None:
                continue
            for i in tr["instances"]:
                if i["activated"] is None or i["provision"] in HELPERS:
                    continue
                day = dt.date.fromisoformat(i["activated"]).toordinal() - BASE_ORD
                yield (sid, tid, i["provision"], self.party[i["bearer"]], self.party[i["beneficiary"]], day)

    # ------------------------------------------------------------ one treaty
    def _treaty(self, t: dict[str, Any]) -> TreatyPlan:
        cid = t["id"].lower()
        if not _is_name(cid) or cid in self.treaty_ids.values():
            raise TranslationError(f"treaty id '{t['id']}' has no distinct casus name")
        self.treaty_ids[t["id"]] = cid
        members = [self.code[m] for m in t["members"]]
        roles = {r: self.code[p] for r, p in t.get("roles", {}).items()}
        parties = list(dict.fromkeys(members))
        for p in t["provisions"]:
            for side in (p["bearer"], p["beneficiary"]):
                if side not in p["vars"]:
                    c = self._const(side, roles)
                    if c not in parties:
                        parties.append(c)
        plan = TreatyPlan(t["id"], cid, f"{t['id']} ({t.get('template', 'peer rules')})", parties,
                          list(dict.fromkeys(members)), {}, [], set())
        for p in t["provisions"]:
            pp = self._provision(plan, p, roles)
            if pp is not None:
                plan.provisions.append(pp)
        return plan

    def _const(self, term: str, roles: dict[str, str]) -> str:
        if term in roles:
            return roles[term]
        if term in self.code:
            return self.code[term]
        raise TranslationError(f"'{term}' is neither a variable, a role nor a party")

    def _scope(self, plan: TreatyPlan, excluded: str | None, casus_excludes: bool = False) -> str | None:
        """The scope confining a variable to the peer members (minus `excluded`), or None when
        casus's own range is that already: the treaty's parties, minus `excluded` when casus
        leaves it out itself (`each other party` does; a code bearer does not, so casus would
        make a party its own beneficiary)."""
        allowed = [m for m in plan.peer_members if m != excluded]
        if set(allowed) == set(plan.parties) - ({excluded} if casus_excludes else set()):
            return None
        name = "peer_members" if excluded is None or excluded not in plan.peer_members else \
            f"peer_members_but_{excluded.lower()}"
        plan.scopes[name] = allowed
        return name

    def _provision(self, plan: TreatyPlan, p: dict[str, Any], roles: dict[str, str]) -> ProvisionPlan | None:
        pid = p["id"]
        if not _is_name(pid) or pid in HELPERS:
            raise TranslationError(f"provision id '{pid}' is not a casus name")
        pvars = list(p["vars"])
        for v in pvars:
            if not _is_var(v):
                raise TranslationError(f"variable '{v}' is not a casus variable (one capital, then lower case)")

        def term(x: str) -> tuple[str, str] | None:
            if x == "_":
                return None
            if x in pvars:
                return ("var", x)
            return ("code", self._const(x, roles))

        cond = self._cond(p["when"], term)
        b, e = term(p["bearer"]), term(p["beneficiary"])
        assert b is not None and e is not None
        encodings: list[str] = []
        if b[0] == "code" and e[0] == "code" and b[1] == e[1]:
            return None  # bearer == beneficiary: the peers never activate it
        bvar = b[1] if b[0] == "var" else None
        evar = e[1] if e[0] == "var" else None
        # the range of each variable: peer members, distinct from the constant on the other side
        guards: list[Cond] = []
        if bvar is not None:
            s = self._scope(plan, e[1] if evar is None else None, casus_excludes=True)
            if s is not None:
                guards.append(("scope", bvar, s))
        if evar is not None:
            s = self._scope(plan, b[1] if bvar is None else None)
            if s is not None:
                guards.append(("scope", evar, s))
        others = [v for v in pvars if v not in (bvar, evar)]
        for v in others:
            s = self._scope(plan, None)
            if s is not None:
                guards.append(("scope", v, s))
        distinct: list[Cond] = []
        if others:
            plan.helpers |= {"peer_members", "peer_pairs"}
            anchor = plan.parties[0]
            for i, v in enumerate(others):
                for w in [x for x in (bvar, evar) if x] + others[i + 1:]:
                    distinct.append(("state", "peer_pairs", v, w))
            encodings.append(f"{pid}: variables {', '.join(others)} other than bearer and beneficiary: "
                             "kept distinct with peer_pairs")
        needs_event = _holds_empty(p["when"])
        if needs_event:
            encodings.append(f"{pid}: holds with no event, so 'and peer_event()' (the peers look only at event days)")
        extra: list[Cond] = [("atom", "peer_event", {})] if needs_event else []
        bearer_text = f"each other party {bvar}" if bvar else b[1]
        action = self.action_name[p["action"]]
        # 1. everything in `when`
        when = _and([cond] + guards + distinct + extra)
        if _safe_when(when, evar, others):
            return ProvisionPlan(pid, bearer_text, action, e[1], when, None, encodings)
        # 2. `when` = the parts that bind positively, `upon` = the rest (the bearer counts as bound)
        items = list(cond[1]) if cond[0] == "and" else [cond]
        pos = [c for c in items if c[0] != "not" and _safe(c, set())[0]]
        rest = [c for c in items if not any(c is q for q in pos)]
        if pos:
            w_bound = _safe(_and(pos), set())[1]
            wguards = [g for g in guards if g[1] in w_bound]
            uguards = [g for g in guards if g[1] not in w_bound]
            when2 = _and(pos + wguards)
            upon2 = _and(rest + uguards + distinct + extra)
            outer = w_bound | ({bvar} if bvar else set())
            if (evar is None or evar in w_bound) and _safe(upon2, outer)[0] and _binds_all(upon2, outer, others):
                encodings.append(f"{pid}: the bearer is needed before casus counts it as bound "
                                 "(under 'not' or in a scope test): split into when/upon")
                return ProvisionPlan(pid, bearer_text, action, e[1], when2, upon2, encodings)
        # 3. bind the unbound variables to every member with the helper provision
        plan.helpers.add("peer_members")
        anchor = plan.parties[0]
        binders: list[Cond] = []
        bound: set[str] = set()
        if evar is not None:
            binders.append(("state", "peer_members", anchor, evar))
            bound.add(evar)
        for v in others:
            if not _binds_all(cond, set(), [v]):
                binders.append(("state", "peer_members", anchor, v))
                bound.add(v)
        wguards = [g for g in guards if g[1] in bound]
        uguards = [g for g in guards if g[1] not in bound]
        when3 = _and(binders + wguards) if binders else ("true",)
        upon3 = _and([cond] + uguards + distinct + extra)
        outer = bound | ({bvar} if bvar else set())
        if not _safe(upon3, outer)[0]:
            raise TranslationError(f"{plan.peer_id}.{pid}: no safe casus encoding found")
        encodings.append(f"{pid}: {', '.join(sorted(bound)) or 'no variable'} bound to every member by peer_members")
        return ProvisionPlan(pid, bearer_text, action, e[1], when3, upon3, encodings)

    def _cond(self, f: dict[str, Any], term: Any) -> Cond:
        if "event" in f:
            return self._atom(f, term)
        if "seq" in f:
            a, b = f["seq"]
            return ("seq", self._atom(a, term), self._atom(b, term), f.get("within"))
        if "all" in f:
            return _and([self._cond(c, term) for c in f["all"]])
        if "any" in f:
            items = [self._cond(c, term) for c in f["any"]]
            return ("false",) if not items else items[0] if len(items) == 1 else ("or", items)
        if "not" in f:
            return ("not", self._cond(f["not"], term))
        raise TranslationError(f"unknown condition {f}")

    def _atom(self, f: dict[str, Any], term: Any) -> Cond:
        roles = {}
        for role in ("actor", "target"):
            t = term(f.get(role, "_"))
            if t is not None:
                roles[role] = t
        return ("atom", f["event"], roles)


def _and(items: list[Cond]) -> Cond:
    flat: list[Cond] = []
    for c in items:
        if c[0] == "and":
            flat.extend(c[1])
        elif c[0] != "true":
            flat.append(c)
    if not flat:
        return ("true",)
    return flat[0] if len(flat) == 1 else ("and", flat)


def _kinds(f: dict[str, Any]) -> set[str]:
    if "event" in f:
        return {f["event"]}
    if "seq" in f:
        return {a["event"] for a in f["seq"]}
    if "not" in f:
        return _kinds(f["not"])
    return set().union(*(_kinds(c) for c in f.get("all", f.get("any", []))))


def _holds_empty(f: dict[str, Any]) -> bool:
    """Whether a peer condition holds before any event (so casus would see it at entry into force)."""
    if "event" in f or "seq" in f:
        return False
    if "not" in f:
        return not _holds_empty(f["not"])
    if "all" in f:
        return all(_holds_empty(c) for c in f["all"])
    return any(_holds_empty(c) for c in f["any"])


def _is_name(s: str) -> bool:
    import re

    return re.fullmatch(r"[a-z_][a-z0-9_]*", s) is not None


def _is_var(s: str) -> bool:
    import re

    return re.fullmatch(r"[A-Z]([a-z0-9_][A-Za-z0-9_]*)?", s) is not None


def _vars(c: Cond) -> set[str]:
    if c[0] == "atom":
        return {t[1] for t in c[2].values() if t[0] == "var"}
    if c[0] == "seq":
        return _vars(c[1]) | _vars(c[2])
    if c[0] in ("and", "or"):
        return set().union(*(_vars(i) for i in c[1]))
    if c[0] == "not":
        return _vars(c[1])
    if c[0] == "scope":
        return {c[1]}
    if c[0] == "state":
        return {x for x in (c[2], c[3]) if _is_var(x)}
    return set()


def _safe(c: Cond, outer: set[str]) -> tuple[bool, set[str]]:
    """casus's safety rule (engine/language/library.py `Checker.cond`): (safe, variables bound)."""
    k = c[0]
    if k in ("atom", "seq", "state"):
        return True, _vars(c)
    if k in ("true", "false"):
        return True, set()
    if k == "scope":
        return c[1] in outer, set()
    if k == "not":
        return _vars(c[1]) <= outer and _safe(c[1], outer)[0], set()
    if k == "and":
        bound, out, ok = set(outer), set(), True
        for item in sorted(c[1], key=lambda i: i[0] in ("not", "scope")):
            s, got = _safe(item, bound)
            ok &= s
            bound |= got
            out |= got
        return ok, out
    results = [_safe(i, outer) for i in c[1]]
    return all(r[0] for r in results), set.intersection(*(r[1] for r in results))


def _binds_all(c: Cond, outer: set[str], names: Iterable[str]) -> bool:
    got = _safe(c, outer)[1] | outer
    return all(n in got for n in names)


def _safe_when(c: Cond, evar: str | None, others: list[str]) -> bool:
    ok, bound = _safe(c, set())
    return ok and (evar is None or evar in bound) and all(v in bound for v in others)


def render(c: Cond, top: bool = False) -> str:
    k = c[0]
    if k == "atom":
        return f"{c[1]}({', '.join(f'{r}: {t[1]}' for r, t in c[2].items())})"
    if k == "seq":
        first, then, within = c[1], c[2], c[3]
        core = (f"{render(then)} within {within} days after {render(first)}" if within is not None
                else f"{render(then)} after {render(first)}")
        return core if top else f"({core})"
    if k in ("and", "or"):
        core = f" {k} ".join(render(i) for i in c[1])
        return core if top else f"({core})"
    if k == "not":
        return f"not {render(c[1])}"
    if k == "true":
        return "not peer_never()"
    if k == "false":
        return "peer_never()"
    if k == "scope":
        return f"{c[1]} in scope {c[2]}"
    if k == "state":
        return f"{c[1]} activated for {c[2]} by {c[3]}"
    raise AssertionError(c)


# ---------------------------------------------------------------------------- running casus


def casus_activations(tr: Translator, library_dir: str | Path, peer_lines: Iterable[str],
                      shard: tuple[int, int] | None = None, fmt: str = "json"
                      ) -> Iterator[tuple[str, str, str, str, str, int]]:
    """Translate peer scenarios, run them through casus's batch API in process, and yield the
    activations in the peers' row format: read from the result JSON (`fmt="json"`, the
    engine), or from the CSV (`fmt="csv"`, compiled code where the treaties allow it)."""
    import csv

    import engine
    from engine.io.batch import run_batch

    lib = engine.load_library(str(library_dir))
    out = run_batch(lib, tr.scenario_lines(peer_lines), shard=shard, path="<peers>", fmt=fmt)
    if fmt == "json":
        for text in out:
            yield from tr.activations(json.loads(text))
        return
    next(out)  # the header
    for block in out:
        for sid, treaty, pid, _, bearer, benef, _, activated, _ in csv.reader(block.split("\n")):
            tid = tr.peer_treaty.get(treaty)
            if tid is None or not activated or pid in HELPERS:
                continue
            day = dt.date.fromisoformat(activated).toordinal() - BASE_ORD
            yield (sid, tid, pid, tr.party[bearer], tr.party[benef], day)


def read_tsv(path: str | Path) -> list[tuple[str, str, str, str, str, int]]:
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                s, t, p, b, e, d = line.rstrip("\n").split("\t")
                rows.append((s, t, p, b, e, int(d)))
    return rows


def run_peer(peers: Path, evaluator: str, rules: Path, scenarios: Path, out: Path) -> None:
    subprocess.run([sys.executable, str(peers / f"{evaluator}.py"), str(rules), str(scenarios), "-o", str(out)],
                   check=True, stderr=subprocess.DEVNULL)


@dataclass
class Agreement:
    case: str
    scenarios: int
    peer: str
    peer_rows: int
    casus_rows: int
    missing: list[tuple[Any, ...]]  # the peers have it, casus does not
    extra: list[tuple[Any, ...]]  # casus has it, the peers do not
    duplicates: int
    seconds: float
    encodings: list[str]
    csv_differs: int = 0  # activations in casus's JSON or its CSV but not both
    csv_seconds: float = 0.0

    @property
    def agree(self) -> bool:
        return not self.missing and not self.extra and not self.duplicates and not self.csv_differs

    def summary(self) -> str:
        head = (f"{self.case}: {'AGREE' if self.agree else 'DISAGREE'} — {self.scenarios} scenarios, "
                f"{self.peer} {self.peer_rows} activations, casus {self.casus_rows}"
                f"{f' ({self.duplicates} duplicates)' if self.duplicates else ''}; "
                f"missing {len(self.missing)}, extra {len(self.extra)}; casus {self.seconds:.1f} s; "
                f"casus --format csv {'the same' if not self.csv_differs else f'{self.csv_differs} differ'}, "
                f"{self.csv_seconds:.1f} s")
        lines = [head]
        lines += [f"  missing {'  '.join(map(str, r))}" for r in sorted(self.missing)[:5]]
        lines += [f"  extra   {'  '.join(map(str, r))}" for r in sorted(self.extra)[:5]]
        return "\n".join(lines)


def agree(case: str, rules_path: Path, scen_path: Path, peers: Path, peer: str = "hand",
          workdir: Path | None = None, peer_tsv: Path | None = None) -> Agreement:
    """Translate, run casus and one peer evaluator on the same files, compare the activation sets."""
    work = Path(workdir or tempfile.mkdtemp(prefix="casus-peers-"))
    rules = json.loads(rules_path.read_text())
    tr = Translator(rules)
    libdir = tr.write(work / f"lib_{case}")
    if peer_tsv is None:
        peer_tsv = work / f"{peer}_{case}.tsv"
        run_peer(peers, peer, rules_path, scen_path, peer_tsv)
    theirs = read_tsv(peer_tsv)
    t0 = time.perf_counter()
    with open(scen_path) as f:
        ours = list(casus_activations(tr, libdir, f))
    seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    with open(scen_path) as f:
        ours_csv = list(casus_activations(tr, libdir, f, fmt="csv"))
    csv_seconds = time.perf_counter() - t0
    with open(scen_path) as f:
        n = sum(1 for line in f if line.strip())
    a, b = set(theirs), set(ours)
    enc = sorted({e for t in tr.plans for p in t.provisions for e in p.encodings})
    return Agreement(case, n, peer, len(a), len(b), sorted(a - b), sorted(b - a), len(ours) - len(b), seconds,
                     enc, len(b ^ set(ours_csv)) + len(ours_csv) - len(set(ours_csv)), csv_seconds)


# ---------------------------------------------------------------------------- throughput

# (group, label, rules file, scenario file, scenarios in the file)
SPEED_CASES = [
    ("N", "1k x 32", "rules.json", "s1k.jsonl", 1_000),
    ("N", "10k x 32", "rules.json", "s10k.jsonl", 10_000),
    ("N", "20k x 32", "rules.json", "s20k.jsonl", 20_000),  # (the first 20,000 of s100k: `prefix_files`)
    ("N", "100k x 32", "rules.json", "s100k.jsonl", 100_000),
    ("events", "5 events", "rules.json", "e5.jsonl", 1_000),
    ("events", "50 events", "rules.json", "e50.jsonl", 1_000),
    ("events", "500 events", "rules.json", "e500.jsonl", 1_000),
    ("provisions", "32 provisions", "rules.json", "s1k.jsonl", 1_000),
    ("provisions", "136 provisions", "rules48.json", "s1k.jsonl", 1_000),
    ("provisions", "510 provisions", "rules192.json", "s1k.jsonl", 1_000),
]


def prefix_files(data: Path) -> None:
    """s20k.jsonl, s100k.jsonl's first 20,000 lines, if it is not there (issue 18's goals start
    at 20k scenarios; the peers' make_data.sh writes 1k, 10k and 100k)."""
    if not (data / "s20k.jsonl").exists() and (data / "s100k.jsonl").exists():
        with open(data / "s100k.jsonl", encoding="utf-8") as f:
            head = list(itertools.islice(f, 20_000))
        (data / "s20k.jsonl").write_text("".join(head), encoding="utf-8")


@dataclass
class Measure:
    evaluator: str
    scenarios: int  # how many were run (casus may run a prefix of the file, see `budget`)
    wall: float  # median whole-process seconds
    startup: float  # median seconds on an empty file, same rule set
    peak_mib: float
    runs: int
    walls: tuple[float, ...] = ()  # each run's seconds, in the order of the rounds (`measure_case`)

    @property
    def rate(self) -> float:
        """Scenarios per second, whole process."""
        return self.scenarios / self.wall if self.wall > 0 else float("inf")

    @property
    def net_us(self) -> float:
        """Microseconds per scenario net of the same evaluator's start-up."""
        return max(self.wall - self.startup, 0.0) / max(self.scenarios, 1) * 1e6


_PROBE = 1_000  # scenarios of the second probe, for a file longer than that (`SpeedBench.measure`)

# casus's rows: their options. `casus` writes CSV, one line per instance (like the peers' TSV, one
# line per activation); `casus_json` the whole result JSON of SPEC; `casus_w2` CSV in 2 processes
CASUS_RUNS = {"casus": ("--format", "csv"), "casus_json": (), "casus_w2": ("--format", "csv", "--workers", "2")}


def _rate(m: Measure | None, n: int) -> str:
    if m is None:
        return "—"
    return f"{m.rate:,.1f}" + ("" if m.scenarios == n else f" (first {m.scenarios:,})")


class SpeedBench:
    """Peers and casus on the same scenario files, whole process, timed from outside.

    casus runs `casus run --batch --format csv` on the translated file (translation is not timed),
    and, for throughput, also with its default result JSON (`casus_json`). Where the
    whole file would take casus longer than `budget` seconds, casus runs the file's first K
    scenarios (K from a 50-scenario probe) and the table says so: the scenarios are drawn
    independently, so the rate of a prefix estimates the rate of the file."""

    def __init__(self, data: Path, work: Path, peers: Path, runs: int = 3, budget: float = 60.0,
                 log: Any = None):
        self.data, self.work, self.runs, self.budget = data, work, runs, budget
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.peers = work / "peers"  # a writable copy: prolog.py writes its program beside itself
        if not self.peers.exists():
            shutil.copytree(peers, self.peers, ignore=shutil.ignore_patterns("data", "out", "__pycache__"))
        self.swipl = shutil.which("swipl") is not None
        self._startup: dict[tuple[str, str], float] = {}
        self._libs: dict[str, tuple[Translator, Path]] = {}

    def lib(self, rules_name: str) -> tuple[Translator, Path]:
        if rules_name not in self._libs:
            tr = Translator(json.loads((self.data / rules_name).read_text()))
            self._libs[rules_name] = (tr, tr.write(self.work / f"lib_{rules_name.split('.')[0]}"))
        return self._libs[rules_name]

    def compiled_note(self) -> str:
        """Which treaties `--format csv` compiles to Python (engine/core/compiled/), for each
        translated rule set run and for the bundled library, and why the others are not."""
        import engine
        from engine.core import compiled

        out = []
        libs = [(name, engine.load_library(str(path))) for name, (_, path) in sorted(self._libs.items())]
        for name, lib in [*libs, ("the bundled library", engine.load_library())]:
            why = compiled.reasons(lib, tuple(sorted(lib.treaties)), "default")
            line = f"{name}: {len(lib.treaties) - len(why)} of {len(lib.treaties)} treaties compiled"
            if why:
                line += "; not compiled: " + "; ".join(f"{tid} ({r})" for tid, r in sorted(why.items()))
            out.append(line)
        return ("Compiled for `--format csv` (`casus lint --explain-speed` says the same per treaty): "
                + ". ".join(out) + ".")

    def translated(self, rules_name: str, scen_name: str, k: int) -> Path:
        tr, _ = self.lib(rules_name)
        out = self.work / f"{rules_name.split('.')[0]}_{scen_name.split('.')[0]}_{k}.casus.jsonl"
        if not out.exists():
            with open(self.data / scen_name) as f, open(out, "w") as g:
                for i, line in enumerate(tr.scenario_lines(f)):
                    if i >= k:
                        break
                    g.write(line + "\n")
        return out

    def command(self, evaluator: str, rules_name: str, scen: Path) -> list[str]:
        """The command that runs an evaluator on a file of scenarios (casus: translated)."""
        from .common import casus_cmd

        if evaluator in CASUS_RUNS:
            return casus_cmd("run", "--batch", str(scen), "--library", str(self.lib(rules_name)[1]),
                             *CASUS_RUNS[evaluator])
        return [sys.executable, str(self.peers / f"{evaluator}.py"), str(self.data / rules_name), str(scen),
                "-o", os.devnull]

    def _time(self, evaluator: str, rules_name: str, scen: Path, runs: int) -> tuple[float, float]:
        from .common import median, run_timed

        ts = [run_timed(self.command(evaluator, rules_name, scen)) for _ in range(runs)]
        return median([t.wall for t in ts]), max(t.maxrss_mib for t in ts)

    def startup(self, evaluator: str, rules_name: str) -> float:
        key = (evaluator, rules_name)
        if key not in self._startup:
            empty = self.work / "empty.jsonl"
            empty.touch()
            self._startup[key] = self._time(evaluator, rules_name, empty, max(self.runs, 3))[0]
        return self._startup[key]

    def plan(self, evaluator: str, rules_name: str, scen_name: str, n: int) -> tuple[Path, int, int, Measure | None]:
        """What to time for an evaluator on a case: (the file, its scenarios, how many runs), and
        the measure itself where a probe already was it. casus runs a prefix of the file where
        the whole would take it longer than `budget` seconds (see the class)."""
        if evaluator not in CASUS_RUNS:
            runs = self.runs if n <= 10_000 or evaluator == "hand" else 1  # (Prolog: half a minute at 100k)
            return self.data / scen_name, n, runs, None
        k, per = n, None
        if self.budget > 0:
            start = self.startup(evaluator, rules_name)
            probe = min(n, 20)
            pwall, ppeak = self._time(evaluator, rules_name, self.translated(rules_name, scen_name, probe), 1)
            per = max(pwall - start, 1e-6) / probe
            if n > _PROBE:  # the cost of one scenario more: a short probe is mostly the first ones'
                # warm-up (the compiled code written, each event checked the first time it is seen)
                wall2, _ = self._time(evaluator, rules_name, self.translated(rules_name, scen_name, _PROBE), 1)
                per = max(wall2 - pwall, 1e-6) / (_PROBE - probe)
            k = min(n, max(probe, int(self.budget / per)))
            if k < n:
                k = max(probe, int(float(f"{k:.2g}")))  # two significant digits: a readable prefix
            if k == probe:  # the probe was the measurement
                return self.translated(rules_name, scen_name, k), k, 1, Measure(
                    evaluator, k, pwall, start, ppeak, 1, (pwall,))
            quick = start + k * per <= 20
        else:
            quick = n <= 1_000
        return self.translated(rules_name, scen_name, k), k, self.runs if quick else 1, None

    def measure_case(self, evaluators: Sequence[str], rules_name: str, scen_name: str, n: int
                     ) -> dict[str, Measure]:
        """Each evaluator on a case, their runs interleaved in rounds (hand, Prolog, casus, …, then
        again): the machine's speed drifts by ~10% over minutes, so each round's ratios compare
        runs made side by side (`common.paired`)."""
        from .common import median, run_timed

        plans = {ev: self.plan(ev, rules_name, scen_name, n) for ev in evaluators}
        walls: dict[str, list[float]] = {ev: [] for ev in evaluators}
        peaks: dict[str, float] = {ev: 0.0 for ev in evaluators}
        rounds = max((runs for _, _, runs, done in plans.values() if done is None), default=0)
        for r in range(rounds):
            for ev, (path, _, runs, done) in plans.items():
                if done is None and r < runs:
                    t = run_timed(self.command(ev, rules_name, path))
                    walls[ev].append(t.wall)
                    peaks[ev] = max(peaks[ev], t.maxrss_mib)
        got = {}
        for ev, (_, k, _, done) in plans.items():
            got[ev] = done or Measure(ev, k, median(walls[ev]), self.startup(ev, rules_name), peaks[ev],
                                      len(walls[ev]), tuple(walls[ev]))
        return got

    def run(self, large: bool = False) -> list[tuple[str, str, str, int, dict[str, Measure]]]:
        """Every case of SPEED_CASES (those of more than 10,000 scenarios only if `large`)."""
        rows = []
        for group, label, rules_name, scen_name, n in SPEED_CASES:
            if n > 10_000 and not large:
                continue
            evaluators = [ev for ev in ("hand", "prolog", "casus", "casus_json", "casus_w2")
                          if not (ev == "prolog" and not self.swipl
                                  or ev in ("casus_w2", "casus_json") and group != "N")]
            self.log(f"  {group} {label}: {', '.join(evaluators)} …")
            got = self.measure_case(evaluators, rules_name, scen_name, n)
            for m in got.values():
                self.log(f"    {m.evaluator}: {m.scenarios} scenarios in {m.wall:.2f} s ({m.rate:,.0f}/s, "
                         f"net {m.net_us:,.0f} µs), peak {m.peak_mib:.0f} MiB")
            rows.append((group, label, scen_name, n, got))
        return rows


def speed_tables(rows: list[tuple[str, str, str, int, dict[str, Measure]]], swipl: bool) -> str:
    """Markdown: throughput side by side with ratios; growth with events and provisions."""
    from .common import paired, table

    out = []
    head = ["case", "file", "hand scen/s", "prolog scen/s" if swipl else "prolog", "casus scen/s (CSV)",
            "casus ÷ hand (target ≥ 0.5)", "casus ÷ prolog (target ≥ 3)", "casus peak MiB",
            "casus --workers 2 scen/s (CSV)", "casus scen/s (result JSON)"]
    body = []
    for group, label, scen, n, m in rows:
        if group != "N":
            continue
        c, h, p = m["casus"], m["hand"], m.get("prolog")
        note = "" if c.scenarios == n else f" (first {c.scenarios:,})"
        body.append([label, f"{scen} ({n:,})", f"{h.rate:,.0f}", f"{p.rate:,.0f}" if p else "not installed",
                     f"{c.rate:,.1f}{note}", f"{paired(c, h):.4f}", f"{paired(c, p):.3f}" if p else "—",
                     f"{c.peak_mib:.0f}", _rate(m.get("casus_w2"), n), _rate(m.get("casus_json"), n)])
    out.append("Throughput, whole process (start-up, reading JSON, writing results included), median of runs, "
               "the evaluators' runs interleaved in rounds and each ratio the median of the rounds' ratios "
               "(the machine's speed drifts between minutes); "
               "casus with `run --batch FILE --format csv` (one line per instance, as the peers write one "
               "line per activation), and with its whole result JSON in the last column:\n")
    out.append(table(head, body))

    def growth(group: str, title: str, target: str) -> None:
        sel = [(label, m) for g, label, _, _, m in rows if g == group]
        if not sel:
            return
        evs = [e for e in ("hand", "prolog", "casus") if e in sel[0][1]]
        head = ["evaluator"] + [label for label, _ in sel] + [f"{sel[-1][0]} ÷ {sel[-2][0]}" if group == "events"
                                                              else f"{sel[-1][0]} ÷ {sel[0][0]}", target]
        body = []
        for e in evs:
            us = [m[e].net_us for _, m in sel]
            ratio = us[-1] / us[-2] if group == "events" else us[-1] / us[0]
            body.append([e] + [f"{u:,.0f} µs" + ("" if m[e].scenarios == 1000 or e != "casus" else
                                                  f" ({m[e].scenarios})") for u, (_, m) in zip(us, sel, strict=True)]
                        + [f"{ratio:.1f}×", "ok" if ratio <= 10 else "**not met**"])
        out.append(f"\n{title} (net µs per scenario, start-up subtracted; casus on a prefix where shown):\n")
        out.append(table(head, body))

    growth("events", "Cost vs events per scenario, 1,000 scenarios x 32 provisions", "target ≤ 10×")
    growth("provisions", "Cost vs provisions, 1,000 scenarios of 5-50 events", "target ≤ 10×")
    return "\n".join(out)


def _cmd_speed(a: argparse.Namespace) -> int:
    from .common import machine

    peers = Path(a.peers) if a.peers else peers_dir()
    if peers is None:
        print("the peers' folder is missing", file=sys.stderr)
        return 2
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    bench = SpeedBench(Path(a.data), work, peers, a.runs, a.budget)
    if a.full:
        prefix_files(Path(a.data))
    rows = bench.run(large=a.full)
    print(f"Machine: {machine()}\n")
    print(speed_tables(rows, bench.swipl))
    return 0


# ---------------------------------------------------------------------------- command line


def _cmd_agree(a: argparse.Namespace) -> int:
    peers = Path(a.peers) if a.peers else peers_dir()
    if peers is None:
        print("the peers' folder is missing (set CASUS_PEERS or put shared/peers beside the repository)",
              file=sys.stderr)
        return 2
    data = Path(a.data)
    ok = True
    for case in a.cases.split(","):
        rules_name, scen_name = CASES[case]
        rules = data / rules_name if (data / rules_name).exists() else peers / rules_name
        res = agree(case, rules, data / scen_name, peers, a.peer)
        print(res.summary(), flush=True)
        ok &= res.agree
    if a.verbose:
        print("encodings used:", *sorted(set(res.encodings)), sep="\n  ")
    return 0 if ok else 1


def _cmd_translate(a: argparse.Namespace) -> int:
    tr = Translator(json.loads(Path(a.rules).read_text()))
    out = Path(a.outdir)
    tr.write(out)
    with open(a.scenarios) as f, open(out / "scenarios.jsonl", "w") as g:
        g.writelines(line + "\n" for line in tr.scenario_lines(f))
    print(f"wrote {out}/peer_vocabulary.casus, peer_treaties.casus, scenarios.jsonl")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m bench.peers", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("agree", help="casus's activations against a peer's, on the peers' data")
    g.add_argument("--data", default="/tmp/peers", help="the folder make_data.sh wrote [/tmp/peers]")
    g.add_argument("--peers", default=None, help="the peers' folder [../shared/peers]")
    g.add_argument("--cases", default="check2k,check_big,edge")
    g.add_argument("--peer", default="hand", choices=["hand", "reference", "prolog"])
    g.add_argument("-v", "--verbose", action="store_true")
    t = sub.add_parser("translate", help="write the casus library and JSON scenarios for a peer rule set")
    t.add_argument("rules")
    t.add_argument("scenarios")
    t.add_argument("outdir")
    s = sub.add_parser("speed", help="throughput side by side with the peers")
    s.add_argument("--data", default="/tmp/peers", help="the folder make_data.sh wrote [/tmp/peers]")
    s.add_argument("--peers", default=None)
    s.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "casus-bench"))
    s.add_argument("--full", action="store_true", help="also 100k scenarios (slow)")
    s.add_argument("--runs", type=int, default=3)
    s.add_argument("--budget", type=float, default=60.0,
                   help="seconds casus may take per case; beyond, it runs a prefix of the file (0: whole files)")
    a = ap.parse_args(argv)
    if a.cmd == "agree":
        return _cmd_agree(a)
    if a.cmd == "translate":
        return _cmd_translate(a)
    return _cmd_speed(a)


if __name__ == "__main__":
    sys.exit(main())
