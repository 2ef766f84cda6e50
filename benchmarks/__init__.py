"""Performance benchmarks of the billing client: each figure next to a baseline measured in
the same run (``python -m benchmarks``, see ``docs/performance.md``). Not a product package."""
