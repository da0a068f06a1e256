"""Batch evaluation (`casus run --batch FILE.jsonl [--shard I/N]`, `engine.io.batch.run_batch`): the
same results as one `casus run --format json` per scenario, shards that partition the input
exactly, memory that does not grow with the number of scenarios, and located errors."""

from __future__ import annotations

import gc
import itertools
import json
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import engine
from engine.base.errors import CasusError
from engine.io import batchline
from engine.io.batch import parse_shard, run_batch

ROOT = Path(__file__).resolve().parents[2]
PARTIES = ["RU", "BY", "KP", "US", "PL", "FI", "JP", "KR", "PH", "AU", "NZ", "FR", "DE", "UA", "CN", "IE"]
KINDS = [("armed_attack", "on"), ("imminent_threat", "on"), ("aggression", "on"), ("state_of_war", "party"),
         ("request", "from"), ("assist", "by"), ("consult", "by"), ("unsc_measures", None)]


def _event(rng: random.Random) -> dict[str, Any]:
    kind, role = rng.choice(KINDS)
    day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    ev: dict[str, Any] = {"kind": kind, "date": day}
    if kind in ("armed_attack", "aggression") and rng.random() < 0.5:
        ev["by"] = rng.choice(PARTIES)
    if role is not None:
        ev[role] = rng.choice(PARTIES)
    if kind == "request":
        ev["for"] = rng.choice(["assist", "consult"])
    if kind in ("assist", "consult"):
        ev["to" if kind == "assist" else "with"] = rng.choice(PARTIES)
    if rng.random() < 0.2:
        ev["until"] = None if rng.random() < 0.3 else "2025-12-31"
    return ev


def generated(n: int, seed: int = 1, events: tuple[int, int] = (1, 6)) -> Iterator[str]:
    """n JSON scenario lines, lazily (random facts of the standard vocabulary), every other one
    compact: a canonical line, which the compiled code's reader reads as text (batchline.py)."""
    rng = random.Random(seed)
    for i in range(n):
        doc = {"name": f"g{i}", "events": [_event(rng) for _ in range(rng.randint(*events))]}
        if rng.random() < 0.2:
            doc["interpretation"] = rng.choice(["default", "ru_claims"])
        yield json.dumps(doc, separators=(",", ":")) if i % 2 else json.dumps(doc)


def bundled_lines() -> list[str]:
    return [json.dumps(json.loads(p.read_text(encoding="utf-8")), ensure_ascii=False)
            for p in sorted((ROOT / "scenarios").glob("*.json"))]


def _normalise(doc: dict[str, Any]) -> dict[str, Any]:
    """Sources name the file (and, in a batch, the line): everything else must be equal."""
    doc = json.loads(json.dumps(doc))
    doc["scenario"]["source"] = "*"
    for tr in doc["results"]:
        for inst in tr["instances"]:
            for b in inst["because"]:
                b["source"] = "*"
    return doc


def test_batch_equals_run_format_json_per_scenario(tmp_path: Path, cli: Any) -> None:
    lines = bundled_lines() + list(generated(12, seed=3))
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = cli("run", "--batch", batch)
    assert res.exit_code == 0, res.output
    out = res.stdout.splitlines()
    assert len(out) == len(lines)
    for i, (line, got) in enumerate(zip(lines, out, strict=True), 1):
        assert "\n" not in got and got == json.dumps(json.loads(got), separators=(",", ":"), ensure_ascii=False)
        one = tmp_path / f"s{i}.json"
        one.write_text(line, encoding="utf-8")
        single = cli("run", one, "--format", "json")
        assert single.exit_code == 0, single.output
        want, have = json.loads(single.stdout), json.loads(got)
        assert have["scenario"]["source"] == f"{batch}:{i}"
        assert all(b["source"] == f"{batch}:{i}" for tr in have["results"] for x in tr["instances"]
                   for b in x["because"])
        assert _normalise(have) == _normalise(want), f"line {i}"


