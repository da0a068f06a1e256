"""The treaty context: when a treaty is in force, who is a member when, who is suspended toward
whom, which facts a (bearer, beneficiary) pair sees, the instants that matter, and who bears a
provision's duty toward a beneficiary. Defined here once; the walk, the direct path, the compiled
code and the analyses all read it (SPEC "Treaties see only what happens while they are in force,
to their members", "Instances and status").

How to use it:

    ctx = context(treaty, facts, interp)
                                   # one treaty and one scenario's prepared facts: the `withdrawal`
                                   # facts among them that name the treaty end memberships, and the
                                   # `denunciation` facts the treaty's notice period later; the
                                   # interpretation's `member`/`not member`/`suspended` entries
    ctx = static_context(treaty)   # the treaty as declared (no withdrawal): built once per treaty;
                                   # `context` returns this very object when no withdrawal applies

    ctx.start, ctx.end             # first and last day in force (BIG: never in force / no end)
    ctx.members                    # party -> its sorted spans (first, last day), inclusive, within
                                   # the time in force; a party whose every span a withdrawal
                                   # removed keeps an empty list
    ctx.suspensions                # (bearer, beneficiary, first, last day) as declared
    ctx.parties                    # the parties ever a member, sorted
    ctx.in_force(t)  ctx.member(party, t)  ctx.ever_member(party)
    ctx.suspended(bearer, beneficiary, t)
    ctx.binds(bearer, beneficiary, t)  # in force, both members, not suspended: the treaty binds
                                       # the bearer toward the beneficiary at t
    ctx.visible(fact, parties)     # the fact overlaps the time in force and, for each party
                                   # given, that party's membership (parties=(): in force only)
    ctx.not_seen_by(fact, parties) # the first of `parties` that cannot see it (None: all can)
    ctx.instants                   # entry into force, the day after the end, and each start
                                   # and day after the end of a membership or suspension, sorted
    ctx.days(facts)                # the starts and days after the ends of facts, within
                                   # [start, end + 1]: the instants facts add
    ctx.whole_time                 # in force from a date for good, every party a member for all
                                   # that time, no suspension: nothing but facts ever changes
    ctx.version_applies(p, t, reading)
                                   # the provision's text applies at t under the interpretation
                                   # named (SPEC "Treaties change": a version can be activated
                                   # only on the days it applies, and under its reading)
    ctx.reservations(p, bearer, t) # the bearer's reservations, understandings and declarations on
                                   # p in effect at t (declared in the treaty)
    ctx.benefits(p, party, t)      # the beneficiary test at t: a member, or for a provision that
                                   # protects a class wider than the parties, always (its
                                   # beneficiaries are drawn from the class: `Solver.pairs`)
    ctx.seers(p, bearer, benef)    # whose membership a fact must overlap to count: the bearer and
                                   # the beneficiary, or the bearer only for a protected class
    ctx.beneficiaries(value)       # who may be owed a duty whose beneficiary is `value` (a code, a
                                   # variable: every party ever a member that is a country)
    ctx.can_benefit(party)
    ctx.bearer_pool(bearer)        # (candidates, whether the beneficiary is left out): the
                                   # bearer expansion as data, for generated code
    ctx.bearers(bearer, beneficiary, env=None, t=None)
                                   # who bears the duty toward `beneficiary`: `each other party`,
                                   # `each party`, a named party, or the bearer's variable as bound
                                   # in env (env None: not known yet, any party may be it); with t,
                                   # only those members at t

Everything here is pure; a context never changes once built."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine.kernel.facts import BIG, Fact
from engine.language import ast as A
from engine.language.codes import is_country

Spans = tuple[tuple[int, int], ...]


@dataclass(frozen=True, eq=False)
class TreatyContext:
    """One treaty's context (see the module): built by `context` or `static_context`."""

    treaty: A.TreatyDecl = field(repr=False)
    start: int
    end: int
    members: dict[str, list[tuple[int, int]]]  # read-only: shared by every run of the treaty
    suspensions: tuple[tuple[str, str, int, int], ...]

    # ------------------------------------------------------------ time and membership
    def in_force(self, t: int) -> bool:
        return self.start <= t <= self.end

    def member(self, party: str, t: int) -> bool:
        return any(s <= t <= e for s, e in self.members.get(party, ()))

    def ever_member(self, party: str) -> bool:
        return bool(self.members.get(party))

    def suspended(self, bearer: str, beneficiary: str, t: int) -> bool:
        return any(b == bearer and ben == beneficiary and s <= t <= e for b, ben, s, e in self.suspensions)

    def binds(self, bearer: str, beneficiary: str, t: int) -> bool:
        """Whether at t the treaty binds `bearer` toward `beneficiary`: in force, both members,
        not suspended."""
        return (t <= self.end and self.member(bearer, t) and self.member(beneficiary, t)
                and not self.suspended(bearer, beneficiary, t))

    @functools.cached_property
    def parties(self) -> tuple[str, ...]:
        """The parties ever a member, sorted."""
        return tuple(sorted(x for x, spans in self.members.items() if spans))

    @functools.cached_property
    def whole_time(self) -> bool:
        """In force from a date for good, every party a member for all that time, no suspension, no
        dated version, reservation or protected class (nothing but facts ever changes, and only
        members benefit): the fast paths (direct, compiled) take only such treaties."""
        t = self.treaty
        return (t.in_force is not None and t.ends is None and not self.suspensions and not t.reservations
                and not any(p.version is not None or p.protects is not None for p in t.provisions)
                and all(spans == [(self.start, BIG)] for spans in self.members.values()))

    # ------------------------------------------------------------ versions and per-party terms
    @staticmethod
    def version_applies(p: A.Provision, t: int, interpretation: str = "default") -> bool:
        """Whether the provision's text applies at t under the interpretation named: on its days
        and under its reading (no version: always)."""
        v = p.version
        return v is None or ((v.start is None or v.start <= t) and (v.end is None or t <= v.end)
                             and v.read_under(interpretation))

    def reservations(self, p: A.Provision, bearer: str, t: int) -> tuple[A.Reservation, ...]:
        """The bearer's reservations, understandings and declarations on `p` in effect at t."""
        return self.reservations_of(self.treaty, p, bearer, t) if self.treaty.reservations else ()

    @staticmethod
    def reservations_of(treaty: A.TreatyDecl, p: A.Provision, bearer: str, t: int) -> tuple[A.Reservation, ...]:
        return tuple(r for r in treaty.reservations
                     if r.party.code == bearer and p.id in r.provisions
                     and (r.start is None or r.start <= t) and (r.end is None or t <= r.end))

    def benefits(self, p: A.Provision, party: str, t: int) -> bool:
        """The beneficiary test at t: a member; for a provision that protects a declared class
        wider than the parties, any one of the class (SPEC: "the membership test applies to the
        bearers only"; who is in the class is the solver's, `Solver.pairs`)."""
        return p.protects is not None or self.member(party, t)

    @staticmethod
    def seers(p: A.Provision, bearer: str, beneficiary: str) -> tuple[str, ...]:
        """Whose membership a fact must overlap to count for an instance (`visible`)."""
        return (bearer,) if p.protects is not None else (bearer, beneficiary)

    # ------------------------------------------------------------ visibility
    def visible(self, fact: Fact, parties: Iterable[str] = ()) -> bool:
        """Whether a fact counts for the parties: it overlaps the time in force and the membership
        of each of them (SPEC: a fact binds a member in a role only if it overlaps that party's
        membership; memberships lie within the time in force)."""
        start, end = fact.start, fact.end
        if start > self.end or end < self.start:
            return False
        members = self.members
        for p in parties:
            for s, e in members.get(p, ()):
                if start <= e and end >= s:
                    break
            else:
                return False
        return True

    def not_seen_by(self, fact: Fact, parties: Iterable[str]) -> str | None:
        """The first of `parties` whose membership the fact does not overlap (None: every one's)."""
        for p in parties:
            if not self.visible(fact, (p,)):
                return p
        return None

    # ------------------------------------------------------------ instants
    @functools.cached_property
    def instants(self) -> list[int]:
        """The instants where something other than a fact starts or ends: entry into force, the
        day after the end, memberships and suspensions (their first days and the days after
        their last), within [start, end + 1]."""
        base: set[int] = {self.start}
        if self.end < BIG:
            base.add(self.end + 1)
        for spans in self.members.values():
            for s, e in spans:
                base.add(s)
                if e < BIG:
                    base.add(e + 1)
        for _, _, s, e in self.suspensions:
            base.add(s)
            if e < BIG:
                base.add(e + 1)
        for p in self.treaty.provisions:  # a version starts or stops applying
            if p.version is not None:
                if p.version.start is not None:
                    base.add(p.version.start)
                if p.version.end is not None:
                    base.add(p.version.end + 1)
        for r in self.treaty.reservations:  # a reservation takes or stops taking effect
            if r.start is not None:
                base.add(r.start)
            if r.end is not None:
                base.add(r.end + 1)
        return sorted(i for i in base if self.start <= i <= self.end + 1)

    def days(self, facts: Iterable[Fact]) -> set[int]:
        """The starts and the days after the ends of the facts, within [start, end + 1]."""
        days: set[int] = set()
        lo, hi = self.start, self.end + 1
        for f in facts:
            if lo <= f.start <= hi:
                days.add(f.start)
            if f.end < BIG and lo <= f.end + 1 <= hi:
                days.add(f.end + 1)
        return days

    # ------------------------------------------------------------ who owes what to whom
    def can_benefit(self, party: str, in_class: bool | None = None) -> bool:
        """Whether a duty can be owed to `party`: a country, ever a member; for a provision that
        protects a class, `in_class` (whether the party is of it, which the caller has checked)
        instead of membership."""
        return is_country(party) and (self.ever_member(party) if in_class is None else in_class)

    @functools.cached_property
    def _country_parties(self) -> tuple[str, ...]:
        return tuple(x for x in self.parties if is_country(x))

    def beneficiaries(self, value: A.Value | None) -> Sequence[str]:
        """Who may be owed a duty whose beneficiary is written `value`: a code, if it can benefit;
        a variable, every party that can; nothing else."""
        if isinstance(value, A.Var):
            return self._country_parties
        if isinstance(value, A.Code):
            return (value.code,) if self.can_benefit(value.code) else ()
        return ()

    def bearer_pool(self, bearer: A.Bearer) -> tuple[tuple[str, ...], bool]:
        """The bearer expansion as data: (the candidates, whether the beneficiary itself is left
        out of them). `each other party`: every party, less the beneficiary; `each party` or a
        variable not yet bound: every party; a named party: it, if ever a member."""
        if bearer.mode == "each_other":
            return self.parties, True
        if bearer.mode == "code":
            return ((bearer.value,) if bearer.value and self.ever_member(bearer.value) else ()), False
        return self.parties, False

    def bearers(self, bearer: A.Bearer, beneficiary: str, env: Mapping[str, str] | None = None,
                t: int | None = None) -> Sequence[str]:
        """Who bears a duty written with `bearer` toward `beneficiary`, sorted. A variable bearer
        is the party env binds it to, if ever a member (env None: not known yet, so any party may
        be it). With t: only those members at t. Read-only (it may be shared)."""
        out: Sequence[str]
        if bearer.mode == "var" and env is not None:
            value = env.get(bearer.var or "")
            out = (value,) if value and self.ever_member(value) else ()
        else:
            pool, differ = self.bearer_pool(bearer)
            out = [x for x in pool if x != beneficiary] if differ else pool
        if t is not None:
            out = [x for x in out if self.member(x, t)]
        return out


