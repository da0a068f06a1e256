"""Evaluation: a scenario's facts, the engine that moves instances through their statuses, its
compiled backend, and the result records."""
