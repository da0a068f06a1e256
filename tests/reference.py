"""A reference evaluator for casus, written to be obviously right rather than fast.

It shares no code with the engine. A case (a treaty, a scenario and an interpretation) is a small
Python value of its own (the dataclasses below); `render` writes it as `.casus` text for the
engine to load, and `reference` evaluates it straight from SPEC's definitions ("Concepts and
semantics", "Instances and status"):

- day by day over the calendar (never jumping between "instants"), from the earliest date the
  case mentions to well past the last one;
- for every candidate instance (provision, bearer, beneficiary), every binding of the condition's
  variables over every value the case mentions (brute force, no unification);
- status rules applied in the order SPEC lists them, one day at a time.

Only `engine_outcome`, at the bottom, touches the engine: it loads the rendered text and runs it,
so that the tests can compare the two.

Readings taken where SPEC leaves room (each one is also the engine's, unless
tests/core/test_differential_regressions.py says otherwise):

- A fact is visible to an instance when its interval overlaps the membership of both the bearer
  and the beneficiary (membership is always inside the in-force period). The other parties named
  in the fact (an aggressor, say) need not be members.
- A role given `_` in a condition matches any fact, whether or not the fact names that role; a
  role given a variable or a code matches only a fact that names it.
- An action fact fulfils (or, for a prohibition, violates) when it is under way on or after
  activation (ends on or after it) and starts by the deadline; the status dates from the first
  day that is true.
- Activation latches: once active, neither the trigger nor `unless` is looked at again (a
  provocation after activation does not defeat). Before activation the status is worked out
  afresh each day, so a defeated instance whose trigger stops holding is dormant again (and
  unlisted if it ends so); a pending one is `lapsed` (listed), and stays so until its trigger
  holds again.
- `A during B`: A starts on a day of B's interval; `A overlapping B`: the two intervals share a
  day; either holds from the later of the two starts, for good.
- `until the situation ends`: an activated instance is discharged on the first day its trigger
  (`when`, whatever `unless` says) no longer holds, after fulfilment and `until`, before a
  passed deadline.
- On one day an activated instance is fulfilled (or violated, for a prohibition) if it can be,
  else discharged by `until`, else violated by a passed deadline.
- An `until` condition discharges only with facts that started on or after activation.
- `each party` and a bearer given by code may be their own beneficiary (RU -> RU): SPEC's
  "each satisfying binding ... yields an instance per bearer" does not exclude it.
- A withdrawal fact ends the party's membership the day before its date. A denunciation fact (a
  notice of withdrawal) ends it the day before the treaty's notice period has run from its date
  (months and years on the calendar; twelve months if the treaty gives none, VCLT Art. 56(2)).
- An interpretation may make a party a member of a treaty for a period, take its membership away
  for a period (that wins), or suspend its participation (its duties toward every other party and
  theirs toward it, as a treaty suspension would), or only its duties toward one party.
- A provision's version (from, to) lets it be triggered only on the days it applies; activation
  still latches. A version with a reading applies only under the interpretations it names
  (`under`), or under any but those (`except under`); with no interpretation the case is read
  under `default`.
- A party's reservation on a provision, on the days it is in effect, adds its condition to the
  trigger of that party's instances as bearer.
- A provision that protects a class (a region) draws its beneficiaries from the countries of the
  class the case mentions; only the bearer's membership is tested (for visibility too).
- An instance that is listed (pending, active, defeated, suspended) becomes discharged on the
  first day its bearer or beneficiary is no longer a member, or the treaty no longer in force.
- A suspension (treaty data) shows an instance as `suspended` on the days it covers, when the
  instance has been activated or its trigger holds; the instance takes up its ordinary course on
  the first day after. Deadlines are not extended by a suspension; an action, a passed deadline
  or a discharge that the suspension held back takes effect on that first day after.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

ONE = dt.timedelta(days=1)
TERMINAL = ("fulfilled", "violated", "discharged")

# The standard vocabulary's is-a hierarchy (several parents) and roles (SPEC "Standard
# vocabulary"), written out again here rather than read from the library.
PARENTS = {"threat": ("encroachment",), "imminent_threat": ("threat",), "aggression": ("encroachment", "threat"),
           "armed_attack": ("aggression",), "sanctions": ("encroachment",)}
HAS_ON = {"encroachment", "threat", "imminent_threat", "aggression", "armed_attack", "sanctions", "unsc_measures"}
HAS_AT = {"aggression", "armed_attack"}
# the standard vocabulary's declared non-state actors (SPEC "Parties and actors")
ACTORS = {"terrorist_group", "international_organisation"}


def is_state(value: str) -> bool:
    """A state is named by its ISO 3166-1 alpha-2 code: two capital letters, nothing more."""
    return len(value) == 2 and value.isalpha() and value.isupper()


# SPEC "Places, targets and time between facts": the attack kinds take `against`, `territory`
# when left out; only an attack against territory with no `at` is placed in the country of `on`.
HAS_AGAINST = {"aggression", "armed_attack"}

# Areas (seas and oceans) the reference knows, each with the areas it lies directly within: a
# small table of its own, for the conformance files (written from IHO S-23 as SPEC lists the
# names, not read from obligations/areas.casus). `render` declares them in the case's text.
AREA_PARENTS: dict[str, tuple[str, ...]] = {
    "high_seas": (),
    "pacific_ocean": ("high_seas",),
    "south_china_sea": ("pacific_ocean",),
    "east_china_sea": ("pacific_ocean",),
    "indian_ocean": ("high_seas",),
    "red_sea": ("indian_ocean",),
    "north_atlantic": ("high_seas",),
    "north_atlantic_north": ("north_atlantic",),
    "north_sea": ("north_atlantic_north",),
    "mediterranean_sea": ("high_seas",),
}

# Administration of record, as SPEC and the issue give it: (from, territory, administrator).
# Okinawa under US administration until 1972-05-14; Crimea and Sevastopol under Russian control
# from 2014-03-18. `render` writes it into the case's text.
RECORD: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(1952, 4, 28), "JP-47", "US"),
    (dt.date(1972, 5, 15), "JP-47", "JP"),
    (dt.date(2014, 3, 18), "UA-43", "RU"),
    (dt.date(2014, 3, 18), "UA-40", "RU"),
)


def area_within(place: str, area: str) -> bool:
    """Whether a place lies in an area: it is the area, or an area it lies within does."""
    if place == area:
        return True
    return any(area_within(parent, area) for parent in AREA_PARENTS.get(place, ()))


def is_a(kind: str, wanted: str) -> bool:
    """Whether `kind` is `wanted` or has it among its ancestors (a search over the DAG)."""
    todo, seen = [kind], set()
    while todo:
        k = todo.pop()
        if k == wanted:
            return True
        if k not in seen:
            seen.add(k)
            todo.extend(PARENTS.get(k, ()))
    return False


def is_var(value: str) -> bool:
    return len(value) == 1 and value.isupper()


# ------------------------------------------------------------------ the input, as plain values


@dataclass(frozen=True)
class Atom:
    kind: str
    args: tuple[tuple[str, str], ...] = ()  # (role, value): a variable X, a code RU, a name, or _

    def text(self) -> str:
        return f"{self.kind}({', '.join(f'{r}: {v}' for r, v in self.args)})"


@dataclass(frozen=True)
class Occurred:
    atom: Atom


@dataclass(frozen=True)
class Ongoing:
    atom: Atom


@dataclass(frozen=True)
class Within:
    """`first within days days after second`."""
    first: Atom
    second: Atom
    days: int


@dataclass(frozen=True)
class After:
    first: Atom
    second: Atom


@dataclass(frozen=True)
class Before:
    first: Atom
    second: Atom


@dataclass(frozen=True)
class During:
    """`first during second`: the first starts on a day the second is going on."""
    first: Atom
    second: Atom


@dataclass(frozen=True)
class Overlapping:
    """`first overlapping second`: some day both are going on."""
    first: Atom
    second: Atom


@dataclass(frozen=True)
class And:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    item: Cond


@dataclass(frozen=True)
class State:
    """`provision state for X [by bearer]`: another provision's instance toward X is in that state."""
    provision: str
    state: str  # pending active activated fulfilled violated discharged defeated suspended
    bearer: str | None = None  # None: any bearer; a variable (Y) or a code