def static_context(treaty: A.TreatyDecl) -> TreatyContext:
    """The context of a treaty as declared, with no withdrawal: built once per treaty."""
    entry = _STATIC.get(id(treaty))
    if entry is not None and entry.treaty is treaty:
        return entry
    if len(_STATIC) >= _STATIC_LIMIT:
        _STATIC.clear()
    start = treaty.in_force if treaty.in_force is not None else BIG
    end = treaty.ends if treaty.ends is not None else BIG
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in treaty.members:
        s = max(m.start if m.start is not None else start, start)
        e = min(m.end if m.end is not None else end, end)
        if s <= e:
            spans.setdefault(m.party.code, []).append((s, e))
    members = {p: sorted(v) for p, v in spans.items()}
    suspensions = tuple((s.bearer.code, s.beneficiary.code, s.start, s.end if s.end is not None else BIG)
                        for s in treaty.suspensions)
    ctx = _STATIC[id(treaty)] = TreatyContext(treaty, start, end, members, suspensions)
    return ctx


# keyed by identity, the treaty kept alive in its entry (so that its id is not reused: treaties of
# generated libraries come and go); emptied past a bound
_STATIC: dict[int, TreatyContext] = {}
_STATIC_LIMIT = 20_000


# Vienna Convention on the Law of Treaties, Art. 56(2): "A party shall give not less than twelve
# months' notice of its intention to denounce or withdraw from a treaty" where the treaty says
# nothing: the period a `denunciation` takes to take effect under a treaty that declares none.
DEFAULT_NOTICE = (12, "months")


