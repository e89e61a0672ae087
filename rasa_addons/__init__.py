"""Small extensions loaded by the Rasa server (Python 3.10 venv, PYTHONPATH = the repo),
named in the endpoints file scripts/stack.py writes."""