def test_api_takes_any_iterable_and_the_treaty_and_interpretation_options(lib: engine.Library) -> None:
    lines = bundled_lines()
    got = [json.loads(x) for x in run_batch(lib, iter(lines), treaties=["ru_kp_2024"], interpretation="ru_claims")]
    assert [r["scenario"]["interpretation"] for r in got] == ["ru_claims"] * len(lines)
    assert all([t["treaty"] for t in r["results"]] == ["ru_kp_2024"] for r in got)
    lib2, scs = engine.load([ROOT / "scenarios" / "kursk_2024.json"])
    want = json.loads(engine.run(lib2, scs[0], ["ru_kp_2024"], "ru_claims").to_json())
    kursk = next(r for r in got if r["scenario"]["name"] == want["scenario"]["name"])
    assert _normalise(kursk) == _normalise(want)
    with pytest.raises(CasusError, match="unknown treaty 'ru_kp_2042'"):
        list(run_batch(lib, iter(lines), treaties=["ru_kp_2042"]))
    # the README's form: engine.run_batch, lazily, with a shard
    lazy = engine.run_batch(lib, iter(lines), shard=(1, 2))
    first = json.loads(next(lazy))  # the second line (shard 1 of 2), read and evaluated on demand
    assert first["scenario"]["source"] == "<batch>:2"
    assert first == json.loads(next(run_batch(lib, iter(["", lines[1]]))))  # a blank line 1: the same sources


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_partition_the_input_exactly(lib: engine.Library, n: int) -> None:
    lines = list(generated(40, seed=5, events=(1, 2)))
    lines[3:3] = ["", "   "]  # blank lines are not scenarios and do not shift the numbering
    whole = [json.loads(x)["scenario"]["name"] for x in run_batch(lib, lines, treaties=["ru_by_2024"])]
    assert whole == [f"g{i}" for i in range(40)]
    shards = [[json.loads(x)["scenario"]["name"] for x in run_batch(lib, lines, treaties=["ru_by_2024"],
                                                                     shard=(i, n))] for i in range(n)]
    assert sorted(itertools.chain(*shards)) == sorted(whole)  # union = whole …
    assert sum(len(s) for s in shards) == len(whole)  # … and disjoint
    for i, s in enumerate(shards):
        assert s == [f"g{k}" for k in range(i, 40, n)]  # every n-th from the i-th, in file order


def test_shard_cli_and_its_errors(tmp_path: Path, cli: Any) -> None:
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(generated(6, seed=2)) + "\n", encoding="utf-8")
    names = []
    for i in range(3):
        res = cli("run", "--batch", batch, "--shard", f"{i}/3", "--treaty", "nato_1949")
        assert res.exit_code == 0, res.output
        names += [json.loads(x)["scenario"]["name"] for x in res.stdout.splitlines()]
    assert sorted(names) == sorted(f"g{i}" for i in range(6))
    for bad in ("3/3", "1/0", "a/b", "-1/2"):
        res = cli("run", "--batch", batch, "--shard", bad)
        assert res.exit_code == 2 and "E-USAGE" in res.stderr and "I/N" in res.stderr
    assert parse_shard(" 2 / 5 ") == (2, 5)
    res = cli("run", "--shard", "0/2", "kursk_2024")
    assert res.exit_code == 2 and "--shard needs --batch" in res.stderr
    res = cli("run", "--batch", batch, "kursk_2024")
    assert res.exit_code == 2 and "not both" in res.stderr
    res = cli("run", "--batch", batch, "--format", "table")
    assert res.exit_code == 2 and "JSON Lines" in res.stderr
    assert cli("run", "--batch", batch, "--format", "json").exit_code == 0
    res = cli("run")
    assert res.exit_code == 2 and "--batch" in res.stderr
    res = cli("run", "--batch", tmp_path / "missing.jsonl")
    assert res.exit_code == 2 and "E-FILE" in res.stderr


def test_batch_reads_standard_input(runner: Any) -> None:
    from engine.cli import main

    text = "\n".join(generated(3, seed=9)) + "\n"
    res = runner.invoke(main, ["run", "--batch", "-", "--treaty", "csto_1992"], input=text)
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["scenario"]["source"] for x in res.stdout.splitlines()] == \
        ["<stdin>:1", "<stdin>:2", "<stdin>:3"]


