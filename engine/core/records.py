"""The result of a run as plain records, without pydantic: the same fields, built by the same
code, as the models of the result JSON (engine/core/model.py), for what only reads them — the
terminal table, Markdown, `expect` lines, explanations. Importing pydantic and building its
models costs a start-up of `casus run` about a tenth of a second; only JSON output needs them.

The builders take the classes to build (`kinds`: this module, or engine.core.model), so that the
plain records and the JSON models cannot drift apart."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from engine.core.evaluate import Evaluation, InstanceRun, instance_terms, qualifier_words, strength
from engine.kernel.facts import Scenario
from engine.language import ast as A
from engine.language.build import iso
from engine.language.library import Library


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


# the fields in the order of the JSON (engine/core/model.py)
class Because(_Record):
    __slots__ = ("atom", "fact", "source")


class TimelineEntry(_Record):
    __slots__ = ("date", "status")


class Instance(_Record):
    __slots__ = (  # noqa: RUF023
        "provision", "article", "modality", "action", "bearer", "beneficiary", "status", "strength", "activated",
        "since", "qualifiers", "version", "because", "missing", "timeline")


class TreatyResult(_Record):
    __slots__ = ("treaty", "title", "instances")  # noqa: RUF023


class ScenarioInfo(_Record):
    __slots__ = ("name", "interpretation", "source", "says")  # noqa: RUF023


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
            from engine.language.render import cond

            out.append(make(atom=cond(ref, run.env), fact=text, source=source))
    return out


def instance(lib: Library, run: InstanceRun, kinds: Any = None) -> Any:
    k = kinds or _KINDS
    p = run.provision
    assert p.then is not None and run.since is not None
    terms = instance_terms(lib.treaties[run.treaty], run) if run.treaty in lib.treaties else ()
    return k.Instance(
        provision=p.id, article=p.article, modality=p.then.modality, action=p.then.action.kind,
        bearer=run.bearer, beneficiary=run.beneficiary, status=run.status,
        strength=strength(p, lib, terms),
        activated=iso(run.activated), since=iso(run.since) or "",
        qualifiers=qualifier_words(p.then, terms), version=p.version.name if p.version is not None else None,
        because=because_items(run, k), missing=list(run.missing),
        timeline=[k.TimelineEntry(date=iso(d) or "", status=s) for d, s in run.timeline],
    )


def scenario_says(scenario: Any) -> str | None:
    """The scenario's own plain-language line (`says "..."` in its file), None when it has none
    (JSON scenarios and batch lines have none)."""
    decl = getattr(scenario, "decl", None)
    return getattr(decl, "says", None)


def result(lib: Library, ev: Evaluation, kinds: Any = None) -> Any:
    """The result of an evaluation: plain records, or (kinds=engine.core.model) the JSON models."""
    k = kinds or _KINDS
    return k.Result(
        scenario=k.ScenarioInfo(name=ev.scenario.name, interpretation=ev.interpretation, source=ev.scenario.source,
                                says=scenario_says(ev.scenario)),
        results=[k.TreatyResult(treaty=o.treaty.id, title=o.treaty.title,
                                instances=[instance(lib, r, k) for r in o.instances]) for o in ev.outcomes],
    )


# ---------------------------------------------------------------------------- compact JSON

def result_json(lib: Library, ev: Evaluation) -> str:
    """The result JSON of an evaluation on one line: the same text, byte for byte, as
    `engine.core.model.result_model(lib, ev).model_dump_json(by_alias=True)` (a test holds them
    together), written directly: every string through the `json` module's own string encoder
    (the one `json.dumps(…, ensure_ascii=False)` uses), the parts that depend on a provision
    alone written once per provision. Batch output writes one of these per scenario: building
    pydantic models cost about a fifth of a scenario's time, dicts and `json.dumps` a tenth."""
    return outcomes_json(lib, ev.scenario, ev.interpretation, [(o.treaty, o.instances) for o in ev.outcomes])


def outcomes_json(lib: Library, scenario: Scenario, interpretation: str,
                  outcomes: Sequence[tuple[A.TreatyDecl, Sequence[InstanceRun]]]) -> str:
    """`result_json` of a scenario under an interpretation, from each treaty's listed instances."""
    says = scenario_says(scenario)
    says_json = "null" if says is None else _S(says)
    results = []
    written: dict[tuple[int, int], str] = {}
    timelines: dict[int, str] = {}
    for treaty, runs in outcomes:
        instances = []
        for run in runs:
            head, tail, quals = _head(lib, run.provision)
            terms = instance_terms(treaty, run)
            if terms:  # the bearer's reservation adds qualifiers: its strength and qualifiers are its own
                p = run.provision
                assert p.then is not None
                tail = f',"strength":{_S(strength(p, lib, terms))}'
                quals = f',"qualifiers":[{",".join(_S(q) for q in qualifier_words(p.then, terms))}]'
            version = "null" if run.provision.version is None else _S(run.provision.version.name)
            # alike instances share their proofs, env and timeline (engine/core/explained.py): each
            # is written once (the objects live as long as `outcomes`, so their ids are theirs)
            key = (id(run.because), id(run.env))
            because = written.get(key)
            if because is None:
                because = written[key] = _because(run.because, run.env)
            activated = "null" if run.activated is None else f'"{_iso(run.activated)}"'
            since = _iso(run.since) or ""
            timeline = timelines.get(id(run.timeline))
            if timeline is None:
                timeline = timelines[id(run.timeline)] = ",".join(
                    [f'{{"date":"{_iso(d) or ""}","status":{_S(st)}}}' for d, st in run.timeline])
            missing = ",".join([_S(m) for m in run.missing])
            instances.append(
                f'{head},"bearer":{_S(run.bearer)},"beneficiary":{_S(run.beneficiary)},"status":{_S(run.status)}'
                f'{tail},"activated":{activated},"since":"{since}"{quals},"version":{version}'
                f',"because":[{because}]'
                f',"missing":[{missing}],"timeline":[{timeline}]}}')
        results.append(f'{{"treaty":{_S(treaty.id)},"title":{_S(treaty.title)},"instances":[{",".join(instances)}]}}')
    return (f'{{"schema":"casus.result/1","scenario":{{"name":{_S(scenario.name)},"interpretation":'
            f'{_S(interpretation)},"source":{_S(scenario.source)},"says":{says_json}}},'
            f'"results":[{",".join(results)}]}}')


