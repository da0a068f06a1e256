"""The compiled code's reader of canonical lines (engine/io/batchline.py, `canonical_input`): a line
written as compact JSON with each event's kind first and its date second is read as text, without
the json module (issue 18, item 2: reading the JSON was a third of a peers' scenario's time). It
must read any line it takes exactly as the json module's reading does (`compiled_input`: the same
facts, days and name), take the lines casus and its benchmarks write, and leave every other line
(spaces, another order of keys, a key twice, an escape, a control character, a bad date, …) to
that reading."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import engine
from engine.core.options import current
from engine.io import batch, batchline

LIB = engine.load_library()
TREATIES = tuple(sorted(LIB.treaties))

# events as the realistic scenarios have them (bench/realistic.py), and values a line may hold that
# the compiled code or the JSON reading refuses or reads otherwise
EVENTS = [{"kind": "threat", "by": "IQ", "on": "UZ"}, {"kind": "state_of_war", "party": "HT"},
          {"kind": "armed_attack", "by": "CU", "on": "HT", "at": "HT-SD", "until": None},
          {"kind": "armed_attack", "by": "FR", "on": "NZ", "against": "vessels", "at": "coral_sea",
           "until": "1966-04-18"},
          {"kind": "aggression", "by": "GB", "on": "BR", "until": "1951-04-05"},
          {"kind": "agreement", "by": "GE", "with": "AZ", "on": "assist"},
          {"kind": "request", "from": "AZ", "to": "UZ", "for": "consult"},
          {"kind": "consult", "by": "BO", "with": "HT"},
          {"kind": "withdrawal", "party": "EC", "treaty": "rio_1947"}, {"kind": "unsc_measures", "on": "RU"},
          {"kind": "denunciation", "party": "CN", "treaty": "cn_kp_1961"}, {"kind": "assist", "by": "CN", "to": "KP"}]
ROLES = ["by", "on", "at", "party", "with", "until", "note", "name", "kind", "date"]
VALUES = ["RU", "HT-SD", "nato_1949", "1990-02-30", "XX", "ru", "no_such_kind", None, 5, 1.5, True, [], {}, "a\"b",
          "a\\b", "é", "\u0001", "\x7f", '{"kind":', '"date":"', "},{"]
DATES = ["2024-08-06", "2025-01-15", "1955-06-26", "1955-08-05"]
ODD_DATES = ["2025-02-29", "2025-13-01", "20250115", "2025-W03-1", "2025-01-15T00:00", "2025-1-5", "", 20250115, None]
NAMES = ["s000001", "rio_1947 story 1", "a:b"]
ODD_NAMES = ["a\"b", "a\\b", "é", "x\u0001y", "x\x7fy", '","events":[', '{"kind":', 5, None]


@st.composite
def event(draw: st.DrawFn) -> dict[str, object]:
    """An event of the realistic scenarios, or now and then one with a value, role, date or
    order of keys that is not."""
    ev = {"kind": "", "date": draw(st.sampled_from(DATES)), **draw(st.sampled_from(EVENTS))}
    change = draw(st.integers(0, 15))  # (1-5: a change; 0, the simplest, and the rest: none)
    if change == 1:
        ev["date"] = draw(st.sampled_from(ODD_DATES))
    elif change == 2:
        ev[draw(st.sampled_from(list(ev)))] = draw(st.sampled_from(VALUES))
    elif change == 3:
        ev[draw(st.sampled_from(ROLES))] = draw(st.sampled_from(VALUES))
    elif change == 4:
        ev = {k: ev[k] for k in draw(st.permutations(list(ev)))}
    elif change == 5:
        del ev[draw(st.sampled_from(list(ev)))]
    return ev


@st.composite
def lines(draw: st.DrawFn) -> str:
    """A scenario line: mostly canonical (compact, kind then date, a name), with now and then one
    thing that makes it not so, or not a line the compiled code takes."""
    events = draw(st.lists(event(), min_size=draw(st.sampled_from([1, 1, 1, 0])), max_size=6))
    doc: dict[str, object] = {}
    name = draw(st.integers(0, 15))  # (1: none; 2-3: an odd one)
    if name != 1:
        doc["name"] = draw(st.sampled_from(ODD_NAMES) if name in (2, 3) else st.sampled_from(NAMES))
    doc["events"] = events
    extra = draw(st.integers(0, 19))
    if extra == 1:
        doc["interpretation"] = "restrictive"
    elif extra == 2:
        doc = {"events": events, **{k: v for k, v in doc.items() if k != "events"}}
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=draw(st.booleans()))
    change = draw(st.integers(0, 15))  # (1-5: a change)
    if change == 1:
        text = json.dumps(doc)  # spaces
    elif change == 2 and events:  # a key twice
        text = text.replace('"date":', '"date":"2001-01-01","date":', 1)
    elif change == 3:
        text = text.replace('{"kind":', '{ "kind":', 1)
    elif change == 4:
        text += draw(st.sampled_from([" ", "\n", "\r\n", " x", ",", "]}"]))
    elif change == 5 and events:
        text = text.replace('"kind":"', '"kind":"\\u0061', 1)  # an escape
    return text


def both_readings(line: str, interpretation: str | None = None) -> tuple[object, object]:
    """What the canonical reader gives for a line, and the json module's reading (None: the line
    is not for the compiled code), as (facts, days, name)."""
    options, programs = current(), {}
    got = batchline.canonical_input(LIB, line, TREATIES, interpretation, "f.jsonl", 7, programs, options)
    want = batchline.compiled_input(LIB, batchline.strict_object(line), TREATIES, interpretation, "f.jsonl", 7,
                                    programs, options)

    def seen(read: object) -> object:
        if read is None:
            return None
        _, (hits, starts, _), name = read
        return hits, starts, name

    return seen(got), seen(want)


@settings(max_examples=500, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(lines(), st.sampled_from([None, None, "war_by_attack", "gray_zone_is_armed_attack", "self_defence"]))
def test_a_line_read_as_text_reads_as_the_json_module_reads_it(line: str, interpretation: str | None) -> None:
    """(Under the interpretations named, definitions derive facts from the events' own, and the
    attacks are read for self-defence.) The json module's reader of the compiled code leaves to
    the engine a line whose events hold a list or an object anywhere (a note too: it looks each
    event up whole); read as text, such a line gives the engine's CSV."""
    got, want = both_readings(line, interpretation)
    if got is None:
        return
    if want is not None:
        assert got == want, line
        return
    assert batchline.strict_object(line) is not None and any(
        isinstance(v, (list, dict)) for ev in batchline.strict_object(line)["events"] for v in ev.values()), line
    assert csv_of(line, interpretation) == csv_of(line, interpretation, compiled=False), line