def test_bad_line_stops_the_run_with_a_located_error(tmp_path: Path, cli: Any, lib: engine.Library) -> None:
    good = list(generated(2, seed=4))
    batch = tmp_path / "bad.jsonl"
    batch.write_text("\n".join(good + ['{"name": "x", "events": [}'] + list(generated(2, seed=6))) + "\n",
                     encoding="utf-8")
    res = cli("run", "--batch", batch)
    assert res.exit_code == 2
    assert len(res.stdout.splitlines()) == 3  # the lines before it were streamed, then the stopped record
    assert json.loads(res.stdout.splitlines()[-1])["schema"] == "casus.batch-stopped/1"
    assert res.stderr.startswith(f"{batch}:3:26: E-JSON: not valid JSON")
    assert '{"name": "x", "events": [}' in res.stderr and "casus: 1 error" in res.stderr

    # a checker error is located at its column too (read again with the positional JSON reader)
    bad = '{"name": "y", "events": [{"kind": "armed_attack", "date": "2025-01-01", "on": "UK"}]}'
    it = run_batch(lib, good + ["", bad], path="f.jsonl")
    assert next(it) and next(it)
    with pytest.raises(CasusError) as e:
        next(it)
    d = e.value.diagnostics[0]
    assert (d.span.path, d.span.line, d.span.column, d.code) == ("f.jsonl", 4, bad.index('"UK"') + 1, "E-CODE")
    assert "did you mean 'GB'" in e.value.render()

    for text, code in [('[1, 2]', "E-JSON"),
                       ('{"events": [{"kind": "armed_attack", "date": "2025-02-30", "on": "PL"}]}', "E-DATE"),
                       ('{"events": [], "nme": "typo"}', "E-JSON"),
                       ('{"events": [{"kind": "armed_attack", "date": "2025-02-01", "on": "PL"}], "interpretation": '
                        + '"ru_claim"}', "E-UNKNOWN")]:
        with pytest.raises(CasusError) as e:
            list(run_batch(lib, [text], path="g.jsonl"))
        assert e.value.diagnostics[0].code == code and e.value.diagnostics[0].span.line == 1, text


def test_an_unusual_but_valid_line_is_accepted(lib: engine.Library) -> None:
    # a numeric name is a located error (issue 17: strict JSON, tests/io/test_strict_json.py)
    with pytest.raises(CasusError) as e:
        list(run_batch(lib, ['{"name": 7, "events": []}'], treaties=["anzus_1951"], path="n.jsonl"))
    found = [(d.code, d.span.column, d.message) for d in e.value.diagnostics]
    assert found == [("E-JSON", 10, "'name' must be a string")]
    [out] = run_batch(lib, ['{"events": []}'], treaties=["anzus_1951"], path="n.jsonl")
    assert json.loads(out)["scenario"]["name"] == "n.jsonl:1"


def _peak(lib: engine.Library, n: int) -> int:
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    count = 0
    for _ in run_batch(lib, generated(n, seed=11, events=(0, 2)), treaties=["ru_kp_2024"]):
        count += 1
    assert count == n
    return tracemalloc.get_traced_memory()[1] - base


