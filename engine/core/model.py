"""The result JSON (SPEC "Result JSON", firm) as pydantic models; the JSON Schema published in
`docs/result.schema.json` is generated from these. engine/core/records.py builds them, and the same
fields as plain records for output that is not JSON."""

from __future__ import annotations

import sys
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.core import records
from engine.core.evaluate import Evaluation, InstanceRun
from engine.language.library import Library

# engine/language/statuses.py's LISTED, spelt out: mypy accepts no Literal built from a tuple. The
# published JSON Schema's enum keeps this order; tests/core/test_model.py holds the two equal.
Status = Literal["pending", "active", "fulfilled", "violated", "discharged", "suspended", "defeated", "lapsed"]


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
    version: str | None  # the dated text of the provision that applied (None: it has one text)
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
    says: str | None = None  # the scenario's own plain-language line (`says "..."`), null when it has none


class Result(_Model):
    schema_: Literal["casus.result/1"] = Field("casus.result/1", alias="schema")
    scenario: ScenarioInfo
    results: list[TreatyResult]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def because_items(run: InstanceRun) -> list[Because]:
    return records.because_items(run, _KINDS)


def instance_model(lib: Library, run: InstanceRun) -> Instance:
    return records.instance(lib, run, _KINDS)


def result_model(lib: Library, ev: Evaluation) -> Result:
    return records.result(lib, ev, _KINDS)


_KINDS = sys.modules[__name__]  # the classes engine.core.records builds: these models
