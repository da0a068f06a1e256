"""The result JSON (SPEC "Result JSON", firm) as pydantic models; the JSON Schema published in
`docs/result.schema.json` is generated from these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .build import iso
from .evaluate import Evaluation, InstanceRun, qualifier_words, strength
from .library import Library

Status = Literal["pending", "active", "fulfilled", "violated", "discharged", "suspended", "defeated"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Because(_Model):
    atom: str
    fact: str
    source: str


class TimelineEntry(_Model):
    date: str
    status: str


class Instance(_Model):
    provision: str
    article: str
    modality: Literal["obligation", "prohibition", "permission", "right"]
    action: str
    bearer: str
    beneficiary: str
    status: Status
    strength: Literal["automatic", "conditional", "discretionary", "procedural"]
    activated: str | None
    since: str
    qualifiers: list[str]
    because: list[Because]
    missing: list[str]
    timeline: list[TimelineEntry]


class TreatyResult(_Model):
    treaty: str
    title: str
    instances: list[Instance]


class ScenarioInfo(_Model):
    name: str
    interpretation: str
    source: str


class Result(_Model):
    schema_: Literal["casus.result/1"] = Field("casus.result/1", alias="schema")
    scenario: ScenarioInfo
    results: list[TreatyResult]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def because_items(run: InstanceRun) -> list[Because]:
    out = []
    for proof in run.because:
        if proof[0] == "fact":
            _, atom, fact = proof
            out.append(Because(atom=atom.render(run.env), fact=fact.text, source=fact.source))
        else:
            _, ref, text, source = proof
            from .render import cond

            out.append(Because(atom=cond(ref, run.env), fact=text, source=source))
    return out


def instance_model(lib: Library, run: InstanceRun) -> Instance:
    p = run.provision
    assert p.then is not None and run.since is not None
    return Instance(
        provision=p.id, article=p.article, modality=p.then.modality, action=p.then.action.kind,  # type: ignore[arg-type]
        bearer=run.bearer, beneficiary=run.beneficiary, status=run.status,  # type: ignore[arg-type]
        strength=strength(p, lib),  # type: ignore[arg-type]
        activated=iso(run.activated), since=iso(run.since) or "",
        qualifiers=qualifier_words(p.then), because=because_items(run), missing=list(run.missing),
        timeline=[TimelineEntry(date=iso(d) or "", status=s) for d, s in run.timeline],
    )


def result_model(lib: Library, ev: Evaluation) -> Result:
    return Result(
        scenario=ScenarioInfo(name=ev.scenario.name, interpretation=ev.interpretation, source=ev.scenario.source),
        results=[TreatyResult(treaty=o.treaty.id, title=o.treaty.title,
                              instances=[instance_model(lib, r) for r in o.instances]) for o in ev.outcomes],
    )
