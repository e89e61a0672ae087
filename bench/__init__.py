"""Benchmarks: `make bench` (the load generator, bench/load.py; the knowledge-graph search, bench/kg_search.py)."""
