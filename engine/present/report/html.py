"""`casus report`: one self-contained HTML page for a class or a briefing — the comparison of
every treaty across the scenarios and interpretations, a timeline per treaty, each treaty's
trigger chain as inline SVG, each provision's citation, paraphrase and source, and where the
interpretations differ. No script and no external resource: it opens offline, reads on a
projector (large type) and prints (@media print)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from engine.core.evaluate import STATUS_ORDER, Evaluation, InstanceRun, evaluate, strength
from engine.core.model import Result, result_model
from engine.kernel.facts import BIG, Scenario
from engine.language import render as R
from engine.language.build import iso
from engine.language.library import Library
from engine.present.graph import STATUS_STYLE, build, duty_text, qualifier_text, to_svg
from engine.present.report.text import MODAL, CompareRow, compare_rows

CSS = """
:root { --ink: #111; --muted: #555; --rule: #bbb; --accent: #1d3557; }
* { box-sizing: border-box; }
html { font-size: 21px; }
body { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff;
       line-height: 1.45; margin: 0 auto; padding: 1rem 2rem 4rem; max-width: 1500px; }
h1 { font-size: 2.1rem; color: var(--accent); margin: .5rem 0; }
h2 { font-size: 1.6rem; color: var(--accent); border-bottom: 3px solid var(--accent); padding-bottom: .2rem;
     margin-top: 2.5rem; }
h3 { font-size: 1.25rem; margin: 1.6rem 0 .5rem; }
nav ul { columns: 2; padding-left: 1.2rem; }
nav a, a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td.num { text-align: center; }
td.differs, th.differs { text-align: center; font-weight: bold; color: #b00020; }
tr.differs td { border-top: 2px solid #b00020; border-bottom: 2px solid #b00020; }
.status { display: inline-block; padding: .05rem .45rem; border-radius: .3rem; border: 1px solid #777;
          font-weight: bold; white-space: nowrap; }
.changed { outline: 3px solid #b00020; outline-offset: -3px; }
.muted { color: var(--muted); }
.quiet { color: var(--muted); font-style: italic; }
code, .rule { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .85em; }
.rule { white-space: pre-wrap; background: #f6f6f6; border-left: 4px solid var(--accent); padding: .4rem .7rem;
        display: block; margin: .3rem 0; }
blockquote { margin: .4rem 0; padding: .3rem .8rem; border-left: 4px solid #999; background: #fafafa; }
.provision { margin: 1rem 0 1.4rem; }
.legend span { margin-right: .6rem; }
figure { margin: .5rem 0 1rem; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; }
ul.facts { font-size: .9rem; }
@media print {
  html { font-size: 10.5pt; }
  body { max-width: none; padding: 0; }
  nav { display: none; }
  section.treaty, section.scenario { break-before: page; }
  table, figure, .provision { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(x: object) -> str:
    return escape(str(x), quote=True)


def _badge(status: str, extra: str = "") -> str:
    fill, stroke, color = STATUS_STYLE.get(status, STATUS_STYLE["dormant"])
    return (f'<span class="status status-{_e(status)}" style="background:{fill};border-color:{stroke};'
            f'color:{color}">{_e(status)}</span>{_e(extra)}')


def _inline_svg(svg: str) -> str:
    """An SVG document as an element of the HTML page (HTML needs no namespace declaration)."""
    return svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1).strip()


@dataclass
class _Run:
    scenario: Scenario
    index: int
    interpretation: str
    evaluation: Evaluation
    result: Result


# ---------------------------------------------------------------------------- timeline


def _timeline_svg(runs: list[InstanceRun], start: int, end: int, key: str) -> str:
    """Bars, one per instance (bearers toward the same beneficiary with the same history share
    one), coloured by status from each change to the next."""
    groups: dict[tuple[str, str, tuple[tuple[int, str], ...]], list[InstanceRun]] = {}
    for r in runs:
        groups.setdefault((r.provision.id, r.beneficiary, tuple(r.timeline)), []).append(r)
    label_w, bar_w, row_h, top = 330, 820, 30, 34
    width = label_w + bar_w + 20
    height = top + row_h * len(groups) + 14
    span = max(end - start, 1)

    def x(d: int) -> float:
        return label_w + (min(max(d, start), end) - start) / span * bar_w

    out = [f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="timeline {escape(key)}">']
    for frac in (0, 0.25, 0.5, 0.75, 1):
        d = start + round(span * frac)
        xx = x(d)
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        out.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 8}" stroke="#ccc"/>'
                   f'<text x="{xx:.1f}" y="{top - 12}" text-anchor="{anchor}" font-size="13" fill="#555">'
                   f"{iso(d)}</text>")
    for n, ((pid, benef, timeline), rs) in enumerate(groups.items()):
        y = top + n * row_h
        bearers = [r.bearer for r in rs]
        who = ", ".join(bearers) if len(bearers) <= 3 else f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
        art = rs[0].provision.article
        out.append(f'<text x="4" y="{y + 19}" font-size="14" fill="#111">Art. {_e(art)} {_e(pid)}: '
                   f"{_e(who)} → {_e(benef)}</text>")
        for i, (d, status) in enumerate(timeline):
            d_end = timeline[i + 1][0] if i + 1 < len(timeline) else end
            fill, stroke, _ = STATUS_STYLE.get(status, STATUS_STYLE["dormant"])
            x1, x2 = x(d), x(d_end)
            w = max(x2 - x1, 3)
            until = f" until {iso(d_end)}" if i + 1 < len(timeline) else ""
            out.append(f'<rect x="{x1:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}" '
                       f'stroke="{stroke}"><title>{_e(status)} from {iso(d)}{until}</title></rect>')
            if w > 70:
                out.append(f'<text x="{x1 + 5:.1f}" y="{y + 19}" font-size="13" fill="#111">{_e(status)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _span_of(run: _Run, instances: list[InstanceRun]) -> tuple[int, int]:
    dates = [f.start for f in run.evaluation.facts] + [f.end for f in run.evaluation.facts if f.end < BIG]
    dates += [d for r in instances for d, _ in r.timeline]
    lo, hi = min(dates), max(dates)
    pad = max((hi - lo) // 12, 7)
    return lo - pad // 3, hi + pad


# ---------------------------------------------------------------------------- sections


class _MergedRow(CompareRow):
    bearers: list[str]  # the bearers whose cells are the same, sharing the row


def _comparison_table(runs_for_scenario: list[_Run], treaty: str | None, with_scenario: bool = False
                      ) -> tuple[str, list[_MergedRow]]:
    names, rows, _ = compare_rows([r.result for r in runs_for_scenario])
    rows = [r for r in rows if treaty is None or r["treaty"] == treaty]
    if not rows:
        return "", []
    # bearers with the same cells share a row, as in the terminal table
    merged: dict[tuple[object, ...], _MergedRow] = {}
    for row in rows:
        cells = row["cells"]
        sig = tuple((n, cells[n]["status"], cells[n]["since"]) for n in names)
        key = (row["treaty"], row["provision"], row["beneficiary"], sig)
        if key in merged:
            merged[key]["bearers"].append(row["bearer"])
        else:
            merged[key] = {**row, "bearers": [row["bearer"]]}
    head = (["scenario"] if with_scenario else []) + (["treaty"] if treaty is None else []) + [
        "art.", "provision", "bearer → beneficiary", "duty", "strength"] + names + ["differs"]
    out = [(f'<table class="comparison" data-treaty="{_e(treaty)}">' if treaty else '<table class="comparison-all">'),
           "<thead><tr>" + "".join(f'<th class="{"differs" if h == "differs" else ""}">{_e(h)}</th>'
                                   for h in head) + "</tr></thead><tbody>"]
    for row in merged.values():
        b = row["bearers"]
        who = ", ".join(b) if len(b) <= 3 else f"{', '.join(b[:2])} +{len(b) - 2} more"
        cells_html = []
        for n in names:
            c = row["cells"][n]
            extra = f" {c['since']}" if c["since"] else ""
            missing = f'<div class="muted">missing: {_e("; ".join(c["missing"]))}</div>' if c["missing"] else ""
            cls = ' class="changed"' if c["changed"] else ""
            cells_html.append(f"<td{cls}>{_badge(c['status'], extra)}{missing}</td>")
        lead = ([f"<td>{_e(runs_for_scenario[0].scenario.name)}</td>"] if with_scenario else []) + (
            [f"<td><code>{_e(row['treaty'])}</code></td>"] if treaty is None else [])
        differs = "*" if row["differs"] else ""
        out.append(f'<tr class="{"differs" if differs else ""}">' + "".join(lead)
                   + f"<td>{_e(row['article'])}</td><td><code>{_e(row['provision'])}</code></td>"
                   + f"<td>{_e(who)} → {_e(row['beneficiary'])}</td>"
                   + f"<td>{_e(MODAL[row['modality']])} {_e(row['action'])}</td>"
                   + f"<td>{_e(row['strength'])}</td>" + "".join(cells_html)
                   + f'<td class="differs">{differs}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out), list(merged.values())


def _differences(rows: list[_MergedRow], names: list[str]) -> str:
    items = []
    for row in rows:
        if not row["differs"]:
            continue
        b = row["bearers"]
        who = ", ".join(b) if len(b) <= 3 else f"{', '.join(b[:2])} +{len(b) - 2} more"
        parts = []
        for n in names:
            c = row["cells"][n]
            parts.append(f"<em>{_e(n)}</em>: {_e(c['status'])}" + (f" since {_e(c['since'])}" if c["since"] else ""))
        items.append(f"<li><code>{_e(row['treaty'])}.{_e(row['provision'])}</code> (Art. {_e(row['article'])}) "
                     f"{_e(who)} → {_e(row['beneficiary'])}: " + "; ".join(parts) + "</li>")
    return "<ul class=\"differences\">" + "".join(items) + "</ul>" if items else ""


def _facts_list(s: Scenario) -> str:
    items = []
    for f in sorted(s.facts, key=lambda f: (f.start, f.text)):
        when = (iso(f.start) or "") + ("" if f.end == f.start else f"..{iso(f.end) if f.end < BIG else ''}")
        note = f' <span class="muted">— {_e(f.note)}</span>' if f.note else ""
        items.append(f"<li><code>{_e(when)}</code> <code>{_e(f.text)}</code>{note}</li>")
    return '<ul class="facts">' + "".join(items) + "</ul>"


def _provisions(lib: Library, tid: str) -> str:
    t = lib.treaties[tid]
    out = []
    for p in t.provisions:
        rule = []
        for word, c in (("when", p.when), ("upon", p.upon), ("unless", p.unless)):
            if c is not None:
                rule.append(f"{word:<6} {R.cond(c)}")
        if p.then is not None:
            quals = ", ".join(qualifier_text(q) for q in p.then.qualifiers)
            rule.append("then   " + duty_text(p.then) + (f", {quals}" if quals else ""))
        if p.until is not None:
            rule.append(f"until  {R.cond(p.until)}")
        strength_ = strength(p, lib) if p.then is not None else ""
        out.append(f'<div class="provision" id="{_e(tid)}-{_e(p.id)}"><h3>Art. {_e(p.article)} — {_e(p.title)} '
                   f'<span class="muted">(<code>{_e(p.id)}</code>, {_e(strength_)})</span></h3>'
                   + (f"<blockquote>{_e(p.says)}</blockquote>" if p.says else "")
                   + (f'<p class="source"><strong>Source:</strong> {_e(p.source)}</p>' if p.source else "")
                   + f'<code class="rule">{_e(chr(10).join(rule))}</code></div>')
    return "\n".join(out)


def render_report(lib: Library, scenarios: Sequence[Scenario], interpretations: Sequence[str] | None = None,
                  treaties: Sequence[str] | None = None, title: str | None = None) -> str:
    """The report as one HTML document. `interpretations`: the readings to set side by side
    (each scenario's own when None)."""
    tids = sorted(treaties) if treaties else sorted(lib.treaties)
    per_scenario: list[list[_Run]] = []
    for k, s in enumerate(scenarios):
        names = list(dict.fromkeys(interpretations)) if interpretations else [s.interpretation or "default"]
        runs = []
        for n in names:
            ev = evaluate(lib, s, tids, n)
            runs.append(_Run(s, k, n, ev, result_model(lib, ev)))
        per_scenario.append(runs)
    all_names = list(dict.fromkeys(r.interpretation for runs in per_scenario for r in runs))
    title = title or ("casus report: " + (scenarios[0].name if len(scenarios) == 1 else f"{len(scenarios)} scenarios"))
    h: list[str] = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>", "<header>",
                    f"<h1>{_e(title)}</h1>",
                    f"<p>Scenarios: {', '.join(_e(s.name) for s in scenarios)}. Interpretations: "
                    + ", ".join(f"<code>{_e(n)}</code>" for n in all_names)
                    + f". Treaties: {len(tids)}. Made by casus; every table below is the engine's output.</p>",
                    '<p class="legend">' + "".join(_badge(s) + " " for s in STATUS_ORDER + ("dormant",)) + "</p>",
                    "</header>"]
    h.append('<nav><h2 id="contents">Contents</h2><ul><li><a href="#overview">Overview</a></li>')
    for runs in per_scenario:
        h.append(f'<li><a href="#scenario-{runs[0].index}">Scenario: {_e(runs[0].scenario.name)}</a></li>')
    for tid in tids:
        h.append(f'<li><a href="#treaty-{_e(tid)}">{_e(lib.treaties[tid].title)}</a></li>')
    h.append("</ul></nav>")

    # overview: treaty × (scenario, interpretation) -> what came alive
    h.append('<section id="overview"><h2>Overview</h2><table class="overview"><thead><tr><th>treaty</th>')
    for runs in per_scenario:
        for r in runs:
            h.append(f"<th>{_e(r.scenario.name)}<br><span class=\"muted\">{_e(r.interpretation)}</span></th>")
    h.append("</tr></thead><tbody>")
    for tid in tids:
        h.append(f'<tr><td><a href="#treaty-{_e(tid)}"><code>{_e(tid)}</code></a></td>')
        for runs in per_scenario:
            for r in runs:
                outcome = next(o for o in r.evaluation.outcomes if o.treaty.id == tid)
                counts = Counter(i.status for i in outcome.instances)
                cell = " ".join(_badge(s, f" ×{counts[s]}") for s in STATUS_ORDER if counts[s]) or "—"
                h.append(f'<td class="num">{cell}</td>')
        h.append("</tr>")
    h.append("</tbody></table></section>")

    for runs in per_scenario:
        s = runs[0].scenario
        names = [r.interpretation for r in runs]
        table, rows = _comparison_table(runs, None)
        h.append(f'<section class="scenario" id="scenario-{runs[0].index}"><h2>Scenario: {_e(s.name)}</h2>'
                 f'<p class="muted">Source <code>{_e(s.source)}</code>.</p><h3>Events</h3>{_facts_list(s)}'
                 "<h3>What comes alive</h3>" + (table or '<p class="quiet">Nothing comes alive under any treaty.</p>'))
        if len(names) > 1:
            diff = _differences(rows, names)
            h.append("<h3>Where the interpretations differ</h3>"
                     + (diff or f'<p class="quiet">The same under {", ".join(names)}.</p>'))
        h.append("</section>")

    for tid in tids:
        t = lib.treaties[tid]
        parties = sorted({m.party.code for m in t.members})
        h.append(f'<section class="treaty" id="treaty-{_e(tid)}"><h2>{_e(t.title)} <code>{_e(tid)}</code></h2>'
                 f'<p class="muted">In force {_e(iso(t.in_force) or "—")}'
                 + (f" until {_e(iso(t.ends))}" if t.ends else "")
                 + f". Parties: {_e(', '.join(parties))}.</p>"
                 + (f'<p class="source"><strong>Source:</strong> {_e(t.source)}</p>' if t.source else ""))
        h.append("<h3>Comparison</h3>")
        any_rows = False
        for runs in per_scenario:
            table, rows = _comparison_table(runs, tid, with_scenario=False)
            names = [r.interpretation for r in runs]
            h.append(f'<h4>{_e(runs[0].scenario.name)}</h4>')
            if table:
                any_rows = True
                h.append(table)
                if len(names) > 1:
                    diff = _differences(rows, names)
                    if diff:
                        h.append("<p><strong>Interpretation differences:</strong></p>" + diff)
            else:
                h.append(f'<p class="quiet comparison-empty" data-treaty="{_e(tid)}">Nothing comes alive under '
                         f'{_e(", ".join(names))}.</p>')
        h.append("<h3>Timeline</h3>")
        drew = False
        for runs in per_scenario:
            for r in runs:
                outcome = next(o for o in r.evaluation.outcomes if o.treaty.id == tid)
                if not outcome.instances:
                    continue
                drew = True
                lo, hi = _span_of(r, outcome.instances)
                h.append(f"<figure>{_timeline_svg(outcome.instances, lo, hi, f'{tid} {r.scenario.name}')}"
                         f"<figcaption>{_e(r.scenario.name)} — interpretation {_e(r.interpretation)}"
                         "</figcaption></figure>")
        if not drew:
            h.append('<p class="quiet">No instance in these scenarios.</p>')
        only = per_scenario[0][0] if len(per_scenario) == 1 and len(per_scenario[0]) == 1 else None
        diagram = build(lib, tid, only.evaluation if only is not None and any_rows else None)
        caption = (f"coloured by {only.scenario.name}, interpretation {only.interpretation}"
                   if only is not None and any_rows else "structure only")
        h.append(f"<h3>Trigger chain</h3><figure>{_inline_svg(to_svg(diagram))}<figcaption>Trigger chain of "
                 f"<code>{_e(tid)}</code> ({_e(caption)}).</figcaption></figure>")
        h.append("<h3>Provisions</h3>" + _provisions(lib, tid))
        h.append("</section>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


__all__ = ["render_report"]
