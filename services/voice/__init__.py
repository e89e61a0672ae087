"""The voice channel's per-call state (services/voice/calls.py) and the summary a
human agent gets when a call is transferred (services/voice/summary.py)."""
