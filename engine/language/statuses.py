"""The status names (SPEC "Instances and status"), defined once, for every stage.

They live in the language stage, the lowest that needs them (the checker reads state references
and `expect` lines), so that every stage above may import them: the kernel's lifecycle
(engine/kernel/lifecycle.py) moves instances between them, the result JSON (engine/core/model.py)
lists them, the diagrams (engine/present/graph.py) colour them. A new status is added here, with
its colour in graph.STATUS_STYLE; tests/language/test_statuses.py says what else must follow it
(the grammar's STATE terminal, the checker's hint)."""

from __future__ import annotations

DORMANT = "dormant"
PENDING = "pending"
ACTIVE = "active"
FULFILLED = "fulfilled"
VIOLATED = "violated"
DISCHARGED = "discharged"
SUSPENDED = "suspended"
DEFEATED = "defeated"
# was pending, and its triggering situation ended before the prerequisites were met (a request
# that comes after the threat is over); not terminal: a new trigger brings it back
LAPSED = "lapsed"

STATUSES = (DORMANT, PENDING, ACTIVE, FULFILLED, VIOLATED, DISCHARGED, SUSPENDED, DEFEATED, LAPSED)
# once there, an instance stays there
TERMINAL = frozenset({FULFILLED, VIOLATED, DISCHARGED})
# the statuses a listed instance can have, the most pressing first: the order of legends and summaries
STATUS_ORDER = (VIOLATED, ACTIVE, FULFILLED, PENDING, DEFEATED, SUSPENDED, LAPSED, DISCHARGED)
# the statuses a listed (not dormant) instance can have, in lifecycle order: the result JSON's
# `status` and the statuses an `expect` line may name
LISTED = tuple(s for s in STATUSES if s != DORMANT)

# not a status: "has been active", which a state reference may ask (`activated for`)
ACTIVATED = "activated"
# the words of a state reference (`X.p active for ...`) and of the grammar's STATE terminal: the
# listed statuses and `activated`
STATES = (*LISTED, ACTIVATED)

__all__ = ["ACTIVATED", "ACTIVE", "DEFEATED", "DISCHARGED", "DORMANT", "FULFILLED", "LAPSED", "LISTED", "PENDING",
           "STATES",
           "STATUSES", "STATUS_ORDER", "SUSPENDED", "TERMINAL", "VIOLATED"]