def csv_of(line: str, interpretation: str | None, compiled: bool = True) -> str:
    """A line's CSV through the batch: with the compiled code, or the engine's alone."""
    options = dataclasses.replace(current(), compiled=compiled)
    return batch.csv_lines(LIB, line, TREATIES, interpretation, "f.jsonl", 7, {}, options)


def canonical(name: str, events: list[dict[str, object]]) -> str:
    return json.dumps({"name": name, "events": events}, separators=(",", ":"))


def test_canonical_lines_are_read_as_text() -> None:
    """The lines casus's benchmarks and generators write take the reader (a reader that never
    took a line would pass the test above)."""
    lines = [canonical("s1", [{"kind": "threat", "date": "2025-01-15", "by": "RU", "on": "BY"}]),
             canonical("rio_1947 story 1", [
                 {"kind": "armed_attack", "date": "1955-08-05", "by": "CU", "on": "HT", "at": "HT-SD", "until": None},
                 {"kind": "state_of_war", "date": "1955-09-24", "party": "HT"},
                 {"kind": "withdrawal", "date": "1955-10-20", "party": "EC", "treaty": "rio_1947"}]),
             canonical("a:b", [{"kind": "consult", "date": "2025-01-15", "by": "FR", "with": "DE", "note": "é"}])]
    lines.append(json.dumps({"events": [{"kind": "threat", "date": "2025-01-15", "by": "RU", "on": "BY"}]},
                            separators=(",", ":")))
    for line in lines:
        got, want = both_readings(line)
        assert want is not None and got == want, line
    _, _, name = both_readings(lines[-1])[0]  # type: ignore[misc]
    assert name == "f.jsonl:7"  # (a nameless scenario is named after its place, as the JSON reading does)