@dataclass(frozen=True)
class InParties:
    """`V in parties`: the party is a member that day."""
    var: str


@dataclass(frozen=True)
class PlaceOf:
    """`V territory of P` (relation 'territory': the sovereign of the place that day is P) or
    `V administered by P` ('administration'). An area is nobody's territory."""
    var: str
    relation: str
    party: str


@dataclass(frozen=True)
class InScope:
    """`V in scope NAME`: the territory is in one of the treaty's scopes."""
    var: str
    scope: str


@dataclass(frozen=True)
class Who:
    """`V is a state` / `V is an actor`: the value is a state's two-letter code / a declared actor."""
    var: str
    what: str  # "state" or "actor"


Cond = (Occurred | Ongoing | Within | After | Before | During | Overlapping | And | Or | Not | State | InParties
        | InScope | Who | PlaceOf)


@dataclass(frozen=True)
class Provision:
    id: str
    when: Cond
    bearer: str  # "each other party", "each other party Y", "each party", or a party code
    modality: str  # "must", "must not", "may", "has the right to"
    action: Atom  # assist(to: X) or consult(with: X): the beneficiary is X
    upon: Cond | None = None
    unless: Cond | None = None
    timing: str | None = None  # "within N days", "immediately", or None
    until: Cond | None = None
    ends_with_situation: bool = False  # `until the situation ends`
    version: tuple[dt.date | None, dt.date | None] | None = None  # (from, to): the days its text applies
    # ("under" | "except under", interpretation names): the readings under which its text applies
    reading: tuple[str, tuple[str, ...]] | None = None
    protects: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # the protected class's area entries


