"""Terminal tables and Markdown. Instances that differ only in their bearer (NATO Art. 5 gives
one per other member) share a row, so that a table stays readable."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from engine.base.record import record

if TYPE_CHECKING:  # or the same fields as plain records (engine/core/records.py): only read here
    from engine.core.model import Instance, Result

MODAL = {"obligation": "must", "prohibition": "must not", "permission": "may", "right": "has the right to"}


class CompareCell(TypedDict):
    """One interpretation's cell of a comparison row (`compare_rows`)."""
    status: str
    since: str | None
    activated: str | None
    missing: list[str]
    changed: bool


class CompareRow(TypedDict):
    """One instance of a comparison (`compare_rows`), with a cell per interpretation."""
    treaty: str
    article: str
    provision: str
    bearer: str
    beneficiary: str
    modality: str
    action: str
    strength: str
    differs: bool
    cells: dict[str, CompareCell]


@record
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
    fmt = lambda r: "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip()  # noqa: E731
    return [fmt(header), fmt(["─" * w for w in widths])] + [fmt(r) for r in body]


def _title(result: Result) -> str:
    s = result.scenario
    return f"{s.name} — interpretation {s.interpretation} — {s.source}"


def _says(result: Result) -> str | None:
    """The scenario's own plain-language line, on one line (None when it has none)."""
    says = getattr(result.scenario, "says", None)
    return " ".join(says.split()) if says else None


def render_table(result: Result) -> str:
    says = _says(result)
    lines = [_title(result)] + ([f"  {says}"] if says else []) + [""]
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


_MD_LINE_BREAKS = str.maketrans(dict.fromkeys("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029", " "))
_MD_MARKUP = str.maketrans({"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;", "[": "\\[",
                            "]": "\\]", "`": "\\`"})


def _md(cell: str) -> str:
    """A table cell: on one line, a `|` that does not end the cell."""
    return cell.translate(_MD_LINE_BREAKS).replace("|", "\\|")


def _md_text(text: str) -> str:
    """Text from a file (a scenario's name) in Markdown: on one line, and no markup of its own —
    no HTML, link, code span or table cell boundary."""
    return text.translate(_MD_LINE_BREAKS).translate(_MD_MARKUP)


