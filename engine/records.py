"""The result of a run as plain records, without pydantic: the same fields, built by the same
code, as the models of the result JSON (engine/model.py), for what only reads them — the
terminal table, Markdown, `expect` lines, explanations. Importing pydantic and building its
models costs a start-up of `casus run` about a tenth of a second; only JSON output needs them.

The builders take the classes to build (`kinds`: this module, or engine.model), so that the
plain records and the JSON models cannot drift apart."""

from __future__ import annotations

import json
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


# ---------------------------------------------------------------------------- compact JSON

def result_json(lib: Library, ev: Evaluation) -> str:
    """The result JSON of an evaluation on one line: the same text, byte for byte, as
    `engine.model.result_model(lib, ev).model_dump_json(by_alias=True)` (a test holds them
    together), built from plain dicts with the standard `json` module. Batch output writes one
    of these per scenario: building pydantic models cost about a fifth of a scenario's time."""
    scenario = ev.scenario
    results = []
    for o in ev.outcomes:
        instances = []
        for run in o.instances:
            p = run.provision
            head, strong, qualifiers = _head(lib, p)
            env = run.env
            because = []
            for proof in run.because:
                if proof[0] == "fact":
                    because.append({"atom": proof[1].render(env), "fact": proof[2].text, "source": proof[2].source})
                else:
                    from .render import cond

                    because.append({"atom": cond(proof[1], env), "fact": proof[2], "source": proof[3]})
            instances.append({
                **head, "bearer": run.bearer, "beneficiary": run.beneficiary, "status": run.status,
                "strength": strong, "activated": _iso(run.activated), "since": _iso(run.since) or "",
                "qualifiers": list(qualifiers),
                "because": because, "missing": list(run.missing),
                "timeline": [{"date": _iso(d) or "", "status": st} for d, st in run.timeline]})
        results.append({"treaty": o.treaty.id, "title": o.treaty.title, "instances": instances})
    return _DUMPS({"schema": "casus.result/1",
                   "scenario": {"name": scenario.name, "interpretation": ev.interpretation, "source": scenario.source},
                   "results": results})


_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_HEADS: dict[int, tuple[object, tuple[dict[str, Any], str, tuple[str, ...]]]] = {}
_ISO: dict[int, str] = {}


def _head(lib: Library, p: Any) -> tuple[dict[str, Any], str, tuple[str, ...]]:
    """What an instance's fields take from its provision alone (worked out once per provision of
    a library: its first four fields, its strength and its qualifiers)."""
    entry = _HEADS.get(id(p))
    if entry is None or entry[0] is not p:
        if len(_HEADS) > 20_000:
            _HEADS.clear()
        assert p.then is not None
        head = {"provision": p.id, "article": p.article, "modality": p.then.modality, "action": p.then.action.kind}
        entry = _HEADS[id(p)] = (p, (head, strength(p, lib), tuple(qualifier_words(p.then))))
    return entry[1]


def _iso(ordinal: int | None) -> str | None:
    if ordinal is None:
        return None
    text = _ISO.get(ordinal)
    if text is None:
        if len(_ISO) > 100_000:
            _ISO.clear()
        text = _ISO[ordinal] = iso(ordinal)  # type: ignore[assignment]
    return text


_KINDS = sys.modules[__name__]
