"""The engine both `check` and `fix` run on: one pipeline (awaitify.engine.pipeline) and what keeps
its work small (the worker pool, the cache, sync bodies read lazily, hidden bodies, fewer garbage
collections). Rules know none of it: they see a summary store and an index that behave as if every
file had been read whole (docs/performance.md)."""
