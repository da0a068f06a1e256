"""The README's example of a rule author's own property test, exactly as printed there: if this
file and the README disagree, tests/test_readme.py says so."""

from hypothesis import given, settings

import engine
from engine import strategies as cs

LIB = engine.load_library()


@settings(max_examples=50, deadline=None)
@given(cs.scenarios(LIB, "ru_by_2024"))
def test_no_duty_to_assist_belarus_without_a_request(scenario):
    result = engine.run(LIB, scenario, ["ru_by_2024"])
    requested = {f.roles["from"] for f in scenario.facts if f.kind == "request" and f.roles.get("for") == "assist"}
    for i in result.results[0].instances:
        if i.provision == "art4_2b" and i.activated is not None:
            assert i.beneficiary in requested
