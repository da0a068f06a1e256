"""Ground every stage stands on: source files and spans, errors with stable codes, where the
bundled data lives, the on-disk cache."""

__version__ = "0.1.0"  # the distribution's version (pyproject.toml); part of every cache key
