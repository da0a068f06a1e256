"""Reading and running: loading files (with the cache), JSON scenarios, JSON Lines batches."""
