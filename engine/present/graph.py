"""A treaty's trigger chain as a diagram: per provision the trigger (`when`), the prerequisites
(`upon`), the defeating condition (`unless`), the duty (`then`: bearer, modality, action,
qualifiers) and the discharge (`until`), with edges between provisions that mention each other's
states (`art3 fulfilled for X`). Rendered as Mermaid, Graphviz dot, or a self-contained SVG
(laid out here: simple boxes and arrows, top-down), optionally coloured by the status each
provision's instances reached in an evaluated scenario.

    >>> import engine
    >>> from engine.present.graph import graph
    >>> print(graph(engine.load_library(), "nato_1949", "mermaid"))
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from html import escape as _html

from engine.base.errors import Diagnostics
from engine.base.source import Span
from engine.core.evaluate import MODALITY_WORDS, STATUS_ORDER, Evaluation, InstanceRun
from engine.language import ast as A
from engine.language import render
from engine.language.build import iso
from engine.language.library import Library
from engine.language.statuses import (
    ACTIVE,
    DEFEATED,
    DISCHARGED,
    DORMANT,
    FULFILLED,
    LAPSED,
    PENDING,
    SUSPENDED,
    VIOLATED,
)

FORMATS = ("mermaid", "dot", "svg")

# Status colours (fill, stroke, text), shared by every format and by the HTML report: one per
# status of engine/language/statuses.py (tests/present/test_graph.py holds it to them), then the
# classes of conditions. The order is the order of legends.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    PENDING: ("#fff3b0", "#b08900", "#000000"),
    ACTIVE: ("#ffb703", "#9a6700", "#000000"),
    FULFILLED: ("#95d5b2", "#2d6a4f", "#000000"),
    VIOLATED: ("#d62828", "#7f1010", "#ffffff"),
    DISCHARGED: ("#d9d9d9", "#6c6c6c", "#000000"),
    DEFEATED: ("#c8b6ff", "#5a4a9a", "#000000"),
    SUSPENDED: ("#bde0fe", "#3a6ea5", "#000000"),
    LAPSED: ("#f1e3d3", "#8a6d4b", "#000000"),  # a faded pending: the situation ended first
    DORMANT: ("#ffffff", "#9a9a9a", "#555555"),
    "met": ("#e9f5db", "#52796f", "#000000"),
    "unmet": ("#ffffff", "#9a9a9a", "#555555"),
}
# Which status colours a provision when its instances differ (the most consequential first).
BEARER_WORDS = {"each_other": "each other party", "each": "each party"}


@dataclass
class Node:
    id: str
    provision: str
    role: str  # when | upon | unless | then | until
    heading: str
    text: str
    extra: list[str] = field(default_factory=list)
    css: str | None = None  # a key of STATUS_STYLE, with a scenario

    @property
    def lines(self) -> list[str]:
        return [self.heading, self.text] + self.extra


@dataclass
class Edge:
    src: str
    dst: str
    label: str
    style: str  # flow | defeat | discharge | chain


@dataclass
class Cluster:
    provision: str
    article: str
    title: str
    nodes: list[str]
    status: str | None = None

    @property
    def label(self) -> str:
        return f"Art. {self.article} · {self.provision} — {self.title}"


@dataclass
class Diagram:
    treaty: str
    title: str
    clusters: list[Cluster]
    nodes: dict[str, Node]
    edges: list[Edge]
    scenario: str | None = None
    interpretation: str | None = None

    def statuses(self) -> list[str]:
        """The colour classes in use, in a fixed order."""
        used = {n.css for n in self.nodes.values() if n.css}
        return [s for s in STATUS_STYLE if s in used]


# ---------------------------------------------------------------------------- the model


def qualifier_text(q: A.Qualifier) -> str:
    if q.group == "timing":
        return f"within {q.days} days" if q.days is not None else q.value
    if q.group == "discretion":
        return {"as_it_deems_necessary": "as it deems necessary",
                "constitutional_processes": "in accordance with constitutional processes"}.get(q.value, q.value)
    if q.group == "means":
        return "by all means" if q.value == "all_means" else "by " + " and ".join(q.value.split("+")) + " means"
    if q.group == "basis":
        return f"under {q.value}"
    if q.group == "reporting":
        return "reporting to " + q.value.removeprefix("report_")
    return q.value  # pragma: no cover


def duty_text(then: A.Then) -> str:
    """`each other party must assist(to: X)`, as written."""
    b = then.bearer
    if b.mode in BEARER_WORDS:
        who: str | None = BEARER_WORDS[b.mode] + (f" {b.var}" if b.var else "")
    else:
        who = b.value if b.mode == "code" else (b.var or "?")
    text = f"{who} {MODALITY_WORDS[then.modality]} {then.action.render()}"
    if then.beneficiary is not None:
        text += f" for {render.value(then.beneficiary)}"
    return text


def _nid(pid: str, role: str) -> str:
    return f"n_{pid}__{role}"


def _summary(runs: list[InstanceRun]) -> tuple[str, list[str]]:
    """The colour of a provision's duty node, and a line per status saying who is in it."""
    if not runs:
        return "dormant", ["dormant: no instance"]
    by_status: dict[str, list[InstanceRun]] = {}
    for r in runs:
        by_status.setdefault(r.status, []).append(r)
    lines = []
    for status in STATUS_ORDER:
        rs = by_status.get(status)
        if not rs:
            continue
        if len(rs) == 1:
            r = rs[0]
            lines.append(f"{status} since {iso(r.since)}: {r.bearer} → {r.beneficiary}")
        else:
            bens = sorted({r.beneficiary for r in rs})
            lines.append(f"{status}: {len(rs)} instances → {', '.join(bens)}")
    top = next(s for s in STATUS_ORDER if s in by_status)
    return top, lines