def effective(notice: int, period: tuple[int, str]) -> int:
    """The day a denunciation notified on `notice` takes effect: `period` later (months and years
    on the calendar, the day kept, or the month's last day if it has fewer)."""
    n, unit = period
    if unit == "days":
        return notice + n
    d = dt.date.fromordinal(notice)
    months = d.year * 12 + d.month - 1 + (n * 12 if unit == "years" else n)
    year, month = divmod(months, 12)
    if year > dt.MAXYEAR:
        return BIG
    first = dt.date(year, month + 1, 1).toordinal()  # (the calendar module costs 3 ms at start-up)
    last = first + 30 if month == 11 else dt.date(year, month + 2, 1).toordinal() - 1
    return min(first + d.day - 1, last)


def _cut(spans: list[tuple[int, int]], s: int, e: int) -> list[tuple[int, int]]:
    """The spans less the days [s, e]."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if b < s or a > e:
            out.append((a, b))
            continue
        if a < s:
            out.append((a, s - 1))
        if b > e:
            out.append((e + 1, b))
    return out


LEAVING = ("withdrawal", "denunciation")  # the kinds of fact by which a party leaves a treaty (and their subkinds)


def context(treaty: A.TreatyDecl, facts: Iterable[Fact] = (),
            interp: A.InterpretationDecl | None = None) -> TreatyContext:
    """The context of a treaty in a scenario: `withdrawal` facts among `facts` that name the treaty
    end the party's membership the day before they take effect; a `denunciation` (notice of
    withdrawal) ends it the day before the treaty's notice period has run from the notice; the
    interpretation's entries for the treaty give membership (`member X of T from D`), take it
    away (`not member`), or suspend a party's participation (`suspended X in T`: its duties
    toward every other party and theirs toward it; `suspended X toward Y in T`: its duties toward
    Y only)."""
    static = static_context(treaty)
    members: dict[str, list[tuple[int, int]]] | None = None
    suspensions = static.suspensions
    entries = [m for m in interp.memberships if m.treaty == treaty.id] if interp is not None else []
    if entries:
        members = {p: list(v) for p, v in static.members.items()}
        for m in entries:  # given first, then taken away, whatever the order written
            if m.effect == "member":
                s = max(m.start, static.start)
                e = min(m.end if m.end is not None else BIG, static.end)
                if s <= e:
                    members[m.party.code] = _merge(members.get(m.party.code, []) + [(s, e)])
        for m in entries:
            if m.effect == "not_member" and m.party.code in members:
                members[m.party.code] = _cut(members[m.party.code], m.start, m.end if m.end is not None else BIG)
        frozen = [m for m in entries if m.effect == "suspended"]
        if frozen:
            extra = []
            for m in frozen:
                e = m.end if m.end is not None else BIG
                if m.toward is not None:  # one way: its duties toward that party
                    extra.append((m.party.code, m.toward.code, m.start, e))
                    continue
                for other in sorted(members):
                    if other != m.party.code:
                        extra += [(m.party.code, other, m.start, e), (other, m.party.code, m.start, e)]
            suspensions = tuple(sorted(set(suspensions) | set(extra)))
    for f in facts:
        if f.roles.get("treaty") != treaty.id:
            continue
        if f.kind == "withdrawal":  # a withdrawal takes effect on its date
            takes = f.start
        elif f.kind == "denunciation":  # a notice: effective after the treaty's notice period
            takes = effective(f.start, treaty.notice or DEFAULT_NOTICE)
        else:
            continue
        party = f.roles.get("party", "")
        if members is None:
            if party not in static.members:
                continue
            members = dict(static.members)
        if party not in members:
            continue
        members[party] = [(s, min(e, takes - 1)) for s, e in members[party] if s <= takes - 1]
    if members is None:
        return static
    return TreatyContext(treaty, static.start, static.end, {p: sorted(v) for p, v in members.items()},
                         suspensions)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
