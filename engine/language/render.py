"""Conditions back to text, with variables substituted: used by `missing`, explanations and
diagrams, so that what the user reads is written in the language itself."""

from __future__ import annotations

from engine.language import ast as A


def value(v: A.Value, env: dict[str, str] | None = None) -> str:
    if isinstance(v, A.Var) and env and v.name in env:
        return env[v.name]
    return str(v)


def cond(c: A.Cond, env: dict[str, str] | None = None, top: bool = True) -> str:
    env = env or {}
    if isinstance(c, A.Occurred):
        return c.atom.render(env)
    if isinstance(c, A.Ongoing):
        return c.atom.render(env) + " ongoing"
    if isinstance(c, A.Temporal):
        op = f"within {c.days} days after" if c.op == "within" else c.op
        return f"{c.first.render(env)} {op} {c.second.render(env)}"
    if isinstance(c, A.InArea):
        return f"{env.get(c.var, c.var)} in {c.what} {c.name}"
    if isinstance(c, A.InParties):
        return f"{env.get(c.var, c.var)} in parties"
    if isinstance(c, A.IsWho):
        return f"{env.get(c.var, c.var)} is {'a state' if c.what == 'state' else 'an actor'}"
    if isinstance(c, A.PlaceOf):
        word = "territory of" if c.relation == "territory" else "administered by"
        return f"{env.get(c.var, c.var)} {word} {value(c.party, env)}"
    if isinstance(c, A.StateRef):
        out = f"{c.provision} {c.state} for {value(c.beneficiary, env)}"
        if c.bearer is not None:
            out += f" by {value(c.bearer, env)}"
        return out
    if isinstance(c, A.Not):
        return "not " + cond(c.item, env, top=False)
    if isinstance(c, (A.And, A.Or)):
        word = " and " if isinstance(c, A.And) else " or "
        parts = [cond(i, env, top=False) for i in c.items]
        text = word.join(parts)
        return text if top else f"({text})"
    raise AssertionError(c)  # pragma: no cover