def build(lib: Library, treaty_id: str, evaluation: Evaluation | None = None) -> Diagram:
    """The diagram's structure; with an evaluation, each node coloured by what happened."""
    _check_treaty(lib, treaty_id)
    t = lib.treaties[treaty_id]
    runs_by_prov: dict[str, list[InstanceRun]] | None = None
    if evaluation is not None:
        outcome = next((o for o in evaluation.outcomes if o.treaty.id == treaty_id), None)
        if outcome is None:
            raise ValueError(f"the evaluation does not cover treaty {treaty_id}")
        runs_by_prov = {}
        for r in outcome.instances:
            runs_by_prov.setdefault(r.provision.id, []).append(r)
    d = Diagram(t.id, t.title, [], {}, [],
                evaluation.scenario.name if evaluation else None,
                evaluation.interpretation if evaluation else None)
    provs = [p for p in t.provisions if p.then is not None]
    for p in provs:
        assert p.then is not None
        cl = Cluster(p.id, p.article, p.title, [])
        runs = runs_by_prov.get(p.id, []) if runs_by_prov is not None else None

        def add(role: str, heading: str, text: str, extra: list[str] | None = None) -> str:
            nid = _nid(p.id, role)  # noqa: B023
            d.nodes[nid] = Node(nid, p.id, role, heading, text, extra or [])  # noqa: B023
            cl.nodes.append(nid)  # noqa: B023
            return nid

        when = add("when", "when", render.cond(p.when)) if p.when is not None else None
        upon = add("upon", "upon", render.cond(p.upon)) if p.upon is not None else None
        unless = add("unless", "unless", render.cond(p.unless)) if p.unless is not None else None
        quals = ", ".join(qualifier_text(q) for q in p.then.qualifiers)
        then = add("then", f"then — Art. {p.article}", duty_text(p.then), [quals] if quals else [])
        until = add("until", "until", render.cond(p.until)) if p.until is not None else None
        if when and upon:
            d.edges.append(Edge(when, upon, "triggers", "flow"))
            d.edges.append(Edge(upon, then, "once met", "flow"))
        elif when:
            d.edges.append(Edge(when, then, "triggers", "flow"))
        elif upon:
            d.edges.append(Edge(upon, then, "once met", "flow"))
        if unless:
            d.edges.append(Edge(unless, then, "defeats", "defeat"))
        if until:
            d.edges.append(Edge(then, until, "discharged by", "discharge"))
        if runs is not None:
            status, lines = _summary(runs)
            cl.status = status
            d.nodes[then].css = status
            d.nodes[then].extra.extend(lines)
            if when:
                d.nodes[when].css = "met" if runs else "unmet"
            if upon:
                d.nodes[upon].css = "met" if any(r.activated is not None for r in runs) else "unmet"
            if unless:
                d.nodes[unless].css = "met" if any(r.status == "defeated" for r in runs) else "unmet"
            if until:
                held = any(r.status == "discharged" and (r.reason or "").startswith("discharged:") for r in runs)
                d.nodes[until].css = "met" if held else "unmet"
        d.clusters.append(cl)
    known = {p.id for p in provs}
    for p in provs:
        for role, clause in (("when", p.when), ("upon", p.upon), ("unless", p.unless), ("until", p.until)):
            seen: set[tuple[str, str]] = set()
            for ref, _ in A.state_refs(clause):
                if ref.provision not in known:
                    continue
                label = render.cond(ref)
                if (ref.provision, label) in seen:
                    continue
                seen.add((ref.provision, label))
                d.edges.append(Edge(_nid(ref.provision, "then"), _nid(p.id, role), label, "chain"))
    return d


