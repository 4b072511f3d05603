"""Helpers of the performance benchmark (``benchmarks/run.py``, issue 5).

One module per concern: the corpus, the query set, measuring, each engine, the report.
"""
