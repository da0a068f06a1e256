"""The result JSON's `status` is the home's list of listed statuses (engine/language/statuses.py),
spelt out as a `Literal` for mypy and the published JSON Schema."""

from __future__ import annotations

import json
import typing
from pathlib import Path

from engine.core.model import Instance, Status
from engine.language.statuses import LISTED

ROOT = Path(__file__).resolve().parents[2]


def test_the_status_literal_is_the_listed_statuses_in_order() -> None:
    assert typing.get_args(Status) == LISTED


def test_the_published_schema_enumerates_them_in_that_order() -> None:
    schema = json.loads((ROOT / "docs" / "result.schema.json").read_text(encoding="utf-8"))
    enums = [p["enum"] for d in schema.get("$defs", {}).values() for k, p in d.get("properties", {}).items()
             if k == "status" and "enum" in p]
    assert enums == [list(LISTED)]
    assert Instance.model_fields["status"].annotation == Status
