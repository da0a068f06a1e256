"""The result of a run as plain records, without pydantic: the same fields, built by the same
code, as the models of the result JSON (engine/model.py), for what only reads them — the
terminal table, Markdown, `expect` lines, explanations. Importing pydantic and building its
models costs a start-up of `casus run` about a tenth of a second; only JSON output needs them.

The builders take the classes to build (`kinds`: this module, or engine.model), so that the
plain records and the JSON models cannot drift apart."""

from __future__ import annotations

import sys
from typing import Any

from .build import iso
from .evaluate import Evaluation, InstanceRun, qualifier_words, strength
from .library import Library


class _Record:
    """Keyword-only fields, named in `__slots__`; equal when of one class with equal fields."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, **fields: Any) -> None:
        for name in self.__slots__:
            try:
                setattr(self, name, fields.pop(name))
            except KeyError:
                raise TypeError(f"{type(self).__name__}: missing field '{name}'") from None
        if fields:
            raise TypeError(f"{type(self).__name__}: unknown field(s) {', '.join(sorted(fields))}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"


# the fields in the order of the JSON (engine/model.py)
class Because(_Record):
    __slots__ = ("atom", "fact", "source")


class TimelineEntry(_Record):
    __slots__ = ("date", "status")


class Instance(_Record):
    __slots__ = (  # noqa: RUF023
        "provision", "article", "modality", "action", "bearer", "beneficiary", "status", "strength", "activated",
        "since", "qualifiers", "because", "missing", "timeline")


class TreatyResult(_Record):
    __slots__ = ("treaty", "title", "instances")  # noqa: RUF023


class ScenarioInfo(_Record):
    __slots__ = ("name", "interpretation", "source")  # noqa: RUF023


class Result(_Record):
    __slots__ = ("scenario", "results")  # noqa: RUF023


def because_items(run: InstanceRun, kinds: Any = None) -> list[Any]:
    """Why an instance is in its state: (atom, fact, source) for each proof."""
    make = (kinds or _KINDS).Because
    out = []
    for proof in run.because:
        if proof[0] == "fact":
            _, atom, fact = proof
            out.append(make(atom=atom.render(run.env), fact=fact.text, source=fact.source))
        else:
            _, ref, text, source = proof
            from .render import cond

            out.append(make(atom=cond(ref, run.env), fact=text, source=source))
    return out


def instance(lib: Library, run: InstanceRun, kinds: Any = None) -> Any:
    k = kinds or _KINDS
    p = run.provision
    assert p.then is not None and run.since is not None
    return k.Instance(
        provision=p.id, article=p.article, modality=p.then.modality, action=p.then.action.kind,
        bearer=run.bearer, beneficiary=run.beneficiary, status=run.status,
        strength=strength(p, lib),
        activated=iso(run.activated), since=iso(run.since) or "",
        qualifiers=qualifier_words(p.then), because=because_items(run, k), missing=list(run.missing),
        timeline=[k.TimelineEntry(date=iso(d) or "", status=s) for d, s in run.timeline],
    )


def result(lib: Library, ev: Evaluation, kinds: Any = None) -> Any:
    """The result of an evaluation: plain records, or (kinds=engine.model) the JSON models."""
    k = kinds or _KINDS
    return k.Result(
        scenario=k.ScenarioInfo(name=ev.scenario.name, interpretation=ev.interpretation, source=ev.scenario.source),
        results=[k.TreatyResult(treaty=o.treaty.id, title=o.treaty.title,
                                instances=[instance(lib, r, k) for r in o.instances]) for o in ev.outcomes],
    )


_KINDS = sys.modules[__name__]
