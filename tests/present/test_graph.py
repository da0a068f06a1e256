"""`casus graph` and engine.present.graph: the trigger chain per provision (when, upon, unless, then,
until), edges between chained provisions, article labels, and status colours from a scenario —
as Mermaid (checked for structure: header, declared endpoints, quoted and escaped labels), dot
and SVG (parsed as XML)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import engine
from engine.core.evaluate import evaluate
from engine.present.graph import build, graph

CHAINED = '''\
treaty chain_t "A \\"chained\\" treaty <test> & #1" {
  parties RU, BY
  in force 2020-01-01
  provision art3 "Consult first" article "3" {
    when threat(on: X)
    then each other party must consult(with: X), promptly
  }
  provision art4 "Then assist" article "4(1)" {
    when armed_attack(on: X)
    upon art3 fulfilled for X and request(from: X, for: assist)
    unless provocation(by: X)
    then each other party must assist(to: X), immediately, by all means
    until unsc_measures()
  }
}
'''

SCENARIO = '''\
scenario "chain" {
  2021-01-01 threat(on: BY)
  2021-01-02 consult(by: RU, with: BY)
  2021-01-05..2021-02-01 armed_attack(by: UA, on: BY)
  2021-01-06 request(from: BY, for: assist)
}
'''

NODE = re.compile(r'^\s+(?P<id>[A-Za-z_][\w]*)(?P<open>\(\"|\[\"|\{\{\")(?P<label>.*?)(?P<close>\"\)|\"\]|\"\}\})$')
EDGE = re.compile(r'^\s+(?P<src>[A-Za-z_]\w*) (?P<arrow>-->|-\.->|==>)\|"(?P<label>[^"]*)"\| (?P<dst>[A-Za-z_]\w*)$')
SUBGRAPH = re.compile(r'^\s+subgraph (?P<id>[A-Za-z_]\w*)\["(?P<label>[^"]*)"\]$')
CLASSDEF = re.compile(r"^\s+classDef (?P<name>\w+) fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}$")
CLASS = re.compile(r"^\s+class (?P<ids>[\w,]+) (?P<name>\w+)$")
ORDER = re.compile(r"^  (?P<a>s_\w+) ~~~ (?P<b>s_\w+)$")  # an invisible link: one box under the other


def parse_mermaid(text: str) -> dict[str, object]:
    """A strict reader for the subset of Mermaid casus writes: fails on any other line."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("%%")]
    assert lines[0] == "flowchart TD", lines[0]
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str]] = []
    subgraphs: dict[str, str] = {}
    classdefs: set[str] = set()
    classes: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    depth = 0
    for ln in lines[1:]:
        if m := SUBGRAPH.match(ln):
            depth += 1
            subgraphs[m["id"]] = m["label"]
        elif ln.strip() == "direction TB":
            assert depth == 1, "direction outside a subgraph"
        elif m := ORDER.match(ln):
            order.append((m["a"], m["b"]))
        elif ln.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif m := NODE.match(ln):
            assert m["id"] not in nodes, f"node {m['id']} declared twice"
            label = m["label"]
            assert '"' not in label, f"unescaped quote in {label!r}"
            nodes[m["id"]] = label
        elif m := EDGE.match(ln):
            edges.append((m["src"], m["arrow"], m["label"], m["dst"]))
        elif m := CLASSDEF.match(ln):
            classdefs.add(m["name"])
        elif m := CLASS.match(ln):
            for i in m["ids"].split(","):
                classes[i] = m["name"]
        else:
            raise AssertionError(f"not a line casus should write: {ln!r}")
    assert depth == 0, "unclosed subgraph"
    for src, _, _, dst in edges:
        assert src in nodes and dst in nodes, f"edge {src} -> {dst} has an undeclared end"
    for nid, cls in classes.items():
        assert nid in nodes and cls in classdefs
    for a, b in order:
        assert a in subgraphs and b in subgraphs, f"invisible link {a} ~~~ {b} between unknown boxes"
    for label in list(nodes.values()) + list(subgraphs.values()):
        for bad in "<>&`":
            assert bad not in label.replace("<br/>", ""), f"raw {bad!r} in {label!r}"
    return {"nodes": nodes, "edges": edges, "subgraphs": subgraphs, "classdefs": classdefs, "classes": classes,
            "order": order}


@pytest.fixture
def chained(write):  # type: ignore[no-untyped-def]
    t = write("chain.casus", CHAINED)
    s = write("chain_s.casus", SCENARIO)
    lib, scs = engine.load([t, s])
    return lib, scs[0]


@pytest.mark.parametrize("tid", ["nato_1949", "ru_by_2024", "ru_kp_2024", "rio_1947", "anzus_1951",
                                 "eu_teu_42_7", "csto_1992", "us_kr_1953"])