def test_memory_does_not_grow_with_the_number_of_scenarios(lib: engine.Library,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the readers' memos of dates and distinct events are bounded (`MEMO_ENTRIES`); here the
    # bound is small, so that both runs reach it and what is measured is the rest
    monkeypatch.setattr(batchline, "MEMO_ENTRIES", 300)
    tracemalloc.start()
    try:
        _peak(lib, 200)  # warm the caches
        small = _peak(lib, 1_000)
        large = _peak(lib, 10_000)
    finally:
        tracemalloc.stop()
    # 10x the scenarios: collecting the results would take ~10x the memory (about 0.6 KB a
    # result here); streaming keeps the peak to one scenario's work
    assert large < 2 * small + 200_000, (small, large)


def test_workers_give_the_same_output_in_the_same_order(tmp_path: Path, cli: Any) -> None:
    batch = tmp_path / "w.jsonl"
    lines = list(generated(150, seed=21, events=(1, 12)))
    lines[40:40] = ["", "  "]  # blank lines keep their place in the numbering
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for fmt in ("json", "csv"):
        one = cli("run", "--batch", batch, "--format", fmt)
        assert one.exit_code == 0 and one.stdout.count("\n") > 100, one.output
        for args in (("--workers", "2"), ("--workers", "3")):
            res = cli("run", "--batch", batch, "--format", fmt, *args)
            assert res.exit_code == 0, res.output
            assert res.stdout == one.stdout  # byte for byte, whatever the number of processes
    for empty in ("", "\n\n"):  # no scenario at all
        (tmp_path / "empty.jsonl").write_text(empty, encoding="utf-8")
        res = cli("run", "--batch", tmp_path / "empty.jsonl", "--workers", "2")
        assert (res.exit_code, res.stdout, res.stderr) == (0, "", "")
    shard = cli("run", "--batch", batch, "--shard", "1/3", "--workers", "2")
    assert shard.stdout == cli("run", "--batch", batch, "--shard", "1/3").stdout
    res = cli("run", "--workers", "2", "kursk_2024")
    assert res.exit_code == 2 and "--workers needs --batch" in res.stderr
    res = cli("run", "--batch", batch, "--workers", "0")
    assert res.exit_code == 2


def test_workers_stop_at_the_first_bad_line_like_one_process(tmp_path: Path, cli: Any) -> None:
    batch = tmp_path / "bad.jsonl"
    good = list(generated(100, seed=8))
    bad = '{"name": "y", "events": [{"kind": "armed_attack", "date": "2025-01-01", "on": "UK"}]}'
    batch.write_text("\n".join(good[:70] + [bad] + good[70:]) + "\n", encoding="utf-8")
    one = cli("run", "--batch", batch)
    two = cli("run", "--batch", batch, "--workers", "2")
    assert one.exit_code == two.exit_code == 2
    assert len(two.stdout.splitlines()) == 71 and two.stdout == one.stdout  # 70 results and the stopped record
    assert two.stderr == one.stderr and f"{batch}:71:" in two.stderr and "did you mean 'GB'" in two.stderr


def test_workers_read_lazily(lib: engine.Library) -> None:
    """With several processes too, lines are read as results are taken, never the whole input
    first: an endless stream gives its first results."""
    def endless() -> Iterator[str]:
        for i in itertools.count():
            yield json.dumps({"name": f"e{i}", "events": []})

    first = list(itertools.islice(run_batch(lib, endless(), treaties=["ru_kp_2024"], workers=2), 100))
    assert [json.loads(x)["scenario"]["name"] for x in first] == [f"e{i}" for i in range(100)]


def test_an_event_the_checker_refuses_leaves_the_next_ones_to_their_own_check(lib: engine.Library) -> None:
    """Each distinct event is checked once by the library's checker (`_check_event`, one checker
    for the run): a refused one (an unknown code, a role twice) is the positional reader's to
    report, and its problems do not stay behind to refuse the next, clean events."""
    bad = ("armed_attack", "by", "RU", "on", "ZZ")  # not a country
    twice = ("armed_attack", "by", "RU", "on", "UA", "on", "PL")
    good = ("armed_attack", "by", "RU", "on", "UA")
    assert batchline._check_event(lib, bad) is False
    assert batchline._check_event(lib, twice) is False
    checked = batchline._check_event(lib, good)
    assert checked and (checked.roles, checked.text) == ({"by": "RU", "on": "UA"}, "armed_attack(by: RU, on: UA)")


def test_a_value_that_is_neither_a_code_nor_a_name_goes_to_the_positional_reader(tmp_path: Path) -> None:
    """A role whose type is the user's own word takes any name, so the checker alone would take
    `two tons` as one: the fast reader refuses it first (`_arg`), and the positional reader says
    what is wrong, where. The same role with a name, seen after, is checked and taken."""
    vocabulary = tmp_path / "goods.casus"
    vocabulary.write_text('vocabulary goods {\n  kind shipment(by: party, cargo: goods) "goods sent"\n}\n',
                          encoding="utf-8")
    lib = engine.load([str(vocabulary)])[0]
    assert batchline._check_event(lib, ("shipment", "by", "RU", "cargo", "two tons")) is False
    checked = batchline._check_event(lib, ("shipment", "by", "RU", "cargo", "grain"))
    assert checked and checked.roles == {"by": "RU", "cargo": "grain"}
    assert checked.text == "shipment(by: RU, cargo: grain)"
    line = '{"events": [{"kind": "shipment", "date": "2025-01-01", "by": "RU", "cargo": "two tons"}]}'
    with pytest.raises(CasusError) as e:
        list(run_batch(lib, [line], treaties=["anzus_1951"], path="g.jsonl"))
    found = [(d.code, d.span.column) for d in e.value.diagnostics if d.code == "E-JSON"]
    assert found == [("E-JSON", line.index('"two tons"') + 1)]
    assert "'two tons' is neither a party or territory code nor a name" in e.value.render()


def test_a_value_clean_in_one_role_is_checked_again_in_another(lib: engine.Library) -> None:
    """The events' checker remembers the values a role of its type took without a problem
    (`_EventChecker`): a territory taken as the place of an attack is still refused as a party."""
    assert batchline._check_event(lib, ("armed_attack", "by", "RU", "on", "UA", "at", "RU-KRS"))
    assert batchline._check_event(lib, ("armed_attack", "by", "RU-KRS", "on", "UA")) is False
    assert batchline._check_event(lib, ("armed_attack", "by", "XX", "on", "UA")) is False  # refused, not remembered
    assert batchline._check_event(lib, ("armed_attack", "by", "XX", "on", "UA")) is False


def test_a_batch_gives_the_collector_back_what_it_kept_out(lib: engine.Library) -> None:
    """Through a batch the objects made before its second line (the library, its compiled code)
    are left out of the cycle collector's walks (`memo.long_lived`); at its end, or when it is
    left unfinished, they are its again, so that a long-lived process (a Dask worker, pytest)
    collects what a batch left behind; what the program around had frozen stays so."""
    assert gc.get_freeze_count() == 0
    before = gc.get_threshold()
    lines = list(generated(20, seed=5))
    frozen, thresholds = [], []
    for _ in run_batch(lib, lines, fmt="csv"):
        frozen.append(gc.get_freeze_count())
        thresholds.append(gc.get_threshold())
    assert max(frozen) > 0 and gc.get_freeze_count() == 0
    # (meanwhile a full collection is rarer: nothing old is left to walk)
    assert thresholds[-1] == (*before[:2], max(before[2], 100)) and gc.get_threshold() == before
    unfinished = run_batch(lib, lines, fmt="csv")
    next(unfinished), next(unfinished), next(unfinished)
    assert gc.get_freeze_count() > 0 and gc.get_threshold() != before
    unfinished.close()
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == before
    gc.freeze()  # frozen by the program around it: a batch leaves them so, and the collector as it is
    try:
        held = gc.get_freeze_count()
        seen = [gc.get_threshold() for _ in run_batch(lib, lines, fmt="csv")]
        assert held > 0 and len(seen) > 1 and set(seen) == {before}
        assert gc.get_freeze_count() == held
    finally:
        gc.unfreeze()


EVENT_KINDS = {"armed_attack": ["by", "on", "at", "against"], "threat": ["by", "on"], "state_of_war": ["party"],
               "agreement": ["by", "with", "on"], "withdrawal": ["party", "treaty"], "no_such_kind": ["by"]}
EVENT_VALUES = ["RU", "UA", "US", "RU-KRS", "XX", "coral_sea", "pacific_ocean", "assist", "nato_1949", "vessels",
                "territory", "ru"]


def fresh_check(lib: engine.Library, event: tuple[str, ...]) -> object:
    """`_check_event` by a checker that remembers nothing: (roles, text) or False."""
    held = batchline._CHECKERS[:]
    batchline._CHECKERS.clear()
    try:
        got = batchline._check_event(lib, event)
    finally:
        batchline._CHECKERS[:] = held
    return got and (got.roles, got.text)


@settings(max_examples=300, deadline=None, database=None, derandomize=True, phases=[Phase.generate])
@given(st.lists(st.tuples(st.sampled_from(sorted(EVENT_KINDS)), st.lists(st.tuples(
    st.sampled_from(["by", "on", "at", "against", "party", "with", "treaty", "x"]), st.sampled_from(EVENT_VALUES)),
    min_size=1, max_size=4)), min_size=1, max_size=10))
def test_an_event_is_taken_as_a_checker_that_remembers_nothing_takes_it(
        lib: engine.Library, events: list[tuple[str, list[tuple[str, str]]]]) -> None:
    """The events' checker takes an event of a shape (kind, roles) it took before, each value one
    a role of its type took, without a check (`_EventChecker.clean`): whatever came before, it
    takes and refuses what a checker that remembers nothing does."""
    for kind, pairs in events:
        if pairs[0][0] != "x":  # (mostly the kind's own roles)
            pairs = [(EVENT_KINDS[kind][i % len(EVENT_KINDS[kind])], v) for i, (_, v) in enumerate(pairs)]
        event = (kind, *(x for pair in pairs for x in pair))
        got = batchline._check_event(lib, event)
        assert (got and (got.roles, got.text)) == fresh_check(lib, event), event


def test_a_shape_taken_is_taken_again_only_where_its_values_are_not_read(lib: engine.Library) -> None:
    """An attack without `on` is taken at a territory (its sovereign is attacked) but not at an
    area, which has none: events of that shape are checked one by one, whatever their values."""
    assert batchline._check_event(lib, ("armed_attack", "on", "US", "at", "coral_sea"))  # (the area: a clean place)
    assert batchline._check_event(lib, ("armed_attack", "by", "RU", "at", "RU-KRS"))
    assert batchline._check_event(lib, ("armed_attack", "by", "RU", "at", "coral_sea")) is False
