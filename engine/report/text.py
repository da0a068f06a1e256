"""Terminal tables and Markdown. Instances that differ only in their bearer (NATO Art. 5 gives
one per other member) share a row, so that a table stays readable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..model import Instance, Result

MODAL = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}


@dataclass(frozen=True)
class Row:
    treaty: str
    article: str
    provision: str
    bearers: tuple[str, ...]
    beneficiary: str
    duty: str
    status: str
    since: str
    activated: str
    strength: str
    why: str

    @property
    def who(self) -> str:
        b = self.bearers
        shown = ", ".join(b) if len(b) <= 3 else f"{', '.join(b[:2])} +{len(b) - 2} more"
        return f"{shown} → {self.beneficiary}"


def rows(result: Result) -> list[Row]:
    out: list[Row] = []
    for tr in result.results:
        groups: dict[tuple[object, ...], list[Instance]] = {}
        for i in tr.instances:
            key = (i.provision, i.beneficiary, i.status, i.since, i.activated, tuple(i.missing))
            groups.setdefault(key, []).append(i)
        for insts in groups.values():
            i = insts[0]
            why = "; ".join(i.missing)
            out.append(Row(tr.treaty, i.article, i.provision, tuple(x.bearer for x in insts), i.beneficiary,
                           f"{MODAL[i.modality]} {i.action}", i.status, i.since, i.activated or "—", i.strength, why))
    return out


def _grid(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in [header] + body) for c in range(len(header))]
    fmt = lambda r: "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["─" * w for w in widths])] + [fmt(r) for r in body]


def _title(result: Result) -> str:
    s = result.scenario
    return f"{s.name} — interpretation {s.interpretation} — {s.source}"


def render_table(result: Result) -> str:
    lines = [_title(result), ""]
    by_treaty: dict[str, list[Row]] = {}
    for r in rows(result):
        by_treaty.setdefault(r.treaty, []).append(r)
    quiet = []
    for tr in result.results:
        rs = by_treaty.get(tr.treaty, [])
        if not rs:
            quiet.append(tr.treaty)
            continue
        lines.append(f"{tr.treaty}  {tr.title}")
        body = [[r.article, r.provision, r.who, r.duty, r.status, r.since, r.activated, r.strength, r.why]
                for r in rs]
        header = ["art.", "provision", "bearer → beneficiary", "duty", "status", "since", "activated",
                  "strength", "missing"]
        lines.extend("  " + line for line in _grid(header, body))
        lines.append("")
    if quiet:
        lines.append("Nothing comes alive under: " + ", ".join(quiet))
    return "\n".join(lines).rstrip() + "\n"


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")


def render_markdown(result: Result) -> str:
    s = result.scenario
    lines = [f"## {s.name}", "", f"Interpretation `{s.interpretation}`, scenario `{s.source}`.", "",
             "| treaty | art. | provision | bearer → beneficiary | duty | status | since | activated | strength | missing |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    by_treaty: dict[str, list[Row]] = {}
    for r in rows(result):
        by_treaty.setdefault(r.treaty, []).append(r)
    for tr in result.results:
        rs = by_treaty.get(tr.treaty, [])
        if not rs:
            lines.append(f"| `{tr.treaty}` | | | | | *nothing comes alive* | | | | |")
        for r in rs:
            cells = [f"`{r.treaty}`", r.article, f"`{r.provision}`", r.who, r.duty, f"**{r.status}**", r.since,
                     r.activated, r.strength, r.why]
            lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines.append("")
    why = [(tr.treaty, i) for tr in result.results for i in tr.instances if i.because]
    if why:
        lines += ["### Why", ""]
        seen = set()
        for treaty, i in why:
            key = (treaty, i.provision, i.beneficiary, tuple(b.fact for b in i.because))
            if key in seen:
                continue
            seen.add(key)
            reasons = "; ".join(f"`{b.atom}` ← `{b.fact}` ({b.source})" for b in i.because)
            lines.append(f"- `{treaty}.{i.provision}` → {i.beneficiary}: {reasons}")
        lines.append("")
    return "\n".join(lines)


def compare_table(results: Iterable[Result], fmt: str = "table") -> str:
    """Rows: treaty, article, bearer → beneficiary; one column per interpretation, holding the
    status and the date it began; `*` marks a row that differs between interpretations."""
    results = list(results)
    names = [r.scenario.interpretation for r in results]
    cells: dict[tuple[str, str, str, str, str], dict[str, str]] = {}
    for res in results:
        for row in rows(res):
            key = (row.treaty, row.article, row.provision, row.who, row.strength)
            cells.setdefault(key, {})[res.scenario.interpretation] = f"{row.status} {row.since}"
    treaties = [t.treaty for t in results[0].results] if results else []
    body: list[list[str]] = []
    quiet = []
    for treaty in treaties:
        keys = sorted(k for k in cells if k[0] == treaty)
        if not keys:
            quiet.append(treaty)
        for k in keys:
            vals = [cells[k].get(n, "—") for n in names]
            changed = "*" if len(set(vals)) > 1 else ""
            body.append(list(k) + vals + [changed])
    header = ["treaty", "art.", "provision", "bearer → beneficiary", "strength"] + names + ["differs"]
    title = results[0].scenario.name if results else ""
    tail = f"Nothing comes alive under: {', '.join(quiet)}\n" if quiet else ""
    if fmt == "markdown":
        out = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in body]
        return "\n".join(out) + "\n\n" + tail
    grid = "\n".join(_grid(header, body)) + "\n" if body else ""
    return title + "\n\n" + grid + ("\n" if grid and tail else "") + tail