def _because(proofs: Sequence[Any], env: dict[str, str]) -> str:
    """The items of `because` (without the brackets) of an instance's proofs under its env."""
    out = []
    for proof in proofs:
        if proof[0] == "fact":
            atom, fact = proof[1], proof[2]
            out.append(f'{{"atom":{_S(_render(atom, env))},"fact":{_S(fact.text)},"source":{_S(fact.source)}}}')
        else:
            from engine.language.render import cond

            out.append(f'{{"atom":{_S(cond(proof[1], env))},"fact":{_S(proof[2])},"source":{_S(proof[3])}}}')
    return ",".join(out)


# ---------------------------------------------------------------------------- CSV

CSV_COLUMNS = ("scenario", "treaty", "provision", "article", "bearer", "beneficiary", "status", "activated",
               "since")
CSV_HEADER = ",".join(CSV_COLUMNS)


def result_csv(ev: Evaluation) -> list[str]:
    """`casus run --format csv`: one line (no newline) per listed instance, in the order of the
    result JSON, with the columns CSV_COLUMNS: the instance's key, its final status, its first
    activation date (empty when none) and the date its status began. Only the scenario's name
    and an article can need quoting (`csv_field`). (In a batch, a scenario without a name is
    named FILE:LINE.)"""
    lead = csv_field(ev.scenario.name)
    out = []
    for o in ev.outcomes:
        tid = o.treaty.id
        for run in o.instances:
            p = run.provision
            out.append(f"{lead},{tid},{p.id},{csv_field(p.article)},{run.bearer},{run.beneficiary},{run.status},"
                       f"{_iso(run.activated) or ''},{_iso(run.since) or ''}")
    return out


_FORMULA_FIRST = frozenset("=+-@\t\r")  # what a spreadsheet may read as the start of a formula


def spreadsheet_cell(text: str) -> str:
    """A CSV text cell that no spreadsheet runs as a formula (docs/formats.md): text starting with
    `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, unless it is a number
    (`-3`, `+1.5e3` are data, not formulas). Everything else is unchanged."""
    if text[:1] not in _FORMULA_FIRST:
        return text
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


def csv_field(text: str) -> str:
    """A CSV field: text a spreadsheet would run as a formula gets a leading `'` (the rule of
    `spreadsheet_cell`, docs/formats.md); then quoted when it holds a comma, a quote or a line
    break (CR or LF), quotes doubled; `csv.reader` and pandas read it back unchanged."""
    if text[:1] in _FORMULA_FIRST:  # rare: the test first keeps the common case to one lookup
        text = spreadsheet_cell(text)
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


_S = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str
_HEADS: dict[int, tuple[object, tuple[str, str, str]]] = {}
_RENDERED: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[object, str]] = {}
_ISO: dict[int, str] = {}


def _head(lib: Library, p: Any) -> tuple[str, str, str]:
    """The JSON an instance takes from its provision alone (worked out once per provision of a
    library): its first four fields, its strength and its qualifiers."""
    entry = _HEADS.get(id(p))
    if entry is None or entry[0] is not p:
        if len(_HEADS) > 20_000:
            _HEADS.clear()
        assert p.then is not None
        head = (f'{{"provision":{_S(p.id)},"article":{_S(p.article)},"modality":{_S(p.then.modality)},'
                f'"action":{_S(p.then.action.kind)}')
        quals = ",".join(_S(q) for q in qualifier_words(p.then))
        entry = _HEADS[id(p)] = (p, (head, f',"strength":{_S(strength(p, lib))}', f',"qualifiers":[{quals}]'))
    return entry[1]


def _render(atom: Any, env: dict[str, str]) -> str:
    """`atom.render(env)`, remembered: the same few atoms and bindings recur in every scenario."""
    key = (id(atom), tuple(env.items()))
    entry = _RENDERED.get(key)
    if entry is None or entry[0] is not atom:
        if len(_RENDERED) > 100_000:
            _RENDERED.clear()
        entry = _RENDERED[key] = (atom, atom.render(env))
    return entry[1]


def _iso(ordinal: int | None) -> str | None:
    if ordinal is None:
        return None
    text = _ISO.get(ordinal)
    if text is None:
        if len(_ISO) > 100_000:
            _ISO.clear()
        text = _ISO[ordinal] = iso(ordinal)
    return text


_KINDS = sys.modules[__name__]