@dataclass(frozen=True)
class Reservation:
    party: str
    provisions: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    when: Cond | None


@dataclass(frozen=True)
class Member:
    code: str
    start: dt.date | None = None  # None: a party for the treaty's whole life (`parties`)
    end: dt.date | None = None


@dataclass(frozen=True)
class Suspension:
    bearer: str
    beneficiary: str
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True)
class Treaty:
    start: dt.date
    members: tuple[Member, ...]
    provisions: tuple[Provision, ...]
    end: dt.date | None = None
    suspensions: tuple[Suspension, ...] = ()
    id: str = "ref"
    # name -> entries: a code (a country or a subdivision) and the subdivisions it excepts
    scopes: tuple[tuple[str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = ()
    notice: tuple[int, str] | None = None  # a denunciation's notice period: (n, days|months|years)
    reservations: tuple[Reservation, ...] = ()


@dataclass(frozen=True)
class Fact:
    kind: str
    roles: tuple[tuple[str, str], ...]
    start: dt.date
    end: dt.date | None  # inclusive; None: open-ended

    def text(self) -> str:
        return Atom(self.kind, self.roles).text()


@dataclass(frozen=True)
class Interpretation:
    """A generated interpretation named `gen`: timing words mapped to days, territories
    reassigned, derived facts (`define HEAD while BODY`)."""
    timing: tuple[tuple[str, int], ...] = ()
    reassign: tuple[tuple[dt.date, str, str], ...] = ()  # (from, territory, new sovereign)
    defines: tuple[tuple[Atom, Atom], ...] = ()  # (head, body)
    # (treaty, party, member | not_member | suspended, from, to, toward): `toward` (suspended only)
    # limits a suspension to the party's duties toward that one party
    memberships: tuple[tuple[str, str, str, dt.date, dt.date | None, str | None], ...] = ()
    # `armed attacks in self-defence are not armed attacks`: an armed attack by A on B begun while
    # one by B on A, begun on an earlier day, is going on is a `self_defence` event instead
    self_defence: bool = False
    administer: tuple[tuple[dt.date, str, str], ...] = ()  # (from, territory, new administrator)
    name: str = "gen"  # what a version's reading names


@dataclass(frozen=True)
class Case:
    treaty: Treaty
    facts: tuple[Fact, ...]
    interpretation: Interpretation | None = None


# ------------------------------------------------------------------ rendering as .casus text


def _cond_text(c: Cond) -> str:
    def sub(x: Cond) -> str:
        return f"({_cond_text(x)})" if isinstance(x, (And, Or)) else _cond_text(x)

    if isinstance(c, Occurred):
        return c.atom.text()
    if isinstance(c, Ongoing):
        return f"{c.atom.text()} ongoing"
    if isinstance(c, Within):
        return f"{c.first.text()} within {c.days} days after {c.second.text()}"
    if isinstance(c, After):
        return f"{c.first.text()} after {c.second.text()}"
    if isinstance(c, Before):
        return f"{c.first.text()} before {c.second.text()}"
    if isinstance(c, During):
        return f"{c.first.text()} during {c.second.text()}"
    if isinstance(c, Overlapping):
        return f"{c.first.text()} overlapping {c.second.text()}"
    if isinstance(c, And):
        return " and ".join(sub(i) for i in c.items)
    if isinstance(c, Or):
        return " or ".join(sub(i) for i in c.items)
    if isinstance(c, Not):
        return f"not {sub(c.item)}"
    if isinstance(c, State):
        return f"{c.provision} {c.state} for X" + (f" by {c.bearer}" if c.bearer else "")
    if isinstance(c, InParties):
        return f"{c.var} in parties"
    if isinstance(c, InScope):
        return f"{c.var} in scope {c.scope}"
    if isinstance(c, Who):
        return f"{c.var} is {'a state' if c.what == 'state' else 'an actor'}"
    if isinstance(c, PlaceOf):
        return f"{c.var} {'territory of' if c.relation == 'territory' else 'administered by'} {c.party}"
    raise AssertionError(c)


def _span(start: dt.date, end: dt.date | None) -> str:
    if end == start:
        return start.isoformat()
    return f"{start.isoformat()}..{end.isoformat() if end else ''}"


def render(case: Case) -> str:
    """The case as one .casus file: the interpretation (if any), the treaty, the scenario."""
    t = case.treaty
    out: list[str] = []
    for name, parents in AREA_PARENTS.items():
        out.append(f"area {name}" + (f" within {', '.join(parents)}" if parents else ""))
    out.append("administration record {")
    for start, territory, to in RECORD:
        out.append(f"  from {start.isoformat()}: {territory} administered by {to}")
    out.append("}")
    if case.interpretation is not None:
        out.append('interpretation gen "generated" {')
        for word, days in case.interpretation.timing:
            out.append(f"  {word} means within {days} days")
        for start, territory, to in case.interpretation.reassign:
            out.append(f"  from {start.isoformat()}: {territory} belong to {to}")
        for start, territory, to in case.interpretation.administer:
            out.append(f"  from {start.isoformat()}: {territory} administered by {to}")
        for head, body in case.interpretation.defines:
            out.append(f"  define {head.text()} while {body.text()}")
        if case.interpretation.self_defence:
            out.append("  armed attacks in self-defence are not armed attacks")
        out.append("}")
    out.append(f'treaty {t.id} "Reference" {{')
    whole = [m.code for m in t.members if m.start is None]
    if whole:
        out.append(f"  parties {', '.join(whole)}")
    for m in t.members:
        if m.start is not None:
            out.append(f"  member {m.code} from {m.start.isoformat()}"
                       + (f" until {m.end.isoformat()}" if m.end else ""))
    out.append(f"  in force {t.start.isoformat()}" + (f" until {t.end.isoformat()}" if t.end else ""))
    for s in t.suspensions:
        out.append(f"  suspended {s.bearer} toward {s.beneficiary} from {s.start.isoformat()}"
                   + (f" until {s.end.isoformat()}" if s.end else ""))
    for name, entries in t.scopes:
        out.append(f'  scope {name} "{name}" {{ ' + ", ".join(
            (f"area {code[5:]}" if code.startswith("area:") else code)
            + (f" except ({', '.join(ex)})" if ex else "") for code, ex in entries) + " }")
    for r in t.reservations:
        out.append(f'  reservation {r.party} "r" on {", ".join(r.provisions)}'
                   + (f" from {r.start.isoformat()}" if r.start else "") + (f" to {r.end.isoformat()}" if r.end else "")
                   + " {")
        if r.when is not None:
            out.append(f"    only when {_cond_text(r.when)}")
        out.append("  }")
    for p in t.provisions:
        out.append(f'  provision {p.id} "{p.id}" article "{p.id[1:]}" {{')
        out.append(f"    when {_cond_text(p.when)}")
        if p.upon is not None:
            out.append(f"    upon {_cond_text(p.upon)}")
        if p.unless is not None:
            out.append(f"    unless {_cond_text(p.unless)}")
        out.append(f"    then {p.bearer} {p.modality} {p.action.text()}" + (f", {p.timing}" if p.timing else ""))
        if p.until is not None:
            out.append(f"    until {_cond_text(p.until)}")
        if p.ends_with_situation:
            out.append("    until the situation ends")
        out.append("  }")
    out.append("}")
    out.append('scenario "generated" {')
    if case.interpretation is not None:
        out.append("  interpretation gen")
    for f in case.facts:
        out.append(f"  {_span(f.start, f.end)}  {f.text()}")
    out.append("}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ the reference evaluator


@dataclass(frozen=True)
class Event:
    """A fact as the treaty reads it: roles completed (`on` from `at`), its own interval."""
    kind: str
    roles: dict[str, str] = field(hash=False)
    start: dt.date
    end: dt.date  # inclusive; `far` for an open-ended fact


def sovereign(case: Case, territory: str, day: dt.date) -> str:
    """The country prefix, unless the interpretation reassigned the territory by that day
    (the latest reassignment in force wins)."""
    owner, since = territory.split("-")[0], None
    if case.interpretation is not None:
        for start, t, to in case.interpretation.reassign:
            if t == territory and start <= day and (since is None or start >= since):
                owner, since = to, start
    return owner


def administrator(case: Case, territory: str, day: dt.date) -> str:
    """Who administers a territory that day: the latest entry (of record, or of the
    interpretation) naming it or its country — on one date, one naming the territory itself
    before one naming its country, and the interpretation's before the record's; else its
    sovereign."""
    country = territory.split("-")[0]
    entries = [(start, t, to, 0) for start, t, to in RECORD]
    if case.interpretation is not None:
        entries += [(start, t, to, 1) for start, t, to in case.interpretation.administer]
    best: tuple[dt.date, int, int] | None = None
    who = None
    for start, t, to, rank in entries:
        if start <= day and t in (territory, country):
            key = (start, int(t == territory), rank)
            if best is None or key >= best:
                best, who = key, to
    return who if who is not None else sovereign(case, territory, day)


def events(case: Case, last: dt.date, far: dt.date) -> list[Event]:
    """Each fact as events: a fact at a territory and not naming `on` is, on each day, on that
    day's sovereign of the territory; it is one event per stretch of days with one sovereign.
    Then the interpretation's derived facts: for each event matching a definition's body, an
    event of its head over the same days."""
    out = []
    for f in case.facts:
        roles = dict(f.roles)
        end = f.end if f.end is not None else far
        if f.kind in HAS_AGAINST and "against" not in roles:
            roles["against"] = "territory"
        if f.kind in HAS_AT and "at" not in roles and "on" in roles and roles.get("against") in (None, "territory"):
            roles["at"] = roles["on"]
        if f.kind in HAS_ON and "on" not in roles and "at" in roles:
            day, piece_start, owner = f.start, f.start, sovereign(case, roles["at"], f.start)
            while day <= min(end, last):  # no reassignment after `last`
                today = sovereign(case, roles["at"], day)
                if today != owner:
                    out.append(Event(f.kind, {**roles, "on": owner}, piece_start, day - ONE))
                    piece_start, owner = day, today
                day += ONE
            out.append(Event(f.kind, {**roles, "on": owner}, piece_start, end))
        else:
            out.append(Event(f.kind, roles, f.start, end))
    if case.interpretation is not None and case.interpretation.self_defence:
        def answers(e: Event, g: Event) -> bool:
            return (is_a(g.kind, "armed_attack") and g.roles.get("by") == e.roles["on"]
                    and g.roles.get("on") == e.roles["by"] and g.start < e.start <= g.end)

        out = [Event("self_defence", e.roles, e.start, e.end)
               if is_a(e.kind, "armed_attack") and "by" in e.roles and "on" in e.roles
               and any(answers(e, g) for g in out) else e
               for e in out]
    for head, body in case.interpretation.defines if case.interpretation else ():
        for e in list(out):
            values = {v: e.roles.get(r) for r, v in body.args if is_var(v)}
            if None in values.values() or not atom_true(body, e, values):
                continue
            out.append(Event(head.kind, {r: values[v] if is_var(v) else v for r, v in head.args}, e.start, e.end))
    return out


class World:
    """Everything about a case that does not depend on the instance: the calendar, membership
    day by day, the events."""

    def __init__(self, case: Case):
        self.case = case
        t = case.treaty
        dates = [t.start] + [f.start for f in case.facts]
        dates += [d for d in (t.end,) if d] + [f.end for f in case.facts if f.end]
        for m in t.members:
            dates += [d for d in (m.start, m.end) if d]
        for s in t.suspensions:
            dates += [d for d in (s.start, s.end) if d]
        if case.interpretation:
            dates += [d for d, _, _ in case.interpretation.reassign + case.interpretation.administer]
            dates += [d for m in case.interpretation.memberships for d in (m[3], m[4]) if d]
        for p in t.provisions:
            dates += [d for d in (p.version or ()) if d]
        for r in t.reservations:
            dates += [d for d in (r.start, r.end) if d]
        dates += [effective_day(f.start, t.notice) for f in case.facts if f.kind == "denunciation"]
        dates += [d for d, _, _ in RECORD if t.start <= d]
        longest = max([days_of(p.timing, case) or 0 for p in t.provisions] + [0])
        self.first = min(dates) - ONE
        # after this day nothing changes any more: every date, every deadline is behind it — a
        # deadline's passing can activate a chained provision whose own deadline then runs, so
        # each provision may add one more deadline (and the day after it) to the chain
        self.last = max(dates) + dt.timedelta(days=(longest + 1) * max(len(t.provisions), 1) + 3)
        self.far = self.last + dt.timedelta(days=1000)
        self.days = [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]
        self.events = events(case, self.last, self.far)
        given = {m[1] for m in case.interpretation.memberships if m[0] == t.id} if case.interpretation else set()
        self.parties = sorted({m.code for m in t.members} | given)
        self.membership = {p: {d for d in self.days if self._member(p, d)} for p in self.parties}
        values = {v for f in case.facts for _, v in f.roles} | {v for e in self.events for v in e.roles.values()}
        self.values = sorted(values | set(self.parties))
        # provision -> (bearer, beneficiary) -> (activated, timeline), filled in by `reference`
        self.states: dict[str, dict[tuple[str, str], tuple[dt.date | None, list[tuple[dt.date, str]]]]] = {}

    def _member(self, party: str, day: dt.date) -> bool:
        t = self.case.treaty
        if day < t.start or (t.end is not None and day > t.end):
            return False
        entries = [m for m in self.case.interpretation.memberships if m[0] == t.id and m[1] == party] \
            if self.case.interpretation else []
        if any(effect == "not_member" and start <= day and (end is None or day <= end)
               for _, _, effect, start, end, _ in entries):
            return False
        given = any(effect == "member" and start <= day and (end is None or day <= end)
                    for _, _, effect, start, end, _ in entries)
        if not given and not any(m.code == party and (m.start is None or m.start <= day)
                                 and (m.end is None or day <= m.end) for m in t.members):
            return False
        withdrawn = any(f.kind == "withdrawal" and dict(f.roles).get("party") == party
                        and dict(f.roles).get("treaty") == t.id and f.start <= day for f in self.case.facts)
        denounced = any(f.kind == "denunciation" and dict(f.roles).get("party") == party
                        and dict(f.roles).get("treaty") == t.id and effective_day(f.start, t.notice) <= day
                        for f in self.case.facts)
        return not withdrawn and not denounced

    def member(self, party: str, day: dt.date) -> bool:
        return day in self.membership.get(party, ())

    def overlaps_membership(self, e: Event, party: str) -> bool:
        # days after `last` are all alike, so looking up to `last` is enough
        day = e.start
        while day <= min(e.end, self.last):
            if self.member(party, day):
                return True
            day += ONE
        return False

    def in_force(self, day: dt.date) -> bool:
        t = self.case.treaty
        return t.start <= day and (t.end is None or day <= t.end)

    def suspended(self, bearer: str, beneficiary: str, day: dt.date) -> bool:
        if self.case.interpretation and any(
                m[0] == self.case.treaty.id and m[2] == "suspended" and bearer != beneficiary
                and (m[1] in (bearer, beneficiary) if m[5] is None else (m[1], m[5]) == (bearer, beneficiary))
                and m[3] <= day and (m[4] is None or day <= m[4])
                for m in self.case.interpretation.memberships):
            return True
        return any(s.bearer == bearer and s.beneficiary == beneficiary and s.start <= day
                   and (s.end is None or day <= s.end) for s in self.case.treaty.suspensions)


def effective_day(notice: dt.date, period: tuple[int, str] | None) -> dt.date:
    """The day a denunciation notified on `notice` takes effect."""
    n, unit = period or (12, "months")
    if unit == "days":
        return notice + dt.timedelta(days=n)
    month = notice.month - 1 + (n * 12 if unit == "years" else n)
    year, month = notice.year + month // 12, month % 12 + 1
    for day in range(notice.day, 0, -1):  # the same day, or the month's last
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError(notice)


def days_of(timing: str | None, case: Case) -> int | None:
    """The deadline in days a timing qualifier gives, under the case's interpretation."""
    if timing is None:
        return None
    if timing.startswith("within "):
        return int(timing.split()[1])
    if case.interpretation is not None:
        return dict(case.interpretation.timing).get(timing)
    return None  # the `default` interpretation maps no timing word


def atom_vars(c: Cond | None) -> set[str]:
    if c is None:
        return set()
    if isinstance(c, (Occurred, Ongoing)):
        return {v for _, v in c.atom.args if is_var(v)}
    if isinstance(c, (Within, After, Before, During, Overlapping)):
        return {v for _, v in c.first.args + c.second.args if is_var(v)}
    if isinstance(c, (And, Or)):
        return set().union(*(atom_vars(i) for i in c.items))
    if isinstance(c, Not):
        return atom_vars(c.item)
    if isinstance(c, State):
        return {v for v in ("X", c.bearer) if v and is_var(v)}
    if isinstance(c, (InParties, InScope, Who)):
        return {c.var}
    if isinstance(c, PlaceOf):
        return {c.var} | ({c.party} if is_var(c.party) else set())
    raise AssertionError(c)


def atom_true(atom: Atom, e: Event, env: dict[str, str]) -> bool:
    """Does the event make the atom true, every variable of the atom being given by env?"""
    if not is_a(e.kind, atom.kind):
        return False
    for role, v in atom.args:
        if v == "_":
            continue
        have = e.roles.get(role)
        if have is None or have != (env[v] if is_var(v) else v):
            return False
    return True


class Instance:
    """One candidate instance, evaluated day by day."""

    def __init__(self, world: World, p: Provision, bearer: str, beneficiary: str):
        self.w, self.p, self.bearer, self.beneficiary = world, p, bearer, beneficiary
        # the events this instance sees (SPEC: overlapping the membership of both its parties)
        self.seen = [e for e in world.events if world.overlaps_membership(e, bearer)
                     and (p.protects is not None or world.overlaps_membership(e, beneficiary))]
        self.seed = {"X": beneficiary}
        if p.bearer.endswith(" Y"):
            self.seed["Y"] = bearer

    # -- conditions: true or false on a day, under a total assignment of their variables
    def holds(self, c: Cond, env: dict[str, str], day: dt.date, floor: dt.date | None = None) -> bool:
        seen = [e for e in self.seen if e.start <= day and (floor is None or e.start >= floor)]
        if isinstance(c, Occurred):
            return any(atom_true(c.atom, e, env) for e in seen)
        if isinstance(c, Ongoing):
            return any(atom_true(c.atom, e, env) and day <= e.end for e in seen)
        if isinstance(c, (Within, After, Before)):
            for a in seen:
                for b in seen:
                    if atom_true(c.first, a, env) and atom_true(c.second, b, env):
                        gap = (a.start - b.start).days
                        if isinstance(c, Within) and 0 <= gap <= c.days:
                            return True
                        if isinstance(c, After) and gap >= 0:
                            return True
                        if isinstance(c, Before) and gap < 0:
                            return True
            return False
        if isinstance(c, (During, Overlapping)):
            # both facts have started by this day; the relation is about their whole intervals
            # (an open-ended one ends `far`), which the scenario gives in advance
            for a in seen:
                for b in seen:
                    if atom_true(c.first, a, env) and atom_true(c.second, b, env):
                        if isinstance(c, During) and b.start <= a.start <= b.end:
                            return True
                        if isinstance(c, Overlapping) and a.start <= b.end and b.start <= a.end:
                            return True
            return False
        if isinstance(c, And):
            return all(self.holds(i, env, day, floor) for i in c.items)
        if isinstance(c, Or):
            return any(self.holds(i, env, day, floor) for i in c.items)
        if isinstance(c, Not):
            return not self.holds(c.item, env, day, floor)
        if isinstance(c, State):
            # every instance of the other provision (listed or not), as it stood at the end of the day
            for (b, x), (activated, timeline) in self.w.states[c.provision].items():
                if x != env["X"] or (c.bearer is not None and b != (env[c.bearer] if is_var(c.bearer) else c.bearer)):
                    continue
                if c.state == "activated":
                    if activated is not None and activated <= day:
                        return True
                elif status_on(timeline, day) == c.state:
                    return True
            return False
        if isinstance(c, InParties):
            return self.w.member(env[c.var], day)
        if isinstance(c, InScope):
            return in_area(dict(self.w.case.treaty.scopes)[c.scope], env[c.var])
        if isinstance(c, Who):
            return is_state(env[c.var]) if c.what == "state" else env[c.var] in ACTORS
        if isinstance(c, PlaceOf):
            place = env[c.var]
            party = env[c.party] if is_var(c.party) else c.party
            if place in AREA_PARENTS:
                return False
            holder = sovereign(self.w.case, place, day) if c.relation == "territory" else \
                administrator(self.w.case, place, day)
            return holder == party
        raise AssertionError(c)

    def bindings(self, c: Cond, env: dict[str, str], day: dt.date,
                 floor: dt.date | None = None) -> list[dict[str, str]]:
        """Every extension of env to c's variables (over every value of the case) under which c holds."""
        free = sorted(atom_vars(c) - set(env))
        out = []
        for values in itertools.product(self.w.values, repeat=len(free)):
            full = {**env, **dict(zip(free, values, strict=True))}
            if self.holds(c, full, day, floor):
                out.append(full)
        return out

    def when(self, day: dt.date) -> list[dict[str, str]]:
        """The ways the trigger holds on this day: none outside the version's days; with the
        bearer's reservations in effect, their conditions too."""
        p = self.p
        if p.version is not None:
            first, last = p.version
            if (first is not None and day < first) or (last is not None and day > last):
                return []
        if p.reading is not None:
            how, names = p.reading
            reading = self.w.case.interpretation.name if self.w.case.interpretation else "default"
            if (reading in names) != (how == "under"):
                return []
        extra = [r.when for r in self.w.case.treaty.reservations
                 if r.party == self.bearer and p.id in r.provisions and r.when is not None
                 and (r.start is None or r.start <= day) and (r.end is None or day <= r.end)]
        return self.bindings(And((p.when, *extra)) if extra else p.when, self.seed, day)

    def trigger(self, day: dt.date) -> str:
        """Before activation: active, pending, defeated or dormant on this day."""
        p = self.p
        triggered = self.when(day)
        if not triggered:
            return "dormant"
        undefeated = [env for env in triggered if p.unless is None or not self.bindings(p.unless, env, day)]
        if not undefeated:
            return "defeated"
        if p.upon is None or any(self.bindings(p.upon, env, day) for env in undefeated):
            return "active"
        return "pending"

    def acted(self, day: dt.date, activated: dt.date, deadline: dt.date | None) -> bool:
        """Has the bearer done the provision's action toward the beneficiary: under way on or
        after activation, started by this day and by the deadline?"""
        env = {**self.seed}
        for e in self.seen:
            if e.kind == self.p.action.kind and e.roles.get("by") == self.bearer and atom_true(self.p.action, e, env) \
                    and e.end >= activated and e.start <= day and (deadline is None or e.start <= deadline):
                return True
        return False

    def run(self) -> tuple[str, dt.date | None, dt.date | None, list[tuple[dt.date, str]]]:
        """(final status, activated, since, timeline), walking every day of the calendar. The
        timeline lists each day whose status (at the end of the day) differs from the day before."""
        w, p = self.w, self.p
        status, since, activated, deadline = "dormant", None, None, None
        timeline: list[tuple[dt.date, str]] = []

        def become(new: str, day: dt.date) -> None:
            nonlocal status, since
            if new != status:
                status, since = new, day

        def step(day: dt.date) -> None:
            nonlocal activated, deadline
            if not w.in_force(day) or not w.member(self.bearer, day) or (
                    p.protects is None and not w.member(self.beneficiary, day)):
                if status != "dormant":
                    become("discharged", day)
                return
            if w.suspended(self.bearer, self.beneficiary, day):
                if activated is not None or self.when(day):
                    become("suspended", day)
                else:
                    become("lapsed" if status in ("pending", "lapsed") else "dormant", day)
                return
            if activated is None:
                now = self.trigger(day)
                # SPEC `lapsed`: pending, and the triggering situation ended before the
                # prerequisites were met; it stays lapsed until a new trigger
                if now == "dormant" and status in ("pending", "lapsed"):
                    now = "lapsed"
                become(now, day)
                if status != "active":
                    return
                activated = day
                days = days_of(p.timing, w.case)
                if days is not None and p.modality == "must":
                    deadline = day + dt.timedelta(days=days)
            # activated (it latches): what happens next
            if p.modality in ("must", "must not") and self.acted(day, activated, deadline):
                become("fulfilled" if p.modality == "must" else "violated", day)
            elif p.until is not None and self.bindings(p.until, self.seed, day, floor=activated):
                become("discharged", day)
            elif p.ends_with_situation and not self.bindings(p.when, self.seed, day):
                become("discharged", day)  # the situation that triggered it ended
            elif deadline is not None and day > deadline:
                become("violated", day)
            else:
                become("active", day)

        for day in w.days:
            if status in TERMINAL:
                break
            step(day)
            if status != (timeline[-1][1] if timeline else "dormant"):
                timeline.append((day, status))
        return status, activated, since, timeline

    def __repr__(self) -> str:  # pragma: no cover
        return f"<{self.p.id} {self.bearer} -> {self.beneficiary}>"


def in_area(entries: tuple[tuple[str, tuple[str, ...]], ...], territory: str) -> bool:
    """Language docs, Regions: a territory is in a region when the region lists it, or lists its
    country and does not except it; an area (`area:NAME` in the entries) holds every place that
    lies within it."""
    return any(area_within(territory, code[5:]) if code.startswith("area:") else
               territory == code or (territory.split("-")[0] == code and territory not in excepts)
               for code, excepts in entries)


def status_on(timeline: list[tuple[dt.date, str]], day: dt.date) -> str:
    status = "dormant"
    for d, s in timeline:
        if d <= day:
            status = s
    return status


def candidates(world: World, p: Provision) -> list[tuple[str, str]]:
    """(bearer, beneficiary) pairs: the beneficiary any party, the bearer as the provision says."""
    ever = [x for x in world.parties if world.membership[x]]
    out = []
    benefs = ever
    if p.protects is not None:  # any country of the class the case mentions (codes of two letters)
        benefs = [v for v in world.values if len(v) == 2 and v.isupper() and in_area(p.protects, v)]
    for x in benefs:
        if p.bearer.startswith("each other party"):
            bearers = [b for b in ever if b != x]
        elif p.bearer == "each party":
            bearers = ever
        else:
            bearers = [p.bearer] if p.bearer in ever else []
        out.extend((b, x) for b in bearers)
    return out


Outcome = dict[tuple[str, str, str], tuple[str, str | None, str, tuple[tuple[str, str], ...]]]


def reference(case: Case) -> Outcome:
    """{(provision, bearer, beneficiary): (status, activated, since, timeline)} for every listed
    instance (one whose final status is not dormant); dates as ISO strings."""
    world = World(case)
    out: Outcome = {}
    # a provision may mention the states of the ones before it (never of itself or later ones)
    for p in case.treaty.provisions:
        world.states[p.id] = {}
        for bearer, beneficiary in candidates(world, p):
            status, activated, since, timeline = Instance(world, p, bearer, beneficiary).run()
            world.states[p.id][bearer, beneficiary] = (activated, timeline)
            if status != "dormant":
                assert since is not None
                out[(p.id, bearer, beneficiary)] = (status, activated.isoformat() if activated else None,
                                                    since.isoformat(), tuple((d.isoformat(), s) for d, s in timeline))
    return out


# ------------------------------------------------------------------ harness: the engine's answer


def engine_outcome(case: Case, folder: Any) -> Outcome:
    """Write the case to `folder`, load it with the engine (bundled vocabulary and
    interpretations only) and run it: the same shape as `reference`."""
    import engine
    from engine.base.paths import library_dir

    path = folder / "case.casus"
    path.write_text(render(case), encoding="utf-8")
    lib, scenarios = engine.load([path], library=[library_dir() / "vocabulary.casus",
                                                  library_dir() / "interpretations.casus"])
    (scenario,) = scenarios
    result = engine.run(lib, scenario, [case.treaty.id])
    return {(i.provision, i.bearer, i.beneficiary): (i.status, i.activated, i.since,
                                                     tuple((e.date, e.status) for e in i.timeline))
            for i in result.results[0].instances}
