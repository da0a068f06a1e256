"""A small, obviously-correct reference evaluator — day by day, sharing no code with the engine —
and a differential test against the engine on generated scenarios (STYLE: "Tests that prove
something"). It covers one family of provisions:

    when armed_attack(on: X) [ongoing]
    then each other party must assist(to: X) [, within N days]
    [until unsc_measures()]

in a treaty of RU and BY (from entry into force, 2020-01-01) and KP (from 2021-01-01), in force
until a given date or open-ended."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

import engine

D0 = dt.date(2020, 1, 1)
KP_JOINS = dt.date(2021, 1, 1)
PARTIES = ("RU", "BY", "KP")
TERMINAL = ("fulfilled", "violated", "discharged")


@dataclass(frozen=True)
class F:
    kind: str  # armed_attack | assist | unsc_measures
    start: dt.date
    end: dt.date
    on: str = ""  # the party attacked, or assisted
    by: str = ""


def membership(party: str, ends: dt.date) -> tuple[dt.date, dt.date]:
    return (KP_JOINS if party == "KP" else D0, ends)


def reference(facts: list[F], ongoing: bool, days: int | None, until: bool,
              ends: dt.date) -> dict[tuple[str, str], tuple[str, str | None, str]]:
    """{(bearer, beneficiary): (status, activated, since)} for the listed instances, day by day."""
    out = {}
    last = max([f.end for f in facts] + [D0]) + dt.timedelta(days=(days or 0) + 2)
    for x in PARTIES:
        for y in PARTIES:
            if x == y:
                continue
            spans = [membership(x, ends), membership(y, ends)]

            def visible(f: F, spans: list[tuple[dt.date, dt.date]] = spans) -> bool:
                return all(f.start <= e and f.end >= s for s, e in spans)

            status, since, activated, deadline = "dormant", None, None, None
            day = D0
            # walk to the day after the treaty ends (when it does), so that its end discharges
            stop = ends + dt.timedelta(days=1) if ends < dt.date(9999, 1, 1) else last
            while day <= stop:
                if status in TERMINAL:
                    break
                members = all(s <= day <= e for s, e in spans)
                if not members:
                    if status != "dormant":
                        status, since = "discharged", day
                    day += dt.timedelta(days=1)
                    continue
                if activated is None:
                    attacks = [f for f in facts if f.kind == "armed_attack" and f.on == x and visible(f)
                               and f.start <= day and (not ongoing or day <= f.end)]
                    if attacks:
                        activated, status, since = day, "active", day
                        deadline = None if days is None else day + dt.timedelta(days=days)
                if activated is not None:
                    limit = day if deadline is None else min(day, deadline)
                    acts = [f for f in facts if f.kind == "assist" and f.by == y and f.on == x and visible(f)
                            and f.end >= activated and f.start <= limit]
                    measures = [f for f in facts if f.kind == "unsc_measures" and visible(f)
                                and activated <= f.start <= day]
                    if acts:
                        status, since = "fulfilled", day
                    elif until and measures:
                        status, since = "discharged", day
                    elif deadline is not None and day > deadline:
                        status, since = "violated", day
                day += dt.timedelta(days=1)
            if status != "dormant":
                out[(y, x)] = (status, activated.isoformat() if activated else None, since.isoformat())
    return out


DAY = st.integers(-200, 900).map(lambda n: D0 + dt.timedelta(days=n))


@st.composite
def fact(draw) -> F:  # type: ignore[no-untyped-def]
    start = draw(DAY)
    end = start + dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 5, 30, 200])))
    kind = draw(st.sampled_from(["armed_attack", "armed_attack", "assist", "assist", "unsc_measures"]))
    on = draw(st.sampled_from(PARTIES))
    by = draw(st.sampled_from([p for p in PARTIES if p != on]))
    if kind == "unsc_measures":
        return F(kind, start, start)
    return F(kind, start, end, on, by)


def fact_text(f: F) -> str:
    when = f.start.isoformat() if f.start == f.end else f"{f.start.isoformat()}..{f.end.isoformat()}"
    atom = {"armed_attack": f"armed_attack(by: UA, on: {f.on})", "assist": f"assist(by: {f.by}, to: {f.on})",
            "unsc_measures": "unsc_measures()"}[f.kind]
    return f"  {when} {atom}\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(fact(), min_size=1, max_size=8), st.booleans(), st.sampled_from([None, 0, 3, 10]), st.booleans(),
       st.sampled_from([None, dt.date(2021, 6, 30)]))
def test_engine_agrees_with_the_reference(tmp_path_factory, facts: list[F], ongoing: bool, days: int | None,  # type: ignore[no-untyped-def]
                                          until: bool, ends: dt.date | None) -> None:
    then = "then each other party must assist(to: X)" + (f", within {days} days" if days is not None else "")
    treaty = (
        'treaty ref "Reference" {\n  parties RU, BY\n  member KP from 2021-01-01\n'
        f"  in force 2020-01-01{' until ' + ends.isoformat() if ends else ''}\n"
        '  provision p "P" article "1" {\n'
        f"    when armed_attack(on: X){' ongoing' if ongoing else ''}\n    {then}\n"
        f"{'    until unsc_measures()' + chr(10) if until else ''}  }}\n}}\n")
    folder = tmp_path_factory.mktemp("ref")
    (folder / "treaty.casus").write_text(treaty, encoding="utf-8")
    (folder / "s.casus").write_text('scenario "ref" {\n' + "".join(fact_text(f) for f in facts) + "}\n",
                                    encoding="utf-8")
    lib, (s,) = engine.load([folder / "treaty.casus", folder / "s.casus"])
    result = engine.run(lib, s, ["ref"])
    got = {(i.bearer, i.beneficiary): (i.status, i.activated, i.since) for i in result.results[0].instances}
    expected = reference(facts, ongoing, days, until, ends or dt.date(9999, 12, 30))
    assert got == expected, (treaty, [fact_text(f) for f in facts])
