"""The treaty context (engine/kernel/context.py, issue 14 item 1): in force, dated memberships,
withdrawals, suspensions, visibility, the instants that matter and bearer expansion; and the
analyses that now see facts exactly as the engine does (explain's why-not, fuzz's properties)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

import engine
from engine.analysis import fuzz as fz
from engine.analysis.explain import explain
from engine.base.source import Span
from engine.core.evaluate import TreatyRun, evaluate
from engine.kernel.context import context, static_context
from engine.kernel.facts import BIG, Fact
from engine.language import ast as A

SPAN = Span("<test>", 1, 1, 1, 1)


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def fact(kind: str, roles: dict[str, str], start: str, end: str | None = "") -> Fact:
    """A fact from `start` to `end` (""/omitted: one day; None: open-ended)."""
    last = BIG if end is None else day(end or start)
    return Fact(kind, roles, day(start), last, f"{kind}(...)", "<test>:1")


def bearer(mode: str, value: str | None = None, var: str | None = None) -> A.Bearer:
    return A.Bearer(mode, value, var, SPAN)


# ------------------------------------------------------------------ memberships that change


def test_finland_joins_nato_on_2023_04_04(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["nato_1949"])
    assert ctx.start == day("1949-08-24") and ctx.end == BIG
    assert ctx.members["FI"] == [(day("2023-04-04"), BIG)]
    assert not ctx.member("FI", day("2023-04-03"))
    assert ctx.member("FI", day("2023-04-04"))
    assert ctx.member("US", day("1949-08-24")) and not ctx.member("US", day("1949-08-23"))
    assert ctx.ever_member("FI") and not ctx.ever_member("UA")
    assert "FI" in ctx.parties and "UA" not in ctx.parties and list(ctx.parties) == sorted(ctx.parties)
    assert len(ctx.parties) == 32
    # accession days are instants of the treaty; the day before is not
    assert day("2023-04-04") in ctx.instants and day("2024-03-07") in ctx.instants
    assert day("2023-04-03") not in ctx.instants
    assert ctx.instants[0] == ctx.start
    assert not ctx.whole_time  # members join over time
    # the same object for the same treaty: built once
    assert static_context(lib.treaties["nato_1949"]) is ctx


def test_visibility_follows_membership_of_both_parties(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["nato_1949"])
    before = fact("armed_attack", {"on": "FI"}, "2023-03-01", "2023-04-03")  # ends the day before accession
    going_on = fact("armed_attack", {"on": "FI"}, "2023-03-01", "2023-06-30")  # still going on at accession
    assert not ctx.visible(before, ("DE", "FI"))
    assert ctx.visible(before, ("DE",))  # Germany was a member: it sees it, but not as an attack on a member
    assert ctx.visible(before, ())  # in force: NATO saw it
    assert ctx.visible(going_on, ("DE", "FI"))
    assert ctx.visible(going_on, ("FI", "DE"))
    assert ctx.not_seen_by(before, ("DE", "FI")) == "FI"
    assert ctx.not_seen_by(going_on, ("DE", "FI")) is None
    assert not ctx.visible(going_on, ("SE", "FI"))  # Sweden joined only in 2024
    assert not ctx.visible(going_on, ("UA",))  # never a member


def test_visibility_at_entry_into_force(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["ru_kp_2024"])
    assert ctx.start == day("2024-12-04")
    ends_before = fact("state_of_war", {"party": "RU"}, "2024-08-06", "2024-12-03")
    still_on = fact("state_of_war", {"party": "RU"}, "2024-08-06", "2024-12-04")
    open_ended = fact("state_of_war", {"party": "RU"}, "2020-01-01", None)
    on_the_day = fact("state_of_war", {"party": "RU"}, "2024-12-04")
    assert not ctx.visible(ends_before) and not ctx.visible(ends_before, ("KP", "RU"))
    for f in (still_on, open_ended, on_the_day):
        assert ctx.visible(f) and ctx.visible(f, ("KP", "RU"))
    assert not ctx.in_force(day("2024-12-03")) and ctx.in_force(day("2024-12-04"))
    # the facts' own instants: starts and days after ends, only within the time in force
    assert ctx.days([ends_before, still_on, on_the_day]) == {day("2024-12-04"), day("2024-12-05")}
    assert ctx.whole_time  # both parties, from entry into force, for good


def test_a_treaty_with_an_end(lib: engine.Library, write: Callable[[str, str], Path]) -> None:
    path = write("ended.casus", """
        treaty ended "Ended" {
          parties PL, LT
          in force 2000-01-01 until 2009-12-31
          provision p1 "Aid" article "1" {
            when armed_attack(on: X)
            then each other party must assist(to: X)
          }
        }
        """)
    lib2, _ = engine.load([path])
    ctx = static_context(lib2.treaties["ended"])
    assert ctx.end == day("2009-12-31") and not ctx.in_force(day("2010-01-01"))
    assert ctx.members["PL"] == [(day("2000-01-01"), day("2009-12-31"))]
    assert ctx.instants == [day("2000-01-01"), day("2010-01-01")]
    assert not ctx.visible(fact("armed_attack", {"on": "PL"}, "2010-01-01"), ())
    assert not ctx.whole_time


# ------------------------------------------------------------------ withdrawals


def test_a_withdrawal_ends_the_membership_the_day_before(lib: engine.Library) -> None:
    treaty = lib.treaties["ru_kp_2024"]
    static = static_context(treaty)
    leave = fact("withdrawal", {"party": "KP", "treaty": "ru_kp_2024"}, "2026-01-01")
    ctx = context(treaty, [leave])
    assert ctx is not static
    assert ctx.members["KP"] == [(day("2024-12-04"), day("2025-12-31"))]
    assert ctx.member("KP", day("2025-12-31")) and not ctx.member("KP", day("2026-01-01"))
    assert static.member("KP", day("2026-01-01"))  # the treaty as declared is unchanged
    assert day("2026-01-01") in ctx.instants and day("2026-01-01") not in static.instants
    assert not ctx.whole_time and static.whole_time
    # a fact after the withdrawal no longer binds KP
    later = fact("armed_attack", {"on": "KP"}, "2026-02-01")
    assert static.visible(later, ("RU", "KP")) and not ctx.visible(later, ("RU", "KP"))
    assert list(ctx.bearers(bearer("each_other"), "RU", t=day("2026-02-01"))) == []
    assert list(ctx.bearers(bearer("each_other"), "RU")) == ["KP"]  # ever a member


def test_withdrawals_that_do_not_apply_leave_the_treaty_as_declared(lib: engine.Library) -> None:
    treaty = lib.treaties["ru_kp_2024"]
    others = [fact("withdrawal", {"party": "KP", "treaty": "ru_by_2024"}, "2026-01-01"),  # another treaty
              fact("withdrawal", {"party": "UA", "treaty": "ru_kp_2024"}, "2026-01-01"),  # not a party
              fact("armed_attack", {"on": "KP"}, "2026-01-01")]
    assert context(treaty, others) is static_context(treaty)
    assert context(treaty) is static_context(treaty)


def test_a_withdrawal_before_entry_into_force_leaves_no_membership(lib: engine.Library) -> None:
    treaty = lib.treaties["ru_kp_2024"]
    ctx = context(treaty, [fact("withdrawal", {"party": "KP", "treaty": "ru_kp_2024"}, "2024-12-04")])
    assert ctx.members["KP"] == [] and not ctx.ever_member("KP") and ctx.parties == ("RU",)
    assert list(ctx.beneficiaries(A.Var("X", SPAN))) == ["RU"]
    assert not ctx.can_benefit("KP")


def test_the_engine_runs_on_the_scenarios_context(lib: engine.Library) -> None:
    _, scenarios = engine.load([Path(__file__).resolve().parents[2] / "scenarios" / "rio_mexico_withdrawal.casus"])
    ev = evaluate(lib, scenarios[0], ["rio_1947", "nato_1949"])
    runs = {o.treaty.id: o.run for o in ev.outcomes}
    rio, nato = runs["rio_1947"], runs["nato_1949"]
    assert nato.ctx is static_context(lib.treaties["nato_1949"])  # no withdrawal: shared
    # Mexico's withdrawal (2004-09-06), already in the treaty's dates, changes nothing here
    assert rio.ctx.members["MX"] == static_context(lib.treaties["rio_1947"]).members["MX"]
    assert isinstance(rio, TreatyRun)


# ------------------------------------------------------------------ suspensions


def test_anzus_us_suspended_toward_new_zealand(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["anzus_1951"])
    assert ctx.suspensions == (("US", "NZ", day("1986-08-11"), BIG),)
    assert not ctx.suspended("US", "NZ", day("1986-08-10"))
    assert ctx.suspended("US", "NZ", day("1986-08-11")) and ctx.suspended("US", "NZ", day("2025-01-01"))
    assert not ctx.suspended("NZ", "US", day("2025-01-01"))  # only one way
    assert not ctx.suspended("AU", "NZ", day("2025-01-01"))
    assert ctx.binds("US", "NZ", day("1986-08-10")) and not ctx.binds("US", "NZ", day("1986-08-11"))
    assert ctx.binds("AU", "NZ", day("1986-08-11")) and ctx.binds("NZ", "US", day("1986-08-11"))
    assert not ctx.binds("US", "NZ", day("1952-04-28"))  # not yet in force
    assert day("1986-08-11") in ctx.instants
    assert not ctx.whole_time  # every party is a member for good, but a suspension changes things
    # a suspension does not hide facts: the suspended pair still sees them
    assert ctx.visible(fact("armed_attack", {"on": "NZ"}, "2000-01-01"), ("US", "NZ"))


# ------------------------------------------------------------------ bearer expansion


def test_bearer_expansion_each_form(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["nato_1949"])
    everyone = list(ctx.parties)

    def bearers(*args: object, **kw: object) -> list[str]:
        return list(ctx.bearers(*args, **kw))  # type: ignore[arg-type]

    assert bearers(bearer("each_other"), "FI") == [x for x in everyone if x != "FI"]
    assert bearers(bearer("each"), "FI") == everyone
    assert bearers(bearer("code", "US"), "FI") == ["US"]
    assert bearers(bearer("code", "UA"), "FI") == []  # not a party
    # a variable: the party the trigger bound, if ever a member; not known yet: anyone may be it
    assert bearers(bearer("var", var="Y"), "FI", {"Y": "DE"}) == ["DE"]
    assert bearers(bearer("var", var="Y"), "FI", {"Y": "UA"}) == []
    assert bearers(bearer("var", var="Y"), "FI", {}) == []
    assert bearers(bearer("var", var="Y"), "FI") == everyone
    # `each other party Y` binds Y but is expanded as each other party
    assert bearers(bearer("each_other", var="Y"), "FI", {"Y": "DE"}) == bearers(bearer("each_other"), "FI")
    # with t: only members at t (Finland and Sweden not yet in 2023-01-01)
    early = bearers(bearer("each_other"), "DE", t=day("2023-01-01"))
    assert "FI" not in early and "SE" not in early and "DE" not in early and "US" in early
    assert "FI" in bearers(bearer("each_other"), "DE", t=day("2023-04-04"))
    assert bearers(bearer("code", "FI"), "DE", t=day("2023-04-03")) == []
    # the same rule as data, for generated code
    assert ctx.bearer_pool(bearer("each_other")) == (ctx.parties, True)
    assert ctx.bearer_pool(bearer("each")) == (ctx.parties, False)
    assert ctx.bearer_pool(bearer("code", "UA")) == ((), False)


def test_beneficiaries(lib: engine.Library) -> None:
    ctx = static_context(lib.treaties["nato_1949"])
    assert ctx.beneficiaries(A.Var("X", SPAN)) == ctx.parties  # every party of NATO is a country
    assert ctx.beneficiaries(A.Code("FI", SPAN)) == ("FI",)
    assert ctx.beneficiaries(A.Code("UA", SPAN)) == ()
    assert ctx.beneficiaries(None) == ()


# ------------------------------------------------------------------ the analyses see what the engine sees

LATE_MEMBER = """
treaty late "A treaty that Lithuania joins late" {
  parties PL
  member LT from 2020-01-01
  in force 2000-01-01
  provision p1 "Aid" article "1" {
    when armed_attack(on: X)
    then each other party must assist(to: X)
  }
}