def test_other_lines_are_left_to_the_json_reading() -> None:
    event = {"kind": "threat", "date": "2025-01-15", "by": "RU", "on": "BY"}
    good = canonical("s1", [event])
    assert both_readings(good)[0] is not None
    others = [json.dumps({"name": "s1", "events": [event]}),  # spaces
              good.replace('"date":"2025-01-15",', '"date":"2025-01-15","date":"2025-01-16",'),  # a key twice
              good.replace('"kind":"threat","date":"2025-01-15"', '"date":"2025-01-15","kind":"threat"'),
              good.replace("2025-01-15", "2025-02-30"), good.replace("2025-01-15", "20250115"),
              good.replace('"s1"', '"s\\u0001"'), good.replace('"s1"', '"s\x7f"'),
              good.replace('{"name"', '{"interpretation":"restrictive","name"'),
              good.replace('"s1"', '"s"1"'), good.replace('"RU"', '"R"U"'),  # not JSON: a quote in a string
              good[:-1], good.replace("}]}", "},5]}")]
    for line in others:
        got, want = both_readings(line)
        assert got is None, line
    # an escape in an event: its text is read by the json module, once, and alike
    got, want = both_readings(good.replace('"by":"RU"', '"by":"R\\u0055"'))
    assert got is not None and got == want == both_readings(good)[1]


def test_a_file_reads_alike_written_canonical_or_not(tmp_path: Path) -> None:
    """`casus run --batch` gives the same CSV for a file of realistic scenarios written compact
    (read as text) and with spaces (read by the json module)."""
    from bench.realistic import write

    compact = tmp_path / "compact.jsonl"
    write(compact, 300, seed=5)
    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text("".join(json.dumps(json.loads(line)) + "\n" for line in compact.read_text().splitlines()))
    options, programs = current(), {}
    out = {}
    for path in (compact, spaced):
        out[path.name] = [batch.csv_lines(LIB, line, TREATIES, None, "s.jsonl", i, programs, options)
                          for i, line in enumerate(path.read_text().splitlines(), 1)]
    assert out["compact.jsonl"] == out["spaced.jsonl"]
    assert sum(map(len, out["compact.jsonl"])) > 10_000  # (instances listed, not empty lines)


def test_an_interpretation_reading_self_defence_sees_each_line_through_the_engine() -> None:
    """Under `self_defence` the compiled code's reader looks at the attacks' kinds and sends a
    scenario of counter-fire to the engine (`Program.reads_self_defence`): a canonical line goes
    the same way, and its CSV is the engine's."""
    from engine.core.evaluate import evaluate
    from engine.core.records import result_csv

    line = canonical("counter-fire", [
        {"kind": "armed_attack", "date": "2026-06-01", "until": "2026-06-10", "by": "KP", "at": "KR-11"},
        {"kind": "state_of_war", "date": "2026-06-02", "until": None, "party": "KP"},
        {"kind": "armed_attack", "date": "2026-06-02", "by": "KR", "at": "KP-13"}])
    options, programs = current(), {}
    assert batchline.canonical_input(LIB, line, TREATIES, "self_defence", "f", 1, programs, options) is None
    got = batch.csv_lines(LIB, line, TREATIES, "self_defence", "f", 1, programs, options)
    ev = evaluate(LIB, batchline.line_scenario(LIB, line, "f", 1), list(TREATIES), "self_defence")
    assert got == "\n".join(result_csv(ev))
    assert ",ru_kp_2024,art4," in batch.csv_lines(LIB, line, TREATIES, None, "f", 1, {}, options)  # (not under it)
    assert ",ru_kp_2024,art4," not in got
