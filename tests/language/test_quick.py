"""engine/language/quick.py, the reader of files of scenarios only (issue 17, item 5): wherever it
accepts a text, Lark's parse and `build` accept it too and give the same document (spans
included) and the same E-DATE / E-INTERVAL problems, and `casus fmt` lays it out as the printer on
Lark's tree does; a large file of scenarios is read by it (no parse tree) in memory a bounded
multiple of its size."""

from __future__ import annotations

import dataclasses
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bench.big_input import giant_scenario, many_scenarios
from engine.base.errors import CasusError, Diagnostics
from engine.base.paths import scenarios_dir
from engine.base.source import Source
from engine.language import fmt, quick
from engine.language.build import build
from engine.language.fmt import format_text
from engine.language.syntax import parse

TESTS = Path(__file__).resolve().parents[1]
FILES = sorted(scenarios_dir().glob("*.casus")) + sorted(TESTS.rglob("*.casus"))


def _full(x: Any) -> Any:
    """A node with every field, spans included (the AST's own == leaves spans out)."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return type(x).__name__, tuple((f.name, _full(getattr(x, f.name))) for f in dataclasses.fields(x))
    if isinstance(x, tuple | list):
        return tuple(_full(i) for i in x)
    return x


def _problems(d: Diagnostics) -> list[tuple[Any, ...]]:
    return [(p.span, p.code, p.message, p.hint, p.line_text) for p in d.items]


def same_as_lark(text: str, path: str = "t.casus") -> bool:
    """Whether the reader takes `text`; when it does, that it agrees with Lark and the printer."""
    src = Source(path, text)
    mine = Diagnostics()
    mine.add_source(path, text)
    doc = quick.read(src, mine)
    if doc is None:
        return False
    theirs = Diagnostics()
    theirs.add_source(path, text)
    try:
        expected = build(src, parse(src), theirs)
    except CasusError as e:  # pragma: no cover - the failure this test is for
        pytest.fail(f"quick.read accepts what Lark rejects: {e.render()}\n{text}")
    assert _full(doc) == _full(expected)
    assert _problems(mine) == _problems(theirs)
    if fmt._format_scenarios(src, fmt._Pieces()):
        assert format_text(text, path) == format_text(text, path, full=True)
    return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_bundled_and_test_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    taken = same_as_lark(text, str(path))
    if path.parent == scenarios_dir():  # every bundled scenario file goes the fast way
        assert taken


TRICKY = [
    "",
    "# only a comment\n",
    'scenario "empty" {}\n',
    'scenario "e" {\n  # inside\n}\n',
    'scenario "a" {  # after the brace\n  2024-01-01 threat(by: RU, on: BY)  # trailing\n\n\n  # own line\n'
    '  2024-01-02..2024-01-05  assist(by: BY, to: RU)  note "n \\"q\\" \\\\"\n} # after\n# at the end\n',
    'scenario "r" {\n  2024-01-01..  armed_attack(by: RU, at: UA-43)\n  2024-01-01..2023-01-01  threat(on: BY)\n'
    '  2024-02-30  threat(on: BY)\n}\n',
    'scenario "x" {\n  interpretation ru_claims\n  says "s"\n  source "src"\n  expect nothing from nato_1949\n'
    '  expect no nato_1949.art5 US -> *\n  expect under default nato_1949.art5 * -> PL active since 2024-01-01,'
    ' activated 2024-01-01, missing request(from: PL, for: assist) because threat(on: PL)\n'
    '  expect t.p RU -> BY pending activated never, since 2020-01-01 missing a()\n}\n',
    'scenario "crlf" {\r\n  2024-01-01\tthreat(by: RU, on: BY)\r\n}\r\n',
    'scenario "glued" {\n  2024-01-01..2024-01-02 threat(by:RU,on:BY)note"x"\n  expect t.p RU->BY active\n}\n',
    'scenario "lines" {\n  2024-01-01 threat(by: RU,  # who\n                  on: BY)\n}\n',
    'scenario "w" {\n  2024-01-01 threat(by: _, on: BY)\n}\n',
    'scenario "c" {\n  2024-01-01 threat(by: RUS, on: BY)\n}\n',
    'scenario "v" {\n  2024-01-01 threat(by: X, on: Victim2)\n}\n',
    'scenario "k" {\n  expect under no t.p RU -> BY active\n  expect no no.p RU -> BY\n}\n',
    'scenario "s" {\n  expect t.p RU -> BY activ\n  expect t.p RU -> BY actives\n}\n',
    'scenario "d" {\n  2024-01-011 threat(on: BY)\n  2024-01-01...2024-02-01 threat(on: BY)\n}\n',
    'treaty t "T" {\n}\nscenario "after a treaty" {\n}\n',
    'scenario "unclosed" {\n  2024-01-01 threat(on: BY)\n',
    'scenario "é" {\n  2024-01-01 threat(on: BY)  note "ünïcödé"\n}\n',
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts(text: str) -> None:
    same_as_lark(text)


def test_mutated_texts() -> None:
    """Characters deleted, doubled or replaced (seeded) in scenario texts: whatever the reader
    still takes, Lark takes the same way."""
    rng = random.Random(17)
    seeds = [t for t in TRICKY if "scenario" in t] + [(scenarios_dir() / "kursk_2024.casus").read_text("utf-8")]
    alphabet = ' \n\t#".:,(){}*->_09aZRUBY'
    taken = 0
    for _ in range(300):
        text = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(text) + 1)
            op = rng.randrange(3)
            if op == 0:
                text = text[:i] + text[i + 1:]
            elif op == 1:
                text = text[:i] + text[i:i + 1] * 2 + text[i + 1:]
            else:
                text = text[:i] + rng.choice(alphabet) + text[i + 1:]
        taken += same_as_lark(text)
    assert taken >= 40  # the mutations do not all end in Lark's hands (50 with this seed)


def test_generated_files() -> None:
    assert same_as_lark(many_scenarios(40_000, seed=3))
    assert same_as_lark(giant_scenario(20_000, seed=4))


def test_a_large_file_of_scenarios_is_read_without_a_parse_tree_in_bounded_memory() -> None:
    """1 MB of facts: taken by the fast reader (so no Lark tree is built for it), and the peak of
    what Python allocates while reading it (tracemalloc, not a clock) stays within a generous
    multiple of the file. Lark's tree alone took ~75x; the document itself is ~17x."""
    text = giant_scenario(1_000_000, seed=5)
    src = Source("big.casus", text)
    tracemalloc.start()
    try:
        doc = quick.read(src, Diagnostics())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert doc is not None
    assert len(doc.items) == 1 and len(doc.items[0].facts) > 15_000  # type: ignore[union-attr]
    assert peak < 30 * len(text)