property aid_needs_request {
  never active late.p1 for X unless request(from: X, for: assist)
}

property aid_on_attack {
  always activated late.p1 for X when armed_attack(on: X)
}
"""


@pytest.fixture
def late(write: Callable[[str, str], Path]) -> engine.Library:
    lib, _ = engine.load([write("late.casus", LATE_MEMBER)])
    return lib


def scenario(*facts: Fact) -> engine.Scenario:
    return engine.Scenario("s", "<test>", None, tuple(facts))


def test_why_not_sees_facts_as_the_bearer_does(late: engine.Library) -> None:
    # an attack on Poland before Lithuania, the only possible bearer, joined: Poland was a member,
    # but the instance LT -> PL never sees it (the engine leaves it dormant)
    s = scenario(fact("armed_attack", {"on": "PL"}, "2019-06-01"))
    ex = explain(late, s, "late", "p1", max_facts=0)
    assert ex.instances == []
    [branch] = [b for b in ex.branches if b.beneficiary == "PL"]
    [check] = branch.checks
    assert check.text == "armed_attack(on: PL)"
    assert not check.held
    assert "but LT was not a member then (member: 2020-01-01–)" in check.detail
    # once Lithuania is a member, the same attack is seen and the instance comes alive
    s2 = scenario(fact("armed_attack", {"on": "PL"}, "2020-06-01"))
    assert [(i["bearer"], i["status"]) for i in explain(late, s2, "late", "p1", max_facts=0).instances] == [
        ("LT", "active")]


def test_why_not_shows_bearers_apart_when_they_see_differently(lib: engine.Library) -> None:
    # an attack on Hawaii (outside the Art. 6 area) on 2023-01-01: nothing comes alive; every ally
    # sees the attack but Finland and Sweden, who were not members yet
    s = scenario(fact("armed_attack", {"on": "US", "at": "US-HI"}, "2023-01-01"))
    ex = explain(lib, s, "nato_1949", "art5", max_facts=0)
    assert ex.instances == []
    # the first way Art. 5 can hold (an attack against territory; the others are against forces,
    # vessels, aircraft)
    groups = {b.bearers: b for b in ex.branches if b.beneficiary == "US" and "against: territory" in b.checks[0].text}
    assert set(groups) == {tuple(x for x in static_context(lib.treaties["nato_1949"]).parties
                                 if x not in ("FI", "SE", "US")), ("FI",), ("SE",)}
    seen = groups[("FI",)].checks[0]
    assert not seen.held and "but FI was not a member then (member: 2023-04-04–)" in seen.detail
    held = next(b for k, b in groups.items() if len(k) > 1).checks
    assert held[0].held and held[0].text == "armed_attack(on: US, at: US-HI, against: territory)"
    assert "  for US (bearer SE):" in ex.render()


def test_a_never_property_sees_facts_as_the_instance_does(late: engine.Library) -> None:
    # the request was made before Lithuania joined: the instance LT -> PL does not see it, yet
    # it is active; the property is broken (the old check, blind to membership, missed it)
    s = scenario(fact("request", {"from": "PL", "for": "assist"}, "2019-01-01"),
                 fact("armed_attack", {"on": "PL"}, "2021-01-01"))
    rule = late.properties["aid_needs_request"].rules[0]
    bad = fz.check_rule(rule, evaluate(late, s, ["late"]))
    assert bad is not None
    assert bad[0] == ("late.p1 LT -> PL is active on 2021-01-01 while not request(from: PL, for: assist)")
    # a request Lithuania can see keeps it
    s2 = scenario(fact("request", {"from": "PL", "for": "assist"}, "2020-02-01"),
                  fact("armed_attack", {"on": "PL"}, "2021-01-01"))
    assert fz.check_rule(rule, evaluate(late, s2, ["late"])) is None


def test_an_always_property_sees_facts_as_the_engine_does(late: engine.Library) -> None:
    # an attack before Lithuania joined is seen by no pair the engine considers: nothing is owed
    s = scenario(fact("armed_attack", {"on": "PL"}, "2019-06-01"))
    rule = late.properties["aid_on_attack"].rules[0]
    assert fz.check_rule(rule, evaluate(late, s, ["late"])) is None
    # after it joined the attack is seen, and the instance is activated
    s2 = scenario(fact("armed_attack", {"on": "PL"}, "2020-06-01"))
    assert fz.check_rule(rule, evaluate(late, s2, ["late"])) is None