def test_mermaid_of_every_bundled_treaty_is_well_formed(lib, tid) -> None:  # type: ignore[no-untyped-def]
    m = parse_mermaid(graph(lib, tid, "mermaid"))
    t = lib.treaties[tid]
    for p in t.provisions:
        assert f"s_{p.id}" in m["subgraphs"]
        assert m["subgraphs"][f"s_{p.id}"].startswith(f"Art. {p.article} · {p.id}")  # type: ignore[index]
        assert f"n_{p.id}__when" in m["nodes"] and f"n_{p.id}__then" in m["nodes"]  # type: ignore[operator]


@pytest.mark.parametrize("tid", ["us_kr_1953", "nato_1949", "ru_by_2024", "anzus_1951"])
def test_mermaid_is_top_down_in_article_order(lib, tid) -> None:  # type: ignore[no-untyped-def]
    """Boxes in article order (Art. I before II before III even where the file declares Art. I
    last; 4(1) before 4(2)(b)), chained one under the other by invisible links."""
    from engine.present.graph import article_key

    m = parse_mermaid(graph(lib, tid, "mermaid"))
    boxes = list(m["subgraphs"])  # type: ignore[call-overload]
    arts = {f"s_{p.id}": p.article for p in lib.treaties[tid].provisions if p.then is not None}
    assert boxes == sorted(boxes, key=lambda b: article_key(arts[b]))
    assert m["order"] == list(zip(boxes, boxes[1:], strict=False))


def test_article_key_numbers_as_a_reader_does() -> None:
    from engine.present.graph import article_key

    arts = ["10", "2", "4(2)(b)", "4(1)", "III", "I", "IV", "II", "42(7)"]
    assert sorted(arts, key=article_key) == ["I", "2", "II", "III", "IV", "4(1)", "4(2)(b)", "10", "42(7)"]
    assert article_key("II") == article_key("2")  # a Roman II is the second article


def test_nato_art5_chain_has_trigger_duty_and_discharge(lib) -> None:  # type: ignore[no-untyped-def]
    m = parse_mermaid(graph(lib, "nato_1949"))
    nodes = m["nodes"]
    assert "armed_attack(on: X, at: A, against: territory) and A in scope art6" in nodes["n_art5__when"]  # type: ignore[index]
    then = nodes["n_art5__then"]  # type: ignore[index]
    assert "each other party must assist(to: X)" in then and "forthwith" in then and "as it deems necessary" in then
    assert "unsc_measures()" in nodes["n_art5__until"]  # type: ignore[index]
    edges = {(s, d, lab) for s, _, lab, d in m["edges"]}  # type: ignore[attr-defined]
    assert ("n_art5__when", "n_art5__then", "triggers") in edges
    assert ("n_art5__then", "n_art5__until", "discharged by") in edges
    assert not m["classes"]  # no scenario, no colours


def test_chained_provisions_unless_and_escaping(chained) -> None:  # type: ignore[no-untyped-def]
    lib, _ = chained
    text = graph(lib, "chain_t", "mermaid")
    m = parse_mermaid(text)
    edges = {(s, a, lab, d) for s, a, lab, d in m["edges"]}  # type: ignore[attr-defined]
    assert ("n_art3__then", "==>", "art3 fulfilled for X", "n_art4__upon") in edges
    assert ("n_art4__unless", "-.->", "defeats", "n_art4__then") in edges
    assert ("n_art4__when", "-->", "triggers", "n_art4__upon") in edges
    assert ("n_art4__upon", "-->", "once met", "n_art4__then") in edges
    assert "provocation(by: X)" in m["nodes"]["n_art4__unless"]  # type: ignore[index]
    assert "immediately, by all means" in m["nodes"]["n_art4__then"]  # type: ignore[index]
    assert m["subgraphs"]["s_art4"].startswith("Art. 4(1) · art4")  # type: ignore[index]
    # the treaty title's quote, angle brackets, ampersand and hash are entity codes
    assert "#quot;chained#quot; treaty #lt;test#gt; #amp; #35;1" in text.splitlines()[0]


def test_scenario_colours_nodes_by_status(chained) -> None:  # type: ignore[no-untyped-def]
    lib, s = chained
    ev = evaluate(lib, s, ["chain_t"])
    statuses = {r.provision.id: r.status for r in ev.outcomes[0].instances}
    assert statuses == {"art3": "fulfilled", "art4": "active"}
    m = parse_mermaid(graph(lib, "chain_t", "mermaid", ev))
    assert {"fulfilled", "active", "met"} <= m["classdefs"]  # type: ignore[operator]
    assert m["classes"]["n_art3__then"] == "fulfilled"  # type: ignore[index]
    assert m["classes"]["n_art4__then"] == "active"  # type: ignore[index]
    assert m["classes"]["n_art4__upon"] == "met"  # type: ignore[index]
    assert m["classes"]["n_art4__unless"] == "unmet"  # type: ignore[index]
    assert "active since 2021-01-06: RU → BY" in m["nodes"]["n_art4__then"]  # type: ignore[index]


