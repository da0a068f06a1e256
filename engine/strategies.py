"""Hypothesis strategies for casus, public under this name (`from engine import strategies as cs`);
they live with the analyses that use them, in engine/analysis/strategies.py."""

from engine.analysis.strategies import *  # noqa: F401,F403
from engine.analysis.strategies import __all__  # noqa: F401
