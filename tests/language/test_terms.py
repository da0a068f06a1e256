"""The constructs by which treaties change (issue 15 item 6): dated versions of a provision,
per-party reservations, notice periods, protected classes and membership per interpretation.
Their syntax round-trips through `casus fmt`, the checker rejects what cannot mean anything, and
the notice period counts on the calendar. (Their semantics: tests/conformance/31-35.)"""

from __future__ import annotations

import datetime as dt

import pytest

from engine.base.errors import Diagnostics
from engine.base.paths import library_dir
from engine.base.source import Source
from engine.kernel.context import effective
from engine.language.build import build
from engine.language.fmt import format_text
from engine.language.library import check_documents, parse_files, parse_text
from engine.language.syntax import parse

TERMS = """\
interpretation x "X" {
  member VE of t from 2019-01-01 to 2020-01-01
  not member AM of t from 2024-02-23
  suspended AM in t from 2024-02-23
  suspended CA toward US in t from 2025-01-01 to 2025-12-31
}

treaty t "T" {
  parties US, CA, AM
  in force 2000-01-01
  withdrawal takes effect 2 years after notice

  declaration CA "Neutral" on p1, p2 from 2001-01-01 to 2030-12-31 {
    source "x"
    only when armed_attack(on: X)
    adds as it deems necessary, by other means
  }

  provision p1 "P" article "1" {
    version "1992 text" to 2012-12-18
    protects any state in region americas
    when aggression(on: X)
    then each other party must assist(to: X)
  }

  provision p2 "P" article "1" {
    version "2010 text" from 2012-12-19 except under x
    when aggression(on: X)
    then each other party must assist(to: X)
  }

  provision p3 "P" article "1" {
    version "2010 text, read strictly" under x, default
    when aggression(by: S, on: X) and S is a state
    then each other party must assist(to: X)
  }
}
"""


def test_the_constructs_round_trip_through_fmt() -> None:
    assert format_text(TERMS) == TERMS
    messy = TERMS.replace("\n  ", "\n      ").replace(", p2", " ,p2")
    assert format_text(messy) == TERMS
    src = Source("f.casus", TERMS)
    doc = build(src, parse(src), Diagnostics())
    treaty = doc.items[1]
    assert treaty.notice == (2, "years")  # type: ignore[union-attr]
    (r,) = treaty.reservations  # type: ignore[union-attr]
    assert (r.kind, r.party.code, r.provisions) == ("declaration", "CA", ("p1", "p2"))
    assert [q.value for q in r.qualifiers] == ["as_it_deems_necessary", "other"]
    p1, p2, p3 = treaty.provisions  # type: ignore[union-attr]
    assert p1.version.name == "1992 text" and p1.version.start is None and p1.protects == "americas"
    assert dt.date.fromordinal(p2.version.start) == dt.date(2012, 12, 19) and p2.version.end is None
    assert (p1.version.under, p1.version.except_under) == ((), ())
    assert (p2.version.under, p2.version.except_under) == ((), ("x",))
    assert (p3.version.under, p3.version.start, p3.version.end) == (("x", "default"), None, None)
    assert [p.version.read_under("x") for p in (p1, p2, p3)] == [True, False, True]
    assert [p.version.read_under("other") for p in (p1, p2, p3)] == [True, True, False]
    interp = doc.items[0]
    suspend = interp.memberships[-1]  # type: ignore[union-attr]
    assert (suspend.party.code, suspend.toward.code, suspend.effect) == ("CA", "US", "suspended")
    assert interp.memberships[-2].toward is None  # type: ignore[union-attr]


def _check(text: str) -> list[str]:
    diags = Diagnostics()
    docs = parse_files([str(library_dir() / n) for n in ("vocabulary.casus", "regions.casus")], diags)
    doc = parse_text("f.casus", text, diags)
    assert doc is not None
    check_documents([*docs, doc], diags)
    return [f"{d.code}: {d.message}" for d in diags.items]


@pytest.mark.parametrize("change, error", [
    ("protects any state in region americas", "E-UNKNOWN: unknown region 'nowhere'"),
    ("only when armed_attack(on: X)", "E-UNBOUND: variable 'Z' of the declaration is not one of 'p1'"),
    ("on p1, p2", "E-UNKNOWN: unknown provision 'p9' in 't'"),
    ("declaration CA", "E-MEMBER: 'FR' is not a party to 't'"),
    ('version "1992 text" to 2012-12-18', "E-INTERVAL"),
    ("under x, default", "E-UNKNOWN: unknown interpretation 'xx'"),
    ("toward US", "E-CODE"),
])
def test_the_checker_rejects_what_means_nothing(change: str, error: str) -> None:
    bad = {"protects any state in region americas": "protects any state in region nowhere",
           "only when armed_attack(on: X)": "only when armed_attack(on: Z)",
           "on p1, p2": "on p1, p9",
           "declaration CA": "declaration FR",
           'version "1992 text" to 2012-12-18': 'version "1992 text" from 2013-01-01 to 2012-12-18',
           "under x, default": "under xx, default",
           "toward US": "toward ZZ"}[change]
    found = _check(TERMS.replace(change, bad, 1))
    assert any(error in f for f in found), found


def test_the_terms_check_clean() -> None:
    assert _check(TERMS) == []


@pytest.mark.parametrize("notice, period, takes", [
    ("2012-06-05", (2, "years"), "2014-06-05"),   # Rio Art. 25
    ("2012-02-29", (1, "years"), "2013-02-28"),   # no 29 February: the month's last day
    ("2024-08-31", (6, "months"), "2025-02-28"),
    ("2024-01-31", (1, "months"), "2024-02-29"),
    ("2024-01-01", (30, "days"), "2024-01-31"),
    ("2024-10-31", (2, "months"), "2024-12-31"),  # into December, and out of it
    ("2024-11-30", (2, "months"), "2025-01-30"),
    ("9999-10-31", (1, "months"), "9999-11-30"),
    ("9999-11-30", (1, "months"), "9999-12-30"),  # the last month there is
])
def test_a_notice_period_counts_on_the_calendar(notice: str, period: tuple[int, str], takes: str) -> None:
    assert dt.date.fromordinal(effective(dt.date.fromisoformat(notice).toordinal(), period)).isoformat() == takes
