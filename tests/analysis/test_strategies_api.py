"""engine.strategies (issue 16 item 12): every public strategy and helper takes a treaty id, as the
README shows (`dates(LIB, "nato_1949")` used to raise AttributeError), and gives what it gives
for the treaty's declaration."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import strategies as cs

LIB = engine.load_library()
NATO = LIB.treaties["nato_1949"]


def test_helpers_take_an_id_or_a_declaration() -> None:
    assert cs.key_dates(LIB, "nato_1949") == cs.key_dates(LIB, NATO)
    assert cs.treaty_kinds(LIB, "nato_1949") == cs.treaty_kinds(LIB, NATO)
    assert cs.treaty_territories(LIB, "nato_1949") == cs.treaty_territories(LIB, NATO)
    assert cs.outsider(LIB, "nato_1949") == cs.outsider(NATO)
    assert cs.outsider(NATO) not in {m.party.code for m in NATO.members}


def test_an_unknown_id_names_the_treaty() -> None:
    with pytest.raises(ValueError, match="no treaty 'nato_1894'"):
        cs.dates(LIB, "nato_1894")


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_every_public_strategy_takes_a_treaty_id(data: st.DataObject) -> None:
    keys = cs.key_dates(LIB, "nato_1949")
    day = data.draw(cs.dates(LIB, "nato_1949"))
    assert min(abs(day - k) for k in keys) <= 400
    assert data.draw(cs.parties(LIB, "nato_1949")) in {m.party.code for m in NATO.members} | {cs.outsider(NATO)}
    assert data.draw(cs.territories(LIB, "nato_1949")) in cs.treaty_territories(LIB, NATO)
    fact = data.draw(cs.facts(LIB, "nato_1949"))
    assert fact.kind in cs.treaty_kinds(LIB, "nato_1949")
    scenario = data.draw(cs.scenarios(LIB, "nato_1949", max_facts=3))
    assert 1 <= len(scenario.facts) <= 3


CONSTRUCTS = ("ongoing", "during", "overlapping", "within", "territory of", "administered by", "in scope",
              "against:", "is a state", "version")


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cs.treaty_texts(), st.data())
def test_generated_treaties_load_and_every_mode_agrees(tmp_path_factory: pytest.TempPathFactory, text: str,
                                                      data: st.DataObject) -> None:
    """`treaty_texts` writes treaties that load (the constructs of the language as the library
    uses it), and on scenarios drawn for them the walk alone and every shortcut give the same
    result."""
    from engine.core.options import EvalOptions

    path = tmp_path_factory.mktemp("gen") / "gen.casus"
    path.write_text(text, encoding="utf-8")
    lib = engine.load_library([str(path)])
    scenario = data.draw(cs.scenarios(lib, "gen", max_facts=5))
    plain = engine.run(lib, scenario, ["gen"], options=EvalOptions.plain()).to_json()
    assert engine.run(lib, scenario, ["gen"]).to_json() == plain


def test_generated_treaties_use_the_languages_constructs() -> None:
    """Over a fixed sample, every construct the library relies on appears in some treaty."""
    seen: set[str] = set()

    @settings(max_examples=150, derandomize=True, database=None, deadline=None)
    @given(cs.treaty_texts())
    def collect(text: str) -> None:
        seen.update(c for c in CONSTRUCTS if c in text)

    collect()
    assert seen == set(CONSTRUCTS)
