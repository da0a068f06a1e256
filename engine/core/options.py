"""Which of the engine's equivalent ways to an answer a run takes: the public switch for them.

The walk (`engine.core.evaluate.TreatyRun`) is the definition. Beside it:

- `skip_dormant`: a trigger that holds for good once it holds is found by bisection, so that the
  dormant stretch before it is passed over (`Schedule.skip_dormant`, engine/core/schedule.py;
  one search for the instances whose parties see the same facts; a text that does not apply
  under the reading is not walked at all);
- `predicates`: other triggers and `upon` prerequisites become cheap tests of their parts
  (`Schedule.predicate`; `ongoing` as the runs of days its facts are under way) instead of being
  solved in full at every instant;
- `share_alike`: bearers that cannot be told apart share one evaluation (`Schedule.alike_key`:
  memberships count from the first fact the instance can read; a twin says why it ended with
  its own name);
- `direct_simple`: a provision whose instances can only go from dormant to active for good is
  worked out from its facts' first days, without walking instants (`DirectPath.run`, engine/core/direct.py);
- `compiled`: batch runs evaluate the treaties it can compile with generated code
  (engine/core/compiled/) instead of the engine: CSV whole, the result JSON with the solver's
  `because` and `missing` at one instant per instance (engine/core/explained.py).

Each gives exactly what the plain walk gives; the default (all on) is what casus does, and
`EvalOptions.plain()` turns every one off. `counts`, when given, is told which ways were taken
(tests use it to show that a mode was really exercised); it is not part of the options' identity.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from engine.base.record import record


@dataclass
class Counts:
    """How often each way was taken, summed over the runs that were given this object."""

    walked: int = 0  # provisions walked instant by instant
    direct: int = 0  # provisions worked out directly (`direct_simple`)
    bisected: int = 0  # instances whose dormant stretch was found by bisection (`skip_dormant`)
    predicates: int = 0  # instances whose trigger or prerequisite became a cheap test (`predicates`)
    shared: int = 0  # instances that took an alike bearer's evaluation (`share_alike`)
    compiled: int = 0  # batch scenarios whose compiled treaties ran generated code (`compiled`)
    csv_engine: int = 0  # batch CSV scenarios evaluated by the engine alone
    json_engine: int = 0  # batch result JSON scenarios evaluated by the engine alone
    leaving: int = 0  # compiled treaties of a batch scenario run with a party leaving (`Program.leaving`)
    rewalked: int = 0  # compiled treaties of a batch JSON scenario walked by the engine (engine/core/explained.py)
    parallel: int = 0  # batch chunks evaluated in worker processes

    def add(self, other: Counts) -> None:
        """Add another count (a worker process's) to this one."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@record
class EvalOptions:
    """Which shortcuts and backends the engine may take (all of them by default)."""

    skip_dormant: bool = True
    predicates: bool = True
    share_alike: bool = True
    direct_simple: bool = True
    compiled: bool = True
    counts: Counts | None = field(default=None, compare=False, repr=False)

    @classmethod
    def plain(cls, counts: Counts | None = None) -> EvalOptions:
        """The walk alone: every shortcut and backend off."""
        return cls(skip_dormant=False, predicates=False, share_alike=False, direct_simple=False,
                   compiled=False, counts=counts)

    def counting(self) -> EvalOptions:
        """The same options with a fresh `Counts` (read it back as `.counts`)."""
        return dataclasses.replace(self, counts=Counts())


DEFAULT = EvalOptions()
_CURRENT: ContextVar[EvalOptions] = ContextVar("casus_eval_options", default=DEFAULT)


def current() -> EvalOptions:
    """The options a run given none takes: `DEFAULT`, or those of the innermost `using` block."""
    return _CURRENT.get()


@contextlib.contextmanager
def using(options: EvalOptions) -> Iterator[EvalOptions]:
    """Within the block, runs given no options take these: for code that evaluates on its own
    (the analyses: fuzz, explain, diff, ...) and does not pass options through."""
    token = _CURRENT.set(options)
    try:
        yield options
    finally:
        _CURRENT.reset(token)


__all__ = ["DEFAULT", "Counts", "EvalOptions", "current", "using"]
