"""Hypothesis strategies for casus, for your own test suite and for `casus fuzz`.

    from hypothesis import given
    import engine
    from engine import strategies as cs

    LIB = engine.load_library()

    @given(cs.scenarios(LIB, "ru_by_2024"))
    def test_no_assistance_without_request(scenario):
        result = engine.run(LIB, scenario, ["ru_by_2024"])
        ...

Scenarios are drawn from what a treaty itself talks about — the kinds in its conditions and
actions and their is-a relatives, its parties plus one outsider, the territories its scopes
and the interpretations mention, and dates placed around its entry into force and membership
changes — so that generated cases reach its provisions instead of missing them."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from engine.kernel.context import static_context
from engine.kernel.facts import BIG, Fact, Scenario
from engine.language import ast as A
from engine.language.library import TARGETS, Library

OUTSIDERS = ("UA", "PL", "CN", "US", "IR", "JP")
OFFSETS = (-400, -30, -1, 0, 0, 1, 2, 5, 7, 8, 30, 400)
LENGTHS = (0, 0, 0, 1, 3, 10, 60, None)  # None: open-ended
NEAR = (0, 0, 0, 1, 2, 3, 5, 8, 13, 30)


_atoms = A.atoms

Treaty = str | A.TreatyDecl  # a treaty id (as the README shows) or its declaration


def _treaty(lib: Library, treaty: Treaty) -> A.TreatyDecl:
    """The declaration of `treaty`, given by id or as a declaration: every public function here
    takes either, so that `dates(LIB, "nato_1949")` works as `parties(LIB, "nato_1949")` does."""
    if isinstance(treaty, A.TreatyDecl):
        return treaty
    try:
        return lib.treaties[treaty]
    except KeyError:
        raise ValueError(f"no treaty {treaty!r} in the library (known: {', '.join(sorted(lib.treaties))})") from None


def treaty_kinds(lib: Library, treaty: Treaty) -> list[str]:
    """The kinds a treaty mentions, with their descendants (a more specific fact also counts)."""
    treaty = _treaty(lib, treaty)
    kinds: set[str] = set()
    for p in treaty.provisions:
        for clause in (p.when, p.upon, p.unless, p.until):
            for atom in _atoms(clause):
                kinds |= lib.descendants(atom.kind) or {atom.kind}
        if p.then is not None:
            kinds |= lib.descendants(p.then.action.kind) or {p.then.action.kind}
    return sorted(k for k in kinds if k in lib.kinds)


def treaty_parties(treaty: A.TreatyDecl) -> list[str]:
    """The parties ever a member of the treaty (its context's), sorted."""
    return list(static_context(treaty).parties)


def outsider(lib_or_treaty: Library | A.TreatyDecl, treaty: Treaty | None = None) -> str:
    """A party that is never a member: `outsider(LIB, "nato_1949")` or `outsider(declaration)`."""
    if isinstance(lib_or_treaty, A.TreatyDecl):
        decl = lib_or_treaty
    elif treaty is not None:
        decl = _treaty(lib_or_treaty, treaty)
    else:
        raise TypeError("outsider(lib, treaty_id) or outsider(treaty_declaration)")
    members = set(treaty_parties(decl))
    return next(o for o in OUTSIDERS if o not in members)


def treaty_territories(lib: Library, treaty: Treaty) -> list[str]:
    """Member countries, the outsider, and every subdivision the treaty's scopes or the
    interpretations single out (so that scope exceptions and reassignments are reached)."""
    treaty = _treaty(lib, treaty)
    out = set(treaty_parties(treaty)) | {outsider(treaty)}
    for (tid, _), region in lib.scopes.items():
        if tid == treaty.id:
            for code, excepts in region.entries:
                out.add(code)
                out |= set(excepts)
    for interp in lib.interpretations.values():
        for r in interp.reassignments:
            out |= {t.code for t in r.territories}
    return sorted(out)


def key_dates(lib: Library, treaty: Treaty) -> list[int]:
    """Day ordinals that matter to the treaty: entry into force and end, membership changes,
    suspensions, reassignments of its parties' territory, a year after entry into force."""
    treaty = _treaty(lib, treaty)
    dates = {d for d in (treaty.in_force, treaty.ends) if d is not None}
    for m in treaty.members:
        dates |= {d for d in (m.start, m.end) if d is not None}
    for s in treaty.suspensions:
        dates.add(s.start)
    members = {m.party.code for m in treaty.members}
    for interp in lib.interpretations.values():  # reassignments that concern the treaty's parties
        dates |= {r.start for r in interp.reassignments if r.to.code in members}
    if treaty.in_force is not None:
        dates.add(treaty.in_force + 365)
    return sorted(dates)


def dates(lib: Library, treaty: Treaty) -> st.SearchStrategy[int]:
    """Day ordinals around the dates that matter to the treaty."""
    treaty = _treaty(lib, treaty)
    keys = key_dates(lib, treaty) or [dt.date(2025, 1, 1).toordinal()]
    return st.builds(lambda k, o: k + o, st.sampled_from(keys), st.sampled_from(OFFSETS))


def parties(lib: Library, treaty: Treaty) -> st.SearchStrategy[str]:
    """The treaty's parties and one outsider."""
    t = _treaty(lib, treaty)
    return st.sampled_from(treaty_parties(t) + [outsider(t)])


def territories(lib: Library, treaty: Treaty) -> st.SearchStrategy[str]:
    """Territories the treaty's facts may happen on (see `treaty_territories`)."""
    return st.sampled_from(treaty_territories(lib, treaty))


class _Pools:
    """What a treaty's scenarios are drawn from, with the Hypothesis strategies built once (building
    strategies inside every draw is what makes generation slow)."""

    def __init__(self, lib: Library, treaty: Treaty):
        t = _treaty(lib, treaty)
        self.treaty = t
        self.kinds = treaty_kinds(lib, t) or sorted(lib.kinds)
        self.infos = {k: lib.kinds[k] for k in self.kinds}
        self.members = treaty_parties(t)
        pool = self.members + [outsider(t)]
        self.pool = pool
        self.parties: dict[str | None, st.SearchStrategy[str]] = {None: st.sampled_from(pool)}
        for m in self.members:  # mostly the scenario's focus party, so that facts meet
            self.parties[m] = st.sampled_from([m] * len(pool) + pool)
        self.territories = st.sampled_from(treaty_territories(lib, t))
        self.actions = st.sampled_from(sorted({p.then.action.kind for p in t.provisions if p.then is not None})
                                       or ["assist"])
        self.means = st.sampled_from(["military", "other"])
        self.targets = st.sampled_from(TARGETS)
        self.kind = st.sampled_from(self.kinds)
        self.focus = st.sampled_from(self.members)
        self.dates = dates(lib, t)
        self.near = st.sampled_from(NEAR)
        self.length = st.sampled_from(LENGTHS)
        self.coin = st.booleans()
        self.mostly = st.integers(0, 4)


def _fact(draw: st.DrawFn, pools: _Pools, index: int, focus: str | None, base: int | None) -> Fact:
    kind = draw(pools.kind)
    info = pools.infos[kind]
    roles: dict[str, str] = {}
    use_at = "at" in info.roles and draw(pools.coin)
    for name, role in sorted(info.roles.items()):
        if name == "on" and use_at:
            continue
        if name == "at" and not use_at:
            continue
        if role.optional and name != "at" and not draw(pools.coin):
            continue
        if role.type == "party":
            party = draw(pools.parties[focus])
            if party in roles.values():  # not a party consulting or assisting itself
                party = next(p for p in pools.pool if p not in roles.values())
            roles[name] = party
        elif role.type in ("territory", "place"):
            roles[name] = draw(pools.territories)
        elif role.type == "target":
            roles[name] = draw(pools.targets)
        elif role.type == "action":
            roles[name] = draw(pools.actions)
        elif role.type == "treaty":
            roles[name] = pools.treaty.id
        else:
            roles[name] = draw(pools.means)
    if base is not None and draw(pools.mostly) > 0:
        start = base + draw(pools.near)
    else:
        start = draw(pools.dates)
    length = draw(pools.length)
    end = BIG if length is None else start + length
    text = f"{kind}({', '.join(f'{k}: {v}' for k, v in roles.items())})"
    return Fact(kind, roles, start, end, text, f"<generated>:{index + 3}")


def facts(lib: Library, treaty: Treaty, focus: str | None = None, base: int | None = None) -> st.SearchStrategy[Fact]:
    """One fact of a kind the treaty mentions, roles filled from its parties and territories.
    With `focus`, parties are mostly that one party (so that facts of one scenario meet); with
    `base`, dates are mostly a few days from it."""
    pools = _Pools(lib, treaty)
    return st.composite(lambda draw: _fact(draw, pools, 0, focus, base))()


def scenarios(lib: Library, treaty: Treaty, max_facts: int = 8,
              interpretation: str | None = None) -> st.SearchStrategy[Scenario]:
    """Scenarios of 1..max_facts facts aimed at one treaty: mostly about one of its parties,
    mostly within days of one date that matters to it."""
    pools = _Pools(lib, treaty)
    count = st.integers(1, max_facts)

    @st.composite
    def build(draw: st.DrawFn) -> Scenario:
        n = draw(count)
        focus = draw(pools.focus)
        base = draw(pools.dates)
        fs = tuple(_fact(draw, pools, i, focus, base) for i in range(n))
        return Scenario("generated", "<generated>", interpretation, fs)

    return build()


# ------------------------------------------------------------------ whole treaties

KINDS = ("threat", "imminent_threat", "aggression", "armed_attack", "encroachment", "sanctions")
MODALITIES = ("must", "must not", "may", "has the right to")


ATTACKS = ("aggression", "armed_attack")
AT_SEA = tuple(x for x in TARGETS if x != "territory")  # what `against` names besides territory
SEAS = ("north_atlantic_north", "mediterranean_sea", "pacific_ocean", "south_china_sea", "red_sea")


def _trigger(draw: st.DrawFn) -> str:
    """A trigger over X, in one of the shapes the library writes: a fact alone, `ongoing`, a
    defeater, a disjunction, a request within days of a fact, a war during an attack by a state,
    an attack on X's own territory or in the treaty's scope, or on its forces at sea."""
    kind = draw(st.sampled_from(KINDS))
    shape = draw(st.sampled_from(["plain", "ongoing", "and_not", "or", "within", "during", "territory", "scope",
                                  "target", "by_state"]))
    if shape == "ongoing":
        return f"{kind}(on: X) ongoing"
    if shape == "and_not":
        return f"{kind}(on: X) and not provocation(by: X)"
    if shape == "or":
        return f"{kind}(on: X) or {draw(st.sampled_from(KINDS))}(on: X)"
    if shape == "within":
        return f"request(from: X, for: assist) within {draw(st.integers(0, 10))} days after {kind}(on: X)"
    attack = draw(st.sampled_from(ATTACKS))
    if shape == "during":
        relation = draw(st.sampled_from(["during", "overlapping"]))
        return f"state_of_war(party: X) {relation} {attack}(by: S, on: X) and S is a state"
    if shape == "territory":
        test = draw(st.sampled_from(["territory of", "administered by"]))
        return f"{attack}(on: X, at: A) and A {test} X"
    if shape == "scope":
        return f"{attack}(on: X, at: A) and A in scope home"
    if shape == "target":
        return f"{attack}(on: X, at: A, against: {draw(st.sampled_from(AT_SEA))}) and A in scope home"
    if shape == "by_state":
        return f"{kind}(by: S, on: X) and S is a state"
    return f"{kind}(on: X)"


@st.composite
def treaty_texts(draw: st.DrawFn, treaty_id: str = "gen") -> str:
    """The `.casus` text of a random well-formed treaty over the standard vocabulary: two to four
    parties with accession dates, a scope of the parties' territory and a sea, and provisions
    with triggers in the shapes the library writes (`ongoing`, `during`/`overlapping`, `within N
    days after`, `A territory of X`, `A administered by X`, `A in scope`, `against` a target at
    sea, `S is a state`), prerequisites, exceptions, deadlines, discharge, and now and then a
    second, dated version of a provision. Load it with `engine.load([path], …)` after writing it
    to a file."""
    pool = ["RU", "BY", "KP", "CN", "KZ"]
    n = draw(st.integers(2, 4))
    members = pool[:n]
    lines = [f'treaty {treaty_id} "Generated treaty" {{', f"  parties {', '.join(members[:2])}"]
    for m in members[2:]:
        lines.append(f"  member {m} from 2021-0{draw(st.integers(1, 9))}-01")
    lines.append("  in force 2020-01-01" + (" until 2023-12-31" if draw(st.booleans()) else ""))
    lines.append(f'  scope home "The parties\' territory and a sea" {{ {", ".join(members)}, '
                 f"area {draw(st.sampled_from(SEAS))} }}")
    for i in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["assist(to: X)", "consult(with: X)"]))
        modality = draw(st.sampled_from(MODALITIES))
        quals = draw(st.sampled_from(["", ", within 5 days", ", immediately", ", as it deems necessary"]))
        versions = [None] if not draw(st.booleans()) else ["2022-06-01", None]
        for v, since in enumerate(versions):
            pid = f"p{i + 1}" if since is None else f"p{i + 1}_v{v + 1}"
            lines.append(f'  provision {pid} "Provision {i + 1}" article "{i + 1}" {{')
            if len(versions) > 1:
                lines.append(f'    version "first text" to {since}' if since
                             else '    version "second text" from 2022-06-02')
            lines.append(f"    when {_trigger(draw)}")
            if draw(st.booleans()):
                lines.append("    upon request(from: X, for: assist)")
            if draw(st.booleans()):
                lines.append("    unless provocation(by: X)")
            lines.append(f"    then each other party {modality} {action}{quals}")
            if draw(st.booleans()):
                lines.append("    until unsc_measures()")
            lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def scenario_text(scenario: Scenario) -> str:
    """A scenario as a ready-to-run `.casus` file."""
    from engine.language.build import iso

    lines = [f'scenario "{scenario.name}" {{']
    if scenario.interpretation:
        lines.append(f"  interpretation {scenario.interpretation}")
    for f in sorted(scenario.facts, key=Fact.sort_key):
        start = iso(f.start)
        when = start if f.end == f.start else f"{start}..{'' if f.end >= BIG else iso(f.end)}"
        lines.append(f"  {when:<22}  {f.text}")
    lines.append("}")
    return "\n".join(lines) + "\n"


__all__ = ["parties", "territories", "dates", "facts", "scenarios", "treaty_texts", "scenario_text",
           "treaty_kinds", "treaty_territories", "key_dates", "outsider"]
