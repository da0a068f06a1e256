"""Lark tree -> AST. Checks what only needs the text itself (dates, intervals); names are
checked later, in `check`, against the whole library."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, overload

from engine.base.errors import Diagnostics
from engine.base.source import Source, Span
from engine.language import ast as A

if TYPE_CHECKING:  # not at run time: importing this module (for `iso`, say) needs no Lark
    from lark import Token, Tree

QUALIFIER_GROUPS = {"immediately": "timing", "promptly": "timing", "forthwith": "timing"}

# Every number in the language counts days (`within N days`, `WORD means within N days`). A
# bound keeps deadlines inside the calendar and numbers inside Python's int-string limit.
MAX_DAYS = 36500


def date_ordinal(text: str) -> int | None:
    try:
        return dt.date.fromisoformat(text).toordinal()
    except ValueError:
        return None


@overload
def iso(ordinal: int) -> str: ...
@overload
def iso(ordinal: int | None) -> str | None: ...


def iso(ordinal: int | None) -> str | None:
    if ordinal is None:
        return None
    if 1 <= ordinal <= _LAST:
        return dt.date.fromordinal(ordinal).isoformat()
    # Outside Python's calendar (a deadline or a report's margin past 9999-12-31): the proleptic
    # Gregorian calendar repeats every 400 years, so shift by whole cycles and back.
    cycles = (ordinal - 1) // CYCLE_DAYS
    d = dt.date.fromordinal(ordinal - cycles * CYCLE_DAYS)
    return f"{d.year + 400 * cycles:04d}-{d.month:02d}-{d.day:02d}"


_LAST = dt.date.max.toordinal()
CYCLE_DAYS = 146097  # days in 400 Gregorian years: the calendar repeats after them (iso; the report's axis)


class TokenReader:
    """The values of single tokens, with where they are: spans, dates, numbers of days, strings,
    intervals; a value that cannot be read is a located error (and a stand-in value)."""

    def __init__(self, src: Source, diags: Diagnostics):
        self.src = src
        self.path = src.path
        self.diags = diags

    def span(self, node: Tree | Token) -> Span:
        if isinstance(node, str):  # a Token (Lark's tokens are strings; its trees are not)
            line, col = node.line or 1, node.column or 1
            return Span(self.path, line, col, node.end_line or line, node.end_column or col + len(node))
        m = node.meta
        if getattr(m, "empty", True):
            return Span(self.path, 1, 1, 1, 1)
        return Span(self.path, m.line, m.column, m.end_line, m.end_column)

    def date(self, tok: Tree | Token) -> int:
        return self.date_at(str(tok), self.span(tok))

    def date_at(self, text: str, span: Span) -> int:
        """A date's ordinal; E-DATE at `span` (and 0001-01-01) if it is not one."""
        d = date_ordinal(text)
        if d is None:
            self.diags.error(span, "E-DATE", f"'{text}' is not a date",
                             "dates are written YYYY-MM-DD and must exist in the calendar")
            return dt.date(1, 1, 1).toordinal()
        return d

    def days(self, tok: Tree | Token) -> int:
        text = str(tok)
        digits = text.lstrip("0") or "0"
        if len(digits) > len(str(MAX_DAYS)) or int(digits) > MAX_DAYS:
            shown = text if len(text) <= 12 else f"{text[:6]}...({len(text)} digits)"
            self.diags.error(self.span(tok), "E-NUMBER", f"{shown} days is too many",
                             f"a number of days is between 0 and {MAX_DAYS} (100 years)")
            return MAX_DAYS
        return int(digits)

    def opt_date(self, tok: Tree | Token | None) -> int | None:
        return None if tok is None else self.date(tok)

    @staticmethod
    def string(tok: Tree | Token | str | None) -> str | None:
        if tok is None:
            return None
        s = str(tok)[1:-1]
        return s.replace('\\"', '"').replace("\\\\", "\\")

    def interval(self, start_tok: Tree | Token, end_tok: Tree | Token | None, start: int, end: int | None) -> None:
        if end is not None and end < start:
            self.interval_error(str(start_tok), str(end_tok), self.span(end_tok or start_tok))

    def interval_error(self, start_text: str, end_text: str, span: Span) -> None:
        self.diags.error(span, "E-INTERVAL", f"the interval ends ({end_text}) before it starts ({start_text})",
                         "the second date must be on or after the first")