def _long_block(n: int, seed: int) -> str:
    """One scenario of `n` facts, some noted, some with comments, aligned unevenly."""
    rng = random.Random(seed)
    lines = ['# a long one', 'scenario "long" {  # it opens', '  says "many facts"', '']
    for i in range(n):
        start = f"{2000 + i % 20}-0{1 + i % 9}-1{i % 10}"
        dates = rng.choice([start, start + "..", start + "..2030-01-01"])
        atom = rng.choice(["threat(by: RU, on: UA)", "armed_attack(by: KP, at: JP-47)", "consult(by: US, with: PL)"])
        line = f"  {dates}{' ' * rng.randrange(1, 4)}{atom}"
        if rng.random() < 0.3:
            line += f'  note "n{i}"'
        if rng.random() < 0.05:
            line += "  # why"
        if rng.random() < 0.02:
            lines.append("  # about the next")
        lines.append(line)
    lines += ["  expect nothing from nato_1949", "}", "# after", ""]
    return "\n".join(lines)


def test_a_block_longer_than_held_is_laid_out_from_two_readings() -> None:
    """A block of more entries than `casus fmt` holds at once (fmt._SHORT): its widths come from a
    first reading, and the layout is the printer's, as for a short one."""
    text = many_scenarios(20_000, seed=11) + _long_block(fmt._SHORT + 500, seed=12) + many_scenarios(9_000, seed=13)
    src = Source("long.casus", text)
    out = fmt._Pieces()
    assert fmt._format_scenarios(src, out)
    assert out.text == format_text(text, "long.casus", full=True)
    short = _long_block(300, seed=12)
    assert fmt._format_scenarios(Source("short.casus", short), fmt._Pieces())
    assert format_text(short) == format_text(short, full=True)


@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fmt_check_compares_as_it_lays_out(tmp_path: Path, bom: str, newline: str) -> None:
    """`casus fmt --check` compares the layout with the file's bytes as it is made (fmt._SameBytes):
    it finds a change exactly where the whole text differs, a byte order mark and line ends kept."""
    laid_out = format_text(_long_block(fmt._SHORT + 10, seed=14))
    texts = [laid_out, laid_out.replace("  note", "   note", 1), laid_out[:-1], laid_out + "\n",
             laid_out.replace("\n\n", "\n", 1), laid_out + "# one more\n", "", "# only\n",
             many_scenarios(30_000, seed=15)]
    for n, text in enumerate(texts):
        path = tmp_path / f"f{n}.casus"
        path.write_bytes((bom + text.replace("\n", newline)).encode("utf-8"))
        assert fmt.format_file(path, check=True).changed == fmt.format_file(path, diff=True).changed, text[-80:]
    assert not fmt.format_file(tmp_path / "f0.casus", check=True).changed


def test_fmt_check_of_a_large_file_in_bounded_memory(tmp_path: Path) -> None:
    """`casus fmt --check` of 2 MB of scenarios, one long block and many short ones: the peak of what
    Python allocates (tracemalloc, not a clock) stays within 5 times the file: its bytes and its
    text, a block or a thousand lines at a time (~2-3x). Holding the file's document, the printed
    text and the document read back from it took ~45x."""
    text = giant_scenario(1_000_000, seed=16) + many_scenarios(1_000_000, seed=17)
    path = tmp_path / "big.casus"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        changed = fmt.format_file(path, check=True).changed
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert changed  # many_scenarios does not align its facts as casus fmt does
    assert peak < 5 * len(text)
