"""Fact shapes: the facts (kind and roles, no date) that can matter to one instance of a
provision — every atom its conditions read, with the is-a descendants of its kind, the bodies of
the interpretation's `define`s, the provisions it refers to, and the action that fulfils it —
with the variables the instance leaves open filled from the parties and territories the search
keeps (engine/analysis/sides.py). engine/analysis/universe.py dates them."""

from __future__ import annotations

from collections.abc import Iterator

from engine.analysis.sides import Parties, SideView, instance_pairs
from engine.language import ast as A
from engine.language.library import TARGETS, KindInfo, beneficiary_arg

Shape = tuple[str, tuple[tuple[str, str], ...]]  # (kind, roles in canonical names)


class Shapes:
    def __init__(self, parties: Parties, interpretation: str):
        self.parties = parties
        self.interp_name = interpretation

    def defined_bodies(self, s: SideView, kind: str) -> set[str]:
        """The kinds whose facts the interpretation's `define`s turn into a fact of `kind`."""
        interp = s.side.lib.interpretations.get(self.interp_name)
        out: set[str] = set()
        if interp is None:
            return out
        for d in interp.definitions:
            info = s.side.lib.kinds.get(d.head.kind)
            if info is not None and kind in info.ancestors:
                out |= s.side.lib.descendants(d.body.kind)
        return out

    def of_instance(self, s: SideView, p: A.Provision, env: dict[str, str], bearer: str, benef: str,
                    visited: frozenset[str] = frozenset()) -> set[Shape]:
        """Facts (kind, roles in canonical names) that can matter to the instance (bearer, benef) of p."""
        visited = visited | {p.id}
        out: set[Shape] = set()
        for c in A.clauses(p):
            for atom in A.atoms(c):
                for kind, roles in self._instantiate(s, atom, env):
                    out.add(self._canon_shape(s, kind, roles))
            for node, _ in A.state_refs(c):
                q = next((x for x in s.treaty.provisions if x.id == node.provision), None)
                if q is None or q.id in visited or q.then is None:
                    continue
                for qb, qx, qenv in instance_pairs(s, q):
                    if not _compatible(node.beneficiary, qx, env) or (
                            node.bearer is not None and not _compatible(node.bearer, qb, env)):
                        continue
                    out |= self.of_instance(s, q, qenv, qb, qx, visited)
        if p.then is not None:
            action = p.then.action
            args = tuple(a for a in action.args if a.role != "by")
            by = A.Arg("by", A.Code(bearer, action.span), action.span)
            atom = A.Atom(action.kind, (by,) + args, action.span)
            aenv = dict(env)
            ben = beneficiary_arg(p.then)
            if isinstance(ben, A.Var):
                aenv[ben.name] = benef
            for kind, roles in self._instantiate(s, atom, aenv, exact=True):
                out.add(self._canon_shape(s, kind, roles))
        return out

    def _canon_shape(self, s: SideView, kind: str, roles: dict[str, str]) -> Shape:
        info = s.side.lib.kinds[kind]
        out = []
        for r, v in roles.items():
            t = info.roles[r].type if r in info.roles else ""
            if t == "party":
                v = s.canon(v)
            elif t in ("territory", "place"):
                v = s.canon_territory(v)
            out.append((r, v))
        order = list(info.roles)
        out.sort(key=lambda rv: order.index(rv[0]) if rv[0] in order else 99)
        return kind, tuple(out)

    def _instantiate(self, s: SideView, atom: A.Atom, env: dict[str, str],
                     exact: bool = False) -> list[tuple[str, dict[str, str]]]:
        lib = s.side.lib
        kinds = [atom.kind] if exact else sorted(lib.descendants(atom.kind))
        out: list[tuple[str, dict[str, str]]] = []
        for kind in kinds:
            info = lib.kinds.get(kind)
            if info is None or any(a.role not in info.roles for a in atom.args):
                continue
            args = sorted(atom.args, key=lambda a: info.roles[a.role].type != "party")
            given = {a.role for a in atom.args}
            extra = [r for r, d in info.roles.items() if r not in given and not d.optional
                     and not (r == "on" and "at" in given) and not (r == "at" and "on" in given)]
            for roles in self._fill(s, info, args, extra, env, {}):
                out.append((kind, roles))
        # derived facts: a define whose head can match this atom is matched by its body
        interp = lib.interpretations.get(self.interp_name)
        if interp is not None and not exact:
            for d in interp.definitions:
                head = lib.kinds.get(d.head.kind)
                if head is None or atom.kind not in head.ancestors:
                    continue
                benv: dict[str, str] = {}
                for ha in d.head.args:
                    if not isinstance(ha.value, A.Var):
                        continue
                    for aa in atom.args:
                        if aa.role == ha.role:
                            if isinstance(aa.value, A.Code):
                                benv[ha.value.name] = aa.value.code
                            elif isinstance(aa.value, A.Var) and aa.value.name in env:
                                benv[ha.value.name] = env[aa.value.name]
                out.extend(self._instantiate(s, d.body, benv))
        return out

    def _fill(self, s: SideView, info: KindInfo, args: list[A.Arg], extra: list[str], env: dict[str, str],
              roles: dict[str, str]) -> Iterator[dict[str, str]]:
        if not args:
            if not extra:
                yield dict(roles)
                return
            r = extra[0]
            for v in self._filler(s, info.roles[r].type, roles):
                yield from self._fill(s, info, [], extra[1:], env, {**roles, r: v})
            return
        a, rest = args[0], args[1:]
        rd = info.roles[a.role]
        value = a.value
        if isinstance(value, A.Wildcard):
            if rd.optional:
                yield from self._fill(s, info, rest, extra, env, roles)
            else:
                for x in self._filler(s, rd.type, roles):
                    yield from self._fill(s, info, rest, extra, env, {**roles, a.role: x})
        elif isinstance(value, A.Code):
            yield from self._fill(s, info, rest, extra, env, {**roles, a.role: value.code})
        elif isinstance(value, A.Name):
            yield from self._fill(s, info, rest, extra, env, {**roles, a.role: value.name})
        else:
            if value.name in env:
                yield from self._fill(s, info, rest, extra, env, {**roles, a.role: env[value.name]})
                return
            for x in self._domain(s, rd.type, roles):
                yield from self._fill(s, info, rest, extra, {**env, value.name: x}, {**roles, a.role: x})

    def _domain(self, s: SideView, rtype: str, roles: dict[str, str]) -> list[str]:
        if rtype == "party":
            return [s.party(p) for p in self.parties.all]
        if rtype == "target":
            return list(TARGETS)
        if rtype in ("territory", "place"):
            on = roles.get("on")
            return [s.territory(t) for t in self.parties.territories.choices(s.canon(on) if on else None)]
        if rtype == "action":
            return sorted(k for k, i in s.side.lib.kinds.items() if i.is_action)
        if rtype == "treaty":
            return [s.side.tid]
        return ["other"]

    def _filler(self, s: SideView, rtype: str, roles: dict[str, str]) -> list[str]:
        if rtype == "party":
            return [s.party(self.parties.outsider)]
        if rtype in ("territory", "place"):
            return [self.parties.outsider]
        return self._domain(s, rtype, roles)[:1]


def _compatible(v: A.Value, actual: str, env: dict[str, str]) -> bool:
    if isinstance(v, A.Var):
        return env.get(v.name, actual) == actual
    if isinstance(v, A.Code):
        return v.code == actual
    return True


__all__ = ["Shape", "Shapes"]
