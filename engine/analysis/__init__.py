"""Questions asked of the engine: expectations, explain, counterfactuals, diff, lint, fuzz and its
strategies, classify, sweep."""
