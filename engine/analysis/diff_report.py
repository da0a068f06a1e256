"""What `casus diff` reports: the differences found, as the casus.diff/1 JSON document and as the
table the command prints, with the bound the search covered."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.analysis.sides import Side, SideView
from engine.analysis.universe import DFact, Key, dates_text
from engine.core.evaluate import InstanceRun, strength
from engine.core.model import instance_model
from engine.kernel.facts import BIG
from engine.language.build import iso
from engine.language.library import Library

if TYPE_CHECKING:
    from engine.analysis.diff import Search

SCHEMA = "casus.diff/1"
MODAL = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}

Entry = tuple[str, str, str, str, str]  # (provision, action, modality, status, strength)
Sig = tuple[Key, frozenset, frozenset]  # (key, entries under A, entries under B)


@dataclass
class Difference:
    facts: tuple[DFact, ...]
    sigs: list[Sig]
    a_runs: list[InstanceRun]
    b_runs: list[InstanceRun]
    scenario: dict[str, Any]
    scenario_b: dict[str, Any] | None
    summary: str
    mirror_of: int | None = None
    mirrors: list[str] = field(default_factory=list)


@dataclass
class DiffResult:
    a: Side
    b: Side
    mapping: dict[str, str]
    interpretation: str
    bound: dict[str, Any]
    differences: list[Difference]
    scenarios: int
    universe: int
    lines: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA, "a": self.a.tid, "b": self.b.tid}
        if self.a.source:
            out["a_source"] = self.a.source
        if self.b.source:
            out["b_source"] = self.b.source
        out["map"] = dict(self.mapping)
        out["interpretation"] = self.interpretation
        out["bound"] = self.bound
        diffs = []
        for d in self.differences:
            item: dict[str, Any] = {"scenario": d.scenario}
            if d.scenario_b is not None:
                item["scenario_b"] = d.scenario_b
            item["a"] = [json.loads(instance_model(self.a.lib, r).model_dump_json()) for r in d.a_runs]
            item["b"] = [json.loads(instance_model(self.b.lib, r).model_dump_json()) for r in d.b_runs]
            item["summary"] = d.summary
            item["facts"] = len(d.facts)
            item["differs"] = [_sig_json(s) for s in d.sigs]
            if d.mirror_of is not None:
                item["mirror_of"] = d.mirror_of
            diffs.append(item)
        out["differences"] = diffs
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _sig_json(s: Sig) -> dict[str, Any]:
    (act, bearer, benef), ea, eb = s
    return {"action": act, "bearer": bearer, "beneficiary": benef,
            "a": [{"provision": p, "action": act, "modality": m, "status": st, "strength": sg}
                  for p, act, m, st, sg in sorted(ea)],
            "b": [{"provision": p, "action": act, "modality": m, "status": st, "strength": sg}
                  for p, act, m, st, sg in sorted(eb)]}


# ---------------------------------------------------------------------------- from the search


def scenario_json(search: Search, s: SideView, facts: Iterable[DFact], n: int) -> dict[str, Any]:
    """Difference n's scenario in the side's names, as a JSON scenario."""
    events = []
    for f in sorted(facts):
        ev: dict[str, Any] = {"kind": f.kind, "date": iso(f.start)}
        if f.end != f.start:
            ev["until"] = None if f.end >= BIG else iso(f.end)
        ev.update(search.universe.side_roles(s, f))
        events.append(ev)
    return {"name": f"casus diff {search.A.tid} {search.B.tid} #{n}"
                    + (f" ({s.side.tid})" if s.name == "b" and search.mapping else ""),
            "interpretation": search.interp_name, "events": events}


def summary(search: Search, sigs: list[Sig]) -> str:
    parts = []
    for (act, bearer, benef), ea, eb in sigs:
        who = f"{act} {bearer} → {benef}"
        parts.append(f"{who}: {search.A.tid} {_entries_text(ea)}; {search.B.tid} {_entries_text(eb)}")
    return ". ".join(parts)


def bound(search: Search, universe: int) -> dict[str, Any]:
    """What the search covered: parties, dates, kinds, counts."""
    u = search.universe
    parties = []
    for p in u.parties.reps:
        entry: dict[str, Any] = {"party": p}
        if p in search.mapping:
            entry["b"] = search.mapping[p]
        entry["in"] = [s.side.tid for s in search.sides if s.members.get(p)]
        others = u.parties.stands_for.get(p)
        if others:
            entry["stands_for"] = others
        parties.append(entry)
    dates = [{"date": iso(d), "why": u.date_notes[d]} for d in sorted(u.date_notes, key=u.date_rank)]
    facts = u.facts()
    kinds = sorted({f.kind for f in facts})
    return {
        "max_facts": search.K, "max_dates": u.D,
        "parties": parties, "outsider": u.parties.outsider, "interchangeable": [list(t) for t in u.parties.twins],
        "territories": sorted({v for f in facts for r, v in f.roles if r in ("at", "in")}),
        "dates": dates, "kinds": kinds, "facts": universe, "scenarios": u.within_bound, "runs": search.runs,
        "complete": True,
        "note": (f"every set of at most {search.K} of these facts sharing one of these dates (at most {u.D} "
                 "distinct days) was checked under both treaties; each difference is listed once, with a scenario "
                 "no proper subset of which shows it, confirmed with the treaties as written. Decided without "
                 "running the engine: scenarios with no fact a trigger can match, actions toward a duty that only "
                 "one treaty gives or on which the treaties already differ, and exchanges of two exactly "
                 "interchangeable parties"),
    }


def _entries_text(entries: frozenset) -> str:
    """`must assist active (conditional: art2, art4_2b)`, one group per duty and status."""
    if not entries:
        return "nothing"
    groups: dict[tuple[str, str, str, str], list[str]] = {}
    for prov, action, modality, status, sg in sorted(entries):
        groups.setdefault((action, modality, status, sg), []).append(prov)
    order = sorted(groups, key=lambda g: (g[0], list(MODAL).index(g[1]), g[2]))
    return "; ".join(f"{MODAL[m]} {a} {st} ({sg}: {', '.join(groups[(a, m, st, sg)])})" for a, m, st, sg in order)


# ---------------------------------------------------------------------------- the table


def _who(bearers: list[str], benef: str) -> str:
    shown = ", ".join(bearers) if len(bearers) <= 3 else f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
    return f"{shown} → {benef}"


def _rows(lib: Library, runs: Sequence[InstanceRun]) -> list[list[str]]:
    groups: dict[tuple[str, str, str, str, str], list[str]] = {}
    for r in runs:
        p = r.provision
        assert p.then is not None
        duty = f"{MODAL[p.then.modality]} {p.then.action.kind}"
        groups.setdefault((p.id, r.beneficiary, duty, r.status, strength(p, lib)), []).append(r.bearer)
    return [[prov, _who(bearers, benef), duty, status, sg]
            for (prov, benef, duty, status, sg), bearers in groups.items()]


def render_table(result: DiffResult) -> str:
    a, b = result.a, result.b
    bound = result.bound
    title = f"{a.tid} and {b.tid}"
    if a.tid == b.tid:
        title = f"{a.tid} ({a.source or 'library'}) and {b.tid} ({b.source or 'library'})"
    mapped = ", ".join(f"{x} = {y}" for x, y in sorted(result.mapping.items()))
    lines = [f"casus diff: {title}{f' ({mapped})' if mapped else ''}, interpretation {result.interpretation}", ""]
    parties = []
    for p in bound["parties"]:
        text = p["party"] + (f" (= {p['b']})" if "b" in p else "")
        if p.get("stands_for"):
            others = p["stands_for"]
            text += f" (standing for {', '.join(others[:3])}{f' +{len(others) - 3} more' if len(others) > 3 else ''})"
        parties.append(text)
    dates = "; ".join(f"{d['date']} ({d['why']})" for d in bound["dates"])
    per = "one date" if bound["max_dates"] == 1 else f"at most {bound['max_dates']} dates"
    lines.append(f"Bound: every scenario of up to {bound['max_facts']} facts on {per}, "
                 f"from {bound['facts']} facts about")
    twins = "".join(f"; {x} and {y} interchangeable" for x, y in bound.get("interchangeable", []))
    lines.append(f"  parties  {', '.join(parties)}; {bound['outsider']} outside both{twins}")
    lines.append(f"  dates    {dates}")
    lines.append(f"  kinds    {', '.join(bound['kinds'])}")
    main = [d for d in result.differences if d.mirror_of is None]
    mirrors = len(result.differences) - len(main)
    lines.append(f"{bound['scenarios']} scenarios checked ({bound['runs']} engine runs). "
                 f"{len(main) or 'No'} minimal difference{'s' if len(main) != 1 else ''}"
                 + (f" (and {mirrors} mirror image{'s' if mirrors != 1 else ''}, in --format json)" if mirrors else "")
                 + ((": no smaller scenario shows any of them, and none within the bound is missing." if len(main) > 1
                     else ": no smaller scenario shows it, and none other exists within the bound.")
                    if main else ": the treaties agree on every scenario within the bound."))
    if not main:
        return "\n".join(lines) + "\n"
    lines.append("")
    labels = _labels(a, b)
    header = ["#", "date", "facts", "treaty", "provision", "bearer → beneficiary", "duty", "status", "strength"]
    body: list[list[str]] = []
    for n, d in enumerate(main, 1):
        left: list[list[str]] = []
        last = None
        for f in d.facts:
            date = dates_text(f)
            left.append([date if date != last else "", f.render(dict(_json_roles(d.scenario, f)))])
            last = date
        if not d.facts:
            left.append(["", "(no facts)"])
        if d.mirrors:
            pairs = ", ".join(m.replace("↔", " and ") for m in d.mirrors)
            left.append(["", f"(also with {pairs} exchanged)"])
        right: list[list[str]] = []
        for label, side, runs in ((labels[0], a, d.a_runs), (labels[1], b, d.b_runs)):
            rows = _rows(side.lib, runs)
            if not rows:
                right.append([label, "—", "", "", "", ""])
            for i, row in enumerate(rows):
                right.append([label if i == 0 else ""] + row)
        for i in range(max(len(left), len(right))):
            lft = left[i] if i < len(left) else ["", ""]
            rgt = right[i] if i < len(right) else [""] * 6
            body.append([str(n) if i == 0 else ""] + lft + rgt)
        body.append([""] * len(header))
    body.pop()
    widths = [max(len(r[c]) for r in [header] + body) for c in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip()

    lines.append(fmt(header))
    lines.append(fmt(["─" * w for w in widths]))
    lines.extend(fmt(r) for r in body)
    return "\n".join(lines) + "\n"


def _labels(a: Side, b: Side) -> tuple[str, str]:
    """How the table names the two sides: their ids, or their files when the ids are the same."""
    if a.tid != b.tid:
        return a.tid, b.tid
    na, nb = (Path(s.source).name if s.source else f"{s.tid} (library)" for s in (a, b))
    return (na, nb) if na != nb else ("A", "B")


def _json_roles(scenario: dict[str, Any], f: DFact) -> list[tuple[str, str]]:
    """The fact's roles as the scenario writes them (in A's names; `on` left out where the
    territory gives it)."""
    for ev in scenario["events"]:
        if ev["kind"] == f.kind and ev["date"] == iso(f.start):
            roles = [(k, v) for k, v in ev.items() if k not in ("kind", "date", "until", "note")]
            if all(dict(f.roles).get(k) == v for k, v in roles):
                return roles
    return list(f.roles)


__all__ = ["SCHEMA", "DiffResult", "Difference", "bound", "render_table", "scenario_json", "summary"]
