"""The kernel: the semantics, defined once, that every evaluator and analysis shares — what a
scenario's facts are, which of them a treaty sees, what a condition is made of, and how an
instance moves between statuses."""
