"""Inputs that crashed casus (issue 17, item 5): now located errors with exit 2, no traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("command", [["check"], ["fmt"], ["fmt", "--check"], ["run"], ["test"]])
def test_a_symbolic_link_loop_is_a_located_error(cli, tmp_path, monkeypatch, command) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    loop = tmp_path / "loop.casus"
    loop.symlink_to("loop.casus")
    r = cli(*command, "loop.casus")
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("loop.casus:1:1: E-FILE: ") and "Traceback" not in r.stderr


# ------------------------------------------------------------------ numbers in .casus files

TREATY = """\
interpretation slow "Slow" {
  immediately means within TIMING days
}

treaty theta "Theta" {
  parties KR, US
  in force 2030-01-01

  provision art1 "Assistance" article "1" {
    when armed_attack(on: X) within AFTER days after threat(on: X)
    then each other party must assist(to: X), within WITHIN days
  }
}

scenario "s" {
  2030-02-28  threat(by: KP, on: KR)
  2030-03-01  armed_attack(by: KP, on: KR)
  2030-03-04  assist(by: US, to: KR)
}
"""

# where each number stands (line, column) in TREATY
_PLACES = {k: next((n, line.index(k) + 1) for n, line in enumerate(TREATY.splitlines(), 1) if k in line)
           for k in ("TIMING", "AFTER", "WITHIN")}


def _treaty(**numbers: str) -> str:
    text = TREATY
    for k in _PLACES:
        text = text.replace(k, numbers.get(k, "5"))
    return text


@pytest.mark.parametrize("where", sorted(_PLACES))
@pytest.mark.parametrize("number", ["36501", "3000000", "1" + "0" * 30, "9" * 5000])
@pytest.mark.parametrize("command", ["check", "run"])
def test_too_many_days_is_a_located_error(cli, tmp_path, monkeypatch, where, number, command) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.casus").write_text(_treaty(**{where: number}), encoding="utf-8")
    r = cli(command, "t.casus")
    assert r.exit_code == 2, r.output
    line, col = _PLACES[where]
    lines = r.stderr.splitlines()
    assert lines[0].startswith(f"t.casus:{line}:{col}: E-NUMBER: "), r.stderr
    assert "days is too many" in lines[0] and len(lines[0]) < 120
    assert lines[2].strip().startswith("^")
    assert lines[3] == "  hint: a number of days is between 0 and 36500 (100 years)"
    assert "Traceback" not in r.stderr


def test_days_up_to_the_bound_and_with_leading_zeros_are_accepted(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.casus").write_text(_treaty(TIMING="36500", AFTER="0000001", WITHIN="00003"), encoding="utf-8")
    r = cli("run", "t.casus", "--treaty", "theta", "--format", "json")
    assert r.exit_code == 0, r.stderr
    (inst,) = json.loads(r.output)["results"][0]["instances"]
    assert inst["qualifiers"] == ["within_3_days"] and inst["status"] == "fulfilled"
    (tmp_path / "t.casus").write_text(_treaty(WITHIN="2"), encoding="utf-8")
    r = cli("run", "t.casus", "--treaty", "theta", "--format", "json")
    assert json.loads(r.output)["results"][0]["instances"][0]["status"] == "violated"


# ------------------------------------------------------------------ dates past 9999


def test_iso_writes_dates_past_the_python_calendar() -> None:
    import datetime as dt

    from engine.language.build import iso

    last = dt.date.max.toordinal()
    assert iso(last) == "9999-12-31"
    assert iso(last + 1) == "10000-01-01"
    assert iso(last + 60) == "10000-02-29"  # 10000 is a leap year (divisible by 400)
    assert iso(last + 146097) == "10399-12-31"
    for o in range(1, 146097, 4999):  # the calendar repeats every 400 years
        y, rest = iso(o).split("-", 1)
        assert iso(o + 25 * 146097) == f"{int(y) + 10000}-{rest}"


def test_a_report_with_an_event_on_9999_12_31(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    text = _treaty(WITHIN="400").replace("2030-", "9999-").replace("9999-03-04", "9999-12-31")
    (tmp_path / "t.casus").write_text(text, encoding="utf-8")
    r = cli("report", "t.casus", "-o", "r.html")
    assert r.exit_code == 0, r.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "9999-12-31" in html and ">10000-01<" in html  # the axis runs on past the calendar (a month tick)
    r = cli("run", "t.casus", "--treaty", "theta", "--format", "json")
    assert r.exit_code == 0 and '"since": "9999-12-31"' in r.output


# ------------------------------------------------------------------ --workers


def test_batch_workers_are_capped_at_four_per_cpu(cli, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from engine.io import batch as batches

    monkeypatch.chdir(tmp_path)
    line = '{"name": "s", "events": [{"kind": "armed_attack", "date": "2025-01-02", "by": "RU", "on": "PL"}]}'
    (tmp_path / "b.jsonl").write_text((line + "\n") * 3, encoding="utf-8")
    plain = cli("run", "--batch", "b.jsonl")
    assert plain.exit_code == 0 and plain.stderr == ""
    seen: list[int] = []
    real = batches.run_batch_file

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(args[5])  # and never fork more than 4, even before the cap existed
        return real(*args[:5], min(args[5], 4), *args[6:], **kwargs)

    monkeypatch.setattr(batches, "run_batch_file", spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    r = cli("run", "--batch", "b.jsonl", "--workers", "100000")
    assert r.exit_code == 0, r.stderr
    assert seen == [4]
    assert r.stderr == "casus: --workers 100000 is more than 4 per CPU (1 CPU); using 4\n"
    assert r.stdout == plain.stdout
    r = cli("run", "--batch", "b.jsonl", "--workers", "4")  # at the cap: no warning
    assert r.exit_code == 0 and r.stderr == "" and seen == [4, 4]


def test_sweep_workers_are_capped_at_four_per_cpu(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from engine.analysis import sweep as sweeps

    seen: list[int] = []
    real = sweeps.run_space

    def spy(lib, space, workers, *rest):  # type: ignore[no-untyped-def]
        seen.append(workers)
        return real(lib, space, 1, *rest)

    monkeypatch.setattr(sweeps, "run_space", spy)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    r = cli("sweep", "seed_sweep", "--workers", "200", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert seen == [8]
    assert r.stderr.splitlines()[0] == "casus: --workers 200 is more than 4 per CPU (2 CPUs); using 8"


# ------------------------------------------------------------------ spreadsheet formulas in run CSV


@pytest.mark.parametrize(("name", "cell"), [("=HYPERLINK(\\\"x\\\")", "\"'=HYPERLINK(\"\"x\"\")\""),
                                            ("@SUM(A1)", "'@SUM(A1)"), ("+1+1", "'+1+1"),
                                            ("=1,2", "\"'=1,2\""), ("-3", "-3"), ("a=b", "a=b")])
def test_run_csv_neutralises_formulas(cli, tmp_path, monkeypatch, name, cell) -> None:  # type: ignore[no-untyped-def]
    import json

    monkeypatch.chdir(tmp_path)
    text = _treaty().replace('scenario "s"', f'scenario "{name}"')
    (tmp_path / "t.casus").write_text(text, encoding="utf-8")
    r = cli("run", "t.casus", "--treaty", "theta", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith(cell + ",theta,art1,")
    plain = name.replace('\\"', '"')
    line = json.dumps({"name": plain, "events": [{"kind": "armed_attack", "date": "2025-01-02", "by": "RU",
                                                  "on": "PL"}]})
    (tmp_path / "b.jsonl").write_text(line + "\n", encoding="utf-8")
    for args in (["--treaty", "nato_1949"], []):  # the compiled treaty alone, and with the engine's
        r = cli("run", "--batch", "b.jsonl", "--format", "csv", *args)
        assert r.exit_code == 0, r.stderr
        rows = r.stdout.splitlines()[1:]
        assert len(rows) > 10 and all(row.startswith(cell + ",") for row in rows), rows


# ------------------------------------------------------------------ date shifts in a sweep's space


@pytest.mark.parametrize("shift", ["+3000000", "-800000", "+99999999", "+" + "9" * 5000])
def test_a_sweep_shift_out_of_the_calendar_is_an_error(cli, tmp_path, monkeypatch, shift) -> None:  # type: ignore[no-untyped-def]
    import json

    monkeypatch.chdir(tmp_path)
    space = {"name": "s", "treaties": ["ru_kp_2024"], "dimensions": {"date": ["2025-06-02"]},
             "template": [{"kind": "armed_attack", "date": "{date}", "until": "{date" + shift + "}", "on": "KP"}]}
    (tmp_path / "space.json").write_text(json.dumps(space), encoding="utf-8")
    r = cli("sweep", "space.json", "--format", "csv")
    assert r.exit_code == 2, r.output
    first = r.stderr.splitlines()[0]
    assert first.startswith("space.json:1:1: E-SPACE: template[0].until: {date") and len(first) < 160
    assert first.endswith("shifts 2025-06-02 out of the calendar") and "Traceback" not in r.stderr