def _md_code(text: str) -> str:
    """A code span holding `text` whatever backticks it holds (CommonMark: a longer fence)."""
    text = text.translate(_MD_LINE_BREAKS)
    run, longest = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(result: Result) -> str:
    s = result.scenario
    says = _says(result)
    lines = [f"## {_md_text(s.name)}", ""] + ([f"> {_md_text(says)}", ""] if says else []) + [
             f"Interpretation `{s.interpretation}`, scenario {_md_code(s.source)}.", "",
             "| treaty | art. | provision | bearer → beneficiary | duty | status | since | activated | strength "
             "| missing |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    by_treaty: dict[str, list[Row]] = {}
    for r in rows(result):
        by_treaty.setdefault(r.treaty, []).append(r)
    quiet = [tr.treaty for tr in result.results if not by_treaty.get(tr.treaty)]
    if len(quiet) == len(result.results):  # nothing alive: one line, not a row per treaty (issue 16 item 4)
        del lines[-2:]
    for tr in result.results:
        for r in by_treaty.get(tr.treaty, []):
            cells = [f"`{r.treaty}`", r.article, f"`{r.provision}`", r.who, r.duty, f"**{r.status}**", r.since,
                     r.activated, r.strength, r.why]
            lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if quiet:
        if len(quiet) < len(result.results):
            lines.append("")
        lines.append("Nothing comes alive under: " + ", ".join(f"`{t}`" for t in quiet) + ".")
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
            reasons = "; ".join(f"{_md_code(b.atom)} ← {_md_code(b.fact)} ({_md_text(b.source)})" for b in i.because)
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
        out = [f"## {_md_text(title)}", "", "| " + " | ".join(_md(h) for h in header) + " |",
               "|" + "---|" * len(header)]
        out += ["| " + " | ".join(_md(c) for c in r) + " |" for r in body]
        return "\n".join(out) + "\n\n" + tail
    grid = "\n".join(_grid(header, body)) + "\n" if body else ""
    return title + "\n\n" + grid + ("\n" if grid and tail else "") + tail


# ---------------------------------------------------------------------------- compare as data

COMPARE_COLUMNS = ["scenario", "source", "treaty", "article", "provision", "bearer", "beneficiary", "modality",
                   "action", "strength", "interpretation", "status", "since", "activated", "missing", "changed",
                   "differs"]


def _natural(s: str) -> tuple[object, ...]:
    import re

    return tuple((0, int(x)) if x.isdigit() else (1, x) for x in re.split(r"(\d+)", s))


def compare_rows(results: Iterable[Result]) -> tuple[list[str], list[CompareRow], list[str]]:
    """One scenario's results (one per interpretation) as rows of a comparison, one per instance
    (provision, bearer, beneficiary) listed under at least one interpretation. Each row has a
    cell per interpretation (`status` "dormant" where it is not listed there); a cell is
    `changed` when it differs from the first interpretation's, and a row `differs` when any cell
    does. Returns (interpretations, rows, treaties where nothing comes alive under any)."""
    results = list(results)
    names: list[str] = []
    for r in results:
        if r.scenario.interpretation not in names:
            names.append(r.scenario.interpretation)
    treaties = [t.treaty for t in results[0].results] if results else []
    found: dict[tuple[str, str, str, str], dict[str, Instance]] = {}
    for res in results:
        for tr in res.results:
            for i in tr.instances:
                found.setdefault((tr.treaty, i.provision, i.bearer, i.beneficiary), {})[res.scenario.interpretation] = i
    order = {t: n for n, t in enumerate(treaties)}
    rows_out: list[CompareRow] = []
    for key in sorted(found, key=lambda k: (order.get(k[0], len(order)), k[0], _natural(k[1]), k[3], k[2])):
        by_name = found[key]
        meta = next(iter(by_name.values()))
        cells: dict[str, CompareCell] = {}
        for n in names:
            got = by_name.get(n)
            cells[n] = ({"status": got.status, "since": got.since, "activated": got.activated,
                         "missing": list(got.missing), "changed": False}  # `changed` is set below
                        if got is not None else
                        {"status": "dormant", "since": None, "activated": None, "missing": [], "changed": False})
        base = cells[names[0]]

        def sig(c: CompareCell) -> tuple[str, str | None, str | None]:
            return (c["status"], c["since"], c["activated"])

        for c in cells.values():
            c["changed"] = sig(c) != sig(base)
        rows_out.append({"treaty": key[0], "article": meta.article, "provision": key[1], "bearer": key[2],
                         "beneficiary": key[3], "modality": meta.modality, "action": meta.action,
                         "strength": meta.strength, "differs": any(c["changed"] for c in cells.values()),
                         "cells": cells})
    alive = {k[0] for k in found}
    return names, rows_out, [t for t in treaties if t not in alive]


def compare_document(results: Iterable[Result]) -> dict[str, object]:
    """`casus compare --format json` for one scenario (schema casus.compare/1): the scenario,
    the interpretations, `rows` (see compare_rows), `quiet` treaties, and each interpretation's
    full result (casus.result/1) in `results`."""
    import json

    results = list(results)
    names, rows_, quiet = compare_rows(results)
    s = results[0].scenario
    return {"schema": "casus.compare/1", "scenario": s.name, "source": s.source, "interpretations": names,
            "rows": rows_, "quiet": quiet, "results": [json.loads(r.to_json()) for r in results]}


def compare_records(per_scenario: Iterable[Iterable[Result]]) -> list[dict[str, object]]:
    """Flat records for CSV and pandas: one per scenario × instance × interpretation, with the
    columns COMPARE_COLUMNS (`missing` joined by '; ')."""
    out: list[dict[str, object]] = []
    for results in per_scenario:
        results = list(results)
        names, rows_, _ = compare_rows(results)
        s = results[0].scenario
        for row in rows_:
            for n in names:
                c = row["cells"][n]
                out.append({"scenario": s.name, "source": s.source, "treaty": row["treaty"],
                            "article": row["article"], "provision": row["provision"], "bearer": row["bearer"],
                            "beneficiary": row["beneficiary"], "modality": row["modality"], "action": row["action"],
                            "strength": row["strength"], "interpretation": n, "status": c["status"],
                            "since": c["since"] or "", "activated": c["activated"] or "",
                            "missing": "; ".join(c["missing"]), "changed": c["changed"], "differs": row["differs"]})
    return out


def compare_csv(per_scenario: Iterable[Iterable[Result]]) -> str:
    import csv
    import io

    from engine.core.records import spreadsheet_cell

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COMPARE_COLUMNS, lineterminator="\n")
    w.writeheader()
    for rec in compare_records(per_scenario):
        w.writerow({k: (str(v).lower() if isinstance(v, bool) else spreadsheet_cell(v) if isinstance(v, str) else v)
                    for k, v in rec.items()})
    return buf.getvalue()