class Builder(TokenReader):
    """A parse tree to the AST (engine/language/ast.py): a method per declaration and clause."""

    def document(self, tree: Tree) -> A.Document:
        items: list[A.Item] = []
        for child in tree.children:
            fn = getattr(self, "item_" + child.data)
            items.append(fn(child))
        return A.Document(self.path, tuple(items))

    # ------------------------------------------------------------ vocabulary
    def item_vocabulary(self, t: Tree) -> A.VocabularyDecl:
        name, *entries = t.children
        kinds, actors = [], []
        for e in entries:
            if e.data == "kind_decl":
                word, kname, roles_and_rest = e.children[0], e.children[1], e.children[2:]
                parent_tok = roles_and_rest[-2]
                doc = roles_and_rest[-1]
                role_nodes = [r for r in roles_and_rest[:-2] if r is not None]
                roles = []
                for r in role_nodes:
                    rname, opt, rtype = r.children
                    roles.append(A.RoleDecl(str(rname), opt is not None, str(rtype), self.span(r)))
                parent_toks = list(parent_tok.children) if parent_tok is not None else []
                kinds.append(A.KindDecl(str(kname), str(word) == "action", tuple(roles),
                                        tuple(str(p) for p in parent_toks),
                                        self.string(doc), self.span(e),
                                        tuple(self.span(p) for p in parent_toks)))
            else:
                aname, doc = e.children
                actors.append(A.ActorDecl(str(aname), self.string(doc), self.span(e)))
        return A.VocabularyDecl(str(name), tuple(kinds), tuple(actors), self.span(t))

    # ------------------------------------------------------------ regions
    def areas(self, nodes: list[Any]) -> tuple[A.Area, ...]:
        out = []
        for n in nodes:
            if n is None:
                continue
            if n.data == "area_region":
                out.append(A.Area(None, (), str(n.children[0]), self.span(n)))
            elif n.data == "area_named":
                out.append(A.Area(None, (), None, self.span(n), area=str(n.children[0])))
            else:
                code, *ex = n.children
                out.append(A.Area(str(code), tuple(str(x) for x in ex if x is not None), None, self.span(n)))
        return tuple(out)

    def item_region(self, t: Tree) -> A.RegionDecl:
        name, title, *areas = t.children
        return A.RegionDecl(str(name), self.string(title), self.areas(areas), self.span(t))

    # ------------------------------------------------------------ areas and administration
    def item_area_decl(self, t: Tree) -> A.AreaDecl:
        name, title, *rest = t.children
        *within, side = rest
        return A.AreaDecl(str(name), self.string(title),
                          tuple(A.Name(str(w), self.span(w)) for w in within if w is not None),
                          str(side) if side is not None else None, self.span(t))

    def item_administration(self, t: Tree) -> A.AdministrationDecl:
        name, title, *entries = t.children
        admin, source = [], None
        for e in entries:
            if e.data == "administer":
                admin.append(self.reassign(e))
            elif e.data == "source":
                source = self.string(e.children[0])
        return A.AdministrationDecl(str(name), self.string(title), tuple(admin), source, self.span(t))

    def reassign(self, e: Tree) -> A.Reassign:
        """`from DATE: CODES belong to CODE` or `… administered by CODE`."""
        date, *codes = e.children
        terr = tuple(A.Code(str(c), self.span(c)) for c in codes[:-1])
        return A.Reassign(self.date(date), terr, A.Code(str(codes[-1]), self.span(codes[-1])), self.span(e))

    # ------------------------------------------------------------ interpretations
    def item_interpretation(self, t: Tree) -> A.InterpretationDecl:
        name, title, *entries = t.children
        reassign, timing, defs, source = [], [], [], None
        members: list[A.InterpMembership] = []
        self_defence = False
        admin = []
        for e in entries:
            if e.data == "administer":
                admin.append(self.reassign(e))
            elif e.data == "reassign":
                reassign.append(self.reassign(e))
            elif e.data == "timing_default":
                word, days = e.children
                timing.append((str(word.children[0]), self.days(days)))
            elif e.data == "definition":
                head, body = e.children
                defs.append(A.Definition(self.atom(head), self.atom(body), self.span(e)))
            elif e.data == "source":
                source = self.string(e.children[0])
            elif e.data in ("interp_member", "interp_nonmember", "interp_suspend"):
                code, *rest = e.children
                toward = rest.pop(0) if e.data == "interp_suspend" else None
                treaty, start, end = rest
                s, en = self.date(start), self.opt_date(end)
                self.interval(start, end, s, en)
                effect = {"interp_member": "member", "interp_nonmember": "not_member",
                          "interp_suspend": "suspended"}[e.data]
                members.append(A.InterpMembership(str(treaty), A.Code(str(code), self.span(code)), effect, s, en,
                                                  self.span(e),
                                                  None if toward is None else A.Code(str(toward), self.span(toward))))
            elif e.data == "self_defence":
                self_defence = True
        return A.InterpretationDecl(str(name), self.string(title), tuple(reassign), tuple(timing), tuple(defs),
                                    source, self.span(t), tuple(members), self_defence,
                                    administrations=tuple(admin))

    # ------------------------------------------------------------ treaties
    def item_treaty(self, t: Tree) -> A.TreatyDecl:
        tid, title, *entries = t.children
        signed = in_force = ends = None
        in_force_span = None
        source = says = None
        members: list[A.Membership] = []
        scopes: list[A.RegionDecl] = []
        susp: list[A.Suspension] = []
        provisions: list[A.Provision] = []
        notice: tuple[int, str] | None = None
        reservations: list[A.Reservation] = []
        for e in entries:
            kind = e.data
            if kind == "parties":
                for c in e.children:
                    members.append(A.Membership(A.Code(str(c), self.span(c)), None, None, self.span(c)))
            elif kind == "member":
                *codes, start, end = e.children
                s, en = self.date(start), self.opt_date(end)
                self.interval(start, end, s, en)
                for c in codes:
                    members.append(A.Membership(A.Code(str(c), self.span(c)), s, en, self.span(c)))
            elif kind == "signed":
                signed = self.date(e.children[0])
            elif kind == "in_force":
                start, end = e.children
                in_force, ends = self.date(start), self.opt_date(end)
                in_force_span = self.span(e)
                self.interval(start, end, in_force, ends)
            elif kind == "source":
                source = self.string(e.children[0])
            elif kind == "says":
                says = self.string(e.children[0])
            elif kind == "scope":
                name, stitle, *areas = e.children
                scopes.append(A.RegionDecl(str(name), self.string(stitle), self.areas(areas), self.span(e)))
            elif kind == "suspension":
                b, ben, start, end = e.children
                s, en = self.date(start), self.opt_date(end)
                self.interval(start, end, s, en)
                susp.append(A.Suspension(A.Code(str(b), self.span(b)), A.Code(str(ben), self.span(ben)), s, en,
                                         self.span(e)))
            elif kind == "provision":
                provisions.append(self.provision(e))
            elif kind == "notice_period":
                n, unit = e.children
                notice = (self.days(n), str(unit.children[0]).rstrip("s") + "s")  # `1 year` is `1 years`
            elif kind == "reservation":
                reservations.append(self.reservation(e))
        return A.TreatyDecl(str(tid), self.string(title) or "", signed, in_force, ends, source, says,
                            tuple(members), tuple(scopes), tuple(susp), tuple(provisions), self.span(t),
                            in_force_span, notice, tuple(reservations))

    def reservation(self, t: Tree) -> A.Reservation:
        kind, code, title, *rest = t.children
        # the provisions' names, then the two optional dates (None when absent), then the entries
        n = 0
        while n < len(rest) and rest[n] is not None and getattr(rest[n], "type", None) == "NAME":
            n += 1
        provs = [str(x) for x in rest[:n]]
        start_tok, end_tok = rest[n], rest[n + 1]
        s, en = self.opt_date(start_tok), self.opt_date(end_tok)
        if s is not None and en is not None:
            self.interval(start_tok, end_tok, s, en)
        when: A.Cond | None = None
        quals: list[A.Qualifier] = []
        says = source = None
        for e in rest[n + 2:]:
            if e.data == "res_when":
                when = self.cond(e.children[0])
            elif e.data == "res_adds":
                quals.extend(self.qualifier(q) for q in e.children)
            elif e.data == "says":
                says = self.string(e.children[0])
            elif e.data == "source":
                source = self.string(e.children[0])
        return A.Reservation(str(kind), A.Code(str(code), self.span(code)), self.string(title) or "", tuple(provs),
                             s, en, when, tuple(quals), says, source, self.span(t))

    def provision(self, t: Tree) -> A.Provision:
        pid, title, article, *entries = t.children
        fields: dict[str, Any] = {"says": None, "source": None, "when": None, "upon": None, "unless": None,
                                  "then": None, "until": None}
        for e in entries:
            if e.data in ("version", "version_to", "version_read"):
                name, *dates, reading = e.children  # reading: None, or `under …` / `except under …`
                start_tok, end_tok = (dates[0], dates[1]) if e.data == "version" else (None, (dates or [None])[0])
                s, en = self.opt_date(start_tok), self.opt_date(end_tok)
                if start_tok is not None and s is not None and en is not None:
                    self.interval(start_tok, end_tok, s, en)
                kind = reading.data if reading is not None else None
                names = tuple(str(n) for n in reading.children) if reading is not None else ()
                fields["version"] = A.Version(self.string(name) or "", s, en, self.span(e),
                                              under=names if kind == "under" else (),
                                              except_under=names if kind == "except_under" else ())
            elif e.data == "protects":
                fields["protects"] = str(e.children[0])
            elif e.data in ("says", "source"):
                fields[e.data] = self.string(e.children[0])
            elif e.data == "then":
                fields["then"] = self.then(e)
            elif e.data == "discharge":
                fields["until"] = self.cond(e.children[0])
            elif e.data == "ends_with_situation":
                fields["ends_with_situation"] = True
            else:
                fields[e.data] = self.cond(e.children[0])
        return A.Provision(str(pid), self.string(title) or "", self.string(article) or "", span=self.span(t),
                           **fields)

    def then(self, t: Tree) -> A.Then:
        bearer_node, modality_node, action_node, benef_tok, *qual_nodes = t.children
        quals = [self.qualifier(q) for q in qual_nodes]
        b = bearer_node
        bval = b.children[0] if b.children else None
        if b.data in ("each_other", "each_party"):
            bearer = A.Bearer("each_other" if b.data == "each_other" else "each", None,
                              str(bval) if bval is not None else None, self.span(b))
        elif b.data == "bearer_code":
            bearer = A.Bearer("code", str(bval), None, self.span(b))
        else:
            bearer = A.Bearer("var", None, str(bval), self.span(b))
        modality = {"must": "obligation", "must_not": "prohibition", "may": "permission",
                    "right": "right"}[modality_node.data]
        action = self.atom(action_node)
        benef = self.value(benef_tok) if benef_tok is not None else None
        return A.Then(bearer, modality, action, benef, tuple(quals), self.span(t))

    def qualifier(self, q: Tree) -> A.Qualifier:
        sp = self.span(q)
        d = q.data
        if d == "q_timing":
            return A.Qualifier("timing", str(q.children[0].children[0]), None, sp)
        if d == "q_within":
            n = self.days(q.children[0])
            return A.Qualifier("timing", f"within_{n}_days", n, sp)
        if d == "q_deems":
            return A.Qualifier("discretion", "as_it_deems_necessary", None, sp)
        if d == "q_constitutional":
            return A.Qualifier("discretion", "constitutional_processes", None, sp)
        if d == "q_all_means":
            return A.Qualifier("means", "all_means", None, sp)
        if d == "q_means":
            return A.Qualifier("means", "+".join(str(c) for c in q.children), None, sp)
        if d == "q_basis":
            return A.Qualifier("basis", str(q.children[0]), None, sp)
        return A.Qualifier("reporting", "report_" + str(q.children[0]), None, sp)

    # ------------------------------------------------------------ conditions
    def value(self, v: Tree) -> A.Value:
        sp = self.span(v)
        if v.data == "wildcard":
            return A.Wildcard(sp)
        tok = v.children[0]
        if v.data == "code":
            return A.Code(str(tok), sp)
        if v.data == "var":
            return A.Var(str(tok), sp)
        return A.Name(str(tok), sp)

    def arg(self, a: Tree) -> A.Arg:
        role, value = a.children
        return A.Arg(str(role), self.value(value), self.span(a))

    def atom(self, t: Tree) -> A.Atom:
        name, *args = t.children
        return A.Atom(str(name), tuple(self.arg(a) for a in args if a is not None), self.span(t))

    def cond(self, t: Tree) -> A.Cond:
        d = t.data
        sp = self.span(t)
        if d == "or_":
            items: list[A.Cond] = []
            for c in t.children:
                sub = self.cond(c)
                items.extend(sub.items if isinstance(sub, A.Or) else [sub])
            return A.Or(tuple(items), sp)
        if d == "and_":
            items = []
            for c in t.children:
                sub = self.cond(c)
                items.extend(sub.items if isinstance(sub, A.And) else [sub])
            return A.And(tuple(items), sp)
        if d == "not_":
            return A.Not(self.cond(t.children[0]), sp)
        if d == "occurred":
            return A.Occurred(self.atom(t.children[0]), sp)
        if d == "ongoing":
            return A.Ongoing(self.atom(t.children[0]), sp)
        if d == "within_after":
            a, n, b = t.children
            return A.Temporal("within", self.atom(a), self.atom(b), self.days(n), sp)
        if d in ("after", "before", "during", "overlapping"):
            a, b = t.children
            return A.Temporal(d, self.atom(a), self.atom(b), None, sp)
        if d == "in_scope":
            return A.InArea(str(t.children[0]), "scope", str(t.children[1]), sp)
        if d == "in_region":
            return A.InArea(str(t.children[0]), "region", str(t.children[1]), sp)
        if d == "in_parties":
            return A.InParties(str(t.children[0]), sp)
        if d in ("is_state", "is_actor"):
            return A.IsWho(str(t.children[0]), d[3:], sp)
        if d in ("territory_of", "administered_by"):
            relation = "territory" if d == "territory_of" else "administration"
            return A.PlaceOf(str(t.children[0]), relation, self.value(t.children[1]), sp)
        if d == "state_ref":
            prov, state, ben, by = t.children
            return A.StateRef(str(prov), str(state), self.value(ben),
                              self.value(by) if by is not None else None, sp)
        raise AssertionError(f"unknown condition node {d}")  # pragma: no cover

    # ------------------------------------------------------------ scenarios
    def item_scenario(self, t: Tree) -> A.ScenarioDecl:
        name, *entries = t.children
        interp = None
        interp_span = None
        facts: list[A.FactDecl] = []
        expects: list[A.Expect] = []
        says = None
        for e in entries:
            if e.data == "use_interp":
                interp = str(e.children[0])
                interp_span = self.span(e.children[0])
            elif e.data == "fact":
                start_tok, rng, end_tok, atom, note = e.children
                start = self.date(start_tok)
                if rng is None:
                    end: int | None = start
                else:
                    end = self.opt_date(end_tok)
                self.interval(start_tok, end_tok, start, end)
                facts.append(A.FactDecl(self.atom(atom), start, end, self.string(note), self.span(e)))
            elif e.data == "expect":
                expects.append(self.expect(e))
            elif e.data == "says":  # a scenario's `source` line is documentation only: it is not its `says`
                says = self.string(e.children[0])
        return A.ScenarioDecl(self.string(name) or "", interp, tuple(facts), tuple(expects), says, self.span(t),
                              interp_span)

    def expect(self, e: Tree) -> A.Expect:
        under, x = e.children
        sp = self.span(e)
        base: dict[str, Any] = dict(interpretation=str(under) if under is not None else None, provision=None,
                                    bearer=None, beneficiary=None, status=None, since=None, activated=None,
                                    never_activated=False, missing=(), because=(), span=sp)
        if x.data == "expect_nothing":
            return A.Expect(form="nothing", treaty=str(x.children[0]), treaty_span=self.span(x.children[0]), **base)
        treaty, prov, pair = x.children[0], x.children[1], x.children[2]
        whos = [w.children[0] if w.children else None for w in pair.children]
        base.update(provision=str(prov), bearer=str(whos[0]) if whos[0] is not None else None,
                    beneficiary=str(whos[1]) if whos[1] is not None else None,
                    treaty_span=self.span(treaty), provision_span=self.span(prov))
        if x.data == "expect_absent":
            return A.Expect(form="absent", treaty=str(treaty), **base)
        base["status"] = str(x.children[3])
        missing, because = [], []
        for d in x.children[4:]:
            if d.data == "since":
                base["since"] = self.date(d.children[0])
            elif d.data == "activated":
                base["activated"] = self.date(d.children[0])
            elif d.data == "never_activated":
                base["never_activated"] = True
            elif d.data == "missing":
                missing.append(self.atom(d.children[0]))
            elif d.data == "because":
                because.append(self.atom(d.children[0]))
        base.update(missing=tuple(missing), because=tuple(because))
        return A.Expect(form="status", treaty=str(treaty), **base)

    # ------------------------------------------------------------ properties
    def item_property(self, t: Tree) -> A.PropertyDecl:
        name, title, *rules = t.children
        out = []
        for r in rules:
            if r.data == "prop_order":
                t1, p1, s1, t2, p2, s2, var = r.children
                out.append(A.PropertyRule("before", str(s1), str(t1), str(p1), str(var), None, self.span(r),
                                          (str(t2), str(p2), str(s2))))
                continue
            state, treaty, prov, var, cond = r.children
            out.append(A.PropertyRule("never" if r.data == "prop_never" else "always", str(state), str(treaty),
                                      str(prov), str(var), self.cond(cond) if cond is not None else None,
                                      self.span(r)))
        return A.PropertyDecl(str(name), self.string(title), tuple(out), self.span(t))


def build(src: Source, tree: Tree, diags: Diagnostics) -> A.Document:
    return Builder(src, diags).document(tree)
