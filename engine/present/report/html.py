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
from engine.core.records import scenario_says
from engine.kernel.facts import BIG, Scenario
from engine.language import ast as A
from engine.language import render as R
from engine.language.build import CYCLE_DAYS, iso
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
body { overflow-wrap: break-word; }
nav ul { columns: 2; padding-left: 1.2rem; }
code { overflow-wrap: anywhere; }
table code { overflow-wrap: normal; }  /* ids stay whole in tables: the table scrolls in its box instead */
.scroll { overflow-x: auto; max-width: 100%; }
.says { font-size: 1.1rem; border-left: 5px solid var(--accent); background: #eef1f6; margin: .5rem 0 1rem;
        padding: .5rem .8rem; }
details.who { display: inline; }
details.who summary { cursor: pointer; color: var(--accent); }
dl.legend { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .8rem; font-size: .85rem;
            align-items: baseline; }
dl.legend dt, dl.legend dd { margin: 0; }
p.quiet-treaties code { white-space: nowrap; }
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
figure { margin: .5rem 0 1rem; overflow-x: auto; max-width: 100%; }
figure svg { display: block; }  /* at its own size, so that its text stays legible; the figure scrolls */
figcaption { color: var(--muted); font-size: .85rem; }
ul.facts { font-size: .9rem; }
@media (max-width: 700px) {
  html { font-size: 16px; }
  body { padding: .5rem .6rem 2rem; }
  nav ul { columns: 1; }
  h1 { font-size: 1.6rem; }
  h2 { font-size: 1.3rem; }
}
@media print {
  html { font-size: 10.5pt; }
  .scroll, figure { overflow: visible; }
  figure svg { max-width: 100%; height: auto; }
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


# What each status means, for the legend (SPEC "Instances and status", in a class's words).
STATUS_MEANING: dict[str, str] = {
    "violated": "a deadline passed without the duty being done (or a forbidden act was done while it was owed)",
    "active": "the trigger and every prerequisite hold and nothing defeats it: the duty is owed",
    "fulfilled": "the bearer did what the duty asks, in time",
    "pending": "the trigger holds but a prerequisite (a request, a decision) does not yet",
    "defeated": "the trigger held, but an exception (its unless clause) held too",
    "suspended": "the bearer's duties toward this beneficiary are suspended for a period",
    "lapsed": "was pending, but the situation that triggered it ended before the prerequisites were met; "
              "a new trigger can bring it back",
    "discharged": "the duty came to an end: its until clause held, the treaty ended or the bearer left",
    "dormant": "nothing has triggered it",
}


def _legend() -> str:
    items = "".join(f"<dt>{_badge(st)}</dt><dd>{_e(STATUS_MEANING[st])}</dd>" for st in (*STATUS_ORDER, "dormant"))
    return f'<dl class="legend" aria-label="what each status means">{items}</dl>'


def _who(bearers: list[str]) -> str:
    """A list of bearers: up to three written out; more as "AL, BE +29 more", which opens (no
    script: `<details>`) on the whole list."""
    if len(bearers) <= 3:
        return _e(", ".join(bearers))
    short = f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
    return (f'<details class="who"><summary>{_e(short)}</summary><span class="all">{_e(", ".join(bearers))}'
            "</span></details>")


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


@dataclass(frozen=True)
class _Event:
    """A marked date on a timeline: a fact of the scenario, the treaty's entry into force, a
    membership change. `end`: a fact's last day when it lasts (drawn as a thin line)."""

    date: int
    label: str
    kind: str  # fact | in_force | ends | joins | leaves
    end: int | None = None


def _fit(text: str, room: float, size: float) -> str:
    """`text` cut (with "…") to what `room` pixels hold at font size `size` (a generous 0.66 em a
    character, so that nothing overruns the drawing)."""
    n = max(int(room / (size * 0.66)), 4)
    return text if len(text) <= n else text[:n - 1] + "…"


def _ticks(start: int, end: int) -> list[tuple[int, str]]:
    """Axis ticks on month or year boundaries: the finest step (1, 2, 3 or 6 months; 1, 2, 5, 10,
    20 or 50 years) that gives at most 10 ticks between `start` and `end` (day ordinals). An axis
    that runs past 9999-12-31 (Python's last date) is worked out 400 years earlier, where the
    Gregorian calendar is the same, and labelled where it is (`iso`)."""
    import datetime as dt

    shift = max(0, -(-(end - dt.date.max.toordinal()) // CYCLE_DAYS)) * CYCLE_DAYS
    s, e = (dt.date.fromordinal(max(day - shift, 1)) for day in (start, end))
    first = s.year * 12 + s.month - 1
    last = e.year * 12 + e.month - 1
    for step in (1, 2, 3, 6, 12, 24, 60, 120, 240, 600):
        lo = -(-first // step) * step
        months = list(range(lo, last + 1, step))
        if len(months) <= 10:
            break
    out = []
    for m in months:
        day = dt.date(m // 12, m % 12 + 1, 1).toordinal() + shift
        if start <= day <= end:
            label = iso(day)
            out.append((day, label[:-6] if step >= 12 else label[:-3]))
    return out


_HALO = ' stroke="#ffffff" stroke-width="4" paint-order="stroke"'  # legible over the lines it crosses
_EVENT_COLOUR = {"fact": "#1d3557", "in_force": "#2d6a4f", "ends": "#7f1010", "joins": "#2d6a4f",
                 "leaves": "#7f1010"}


def _timeline_svg(runs: list[InstanceRun], events: list[_Event], start: int, stop: int, end: int,
                  key: str, ongoing: bool = False) -> str:
    """Above, a row per event (a marker, its date and what it is); below, a bar per instance
    (bearers toward the same beneficiary with the same history share one), coloured by status
    from each change to the next and ending where the scenario ends (`stop`; when a fact is
    ongoing, the bars run on to the axis's end, an arrow saying they go on); the axis has ticks
    on month or year boundaries."""
    groups: dict[tuple[str, str, tuple[tuple[int, str], ...]], list[InstanceRun]] = {}
    for r in runs:
        groups.setdefault((r.provision.id, r.beneficiary, tuple(r.timeline)), []).append(r)
    label_w, bar_w, row_h, ev_h = 330, 820, 30, 20
    width = label_w + bar_w + 20
    axis = 30  # the tick labels
    ev_top = axis + 8
    top = ev_top + ev_h * len(events) + 10
    height = top + row_h * len(groups) + 14
    span = max(end - start, 1)

    def x(d: int) -> float:
        return label_w + (min(max(d, start), end) - start) / span * bar_w

    out = [f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
           f'aria-label="timeline {_e(key)}">']
    for d, label in _ticks(start, end):
        xx = x(d)
        out.append(f'<line class="tick" x1="{xx:.1f}" y1="{axis - 4}" x2="{xx:.1f}" y2="{height - 8}" stroke="#ccc"/>'
                   f'<text class="tick" x="{xx:.1f}" y="{axis - 10}" text-anchor="middle" font-size="13" '
                   f'fill="#555">{label}</text>')
    xs = x(stop)
    what = f"the last event, {iso(stop)}; a fact is ongoing" if ongoing else f"the scenario ends {iso(stop)}"
    out.append(f'<line class="scenario-end" x1="{xs:.1f}" y1="{axis - 4}" x2="{xs:.1f}" y2="{height - 8}" '
               f'stroke="#111" stroke-dasharray="5 3"><title>{what}</title></line>')
    bar_end = end if ongoing else stop
    for n, ev in enumerate(events):
        y = ev_top + n * ev_h
        xx = x(ev.date)
        colour = _EVENT_COLOUR[ev.kind]
        text = f"{iso(ev.date)} {ev.label}"
        out.append(f'<g class="event event-{ev.kind}"><title>{_e(text)}</title>'
                   f'<line x1="{xx:.1f}" y1="{y + ev_h / 2:.1f}" x2="{xx:.1f}" y2="{height - 8}" stroke="{colour}" '
                   f'stroke-opacity=".35"/>')
        if ev.end is not None and ev.end > ev.date:
            out.append(f'<line class="lasts" x1="{xx:.1f}" y1="{y + ev_h - 2}" x2="{x(min(ev.end, stop)):.1f}" '
                       f'y2="{y + ev_h - 2}" stroke="{colour}" stroke-width="2.5" stroke-opacity=".5"/>')
        out.append(f'<circle cx="{xx:.1f}" cy="{y + ev_h / 2:.1f}" r="5" fill="{colour}"/>')
        right, left = width - xx - 12, xx - 12
        if right >= left:
            out.append(f'<text x="{xx + 9:.1f}" y="{y + 14}" font-size="12" fill="{colour}"{_HALO}>'
                       f"{_e(_fit(text, right, 12))}</text>")
        else:
            out.append(f'<text x="{xx - 9:.1f}" y="{y + 14}" text-anchor="end" font-size="12" fill="{colour}"{_HALO}>'
                       f"{_e(_fit(text, left, 12))}</text>")
        out.append("</g>")
    for n, ((pid, benef, timeline), rs) in enumerate(groups.items()):
        y = top + n * row_h
        bearers = [r.bearer for r in rs]
        who = ", ".join(bearers) if len(bearers) <= 3 else f"{', '.join(bearers[:2])} +{len(bearers) - 2} more"
        art = rs[0].provision.article
        label = f"Art. {art} {pid}: {who} → {benef}"
        out.append(f'<text x="4" y="{y + 19}" font-size="14" fill="#111"><title>{_e(label)}: {_e(", ".join(bearers))}'
                   f"</title>{_e(_fit(label, label_w - 10, 14))}</text>")
        for i, (d, status) in enumerate(timeline):
            if d > bar_end:
                continue
            last = i + 1 == len(timeline)
            d_end = bar_end if last else min(timeline[i + 1][0], bar_end)
            fill, stroke, _ = STATUS_STYLE.get(status, STATUS_STYLE["dormant"])
            x1, x2 = x(d), x(d_end)
            w = max(x2 - x1, 4)
            until = (" on" if ongoing else f" to the scenario's end, {iso(stop)}") if last else f" until {iso(d_end)}"
            out.append(f'<rect x="{x1:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}" '
                       f'stroke="{stroke}"><title>{_e(status)} from {iso(d)}{until}</title></rect>')
            if w > len(status) * 13 * 0.66 + 10:
                out.append(f'<text x="{x1 + 5:.1f}" y="{y + 19}" font-size="13" fill="#111">{_e(status)}</text>')
            if last and ongoing:
                out.append(f'<path class="goes-on" d="M {x2:.1f} {y + 4} l 9 {row_h / 2 - 4} l -9 {row_h / 2 - 4} z" '
                           f'fill="{stroke}"><title>{_e(status)} on</title></path>')
    out.append("</svg>")
    return "\n".join(out)


def _scenario_events(s: Scenario) -> list[_Event]:
    return [_Event(f.start, f.text, "fact", f.end if f.end < BIG else None)
            for f in sorted(s.facts, key=lambda f: (f.start, f.text))]


def _treaty_events(t: A.TreatyDecl) -> list[_Event]:
    """Entry into force, the end, and every membership change (a party joining after entry into
    force or leaving)."""
    out = []
    if t.in_force is not None:
        out.append(_Event(t.in_force, "enters into force", "in_force"))
    if t.ends is not None:
        out.append(_Event(t.ends, "ends", "ends"))
    for m in t.members:
        if m.start is not None and (t.in_force is None or m.start > t.in_force):
            out.append(_Event(m.start, f"{m.party.code} becomes a party", "joins"))
        if m.end is not None:
            out.append(_Event(m.end, f"{m.party.code} leaves", "leaves"))
    return out


def _span_of(run: _Run, instances: list[InstanceRun], treaty_events: list[_Event]
             ) -> tuple[int, int, int, list[_Event], list[_Event]]:
    """The axis (start, end), where the scenario stops, the events drawn (the scenario's facts
    and the treaty's events on the axis) and the treaty's events before it."""
    facts = [f for f in run.evaluation.facts]
    dates = [f.start for f in facts] + [f.end for f in facts if f.end < BIG]
    dates += [d for r in instances for d, _ in r.timeline]
    lo, stop = min(dates), max(dates)
    reach = max((stop - lo) // 2, 31)  # a treaty event up to half the span before is drawn
    lo = min([lo] + [ev.date for ev in treaty_events if lo - reach <= ev.date])
    stop = max([stop] + [ev.date for ev in treaty_events if lo <= ev.date <= stop + reach])
    pad = max((stop - lo) // 12, 7)
    start, end = lo - pad // 3, stop + pad
    shown = sorted(_scenario_events(run.scenario) + [ev for ev in treaty_events if start <= ev.date <= stop],
                   key=lambda ev: (ev.date, ev.kind != "fact", ev.label))
    before = sorted((ev for ev in treaty_events if ev.date < start), key=lambda ev: (ev.date, ev.label))
    return start, stop, end, shown, before


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
    out = ['<div class="scroll">' + (f'<table class="comparison" data-treaty="{_e(treaty)}">' if treaty
                                     else '<table class="comparison-all">'),
           "<thead><tr>" + "".join(f'<th class="{"differs" if h == "differs" else ""}">{_e(h)}</th>'
                                   for h in head) + "</tr></thead><tbody>"]
    for row in merged.values():
        who = _who(row["bearers"])
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
                   + f"<td>{who} → {_e(row['beneficiary'])}</td>"
                   + f"<td>{_e(MODAL[row['modality']])} {_e(row['action'])}</td>"
                   + f"<td>{_e(row['strength'])}</td>" + "".join(cells_html)
                   + f'<td class="differs">{differs}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out), list(merged.values())


def _differences(rows: list[_MergedRow], names: list[str]) -> str:
    items = []
    for row in rows:
        if not row["differs"]:
            continue
        who = _who(row["bearers"])
        parts = []
        for n in names:
            c = row["cells"][n]
            parts.append(f"<em>{_e(n)}</em>: {_e(c['status'])}" + (f" since {_e(c['since'])}" if c["since"] else ""))
        items.append(f"<li><code>{_e(row['treaty'])}.{_e(row['provision'])}</code> (Art. {_e(row['article'])}) "
                     f"{who} → {_e(row['beneficiary'])}: " + "; ".join(parts) + "</li>")
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


def _alive(r: _Run, tid: str) -> bool:
    return any(o.treaty.id == tid and o.instances for o in r.evaluation.outcomes)


def render_report(lib: Library, scenarios: Sequence[Scenario], interpretations: Sequence[str] | None = None,
                  treaties: Sequence[str] | None = None, title: str | None = None) -> str:
    """The report as one HTML document. `interpretations`: the readings to set side by side
    (each scenario's own when None). Treaties under which nothing comes alive in any scenario
    and interpretation get no section, only a mention in one line."""
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
    alive = [tid for tid in tids if any(_alive(r, tid) for runs in per_scenario for r in runs)]
    quiet = [tid for tid in tids if tid not in alive]
    quiet_line = (f'<p class="quiet-treaties">Nothing comes alive, in any of these scenarios and interpretations, '
                  f"under {len(quiet)} treat{'y' if len(quiet) == 1 else 'ies'}: "
                  + ", ".join(f'<code data-treaty="{_e(t)}">{_e(t)}</code>' for t in quiet) + ".</p>") if quiet else ""
    title = title or ("casus report: " + (scenarios[0].name if len(scenarios) == 1 else f"{len(scenarios)} scenarios"))
    h: list[str] = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
                    '<meta name="viewport" content="width=device-width, initial-scale=1">',
                    f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>", "<header>",
                    f"<h1>{_e(title)}</h1>",
                    f"<p>Scenarios: {', '.join(_e(s.name) for s in scenarios)}. Interpretations: "
                    + ", ".join(f"<code>{_e(n)}</code>" for n in all_names)
                    + f". Treaties: {len(tids)}, of which {len(alive)} with something alive. Made by casus; every "
                    "table below is the engine's output.</p>",
                    "<h2 id=\"legend\">What the statuses mean</h2>" + _legend(),
                    "</header>"]
    h.append('<nav><h2 id="contents">Contents</h2><ul><li><a href="#overview">Overview</a></li>')
    for runs in per_scenario:
        h.append(f'<li><a href="#scenario-{runs[0].index}">Scenario: {_e(runs[0].scenario.name)}</a></li>')
    for tid in alive:
        h.append(f'<li><a href="#treaty-{_e(tid)}">{_e(lib.treaties[tid].title)}</a></li>')
    h.append("</ul></nav>")

    # overview: treaty × (scenario, interpretation) -> what came alive
    h.append('<section id="overview"><h2>Overview</h2>')
    if alive:
        h.append('<div class="scroll"><table class="overview"><thead><tr><th>treaty</th>')
        for runs in per_scenario:
            for r in runs:
                h.append(f"<th>{_e(r.scenario.name)}<br><span class=\"muted\">{_e(r.interpretation)}</span></th>")
        h.append("</tr></thead><tbody>")
        for tid in alive:
            h.append(f'<tr><td><a href="#treaty-{_e(tid)}"><code>{_e(tid)}</code></a></td>')
            for runs in per_scenario:
                for r in runs:
                    outcome = next(o for o in r.evaluation.outcomes if o.treaty.id == tid)
                    counts = Counter(i.status for i in outcome.instances)
                    cell = " ".join(_badge(s, f" ×{counts[s]}") for s in STATUS_ORDER if counts[s]) or "—"
                    h.append(f'<td class="num">{cell}</td>')
            h.append("</tr>")
        h.append("</tbody></table></div>")
    h.append((quiet_line or "") + "</section>")

    for runs in per_scenario:
        s = runs[0].scenario
        names = [r.interpretation for r in runs]
        says = scenario_says(s)
        table, rows = _comparison_table(runs, None)
        h.append(f'<section class="scenario" id="scenario-{runs[0].index}"><h2>Scenario: {_e(s.name)}</h2>'
                 + (f'<p class="says">{_e(" ".join(says.split()))}</p>' if says else "")
                 + f'<p class="muted">Source <code>{_e(s.source)}</code>.</p><h3>Events</h3>{_facts_list(s)}'
                 "<h3>What comes alive</h3>" + (table or '<p class="quiet">Nothing comes alive under any treaty.</p>'))
        if len(names) > 1:
            diff = _differences(rows, names)
            h.append("<h3>Where the interpretations differ</h3>"
                     + (diff or f'<p class="quiet">The same under {", ".join(names)}.</p>'))
        h.append("</section>")

    for tid in alive:
        t = lib.treaties[tid]
        parties = sorted({m.party.code for m in t.members})
        h.append(f'<section class="treaty" id="treaty-{_e(tid)}"><h2>{_e(t.title)} <code>{_e(tid)}</code></h2>'
                 f'<p class="muted">In force {_e(iso(t.in_force) or "—")}'
                 + (f" until {_e(iso(t.ends))}" if t.ends else "")
                 + f". Parties: {_who(parties)}.</p>"
                 + (f'<p class="source"><strong>Source:</strong> {_e(t.source)}</p>' if t.source else ""))
        h.append("<h3>Comparison</h3>")
        for runs in per_scenario:
            table, rows = _comparison_table(runs, tid, with_scenario=False)
            names = [r.interpretation for r in runs]
            h.append(f'<h4>{_e(runs[0].scenario.name)}</h4>')
            if table:
                h.append(table)
                if len(names) > 1:
                    diff = _differences(rows, names)
                    if diff:
                        h.append("<p><strong>Interpretation differences:</strong></p>" + diff)
            else:
                h.append(f'<p class="quiet comparison-empty" data-treaty="{_e(tid)}">Nothing comes alive under '
                         f'{_e(", ".join(names))}.</p>')
        h.append("<h3>Timeline</h3>")
        treaty_events = _treaty_events(t)
        for runs in per_scenario:
            for r in runs:
                outcome = next(o for o in r.evaluation.outcomes if o.treaty.id == tid)
                if not outcome.instances:
                    continue
                start, stop, end, shown, before = _span_of(r, outcome.instances, treaty_events)
                ongoing = any(f.end >= BIG for f in r.scenario.facts)
                said = [f"{iso(ev.date)} {ev.label}" for ev in before]
                if len(said) > 4:
                    said = [*said[:3], f"{len(said) - 3} more membership changes"]
                earlier = ("; before it: " + "; ".join(said)) if said else ""
                svg = _timeline_svg(outcome.instances, shown, start, stop, end, f"{tid} {r.scenario.name}", ongoing)
                h.append(f"<figure>{svg}"
                         f"<figcaption>{_e(r.scenario.name)} — interpretation {_e(r.interpretation)}; "
                         + (f"the last event {_e(iso(stop))} (dashed line), a fact goes on" if ongoing
                            else f"the scenario ends {_e(iso(stop))} (dashed line)")
                         + f"{_e(earlier)}.</figcaption></figure>")
        # the diagram coloured by the first scenario and interpretation where the treaty comes alive
        first = next(r for runs in per_scenario for r in runs if _alive(r, tid))
        diagram = build(lib, tid, first.evaluation)
        h.append(f"<h3>Trigger chain</h3><figure>{_inline_svg(to_svg(diagram))}<figcaption>Trigger chain of "
                 f"<code>{_e(tid)}</code>, coloured by status in {_e(first.scenario.name)}, interpretation "
                 f"{_e(first.interpretation)}.</figcaption></figure>")
        h.append("<h3>Provisions</h3>" + _provisions(lib, tid))
        h.append("</section>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


__all__ = ["render_report"]
