"""The channels customers reach PowerDesk on: the one list every part refers to."""
from __future__ import annotations

WEB, WECHAT, VOICE = "web", "wechat", "voice"
CHANNELS = (WEB, WECHAT, VOICE)
