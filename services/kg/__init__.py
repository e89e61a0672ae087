"""Knowledge-graph service: FAQ search and per-topic facts (see service.py, api.py)."""