def _check_treaty(lib: Library, treaty_id: str) -> None:
    if treaty_id not in lib.treaties:
        diags = Diagnostics()
        diags.unknown(Span("<command line>", 1, 1, 1, 1), "treaty", treaty_id, lib.treaties)
        diags.raise_if_any()


# ---------------------------------------------------------------------------- Mermaid


_LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines breaks at
_MERMAID_ESCAPES = str.maketrans({'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;",
                                  **dict.fromkeys(_LINE_BREAKS, " ")})
_ONE_LINE = str.maketrans(dict.fromkeys(_LINE_BREAKS, " "))


_NOT_XML = str.maketrans(dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF], " "))


def _xml(text: str) -> str:
    """Text in SVG: markup escaped, and characters XML 1.0 forbids (C0 controls) made spaces."""
    return _html(text.translate(_NOT_XML))


def _mm(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for what Mermaid would read itself."""
    return text.translate(_MERMAID_ESCAPES)


MERMAID_SHAPES = {"when": ('("', '")'), "upon": ('("', '")'), "unless": ('{{"', '"}}'), "then": ('["', '"]'),
                  "until": ('("', '")')}
MERMAID_ARROWS = {"flow": "-->", "defeat": "-.->", "discharge": "-.->", "chain": "==>"}


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman(word: str) -> int | None:
    """The value of a Roman numeral (`IV` -> 4), None when `word` is not one."""
    if not word or any(ch not in _ROMAN for ch in word):
        return None
    total = 0
    for a, b in zip(word, [*word[1:], ""], strict=True):
        v = _ROMAN[a]
        total += -v if b and _ROMAN[b] > v else v
    return total


def article_key(article: str) -> tuple[tuple[int, int, str], ...]:
    """A key that sorts articles as a reader numbers them: `2` before `10`, `II` before `III`,
    `4(1)` before `4(2)(b)`; numbers (Arabic or Roman) before words."""
    out: list[tuple[int, int, str]] = []
    for tok in re.findall(r"\d+|[A-Za-z]+", article):
        n = int(tok) if tok.isdigit() else _roman(tok.upper()) if not out and tok.isupper() else None
        out.append((0, n, "") if n is not None else (1, 0, tok.lower()))
    return tuple(out)


def to_mermaid(d: Diagram) -> str:
    """Mermaid, laid out top-down: a box per provision in article order (`article_key`), one
    under the other (invisible links `~~~` between consecutive boxes keep them in a column)."""
    lines = [f"%% casus graph {d.treaty}: {_mm(d.title)}"]
    if d.scenario is not None:
        lines.append(f"%% coloured by scenario {_mm(d.scenario)}, interpretation {d.interpretation}")
    lines.append("flowchart TD")
    ordered = sorted(d.clusters, key=lambda cl: article_key(cl.article))  # stable: source order among equals
    for cl in ordered:
        lines.append(f'  subgraph s_{cl.provision}["{_mm(cl.label)}"]')
        lines.append("    direction TB")
        for nid in cl.nodes:
            n = d.nodes[nid]
            a, b = MERMAID_SHAPES[n.role]
            label = "<br/>".join(_mm(x) for x in n.lines)
            lines.append(f"    {nid}{a}{label}{b}")
        lines.append("  end")
    for upper, lower in zip(ordered, ordered[1:], strict=False):
        lines.append(f"  s_{upper.provision} ~~~ s_{lower.provision}")
    for e in d.edges:
        lines.append(f'  {e.src} {MERMAID_ARROWS[e.style]}|"{_mm(e.label)}"| {e.dst}')
    for s in d.statuses():
        fill, stroke, color = STATUS_STYLE[s]
        lines.append(f"  classDef {s} fill:{fill},stroke:{stroke},color:{color}")
    for s in d.statuses():
        ids = [n.id for n in d.nodes.values() if n.css == s]
        lines.append(f"  class {','.join(ids)} {s}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- Graphviz dot


def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').translate(_ONE_LINE) + '"'


def _comment(text: str) -> str:
    """Text in a `//` comment line: on that line (a line break would start a statement)."""
    return text.translate(_ONE_LINE)


DOT_SHAPES = {"when": "box", "upon": "box", "unless": "hexagon", "then": "box", "until": "box"}
DOT_EDGES = {"flow": "", "defeat": ', style=dashed, color="#d62828", arrowhead=tee',
             "discharge": ", style=dashed", "chain": ", penwidth=2.5"}


def to_dot(d: Diagram) -> str:
    lines = [f"// casus graph {d.treaty}: {_comment(d.title)}"]
    if d.scenario is not None:
        lines.append(f"// coloured by scenario {_comment(d.scenario)}, interpretation {d.interpretation}")
    lines += [f"digraph {_dq(d.treaty)} {{", "  rankdir=TB;", f"  label={_dq(d.title)};", "  labelloc=t;",
              '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
              '  edge [fontname="Helvetica", fontsize=10];']
    for cl in d.clusters:
        lines.append(f"  subgraph {_dq('cluster_' + cl.provision)} {{")
        lines.append(f"    label={_dq(cl.label)};")
        for nid in cl.nodes:
            n = d.nodes[nid]
            label = "\\n".join(ln.replace("\\", "\\\\").replace('"', '\\"').translate(_ONE_LINE)
                                for x in n.lines for ln in _wrap(x, 44))
            attrs = [f'label="{label}"']
            if n.role != "then":
                attrs.append(f"shape={DOT_SHAPES[n.role]}")
            if n.role == "then":
                attrs.append("penwidth=2")
            if n.css:
                fill, stroke, color = STATUS_STYLE[n.css]
                attrs.append(f'fillcolor="{fill}", color="{stroke}", fontcolor="{color}"')
            lines.append(f"    {_dq(nid)} [{', '.join(attrs)}];")
        lines.append("  }")
    for e in d.edges:
        lines.append(f"  {_dq(e.src)} -> {_dq(e.dst)} [label={_dq(e.label)}{DOT_EDGES[e.style]}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- SVG

NODE_W = 270
WRAP = 36  # characters per line at the font size below
LINE_H = 17
PAD = 8
GAP_Y = 34
GAP_X = 36
TITLE_H = 40
FONT = "font-family:Helvetica,Arial,sans-serif"


def _wrap(text: str, width: int = WRAP) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _layers(d: Diagram) -> list[list[Cluster]]:
    """Provisions mentioned by others above the ones that mention them."""
    deps: dict[str, set[str]] = {c.provision: set() for c in d.clusters}
    for e in d.edges:
        if e.style == "chain":
            src = d.nodes[e.src].provision
            dst = d.nodes[e.dst].provision
            if src != dst:
                deps[dst].add(src)
    level: dict[str, int] = {}

    def lv(pid: str, stack: tuple[str, ...] = ()) -> int:
        if pid in level:
            return level[pid]
        if pid in stack:  # the checker rules out cycles through `not`; stay safe anyway
            return 0
        v = 1 + max((lv(q, stack + (pid,)) for q in deps[pid]), default=-1)
        level[pid] = v
        return v

    out: dict[int, list[Cluster]] = {}
    for c in d.clusters:
        out.setdefault(lv(c.provision), []).append(c)
    return [out[k] for k in sorted(out)]


def to_svg(d: Diagram, max_columns: int = 4) -> str:
    """An SVG drawing of the diagram: one box per provision, its parts stacked top-down."""
    pref = "g-" + d.treaty.replace("_", "-")
    boxes: dict[str, tuple[float, float, float, float, list[str]]] = {}  # id -> x, y, w, h, lines
    clusters_drawn: list[tuple[float, float, float, float, Cluster]] = []
    y = 10.0
    width = 0.0
    rows: list[list[Cluster]] = []
    for layer in _layers(d):
        for i in range(0, len(layer), max_columns):
            rows.append(layer[i:i + max_columns])
    for row in rows:
        x = 10.0
        row_h = 0.0
        for cl in row:
            has_unless = any(d.nodes[n].role == "unless" for n in cl.nodes)
            col_w = NODE_W + (GAP_X + NODE_W * 0.8 if has_unless else 0)
            title_lines = _wrap(cl.label, int(col_w / 7.4))
            ty = y + PAD + len(title_lines) * LINE_H + 6
            cy = ty
            for nid in cl.nodes:
                n = d.nodes[nid]
                if n.role == "unless":
                    continue
                lines = _wrap(n.heading) + [ln for part in [n.text] + n.extra for ln in _wrap(part)]
                h: float = len(lines) * LINE_H + 2 * PAD
                boxes[nid] = (x + PAD, cy, NODE_W - 2 * PAD, h, lines)
                cy += h + GAP_Y
            for nid in cl.nodes:
                n = d.nodes[nid]
                if n.role != "unless":
                    continue
                lines = _wrap(n.heading) + [ln for ln in _wrap(n.text, int(WRAP * 0.8))]
                h = len(lines) * LINE_H + 2 * PAD
                tx, tyy, tw, th, _ = boxes[_nid(cl.provision, "then")]
                uy = max(tyy + th / 2 - h / 2, ty)
                boxes[nid] = (x + NODE_W + GAP_X - PAD, uy, NODE_W * 0.8, h, lines)
                cy = max(cy, uy + h + GAP_Y)
            ch = cy - GAP_Y + PAD - y
            clusters_drawn.append((x, y, col_w, ch, cl))
            row_h = max(row_h, ch)
            x += col_w + GAP_X
        width = max(width, x)
        y += row_h + GAP_Y * 1.5
    height = y
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="casus-graph" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'width="{width:.0f}" height="{height:.0f}" role="img" aria-labelledby="{pref}-title">',
           f'<title id="{pref}-title">Trigger chain of {_xml(d.treaty)}: {_xml(d.title)}</title>',
           "<defs>"]
    for style, colour in (("flow", "#333333"), ("defeat", "#d62828"), ("discharge", "#555555"),
                          ("chain", "#1d3557")):
        out.append(f'<marker id="{pref}-{style}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
                   f'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
                   f'fill="{colour}"/></marker>')
    out.append("</defs>")
    for x, y0, w, h, cl in clusters_drawn:
        fill = "#f7f7f7"
        out.append(f'<g class="provision" data-provision="{_xml(cl.provision)}"'
                   + (f' data-status="{cl.status}"' if cl.status else "") + ">")
        out.append(f'<rect x="{x:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" fill="{fill}" '
                   f'stroke="#888888" stroke-dasharray="4 3"/>')
        title_lines = _wrap(cl.label, int(w / 7.4))
        for i, ln in enumerate(title_lines):
            out.append(f'<text x="{x + PAD:.1f}" y="{y0 + PAD + (i + 1) * LINE_H - 3:.1f}" '
                       f'style="{FONT};font-size:14px;font-weight:bold" fill="#1d3557">{_xml(ln)}</text>')
        out.append("</g>")
    for nid, (x, y0, w, h, lines) in boxes.items():
        n = d.nodes[nid]
        fill, stroke, color = STATUS_STYLE[n.css] if n.css else ("#ffffff", "#333333", "#000000")
        rx = 4 if n.role == "then" else 12
        sw = 2.5 if n.role == "then" else 1.2
        out.append(f'<g class="node node-{n.role}" data-node="{nid}"' + (f' data-status="{n.css}"' if n.css else "")
                   + ">")
        out.append(f'<rect x="{x:.1f}" y="{y0:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}" '
                   f'stroke="{stroke}" stroke-width="{sw}"/>')
        for i, ln in enumerate(lines):
            weight = "bold" if i == 0 else "normal"
            out.append(f'<text x="{x + PAD:.1f}" y="{y0 + PAD + (i + 1) * LINE_H - 4:.1f}" '
                       f'style="{FONT};font-size:13px;font-weight:{weight}" fill="{color}">{_xml(ln)}</text>')
        out.append("</g>")
    for e in d.edges:
        if e.src not in boxes or e.dst not in boxes:
            continue
        sx, sy, sw_, sh, _ = boxes[e.src]
        tx, ty, tw, th, _ = boxes[e.dst]
        colour = {"flow": "#333333", "defeat": "#d62828", "discharge": "#555555", "chain": "#1d3557"}[e.style]
        dash = ' stroke-dasharray="6 4"' if e.style in ("defeat", "discharge") else ""
        width_ = 2.5 if e.style == "chain" else 1.5
        if e.style == "defeat":  # from the side box to the duty, leftwards
            x1, y1 = sx, sy + sh / 2
            x2, y2 = tx + tw, ty + th / 2
            path = f"M {x1:.1f} {y1:.1f} L {x2:.1f} {y2:.1f}"
            lx, ly = (x1 + x2) / 2, min(y1, y2) - 4
        else:
            x1, y1 = sx + sw_ / 2, sy + sh
            x2, y2 = tx + tw / 2, ty
            if e.style == "chain":
                mid = (y1 + y2) / 2
                path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {mid:.1f}, {x2:.1f} {mid:.1f}, {x2:.1f} {y2:.1f}"
            else:
                path = f"M {x1:.1f} {y1:.1f} L {x2:.1f} {y2:.1f}"
            lx, ly = (x1 + x2) / 2 + 6, (y1 + y2) / 2 + 4
        out.append(f'<g class="edge edge-{e.style}" data-from="{e.src}" data-to="{e.dst}">'
                   f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width_}"{dash} '
                   f'marker-end="url(#{pref}-{e.style})"/>'
                   f'<text x="{lx:.1f}" y="{ly:.1f}" style="{FONT};font-size:11px;font-style:italic" '
                   f'fill="{colour}">{_xml(e.label)}</text></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def graph(lib: Library, treaty_id: str, fmt: str = "mermaid", evaluation: Evaluation | None = None) -> str:
    """The trigger chain of `treaty_id` as Mermaid, dot or SVG text; coloured by status when an
    evaluation (engine.evaluate(lib, scenario, [treaty_id])) is given."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; one of {', '.join(FORMATS)}")
    d = build(lib, treaty_id, evaluation)
    return {"mermaid": to_mermaid, "dot": to_dot, "svg": to_svg}[fmt](d)


__all__ = ["article_key", "graph", "build", "to_mermaid", "to_dot", "to_svg", "Diagram", "STATUS_STYLE",
           "qualifier_text", "duty_text"]