def test_dot_is_balanced_and_coloured(chained) -> None:  # type: ignore[no-untyped-def]
    lib, s = chained
    text = graph(lib, "chain_t", "dot", evaluate(lib, s, ["chain_t"]))
    assert re.search(r'^digraph "chain_t" \{$', text, re.M)
    body = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)  # strings out, then braces must balance
    assert body.count("{") == body.count("}")
    assert re.search(r'"n_art3__then" \[.*fillcolor="#95d5b2"', text)  # fulfilled
    assert re.search(r'"n_art4__then" \[.*fillcolor="#ffb703"', text)  # active
    assert '"n_art3__then" -> "n_art4__upon" [label="art3 fulfilled for X", penwidth=2.5];' in text
    assert 'subgraph "cluster_art4" {' in text and 'label="Art. 4(1) · art4 — Then assist";' in text
    assert '\\"chained\\"' in text


def test_svg_is_xml_with_every_node_and_edge(chained) -> None:  # type: ignore[no-untyped-def]
    lib, s = chained
    d = build(lib, "chain_t", evaluate(lib, s, ["chain_t"]))
    root = ET.fromstring(graph(lib, "chain_t", "svg", evaluate(lib, s, ["chain_t"])))
    ns = {"s": "http://www.w3.org/2000/svg"}
    drawn = {g.get("data-node") for g in root.iterfind(".//s:g[@data-node]", ns)}
    assert drawn == set(d.nodes)
    edges = {(g.get("data-from"), g.get("data-to")) for g in root.iterfind(".//s:g[@data-from]", ns)}
    assert edges == {(e.src, e.dst) for e in d.edges}
    then3 = root.find(".//s:g[@data-node='n_art3__then']", ns)
    assert then3 is not None and then3.get("data-status") == "fulfilled"
    # art3 is mentioned by art4, so it is drawn above it (top-down)
    y = {g.get("data-provision"): float(g.find("s:rect", ns).get("y"))  # type: ignore[union-attr]
         for g in root.iterfind(".//s:g[@data-provision]", ns)}
    assert y["art3"] < y["art4"]


def test_graph_rejects_an_unknown_format_and_an_uncovered_treaty(lib, chained) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        graph(lib, "nato_1949", "png")
    clib, s = chained
    with pytest.raises(ValueError):
        graph(clib, "nato_1949", "mermaid", evaluate(clib, s, ["chain_t"]))


# ------------------------------------------------------------------ the command


def test_cli_graph_mermaid_dot_and_scenario(cli, write) -> None:  # type: ignore[no-untyped-def]
    r = cli("graph", "ru_kp_2024")
    assert r.exit_code == 0, r.output
    parse_mermaid(r.stdout)
    r = cli("graph", "ru_kp_2024", "--format", "dot")
    assert r.exit_code == 0 and r.stdout.splitlines()[1] == 'digraph "ru_kp_2024" {'
    r = cli("graph", "ru_kp_2024", "--scenario", "kursk_2024")
    m = parse_mermaid(r.stdout)
    assert m["classes"]["n_art4__then"] == "fulfilled"  # type: ignore[index]
    assert m["classes"]["n_art3__then"] == "dormant"  # type: ignore[index]
    crimea = write("c.casus", 'scenario "c" {\n  2025-05-10..2025-06-01 armed_attack(by: UA, at: UA-43)\n'
                   "  2025-05-10..2025-06-01 state_of_war(party: RU)\n}\n")
    plain = parse_mermaid(cli("graph", "ru_kp_2024", "--scenario", crimea).stdout)
    claims = parse_mermaid(cli("graph", "ru_kp_2024", "--scenario", crimea, "--interpretation", "ru_claims").stdout)
    assert plain["classes"]["n_art4__then"] == "dormant"  # type: ignore[index]
    assert claims["classes"]["n_art4__then"] == "active"  # type: ignore[index]


def test_cli_graph_errors(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("graph", "nato_1950")
    assert r.exit_code == 2 and "unknown treaty 'nato_1950'" in r.stderr and "nato_1949" in r.stderr
    r = cli("graph", "nato_1949", "--interpretation", "ru_claims")
    assert r.exit_code == 2 and "E-USAGE" in r.stderr


def test_every_status_has_a_style_and_legends_keep_their_order() -> None:
    from engine.language.statuses import STATUSES
    from engine.present.graph import STATUS_STYLE

    assert set(STATUSES) <= set(STATUS_STYLE)
    # statuses first, in the order legends show them, then the classes of conditions
    assert list(STATUS_STYLE)[:len(STATUSES)] == ["pending", "active", "fulfilled", "violated", "discharged",
                                                  "defeated", "suspended", "lapsed", "dormant"]
    for fill, stroke, text in STATUS_STYLE.values():
        assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in (fill, stroke, text))
