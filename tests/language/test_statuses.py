"""The status names have one home (engine/language/statuses.py); what the language accepts and
says about them follows it."""

from __future__ import annotations

import re

from engine.base.paths import grammar_path
from engine.kernel import lifecycle
from engine.language import library, statuses
from engine.language.statuses import ACTIVATED, DORMANT, LISTED, STATES, STATUSES, TERMINAL


def test_the_derived_lists_follow_the_statuses() -> None:
    assert len(set(STATUSES)) == len(STATUSES) and DORMANT in STATUSES
    assert LISTED == tuple(s for s in STATUSES if s != DORMANT)
    assert set(STATES) == set(LISTED) | {ACTIVATED} and ACTIVATED not in STATUSES
    assert TERMINAL < set(LISTED) and set(statuses.STATUS_ORDER) == set(LISTED)


def test_the_lifecycle_uses_the_home() -> None:
    assert lifecycle.STATUSES is STATUSES and lifecycle.TERMINAL is TERMINAL
    assert lifecycle.STATUS_ORDER is statuses.STATUS_ORDER
    # what the lifecycle can reach from dormant, under every modality, is named in the home, and
    # every status is reached
    reached = {leaf.status for m in ("obligation", "prohibition", "permission", "right")
               for _, _, tr in lifecycle.machine(m).trees for leaf in lifecycle.leaves(tr)}
    assert reached == set(STATUSES)

def test_the_grammar_state_words_are_the_state_reference_words() -> None:
    text = grammar_path().read_text(encoding="utf-8")
    line = re.search(r"^STATE:(.*)$", text, re.M)
    assert line is not None
    assert set(re.findall(r'"(\w+)"', line.group(1))) == set(STATES)


def test_the_expect_hint_names_every_listed_status_once() -> None:
    assert library.EXPECT_HINT.startswith("expect ")
    words = re.split(r", | or ", library.EXPECT_HINT.removeprefix("expect "))
    assert sorted(words) == sorted(LISTED)
