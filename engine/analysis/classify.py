"""`casus classify`: each treaty's ATOP-style coding (Alliance Treaty Obligations and
Provisions), derived from its rules rather than typed in, with the provisions each flag comes
from.

Obligations (per provision with a `then`):
- defense: `must` or `has the right to` assist, triggered by an armed attack, aggression or
  encroachment (a kind an armed attack counts as) on the beneficiary (or on a victim the trigger
  leaves open, e.g. an aggression at a place in the beneficiary's territory);
- offense: `must` or `has the right to` assist or take countermeasures, with no encroachment on
  the beneficiary in the trigger (support whether or not the partner was attacked);
- neutrality: `must not` assist (no help to the other side);
- non-aggression: `must not` take any other action against a party (countermeasures, deploy, the
  threat or use of force, …) — the parties' undertakings to refrain from force against each other
  (NATO Art. 1, Rio Art. 1, Art. I of ANZUS and the US Pacific treaties, CSTO Art. 1, China–DPRK
  Art. III), which ATOP codes as non-aggression;
- consultation: a consult action (any modality but `must not`).

Conditions (coded for a provision that carries an obligation, and listed with it):
- specific adversary: a trigger atom whose `by` names a code or actor (`armed_attack(by: US, …)`);
- location: a scope or region test (`A in scope art6`) or a trigger atom whose `at` names a code;
- specific conflict: a trigger atom whose `on` names a specific party rather than a variable;
- non-compliance with a demand: a `not` of an action in `when` or `upon` (something not done);
- non-provocation: an `unless` that mentions provocation;
- request: an `upon` (or `when`) with a request.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from engine.kernel import conditions as C
from engine.language import ast as A
from engine.language import render
from engine.language.library import Library, beneficiary_arg

OBLIGATIONS = ("defense", "offense", "neutrality", "nonaggression", "consultation")
CONDITIONS = ("specific_adversary", "location", "specific_conflict", "non_compliance", "non_provocation", "request")
CSV_COLUMNS = ["treaty", "group", "flag", "coded", "provisions", "applies_to", "evidence"]


@dataclass
class Flag:
    name: str
    group: str  # obligation | condition
    provisions: list[str] = field(default_factory=list)
    applies_to: list[str] = field(default_factory=list)  # conditions: the obligations they condition
    evidence: list[str] = field(default_factory=list)

    @property
    def coded(self) -> bool:
        return bool(self.provisions)


@dataclass
class Coding:
    treaty: str
    title: str
    flags: dict[str, Flag]

    def coded(self, name: str) -> bool:
        return self.flags[name].coded


_atoms = A.node_atoms


def _role(atom: A.Atom, role: str) -> A.Value | None:
    return next((a.value for a in atom.args if a.role == role), None)


def _same(v: A.Value | None, w: A.Value | None) -> bool:
    if v is None or w is None:
        return False
    if isinstance(v, A.Var) and isinstance(w, A.Var):
        return v.name == w.name
    if isinstance(v, A.Code) and isinstance(w, A.Code):
        return v.code == w.code
    return False


def _is(lib: Library, kind: str, ancestor: str) -> bool:
    info = lib.kinds.get(kind)
    return ancestor in (info.ancestors if info else (kind,))


def classify_treaty(lib: Library, treaty_id: str) -> Coding:
    t = lib.treaties[treaty_id]
    flags = {n: Flag(n, "obligation") for n in OBLIGATIONS}
    flags.update({n: Flag(n, "condition") for n in CONDITIONS})
    attack_kinds = set(lib.kinds["armed_attack"].ancestors) if "armed_attack" in lib.kinds else {"armed_attack"}
    for p in t.provisions:
        then = p.then
        if then is None:
            continue
        action = then.action.kind
        benef = beneficiary_arg(then)
        when_lits = C.literals(p.when)
        trigger_atoms = [a for lit, pos in when_lits if pos for a in _atoms(lit)]
        # an encroachment whose victim the trigger leaves open (no `on`: an aggression at a place
        # of the beneficiary's, Russia–Belarus Art. 2 on the Union State's territory) counts as
        # one on the beneficiary: support against it is defense, not offense
        on_benef = [a for a in trigger_atoms if _same(_role(a, "on"), benef)
                    or (_role(a, "on") is None and _is(lib, a.kind, "encroachment"))]
        duty = f"{p.id}: {render.cond(p.when) if p.when else ''} → {then.modality} {then.action.render()}"
        mine: list[str] = []
        if then.modality in ("obligation", "right") and _is(lib, action, "assist"):
            if any(a.kind in attack_kinds for a in on_benef):
                mine.append("defense")
        if then.modality in ("obligation", "right") and (_is(lib, action, "assist")
                                                         or _is(lib, action, "countermeasures")):
            if not any(_is(lib, a.kind, "encroachment") for a in on_benef):
                mine.append("offense")
        if then.modality == "prohibition":
            mine.append("neutrality" if _is(lib, action, "assist") else
                        "consultation_ban" if _is(lib, action, "consult") else "nonaggression")
        if then.modality != "prohibition" and _is(lib, action, "consult"):
            mine.append("consultation")
        mine = [m for m in mine if m in flags]
        for m in mine:
            flags[m].provisions.append(p.id)
            flags[m].evidence.append(duty)
        if not mine:
            continue
        cond_hits: dict[str, list[str]] = {}
        for a in trigger_atoms:
            by = _role(a, "by")
            if isinstance(by, (A.Code, A.Name)):
                cond_hits.setdefault("specific_adversary", []).append(a.render())
            at = _role(a, "at")
            if isinstance(at, A.Code):
                cond_hits.setdefault("location", []).append(a.render())
            on = _role(a, "on")
            if isinstance(on, A.Code) and _is(lib, a.kind, "encroachment"):
                cond_hits.setdefault("specific_conflict", []).append(a.render())
        for lit, pos in when_lits + C.literals(p.upon):
            if isinstance(lit, A.InArea):
                cond_hits.setdefault("location", []).append(render.cond(lit))
            if not pos:
                for a in _atoms(lit):
                    info = lib.kinds.get(a.kind)
                    if info is not None and info.is_action:
                        cond_hits.setdefault("non_compliance", []).append("not " + a.render())
        # a request conditions the duty only when every way the trigger and prerequisites hold
        # needs one (NATO Art. 4: a request is one way among a threat and an assessment)
        ways = [w + u for w in C.dnf(p.when, 64) for u in C.dnf(p.upon, 64)]
        if all(any(pos and any(_is(lib, a.kind, "request") for a in _atoms(lit)) for pos, lit in way)
               for way in ways):
            for lit, pos in C.literals(p.upon) + when_lits:
                if pos and any(_is(lib, a.kind, "request") for a in _atoms(lit)):
                    cond_hits.setdefault("request", []).extend(a.render() for a in _atoms(lit)
                                                               if _is(lib, a.kind, "request"))
        for lit, _ in C.literals(p.unless):
            if any(_is(lib, a.kind, "provocation") for a in _atoms(lit)):
                cond_hits.setdefault("non_provocation", []).append("unless " + render.cond(p.unless)
                                                                   if p.unless else "")
        for name, ev in cond_hits.items():
            f = flags[name]
            if p.id not in f.provisions:
                f.provisions.append(p.id)
                f.evidence.append(f"{p.id}: " + "; ".join(dict.fromkeys(ev)))
            for m in mine:
                if m not in f.applies_to:
                    f.applies_to.append(m)
    return Coding(t.id, t.title, flags)


def classify(lib: Library, treaties: list[str] | None = None) -> list[Coding]:
    return [classify_treaty(lib, tid) for tid in sorted(treaties or lib.treaties)]


def to_csv(codings: list[Coding]) -> str:
    """Long form: one line per treaty and flag (coded 1/0), with the provisions it comes from."""
    from engine.core.records import spreadsheet_cell

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for c in codings:
        for name in OBLIGATIONS + CONDITIONS:
            f = c.flags[name]
            w.writerow({"treaty": c.treaty, "group": f.group, "flag": name, "coded": int(f.coded),
                        "provisions": " ".join(f.provisions), "applies_to": " ".join(f.applies_to),
                        "evidence": spreadsheet_cell(" | ".join(f.evidence))})
    return buf.getvalue()


def to_wide_csv(codings: list[Coding]) -> str:
    """Wide form, as ATOP publishes: one line per treaty, a 0/1 column per flag and a
    `FLAG_provisions` column beside each."""
    cols = ["treaty"] + [x for n in OBLIGATIONS + CONDITIONS for x in (n, f"{n}_provisions")]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for c in codings:
        row: dict[str, object] = {"treaty": c.treaty}
        for n in OBLIGATIONS + CONDITIONS:
            row[n] = int(c.flags[n].coded)
            row[f"{n}_provisions"] = " ".join(c.flags[n].provisions)
        w.writerow(row)
    return buf.getvalue()


def to_table(codings: list[Coding]) -> str:
    lines = []
    width = max((len(c.treaty) for c in codings), default=0)
    for c in codings:
        obl = [f"{n}({', '.join(c.flags[n].provisions)})" for n in OBLIGATIONS if c.coded(n)]
        cond = [f"{n}({', '.join(c.flags[n].provisions)} → {', '.join(c.flags[n].applies_to)})"
                for n in CONDITIONS if c.coded(n)]
        text = " ".join(obl) or "no obligation coded"
        if cond:
            text += "  |  conditions: " + " ".join(cond)
        lines.append(f"{c.treaty.ljust(width)}  {text}")
    return "\n".join(lines) + "\n"


__all__ = ["classify", "classify_treaty", "Coding", "Flag", "to_csv", "to_wide_csv", "to_table", "OBLIGATIONS",
           "CONDITIONS"]
